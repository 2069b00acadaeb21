"""Plain functions from results tables to summary tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.outcomes import Outcome

QUANTILES = {"p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}


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
    """a - b of a monthly series of two paired runs, as a table of dates (rows) x replicates.

    `a` and `b` are long timeseries tables (``replicate``, ``date``, ``outcome``, ``value``) of
    runs made with the same seeds; ValueError unless both hold the outcome for the same
    replicates and dates.
    """
    wide = []
    for ts in (a, b):
        sub = ts[ts["outcome"] == outcome]
        if sub.empty:
            raise ValueError(f"no time series '{outcome}' in one of the runs")
        wide.append(sub.pivot(index="date", columns="replicate", values="value").sort_index())
    wa, wb = wide
    if set(wa.columns) != set(wb.columns) or not wa.index.equals(wb.index):
        raise ValueError(f"the runs' '{outcome}' series cover different replicates or months; "
                         "paired differences need runs of the same seeds and horizon")
    return wa - wb[wa.columns]


def window_totals(diff: pd.DataFrame, windows: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """Per replicate (rows), the total of `diff` (dates x replicates) over each window of
    recorded months, ``name: (first, last)`` counted from 1, last inclusive (columns)."""
    n = len(diff)
    out = {}
    for name, (first, last) in windows.items():
        if not 1 <= first <= last <= n:
            raise ValueError(f"window {name} = months {first}-{last} is outside the {n} recorded months")
        out[name] = diff.iloc[first - 1:last].sum(axis=0)
    return pd.DataFrame(out)
