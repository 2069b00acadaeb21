"""The numbers behind the figures: quantile bands, ECDF, threshold and paired comparisons.

All functions are plain: arrays or tables in, numbers or tables out.

NaN in an outcome marks an event that never happened within the horizon (e.g. Russia
never recognises the Taliban). Where an order is needed (ECDF, P(X > t), P(A > B)) NaN
counts as later than any value, as a time to event would; medians, intervals and
differences are over the replicates that have a value, and say how many those are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis import RUN, describe, with_future

BAND_PROBS = (0.05, 0.25, 0.5, 0.75, 0.95)  # median with 50% and 90% bands
CI_LEVEL = 0.9
N_RESAMPLES = 2000
BOOTSTRAP_SEED = 20210830  # fixed: the same tables on every call


class PairingError(ValueError):
    """Two runs whose replicates do not share their random numbers."""


def _as_float(x) -> np.ndarray:
    return np.asarray(x, dtype=float).ravel()


def quantile_bands(timeseries: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Quantiles over replicates of one outcome's monthly series: index date, one column per prob."""
    one = with_future(timeseries[timeseries["outcome"] == outcome])
    wide = one.pivot(index="date", columns=RUN, values="value").sort_index()
    q = np.nanquantile(wide.to_numpy(dtype=float), BAND_PROBS, axis=1).T
    return pd.DataFrame(q, index=wide.index, columns=list(BAND_PROBS))


def ecdf(x) -> tuple[np.ndarray, np.ndarray]:
    """Sorted values and F(v) = share of all replicates with a value <= v (NaN never counts)."""
    x = _as_float(x)
    values = np.sort(x[~np.isnan(x)])
    return values, np.arange(1, values.size + 1) / max(x.size, 1)


def prob_exceeds(x, threshold: float) -> float:
    """P(X > threshold): share of replicates above it, NaN (never) counting as above."""
    x = _as_float(x)
    if x.size == 0:
        return float("nan")
    return float(np.mean(np.isnan(x) | (x > threshold)))


def prob_greater(a, b) -> float:
    """P(A > B) over paired replicates: share with a > b, ties counted half, NaN as +infinity."""
    a = np.nan_to_num(_as_float(a), nan=np.inf)
    b = np.nan_to_num(_as_float(b), nan=np.inf)
    if a.shape != b.shape:
        raise PairingError(f"paired samples differ in size ({a.size} vs {b.size})")
    if a.size == 0:
        return float("nan")
    return float(np.mean((a > b) + 0.5 * (a == b)))


def paired_differences(a: pd.DataFrame, b: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Columns future, replicate, a, b, diff = a - b for each run of two batches of the same seeds.

    `a` and `b` are outcomes tables (``future``, ``replicate``, ``seed``, outcomes). They must
    hold the same runs with the same seeds, otherwise :class:`PairingError`.
    """
    a, b = with_future(a), with_future(b)
    ra, rb = (set(zip(t["future"], t["replicate"])) for t in (a, b))
    if ra != rb:
        raise PairingError(f"the runs hold different replicates ({len(ra)} vs {len(rb)}, "
                           f"{len(ra ^ rb)} not in both); paired differences need the same ones")
    m = a[[*RUN, "seed", outcome]].merge(b[[*RUN, "seed", outcome]], on=RUN,
                                         suffixes=("_a", "_b")).sort_values(RUN)
    if (m["seed_a"] != m["seed_b"]).any():
        raise PairingError("the runs' replicates have different seeds (different root_seed); "
                           "paired differences need runs made with the same seed")
    out = pd.DataFrame({"future": m["future"].to_numpy(), "replicate": m["replicate"].to_numpy(),
                        "a": m[f"{outcome}_a"].to_numpy(dtype=float),
                        "b": m[f"{outcome}_b"].to_numpy(dtype=float)})
    out["diff"] = out["a"] - out["b"]
    return out


def bootstrap_ci(x, level: float = CI_LEVEL, n_resamples: int = N_RESAMPLES,
                 seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean over resampled replicates.

    NaN values are dropped first; with fewer than two values the interval is (nan, nan).
    """
    x = _as_float(x)
    x = x[~np.isnan(x)]
    if x.size < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    stats = np.empty(n_resamples)
    chunk = 256  # resamples drawn per call; the chunking fixes the draw order, so the intervals depend on it
    for start in range(0, n_resamples, chunk):
        stop = min(start + chunk, n_resamples)
        stats[start:stop] = x[rng.integers(0, x.size, size=(stop - start, x.size))].mean(axis=1)
    tail = (1 - level) / 2
    lo, hi = np.quantile(stats, [tail, 1 - tail])
    return float(lo), float(hi)


def median_interval(x) -> dict:
    """n, n_nan, median and 90% interval (p5, p95) over the replicates with a value."""
    d = describe(x)
    return {"n": int(d["n"]), "n_nan": d["n_nan"], "median": d["p50"], "p5": d["p5"], "p95": d["p95"]}


def comparison_table(base: pd.DataFrame, others: dict[str, pd.DataFrame], outcomes: list[str],
                     units: dict[str, str], level: float = CI_LEVEL, n_resamples: int = N_RESAMPLES,
                     seed: int = BOOTSTRAP_SEED) -> pd.DataFrame:
    """Each scenario against the baseline, per outcome, over paired replicates.

    Columns: outcome, unit, scenario, n_pairs (replicates where both have a value),
    baseline_median, scenario_median, mean_diff (scenario - baseline) with its percentile
    bootstrap interval ci_low, ci_high at `level`, and p_scenario_gt_baseline.
    """
    rows = []
    for outcome in outcomes:
        for label, other in others.items():
            d = paired_differences(other, base, outcome)
            diff = d["diff"].dropna()
            lo, hi = bootstrap_ci(diff, level, n_resamples, seed)
            rows.append({
                "outcome": outcome, "unit": units.get(outcome, ""), "scenario": label,
                "n_pairs": int(diff.size), "baseline_median": median_interval(d["b"])["median"],
                "scenario_median": median_interval(d["a"])["median"],
                "mean_diff": float(diff.mean()) if diff.size else np.nan, "ci_low": lo, "ci_high": hi,
                "ci_level": level, "p_scenario_gt_baseline": prob_greater(d["a"], d["b"]),
            })
    return pd.DataFrame(rows)
