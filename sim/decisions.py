"""``sim-decisions RUN_DIR``: when and how often each state's decisions happen in a run.

For every decision series (outcomes named ``decision_*``, recorded monthly) it reports, over
the replicates: the mean level, the 5th-95th percentile of the replicates' mean levels, the
share of replicates in which the decision ever changed from its first month's value, the
median month of its first change (months since the start, among the replicates where it
changed) and the mean number of monthly changes per replicate. For every recognition date
(``month_*_recognizes``, ``month_first_recognition``) and the US return it reports the share
of replicates where it happened and the median month. ``--csv FILE`` also writes the table.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from sim.analysis import RUN, with_future
from sim.errors import reported
from sim.store import ResultsError, read_results

EVENTS = ("month_russia_recognizes", "month_china_recognizes", "month_uzbekistan_recognizes",
          "month_pakistan_recognizes", "month_first_recognition", "month_us_returns")


def decision_table(timeseries: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """One row per decision series and per event date of a run (see the module docstring)."""
    rows = []
    timeseries = with_future(timeseries)
    names = sorted(n for n in pd.unique(timeseries["outcome"]) if str(n).startswith("decision_"))
    for name in names:
        wide = timeseries[timeseries["outcome"] == name].pivot(index="date", columns=RUN, values="value")
        x = wide.sort_index().to_numpy(dtype=float)  # months x replicates
        changes = np.abs(np.diff(x, axis=0)) > 1e-12
        changed = changes.any(axis=0)
        first = [int(np.argmax(c)) + 1 for c in changes.T if c.any()]
        means = x.mean(axis=0)
        rows.append({"decision": name, "mean": float(x.mean()), "p5_of_means": float(np.quantile(means, 0.05)),
                     "p95_of_means": float(np.quantile(means, 0.95)), "share_changed": float(changed.mean()),
                     "median_first_change_month": float(np.median(first)) if first else math.nan,
                     "changes_per_replicate": float(changes.sum(axis=0).mean()), "replicates": x.shape[1]})
    for name in EVENTS:
        if name not in outcomes:
            continue
        months = outcomes[name].to_numpy(dtype=float)
        happened = months[~np.isnan(months)]
        rows.append({"decision": name, "share_changed": float(happened.size / months.size),
                     "median_first_change_month": float(np.median(happened)) if happened.size else math.nan,
                     "replicates": months.size})
    return pd.DataFrame(rows)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="sim-decisions", description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="a results folder written by sim-run")
    ap.add_argument("--csv", type=Path, default=None, help="also write the table to this CSV file")
    args = ap.parse_args(argv)
    with reported("sim-decisions", ResultsError):
        res = read_results(args.run)
        if res["timeseries"] is None or not len(res["timeseries"]):
            raise ResultsError(f"{args.run}: holds no time series (run sim-run without series=false)")
        table = decision_table(res["timeseries"], res["outcomes"])
    print(f"{args.run} ({res['manifest'].get('experiment')}, {res['manifest'].get('replicates')} replicates): "
          "share_changed is the share of replicates where the decision moved (for an event: where it happened)")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    if args.csv is not None:
        table.to_csv(args.csv, index=False)
