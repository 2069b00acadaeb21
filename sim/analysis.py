"""Plain functions from results tables to summary tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.outcomes import Outcome

QUANTILES = {"p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}
# The key of a run in every results table: future (a parameter draw) and replicate within it.
RUN = ["future", "replicate"]


def with_future(table: pd.DataFrame | None) -> pd.DataFrame | None:
    """`table` with a ``future`` column (0, the only future, in results made before futures)."""
    if table is None or "future" in table.columns or "replicate" not in table.columns:
        return table
    return table.assign(future=np.zeros(len(table), dtype="int64"))[["future", *table.columns]]


def summary_table(outcomes: pd.DataFrame, registry: dict[str, Outcome]) -> pd.DataFrame:
    """Per outcome: unit, n (replicates with a value), n_nan, mean, sd and quantiles.

    NaN marks an event that never happened (e.g. no recognition); statistics are over
    the replicates where it did, and ``n_nan`` counts the others.
    """
    return pd.DataFrame([{"outcome": name, "unit": o.unit, **describe(outcomes[name])}
                         for name, o in registry.items()])


def describe(values) -> dict:
    """n (values that are not NaN), n_nan, mean, sd and the QUANTILES of the values that are."""
    x = np.asarray(values, dtype=float).ravel()
    ok = x[~np.isnan(x)]
    row = {"n": ok.size, "n_nan": int(x.size - ok.size)}
    if ok.size:
        row |= {"mean": ok.mean(), "sd": ok.std(ddof=1) if ok.size > 1 else 0.0}
        return row | {k: float(np.quantile(ok, q)) for k, q in QUANTILES.items()}
    return row | {"mean": np.nan, "sd": np.nan} | {k: np.nan for k in QUANTILES}


def format_summary(summary: pd.DataFrame) -> str:
    """The summary as a fixed-width text table for the terminal."""
    cols = ["outcome", "unit", "mean", "sd", "p5", "p50", "p95", "n_nan"]
    return summary[cols].to_string(index=False, float_format=lambda v: f"{v:.3g}")


def paired_series(a: pd.DataFrame, b: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """a - b of a monthly series of two paired runs, as a table of dates (rows) x runs (columns
    future, replicate).

    `a` and `b` are long timeseries tables (``future``, ``replicate``, ``date``, ``outcome``,
    ``value``) of runs made with the same seeds; ValueError unless both hold the outcome for the
    same runs and dates.
    """
    wide = []
    for ts in (with_future(a), with_future(b)):
        sub = ts[ts["outcome"] == outcome]
        if sub.empty:
            raise ValueError(f"no time series '{outcome}' in one of the runs")
        wide.append(sub.pivot(index="date", columns=RUN, values="value").sort_index())
    wa, wb = wide
    if set(wa.columns) != set(wb.columns) or not wa.index.equals(wb.index):
        raise ValueError(f"the runs' '{outcome}' series cover different replicates or months; "
                         "paired differences need runs of the same seeds and horizon")
    return wa - wb[wa.columns]


def window_totals(diff: pd.DataFrame, windows: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """Per run (rows), the total of `diff` (dates x runs) over each window of
    recorded months, ``name: (first, last)`` counted from 1, last inclusive (columns)."""
    n = len(diff)
    out = {}
    for name, (first, last) in windows.items():
        if not 1 <= first <= last <= n:
            raise ValueError(f"window {name} = months {first}-{last} is outside the {n} recorded months")
        out[name] = diff.iloc[first - 1:last].sum(axis=0)
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- futures
def variance_split(outcomes: pd.DataFrame, outcome: str) -> dict:
    """How much of an outcome's variance the assumptions leave open and how much is chance.

    One-way random-effects analysis of variance over futures (Searle, Casella & McCulloch,
    *Variance Components*, 1992): ``within`` is the pooled variance of replicates about their
    future's mean (chance), ``between`` the variance of the future means less what chance
    alone puts there (within / replicates per future), floored at 0 (the assumptions).
    ``share_assumptions`` is between / (between + within). Runs where the outcome is NaN (an
    event that never happened) are left out; with one future the split is all chance.
    """
    t = with_future(outcomes)[["future", outcome]].dropna()
    groups = t.groupby("future")[outcome]
    n_f, means = groups.size(), groups.mean()
    n_futures, n_runs = len(n_f), len(t)
    out = {"futures": n_futures, "runs": n_runs, "within": np.nan, "between": np.nan, "share_assumptions": np.nan}
    if n_runs == 0:
        return out
    resid = t[outcome].to_numpy(float) - t["future"].map(means).to_numpy(float)
    within = float((resid ** 2).sum() / (n_runs - n_futures)) if n_runs > n_futures else np.nan
    if n_futures == 1:
        return out | {"within": within, "between": 0.0, "share_assumptions": 0.0}
    if not np.isfinite(within):  # one replicate per future: chance and the assumptions cannot be told apart
        return out
    n_bar = n_runs / n_futures
    between = max(0.0, float(means.var(ddof=1)) - within / n_bar)
    total = between + within
    return out | {"within": within, "between": between,
                  "share_assumptions": between / total if total > 0 else 0.0}


def future_effects(diff: pd.DataFrame) -> pd.Series:
    """The mean paired difference in each future, from a table with ``future`` and ``diff``."""
    return diff.groupby("future")["diff"].mean()


def opposite_share(effects: pd.Series) -> float:
    """The share of futures whose mean effect has the opposite sign to the mean over all of them
    (the policy backfires there); NaN when the overall mean is 0."""
    overall = float(effects.mean())
    if overall == 0 or not np.isfinite(overall):
        return np.nan
    return float(np.mean(np.sign(effects.to_numpy(float)) == -np.sign(overall)))


HARMONICS = 4           # RBD-FAST harmonics (SALib's default of 10 needs far more futures than a memo runs)
MIN_FUTURES = 32        # fewer futures than this attribute nothing
N_PERMUTATIONS = 10     # permutations of the outcome that set the noise floor of S1


def drivers(futures: pd.DataFrame, values: pd.Series, top: int = 3, seed: int = 0) -> pd.DataFrame:
    """The parameters that drive a per-future result: RBD-FAST first-order indices (SALib;
    Tarantola, Gatelli & Mara 2006, with Plischke's bias correction as SALib applies it) computed
    from the ensemble itself, the futures' drawn values (``futures.parquet``) against `values`
    (one per future).

    With hundreds of parameters and tens of futures, some index is large by chance alone; a
    parameter counts as a driver only when its S1 exceeds ``noise``, the 95th percentile over
    ``N_PERMUTATIONS`` permutations of `values` of the largest S1 any parameter reaches (that
    floor stands in for SALib's bootstrap intervals, which cost fifty times as much). Columns
    parameter, S1, noise: the `top` largest drivers; empty when there are none, fewer than
    ``MIN_FUTURES`` futures, or nothing varies."""
    from SALib.analyze import rbd_fast

    empty = pd.DataFrame(columns=["parameter", "S1", "noise"])
    table = futures.set_index("future").loc[values.index]
    y = values.to_numpy(float)
    ok = np.isfinite(y)
    if ok.sum() < MIN_FUTURES or np.ptp(y[ok]) == 0:
        return empty
    x_all = table.to_numpy(float)[ok]
    keep = np.ptp(x_all, axis=0) > 0
    names = [c for c, k in zip(table.columns, keep) if k]
    if not names:
        return empty
    x, y = x_all[:, keep], y[ok]
    problem = {"num_vars": len(names), "names": names, "bounds": [[float(c.min()), float(c.max())] for c in x.T]}
    rng = np.random.default_rng(seed)
    def s1(outcome: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(rbd_fast.analyze(problem, x, outcome, M=HARMONICS, num_resamples=2, seed=seed)["S1"],
                              float)

    noise = float(np.quantile([np.nanmax(s1(rng.permutation(y))) for _ in range(N_PERMUTATIONS)], 0.95))
    out = pd.DataFrame({"parameter": names, "S1": s1(y), "noise": noise})
    out = out[out["S1"] > noise]
    return out.sort_values("S1", ascending=False).head(top).reset_index(drop=True)
