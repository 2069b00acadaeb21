"""Collect a sweep: merge the results of its finished points into one results folder.

``sim-collect SWEEP_DIR [--out DIR]`` reads every job folder of a Hydra sweep that holds
complete results (``manifest.json``; the others are listed as a warning) and writes,
into ``SWEEP_DIR/collected/`` by default:

- ``outcomes.parquet``: ``point`` (the job number), one column per parameter that varies
  across the points (dotted key, e.g. ``policy.russia_refugee_pressure.level``, with the
  value the point ran, design values included), then ``replicate``, ``seed`` and the
  outcome columns;
- ``timeseries.parquet``: ``point, replicate, date, outcome, value``;
- ``flows.parquet``: ``point`` and the run's flow columns (what moved along each link, for
  maps), when the points recorded flows;
- ``points.csv``: one row per point: ``point``, the varying parameters, ``config_hash``,
  ``run_dir``;
- ``manifest.json`` (written last): ``"kind": "collected"``, the sweep folder, the number
  of points, the varying parameters, the outcomes, root seed, replicates, and the design
  (its ``design.json``) when the points ran one.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from sim.errors import reported
from sim.config import EXECUTION_ONLY
from sim.store import COLLECTED_KIND, MANIFEST, ResultsError, read_manifest, read_results, write_folder

OUT = "collected"
KIND = COLLECTED_KIND
# Config keys that never make a parameter column: how a run was executed, its label.
NOT_PARAMETERS = (*EXECUTION_ONLY, "description")


@dataclass
class Collected:
    outcomes: pd.DataFrame
    timeseries: pd.DataFrame
    points: pd.DataFrame
    manifest: dict
    incomplete: list[str] = field(default_factory=list)
    flows: pd.DataFrame | None = None  # when the points recorded flows


# --------------------------------------------------------------------------- finding points
def _job_number(folder: Path) -> int | None:
    if folder.name.isdigit():
        return int(folder.name)
    hydra_yaml = folder / ".hydra" / "hydra.yaml"
    if hydra_yaml.is_file():
        from omegaconf import OmegaConf

        try:
            num = OmegaConf.select(OmegaConf.load(hydra_yaml), "hydra.job.num")
        except Exception:  # noqa: BLE001 - an unreadable Hydra file: not a job folder we know
            return None
        return int(num) if isinstance(num, int) else None
    return None


def job_folders(sweep_dir: Path) -> tuple[list[tuple[int, Path]], list[Path]]:
    """The sweep's complete job folders (job number, folder) and its incomplete ones."""
    complete, incomplete = [], []
    for d in sorted(sweep_dir.iterdir()):
        if not d.is_dir() or d.name.startswith(".") or d.name == OUT:
            continue
        if (d / MANIFEST).is_file():
            num = _job_number(d)
            if num is not None:
                complete.append((num, d))
        elif (d / ".hydra").is_dir() or d.name.isdigit():
            incomplete.append(d)
    complete.sort()
    return complete, incomplete


# --------------------------------------------------------------------------- flattening
def flatten(config: dict, prefix: str = "") -> dict[str, Any]:
    """Dotted keys of a nested config; lists become JSON text so they compare and store."""
    out: dict[str, Any] = {}
    for k, v in config.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        elif isinstance(v, (list, tuple)):
            out[key] = json.dumps(v, sort_keys=True)
        else:
            out[key] = v
    return out


def _same(values: list[Any]) -> bool:
    first = json.dumps(values[0], sort_keys=True)
    return all(json.dumps(v, sort_keys=True) == first for v in values[1:])


def varying(flat: list[dict[str, Any]]) -> list[str]:
    """Keys whose value differs between points, in config order."""
    keys = list(dict.fromkeys(k for f in flat for k in f))  # first-seen order
    out = []
    for k in keys:
        if k.split(".")[0] in NOT_PARAMETERS:
            continue
        if not _same([f.get(k) for f in flat]):
            out.append(k)
    return out


def _one(values: list[Any]) -> Any:
    """The value all points share, or the sorted distinct values when they differ."""
    if _same(values):
        return values[0]
    return sorted({json.dumps(v, sort_keys=True) for v in values})


