"""``sim-validate``: simulated Afghans hosted per destination against observations.

Observations are a CSV with columns ``date`` (YYYY-MM-DD), ``destination`` (an ISO3 code
with an ``n_hosted_<iso3>`` outcome, e.g. IRN, PAK, TJK) and ``count`` (people displaced
since August 2021 present there, e.g. UNHCR's new-arrival figures). The error is FLEE's
averaged relative difference (Suleimenova, Bell & Groen 2017): at each observation date,
the sum over destinations of |simulated - observed| divided by the total observed, then
averaged over dates. It is computed for every replicate (simulated series interpolated
linearly to the observation dates) and summarised over replicates.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import RUN, with_future
from sim.errors import reported
from sim.store import ResultsError, read_results

OBS_COLUMNS = ("date", "destination", "count")


class ObservationsError(ValueError):
    """A missing or malformed observations file; the message names the file and row."""


def read_observations(path: Path) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise ObservationsError(f"{path}: file not found")
    try:
        obs = pd.read_csv(path, dtype=str)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as e:
        raise ObservationsError(f"{path}: not a readable CSV file ({e})") from None
    missing = [c for c in OBS_COLUMNS if c not in obs.columns]
    if missing:
        raise ObservationsError(f"{path}: missing column(s) {missing}; expected {list(OBS_COLUMNS)}")
    if obs.empty:
        raise ObservationsError(f"{path}: no rows")
    dates = pd.to_datetime(obs["date"], format="%Y-%m-%d", errors="coerce")
    counts = pd.to_numeric(obs["count"], errors="coerce")
    for row, (d, c, raw_d, raw_c) in enumerate(zip(dates, counts, obs["date"], obs["count"]), start=2):
        if pd.isna(d):
            raise ObservationsError(f"{path}, row {row}: date {raw_d!r} is not YYYY-MM-DD")
        if pd.isna(c) or c < 0:
            raise ObservationsError(f"{path}, row {row}: count {raw_c!r} is not a number >= 0")
    return pd.DataFrame({"date": dates, "destination": obs["destination"].str.strip().str.upper(),
                         "count": counts.astype(float)})


def averaged_relative_difference(sim: pd.DataFrame, obs: pd.DataFrame) -> float:
    """FLEE's error: mean over dates of sum |sim - obs| / sum obs. Both frames: date, destination, count."""
    merged = obs.merge(sim, on=["date", "destination"], suffixes=("_obs", "_sim"))
    per_date = merged.groupby("date").apply(
        lambda g: np.abs(g["count_sim"] - g["count_obs"]).sum() / g["count_obs"].sum()
        if g["count_obs"].sum() > 0 else np.nan, include_groups=False)
    return float(per_date.mean())


def simulated_at(timeseries: pd.DataFrame, obs: pd.DataFrame) -> pd.DataFrame:
    """Per replicate, the simulated hosted numbers at the observation dates (linear interpolation)."""
    rows = []
    t_obs = obs["date"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    for dest in sorted(obs["destination"].unique()):
        name = f"n_hosted_{dest.lower()}"
        series = timeseries[timeseries["outcome"] == name]
        mask = obs["destination"] == dest
        for (future, rep), g in series.groupby(RUN):
            g = g.sort_values("date")
            t = g["date"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
            values = np.interp(t_obs[mask.to_numpy()], t, g["value"].to_numpy(), left=0.0)
            rows.append(pd.DataFrame({"future": future, "replicate": rep, "date": obs.loc[mask, "date"].to_numpy(),
                                      "destination": dest, "count": values}))
    return pd.concat(rows, ignore_index=True)


def validate_run(run_dir: Path, obs_path: Path) -> pd.DataFrame:
    """Per-replicate averaged relative difference of a results folder against observations."""
    results = read_results(run_dir)
    obs = read_observations(obs_path)
    known = {o[len("n_hosted_"):].upper() for o in results["manifest"]["outcomes"] if o.startswith("n_hosted_")}
    unknown = sorted(set(obs["destination"]) - known)
    if unknown:
        raise ObservationsError(f"{obs_path}: unknown destination(s) {unknown}; known: {sorted(known)}")
    sim = simulated_at(with_future(results["timeseries"]), obs)
    return pd.DataFrame([
        {"future": future, "replicate": rep, "ard": averaged_relative_difference(g.drop(columns=RUN), obs)}
        for (future, rep), g in sim.groupby(RUN)
    ])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="sim-validate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", type=Path, help="a results folder written by sim-run")
    ap.add_argument("observations", type=Path, help="CSV with columns date, destination, count")
    args = ap.parse_args(argv)
    with reported("sim-validate", ResultsError, ObservationsError):
        ard = validate_run(args.results, args.observations)
    q = ard["ard"].quantile([0.05, 0.5, 0.95])
    print(f"averaged relative difference over {len(ard)} replicates: "
          f"median {q[0.5]:.3f} (p5 {q[0.05]:.3f}, p95 {q[0.95]:.3f}); 0 is a perfect match")
