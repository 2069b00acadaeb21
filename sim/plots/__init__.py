"""Figures and tables for memos, from results folders (``sim-plot``, ``sim-memo``).

Modules: :mod:`~sim.plots.stats` (the numbers), :mod:`~sim.plots.figures` (tables to
matplotlib figures), :mod:`~sim.plots.style` (memo look, source line, saving),
:mod:`~sim.plots.memo` (memo.md) and :mod:`~sim.plots.cli` (the commands).

This module loads the inputs: a run folder (through :func:`sim.store.read_results`, with
its ``flows.parquet`` when the run has one) or a collected sweep folder (one group per
sweep point).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.store import COLLECTED_KIND as COLLECTED
from sim import store
from sim.analysis import with_future
from sim.store import ResultsError, read_results

FLOW_COLUMNS = ("replicate", "source", "target", "quantity", "value")
NOT_OUTCOMES = ("future", "replicate", "seed", "point")


class PlotError(ValueError):
    """An input that cannot be plotted; the message is one line for the user."""


@dataclass
class Run:
    """One scenario's results: outcomes per replicate, optional series and flows."""

    path: Path
    label: str
    manifest: dict
    outcomes: pd.DataFrame
    timeseries: pd.DataFrame | None = None
    flows: pd.DataFrame | None = None
    collected: bool = False
    futures: pd.DataFrame | None = None  # the parameter values of each future (futures.parquet)

    def outcome_names(self) -> list[str]:
        return [c for c in self.outcomes.columns if c not in NOT_OUTCOMES and "." not in c]

    def series_names(self) -> list[str]:
        if self.timeseries is None:
            return []
        return [str(c) for c in pd.unique(self.timeseries["outcome"])]

    def unit(self, outcome: str) -> str:
        return outcome_info(self.manifest, outcome)["unit"]

    def outcome_label(self, outcome: str) -> str:
        return outcome_info(self.manifest, outcome)["label"]


def outcome_info(manifest: dict, outcome: str) -> dict:
    """Unit and label of an outcome, from the manifest or else the outcome registry."""
    info = (manifest.get("outcomes") or {}).get(outcome)
    if info is None:
        from sim.outcomes import registry

        o = registry().get(outcome)
        info = {"unit": o.unit, "label": o.label} if o else {"unit": "", "label": outcome}
    return {"unit": info.get("unit", ""), "label": info.get("label") or outcome}


def check_flows(flows: pd.DataFrame | None, run_dir: Path) -> pd.DataFrame | None:
    """The run's flows table (link and node quantities per replicate) if it has the expected columns."""
    if flows is None:
        return None
    missing = [c for c in FLOW_COLUMNS if c not in flows.columns]
    if missing:
        raise PlotError(f"{run_dir}/flows.parquet: missing column(s) {', '.join(missing)}; "
                        f"expected {', '.join(FLOW_COLUMNS)}")
    return flows


def manifest_or_none(path: Path) -> dict | None:
    """The manifest of a results folder, or None when it is missing or unreadable."""
    try:
        return store.read_manifest(path)
    except ResultsError:
        return None  # read_results gives the proper message


def _point_labels(points: pd.DataFrame, params: list[str]) -> dict[int, str]:
    """``level=0.5, share=1`` per point, using the last part of each dotted key when unambiguous."""
    short = {p: p.rsplit(".", 1)[-1] for p in params}
    if len(set(short.values())) < len(short):
        short = {p: p for p in params}

    def fmt(v) -> str:
        return f"{v:g}" if isinstance(v, float) else str(v)

    return {int(row["point"]): ", ".join(f"{short[p]}={fmt(row[p])}" for p in params)
            for _, row in points.iterrows()}