# --------------------------------------------------------------------------- collecting
def gather(sweep_dir: Path) -> Collected:
    """Read and merge the complete points of a sweep (nothing is written)."""
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise ResultsError(f"{sweep_dir}: sweep folder not found")
    if (sweep_dir / MANIFEST).is_file():
        raise ResultsError(f"{sweep_dir} is a single run's results folder, not a sweep folder")
    complete, incomplete = job_folders(sweep_dir)
    if not complete:
        extra = f" ({len(incomplete)} incomplete job folder(s))" if incomplete else ""
        raise ResultsError(f"{sweep_dir} holds no complete sweep points{extra}")
    results = [(num, d, read_results(d)) for num, d in complete]
    manifests = [r["manifest"] for _, _, r in results]
    flat = []
    for m in manifests:
        f = flatten(m.get("config", {}))  # design values are applied to the config before it is stored
        f["experiment"] = m.get("experiment")
        flat.append(f)
    params = varying(flat)
    outcome_names = list(manifests[0].get("outcomes", {}))
    reserved = {"point", "future", "replicate", "seed", *outcome_names}
    columns = {k: (f"config.{k}" if k in reserved else k) for k in params}

    out_frames, ts_frames, flow_frames, rows = [], [], [], []
    for (num, d, res), f in zip(results, flat):
        values = {columns[k]: f.get(k) for k in params}
        o = res["outcomes"]
        o.insert(0, "point", num)
        for i, (col, v) in enumerate(values.items(), start=1):
            o.insert(i, col, v)
        out_frames.append(o)
        ts = res["timeseries"]
        ts.insert(0, "point", num)
        ts_frames.append(ts)
        if res["flows"] is not None:
            flow_frames.append(res["flows"].assign(point=num)[["point", *res["flows"].columns]])
        rows.append({"point": num, **values, "config_hash": res["manifest"].get("config_hash"),
                     "run_dir": str(d.resolve())})
    outcomes = pd.concat(out_frames, ignore_index=True)
    outcomes["point"] = outcomes["point"].astype("int64")
    timeseries = pd.concat(ts_frames, ignore_index=True)
    timeseries["point"] = timeseries["point"].astype("int64")
    if "outcome" in timeseries and not isinstance(timeseries["outcome"].dtype, pd.CategoricalDtype):
        timeseries["outcome"] = pd.Categorical(timeseries["outcome"])
    points = pd.DataFrame(rows)
    flows = None
    if flow_frames:
        flows = pd.concat(flow_frames, ignore_index=True)
        flows["point"] = flows["point"].astype("int64")

    import sim

    manifest = {
        "kind": KIND,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "version": sim.__version__,
        "sweep_dir": str(sweep_dir.resolve()),
        "n_points": len(results),
        "points": [num for num, _, _ in results],
        "incomplete": [d.name for d in incomplete],
        "parameters": [columns[k] for k in params],
        "experiment": _one([m.get("experiment") for m in manifests]),
        "outcomes": manifests[0].get("outcomes", {}),
        "root_seed": _one([m.get("root_seed") for m in manifests]),
        "replicates": _one([m.get("replicates") for m in manifests]),
        "design": _design(manifests),
    }
    return Collected(outcomes, timeseries, points, manifest, [str(d) for d in incomplete], flows)


def _design(manifests: list[dict]) -> dict | None:
    """The design description (design.json) the points ran, or None without a design."""
    from sim.design import DesignError, read_spec

    used = [m for m in manifests if (m.get("config", {}).get("design") or {}).get("file")]
    if not used:
        return None
    specs = []
    for m in used:
        d = m.get("design") or {}
        spec = d.get("spec")
        if spec is None and d.get("file"):
            try:
                spec = read_spec(d["file"])
            except DesignError:
                spec = None
        specs.append(spec)
    known = [s for s in specs if s is not None]
    if not known:
        return None
    if not _same([{k: v for k, v in s.items() if k != "created"} for s in known]):
        raise ResultsError("the points ran different designs (their design.json differ); collect them apart")
    return known[0]


def write(collected: Collected, out_dir: Path) -> Path:
    """Write the collection atomically (see :func:`sim.store.write_folder`)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ResultsError(f"{out_dir} is a file, not a folder")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tables = {"outcomes.parquet": collected.outcomes, "timeseries.parquet": collected.timeseries,
              "points.csv": collected.points}
    if collected.flows is not None:
        tables["flows.parquet"] = collected.flows
    # An earlier collection there loses its manifest before its files are replaced.
    return write_folder(out_dir, tables, collected.manifest)


def read_collected(path: Path) -> tuple[pd.DataFrame, dict, Path]:
    """Outcomes, manifest and folder of a collected sweep: `path` itself or ``path/collected``."""
    path = Path(path)
    for folder in (path, path / OUT):
        if (folder / MANIFEST).is_file():
            manifest = read_manifest(folder)
            if manifest.get("kind") == KIND:
                try:
                    return pd.read_parquet(folder / "outcomes.parquet"), manifest, folder
                except (OSError, ValueError) as e:
                    raise ResultsError(f"{folder}: malformed outcomes.parquet ({e})") from None
    raise ResultsError(f"{path} is not a collected sweep; run sim-collect {path} first")


def main(argv: Sequence[str] | None = None) -> None:
    """``sim-collect SWEEP_DIR [--out DIR]``: merge a sweep's finished points."""
    ap = argparse.ArgumentParser(prog="sim-collect", description=main.__doc__)
    ap.add_argument("sweep_dir", type=Path, metavar="SWEEP_DIR")
    ap.add_argument("--out", type=Path, default=None, help=f"output folder (default SWEEP_DIR/{OUT})")
    args = ap.parse_args(argv)
    with reported("sim-collect", ResultsError):
        collected = gather(args.sweep_dir)
        out = write(collected, args.out or args.sweep_dir / OUT)
    if collected.incomplete:
        names = [Path(d).name for d in collected.incomplete]
        shown = ", ".join(names[:20]) + (", ..." if len(names) > 20 else "")
        print(f"sim-collect: warning: {len(names)} incomplete point(s) left out (no manifest.json): {shown}; "
              "run the sweep again into the same hydra.sweep.dir to finish them", file=sys.stderr)
    m = collected.manifest
    params = ", ".join(m["parameters"]) or "none"
    print(f"{out}: {m['n_points']} point(s), {len(collected.outcomes)} replicate rows; "
          f"varying parameters: {params}")


if __name__ == "__main__":  # pragma: no cover
    main()
