"""Results store: the one module that writes results, atomically, under a run folder.

A run folder holds ``outcomes.parquet``, ``timeseries.parquet``, ``summary.csv`` and
``manifest.json`` (each table keyed by ``future`` and ``replicate``), ``futures.parquet`` (the
parameter values of each future, keyed by ``future``), ``flows.parquet`` (what moved along each
link, for maps) when the run recorded flows, and a copy of every data file the run read (``data_<role>.csv``, see
:mod:`sim.manifest`), so that its maps draw the network it ran on. A folder that already holds
results is never overwritten.

Two primitives write everything the commands write: :func:`atomic_file` one file,
:func:`staged` a set of files (results, collected sweeps, figures and memos), each seen
complete or not at all.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterable, Iterator

import pandas as pd


RESULT_FILES = ("outcomes.parquet", "timeseries.parquet", "summary.csv", "manifest.json")
FLOWS = "flows.parquet"  # optional
FUTURES = "futures.parquet"  # the parameter values of each future (absent in folders made before futures)
MANIFEST = "manifest.json"
COLLECTED_KIND = "collected"  # manifest "kind" of a collected sweep (sim-collect)
# Every table a results or collected folder may hold: a rewrite removes those it does not write.
TABLES = ("outcomes.parquet", "timeseries.parquet", "summary.csv", FLOWS, FUTURES, "points.csv")


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
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())  # not mkstemp's 0600
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    """This process's umask (read from /proc where it can be, since setting it to read it
    races with other threads creating files)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


class FolderClash(ResultsError):
    """Files a write would replace, refused; ``names`` lists them."""

    def __init__(self, folder: Path, names: list[str]) -> None:
        self.folder, self.names = folder, names
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        super().__init__(f"{folder} already holds {', '.join(names[:3])}{more}")


@contextmanager
def staged(out_dir: Path, *, last: str, replace: bool, remove: Iterable[str] = ()) -> Iterator[Path]:
    """A fresh hidden folder beside `out_dir` to write a set of files into, published on success.

    Publishing makes `out_dir` hold every staged file or none of them: a new `out_dir` is the
    staging folder renamed; into an existing one the files move one by one, `last` (the file
    whose presence marks the folder complete, such as a manifest) last, after `last` and the
    names in `remove` (files of an earlier write that this one does not replace) have been
    deleted, so that a folder being rewritten never looks complete. Without `replace`, a file
    already in `out_dir` raises :class:`FolderClash` before anything moves. The staging folder
    is removed whatever happens.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ResultsError(f"{out_dir} is a file, not a folder")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.writing-", dir=out_dir.parent))
    os.chmod(staging, 0o777 & ~_umask())  # published as the folder itself when new: not mkdtemp's 0700
    try:
        yield staging
        new = sorted(p.name for p in staging.iterdir())
        if not out_dir.exists():
            os.replace(staging, out_dir)
            return
        clash = [n for n in new if (out_dir / n).exists()]
        if clash and not replace:
            raise FolderClash(out_dir, clash)
        (out_dir / last).unlink(missing_ok=True)
        for name in set(remove) - set(new):
            (out_dir / name).unlink(missing_ok=True)
        for name in sorted(new, key=lambda n: n == last):  # `last` last: it marks a complete folder
            os.replace(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def check_writable(run_dir: Path) -> None:
    """Raise ResultsError if `run_dir` already holds any result file."""
    run_dir = Path(run_dir)
    if run_dir.exists() and not run_dir.is_dir():
        raise ResultsError(f"{run_dir} is a file, not a results folder")
    present = [f for f in (*RESULT_FILES, FLOWS, FUTURES) if (run_dir / f).exists()]
    if present:
        raise ResultsError(f"{run_dir} already holds results ({', '.join(present)}); "
                           "choose another folder with hydra.run.dir=...")


def write_results(run_dir: Path, outcomes: pd.DataFrame, timeseries: pd.DataFrame | Path,
                  summary: pd.DataFrame, manifest: dict, flows: pd.DataFrame | Path | None = None,
                  copies: dict[str, bytes] | None = None, futures: pd.DataFrame | None = None) -> Path:
    """Write the result files atomically into `run_dir` (created if needed), with `copies`
    (name in the folder -> content, such as the data files the run read). A table given as the
    path of a Parquet file already written (an ensemble's assembled shards) is moved in."""
    run_dir = Path(run_dir)
    check_writable(run_dir)
    tables = {"outcomes.parquet": outcomes, "timeseries.parquet": timeseries, "summary.csv": summary}
    if flows is not None:
        tables = {FLOWS: flows, **tables}
    if futures is not None:
        tables = {FUTURES: futures, **tables}
    return write_folder(run_dir, tables, manifest, copies=copies)


def write_folder(out_dir: Path, tables: dict[str, pd.DataFrame], manifest: dict,
                 copies: dict[str, bytes] | None = None) -> Path:
    """Write `tables` (by file name, ``.parquet`` or ``.csv``; a Path value is a file moved in
    as it is), the files in `copies` and
    ``manifest.json`` into `out_dir` through :func:`staged`, the manifest last: a folder without
    a manifest is incomplete. Tables of an earlier write that this one does not write (see
    ``TABLES``) are removed with it, so none is left beside the new manifest."""
    with staged(out_dir, last=MANIFEST, replace=True, remove=TABLES) as staging:
        for name, table in tables.items():
            if isinstance(table, Path):
                os.replace(table, staging / name)
            elif name.endswith(".parquet"):
                table.to_parquet(staging / name, index=False)
            else:
                table.to_csv(staging / name, index=False)
        for name, content in (copies or {}).items():
            (staging / name).write_bytes(content)
        with open(staging / MANIFEST, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=2, default=str)
            fh.flush()
            os.fsync(fh.fileno())
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
            "futures": pd.read_parquet(run_dir / FUTURES) if (run_dir / FUTURES).is_file() else None,
        }
    except (ValueError, OSError) as e:
        raise ResultsError(f"{run_dir}: malformed results file ({e})") from None
