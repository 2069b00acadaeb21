"""Results store: the one module that writes results, atomically, under a run folder.

A run folder holds ``outcomes.parquet``, ``timeseries.parquet``, ``summary.csv`` and
``manifest.json``, and ``flows.parquet`` (what moved along each link, for maps) when the
run recorded flows. Files are written to a hidden staging folder inside the run folder
and moved into place with ``os.replace``; ``manifest.json`` moves last, so a folder
without a manifest is incomplete. A folder that already holds results is never
overwritten.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

import pandas as pd

import sim

RESULT_FILES = ("outcomes.parquet", "timeseries.parquet", "summary.csv", "manifest.json")
FLOWS = "flows.parquet"  # optional
MANIFEST = "manifest.json"
COLLECTED_KIND = "collected"  # manifest "kind" of a collected sweep (sim-collect)
# Every table a results or collected folder may hold: a rewrite removes those it does not write.
TABLES = ("outcomes.parquet", "timeseries.parquet", "summary.csv", FLOWS, "points.csv")


class ResultsError(ValueError):
    """A results folder that cannot be written or read; the message names the folder."""


@contextmanager
def atomic_file(path: Path, newline: str | None = None) -> Iterator[IO[str]]:
    """A text file written beside `path` under a temporary name; it replaces `path` only if
    the block succeeds, and is removed otherwise (no half-written file is ever seen)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            yield fh
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def check_writable(run_dir: Path) -> None:
    """Raise ResultsError if `run_dir` already holds any result file."""
    run_dir = Path(run_dir)
    if run_dir.exists() and not run_dir.is_dir():
        raise ResultsError(f"{run_dir} is a file, not a results folder")
    present = [f for f in (*RESULT_FILES, FLOWS) if (run_dir / f).exists()]
    if present:
        raise ResultsError(f"{run_dir} already holds results ({', '.join(present)}); "
                           "choose another folder with hydra.run.dir=...")


def git_info() -> dict:
    """Commit of the source tree and whether it has uncommitted changes, when git knows it."""
    src = Path(sim.__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=src, capture_output=True,
                                text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=src,
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": None, "git_dirty": None}
    return {"git_commit": commit, "git_dirty": bool(dirty)}


def environment() -> dict:
    import mesa
    import numpy

    return {"version": sim.__version__, "python": platform.python_version(),
            "numpy": numpy.__version__, "mesa": mesa.__version__, **git_info()}


def write_results(run_dir: Path, outcomes: pd.DataFrame, timeseries: pd.DataFrame,
                  summary: pd.DataFrame, manifest: dict, flows: pd.DataFrame | None = None) -> Path:
    """Write the result files atomically into `run_dir` (created if needed)."""
    run_dir = Path(run_dir)
    check_writable(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    tables = {"outcomes.parquet": outcomes, "timeseries.parquet": timeseries, "summary.csv": summary}
    if flows is not None:
        tables = {FLOWS: flows, **tables}
    return write_folder(run_dir, tables, manifest, staging_in=run_dir, prefix=".writing-")


def write_folder(out_dir: Path, tables: dict[str, pd.DataFrame], manifest: dict, *, staging_in: Path,
                 prefix: str) -> Path:
    """Write `tables` (by file name, ``.parquet`` or ``.csv``) and ``manifest.json`` into `out_dir`.

    Everything is written to a staging folder inside `staging_in` first and then moved in,
    the manifest last: a folder without a manifest is incomplete. A manifest already in
    `out_dir` is removed before any file is replaced, so a folder being rewritten never looks
    complete, and tables of the earlier write that this one does not write (see ``TABLES``)
    are removed with it, so none is left beside the new manifest.
    """
    out_dir = Path(out_dir)
    staging = Path(tempfile.mkdtemp(prefix=prefix, dir=staging_in))
    try:
        for name, table in tables.items():
            if name.endswith(".parquet"):
                table.to_parquet(staging / name, index=False)
            else:
                table.to_csv(staging / name, index=False)
        with open(staging / MANIFEST, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=2, default=str)
            fh.flush()
            os.fsync(fh.fileno())
        out_dir.mkdir(exist_ok=True)
        (out_dir / MANIFEST).unlink(missing_ok=True)
        for name in set(TABLES) - set(tables):
            (out_dir / name).unlink(missing_ok=True)
        for name in [*tables, MANIFEST]:  # manifest last: its presence marks a complete folder
            os.replace(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir


def read_manifest(folder: Path) -> dict:
    """The ``manifest.json`` of a folder; ResultsError naming the file if it is missing or malformed."""
    path = Path(folder) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ResultsError(f"{path}: malformed manifest ({e})") from None


def read_results(run_dir: Path) -> dict:
    """Read a complete results folder; ResultsError names what is missing or malformed."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ResultsError(f"{run_dir}: results folder not found")
    missing = [f for f in RESULT_FILES if not (run_dir / f).is_file()]
    if missing:
        raise ResultsError(f"{run_dir}: incomplete results folder, missing {', '.join(missing)}")
    manifest = read_manifest(run_dir)
    try:
        return {
            "manifest": manifest,
            "outcomes": pd.read_parquet(run_dir / "outcomes.parquet"),
            "timeseries": pd.read_parquet(run_dir / "timeseries.parquet"),
            "summary": pd.read_csv(run_dir / "summary.csv"),
            "flows": pd.read_parquet(run_dir / FLOWS) if (run_dir / FLOWS).is_file() else None,
        }
    except (ValueError, OSError) as e:
        raise ResultsError(f"{run_dir}: malformed results file ({e})") from None