def load_collected(path: Path, manifest: dict) -> list[Run]:
    """A collected sweep folder (``sim-collect``): one Run per sweep point, labelled by its parameters."""
    try:
        table = pd.read_parquet(path / "outcomes.parquet")
        series = pd.read_parquet(path / "timeseries.parquet") if (path / "timeseries.parquet").is_file() else None
    except (ValueError, OSError) as e:
        raise PlotError(f"{path}: collected folder with an unreadable table ({e})") from None
    if "point" not in table.columns or "replicate" not in table.columns:
        raise PlotError(f"{path}: collected outcomes.parquet lacks the 'point' or 'replicate' column")
    params = [p for p in manifest.get("parameters") or [] if p in table.columns] or \
        [c for c in table.columns if "." in c]
    labels = _point_labels(table.drop_duplicates("point")[["point", *params]], params)
    name = manifest.get("experiment") or path.name
    runs = []
    for p, group in table.groupby("point", sort=True):
        ts = None
        if series is not None and "point" in series.columns:
            ts = series[series["point"] == p].drop(columns="point").reset_index(drop=True)
        runs.append(Run(path, labels[p] or f"{name} point {p}", {**manifest, "experiment": name},
                        with_future(group.drop(columns=["point", *params]).reset_index(drop=True)), with_future(ts),
                        collected=True))
    return runs


def load_run(path: Path) -> list[Run]:
    """The Runs in a folder: one for a run folder, one per point for a collected sweep."""
    path = Path(path)
    manifest = manifest_or_none(path) if path.is_dir() else None
    if manifest is not None and manifest.get("kind") == COLLECTED:
        return load_collected(path, manifest)
    res = read_results(path)
    return [Run(path, res["manifest"].get("experiment") or path.name, res["manifest"], with_future(res["outcomes"]),
                with_future(res["timeseries"]), with_future(check_flows(res.get("flows"), path)),
                futures=res.get("futures"))]


def load_runs(paths: list[Path]) -> list[Run]:
    """Runs of several folders, labelled by experiment, or sweep point, plus the folder name
    where labels clash (its whole path if the names clash too)."""
    resolved = [Path(p).resolve() for p in paths]
    if len(set(resolved)) < len(resolved):
        raise PlotError("the same results folder is given twice: " + ", ".join(str(p) for p in paths))
    runs = [r for p in paths for r in load_run(Path(p))]
    base = [r.label for r in runs]
    for where in (lambda r: r.path.name, lambda r: str(r.path)):
        clashes = Counter(r.label for r in runs)
        if max(clashes.values(), default=0) < 2:
            break
        for r, label in zip(runs, base):
            if clashes[r.label] > 1:
                r.label = f"{label} ({where(r)})"
    return runs


def check_outcome(runs: list[Run], outcome: str, series: bool = False) -> None:
    """PlotError naming the valid outcomes when `outcome` is not in every run (as a series if asked)."""
    for r in runs:
        valid = r.series_names() if series else r.outcome_names()
        if outcome not in valid:
            if series and r.timeseries is None:
                raise PlotError(f"{r.path} holds no time series; use 'sim-plot dist'")
            kind = "time series" if series else "outcome"
            hint = ("; event dates such as month_* have no series" if series and outcome in r.outcome_names()
                    else "")
            raise PlotError(f"unknown {kind} '{outcome}' in {r.path}{hint}; valid: {', '.join(valid)}")


def check_paired(base: Run, other: Run) -> None:
    """PlotError unless the two runs share root seed and replicates (paired comparisons)."""
    for r in (base, other):
        if r.collected:
            raise PlotError(f"{r.path} is a collected sweep; comparisons take run folders")
    sa, sb = base.manifest.get("root_seed"), other.manifest.get("root_seed")
    if sa != sb:
        raise PlotError(f"cannot pair {base.path} (root_seed {sa}) with {other.path} (root_seed {sb}); "
                        "run both with the same seed=...")
    ra, rb = (set(zip(*(with_future(r.outcomes)[k] for k in ("future", "replicate")))) for r in (base, other))
    if ra != rb:
        raise PlotError(f"cannot pair {base.path} ({runs_phrase(base.outcomes)}) with {other.path} "
                        f"({runs_phrase(other.outcomes)}); run both with the same futures=... and replicates=...")


def runs_phrase(outcomes: pd.DataFrame) -> str:
    """'20 replicates', or '8 futures x 4 replicates' for a table of several futures."""
    futures = outcomes["future"].nunique() if "future" in outcomes.columns else 1
    if futures == 1:
        return f"{len(outcomes)} replicates"
    return f"{futures} futures x {len(outcomes) // futures} replicates"
