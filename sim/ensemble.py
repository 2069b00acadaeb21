"""Ensembles at scale: chunks of runs on an executor, streamed to shards on disk, resumable.

A run of ``futures`` x ``replicates`` is cut into chunks (a task of at most
``executor.chunk_runs`` runs, and small enough that every worker gets several), planned once
and written to ``<run folder>/.ensemble/plan.json``. The chunks run on an executor:

- ``executor=local``: the process pool of this machine (:mod:`sim.workers`);
- ``executor=dask``: Dask distributed, a ``LocalCluster`` of ``workers`` processes on this
  machine, or the cluster whose scheduler is at ``executor.address`` (for SLURM, start the
  scheduler and workers with dask-jobqueue: docs/ENSEMBLES.md).

Each chunk's tables are written as shards (``outcomes-K.parquet`` last, which marks the chunk
done) by the worker that ran it, as soon as it ends, so memory stays flat in the number of runs
and the process that hands out the chunks moves no tables (on a cluster the workers must
share the results folder's file system). A run
killed part-way leaves its shards and plan: the same command into the same folder
(``hydra.run.dir=...``) runs only the chunks not yet done, after checking the plan was made by
the same config, code and data. When every chunk is done the shards are assembled into the
results folder's tables (the time series streamed row group by row group) and the staging
folder is removed with the manifest in place.

Every run depends on its future's values and its seed alone, and the tables are assembled in
run order, so the results are bit-identical whichever executor ran them, with however many
workers, and whether or not the ensemble was interrupted.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import math
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import pandas as pd

from sim.store import ResultsError

if TYPE_CHECKING:
    from sim.config import Config
    from sim.network import Network
    from sim.workers import Chunk

log = logging.getLogger(__name__)

STAGING = ".ensemble"
PLAN = "plan.json"
TABLES = ("outcomes", "timeseries", "flows")  # as sim.runner.chunk_tables returns them; written in reverse,
#                                               so that the outcomes shard, last, marks a chunk done
CHUNKS_PER_WORKER = 8  # at least this many chunks per worker, so that the pool stays busy to the end


# Dask settings of the workers of a LocalCluster (docs/ENSEMBLES.md gives them for a cluster's workers).
WORKER_DASK_CONFIG = {"distributed.worker.profile.enabled": False}


class ExecutorError(ResultsError):
    """An executor that cannot be reached or used; the message is one line naming the key."""


def chunk_size(n_runs: int, workers: int, chunk_runs: int) -> int:
    """Runs per chunk: at most `chunk_runs`, and few enough that each worker gets several chunks."""
    return max(1, min(chunk_runs, math.ceil(n_runs / (workers * CHUNKS_PER_WORKER))))


def chunk_bounds(n_runs: int, workers: int, chunk_runs: int) -> list[tuple[int, int]]:
    """(first, end) run index of each chunk."""
    size = chunk_size(n_runs, workers, chunk_runs)
    return [(k, min(k + size, n_runs)) for k in range(0, n_runs, size)]


# --------------------------------------------------------------------------- executors
def execute(cfg: "Config", items: list[tuple[int, "Chunk"]], network: "Network", workers: int,
            futures: pd.DataFrame, task=None) -> Iterator[tuple[int, object]]:
    """(k, ``task(cfg, (k, chunk), network)``) for every (k, chunk) of `items`, as each finishes, on
    the executor the config names. Each chunk gets its futures' values from `futures` only as it
    is sent. `task` is a picklable function (default :func:`tables_task`: the chunk's tables)."""
    from sim.runner import with_values

    if not items:
        return iter(())
    task = task or tables_task
    sent = ((k, with_values(c, futures)) for k, c in items)
    if cfg.executor.kind.value == "dask":
        return _dask(cfg, sent, network, workers, task)
    return _local(cfg, sent, network, workers, task)


def tables_task(cfg: "Config", item: tuple[int, "Chunk"], network: "Network") -> tuple:
    """The tables of :func:`sim.runner.chunk_tables` of one chunk, returned to the caller."""
    from sim.runner import chunk_tables

    return chunk_tables(cfg, item[1], network)


def shards_task(cfg: "Config", item: tuple[int, "Chunk"], network: "Network", staging: str) -> int:
    """Run chunk k and write its tables as shards into `staging` (outcomes last, marking it done),
    where the chunk runs: the process that gathers the chunks then moves no tables at all, so it
    takes almost no time from the workers it shares the machine with. Returns the runs done."""
    from sim.runner import chunk_tables

    k, chunk = item
    write_shards(Path(staging), k, chunk_tables(cfg, chunk, network))
    return len(chunk.runs)


def _local(cfg, items, network, workers, task):
    if workers == 1:
        for k, chunk in items:
            yield k, task(cfg, (k, chunk), network)
        return
    from sim.workers import imap_tasks

    yield from imap_tasks(task, cfg, items, network, workers)


def check_executor(cfg: "Config") -> None:
    """ExecutorError, before anything is written, when ``executor.address`` names no reachable
    Dask scheduler (a LocalCluster is started when the run starts)."""
    if cfg.executor.kind.value == "dask" and cfg.executor.address:
        with dask_client(cfg, 1):
            pass


@contextmanager
def dask_client(cfg: "Config", workers: int):
    """A Dask client: to ``executor.address``, or to a LocalCluster of `workers` single-threaded
    processes started here (and closed after)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - a dependency of the project
        raise ExecutorError("executor=dask needs the 'distributed' package (pip install -e .)") from None
    address = cfg.executor.address
    if address:
        try:
            client = Client(address, timeout=cfg.executor.connect_timeout_s)
        except (OSError, TimeoutError) as e:
            raise ExecutorError(f"executor.address = {address}: no Dask scheduler reachable there "
                                f"({type(e).__name__}: {str(e).splitlines()[0] if str(e) else 'timed out'})") from None
        with client:
            yield client
        return
    import dask

    from sim.workers import worker_env

    # The workers take this process's Dask settings. A task is seconds of one core's Python: a
    # worker sampling its stack every 10 ms for the dashboard's profile takes the GIL from it.
    with worker_env(), dask.config.set(WORKER_DASK_CONFIG):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
    with cluster, Client(cluster) as client:
        yield client


def _dask(cfg, items, network, workers, task):
    """Chunks submitted a window at a time (a few per worker in flight), each result gathered as
    it completes."""
    from distributed import as_completed

    with dask_client(cfg, workers) as client:
        cfg_f, net_f = client.scatter([cfg, network], broadcast=True)
        window = 2 * CHUNKS_PER_WORKER * max(1, len(client.scheduler_info()["workers"]))
        running = {}
        for k, chunk in itertools.islice(items, window):
            running[client.submit(task, cfg_f, (k, chunk), net_f, pure=False)] = k
        done = as_completed(list(running))
        for fut in done:
            result = fut.result()
            k = running.pop(fut)
            fut.release()
            for j, chunk in itertools.islice(items, 1):
                nxt = client.submit(task, cfg_f, (j, chunk), net_f, pure=False)
                running[nxt] = j
                done.add(nxt)
            yield k, result


# --------------------------------------------------------------------------- the staging folder
def _shard(staging: Path, table: str, k: int) -> Path:
    return staging / f"{table}-{k:06d}.parquet"


def write_shards(staging: Path, k: int, tables: tuple) -> None:
    """Chunk k's tables (as :func:`sim.runner.chunk_tables` returns them) as shards, each written
    atomically, the outcomes shard last: its presence marks the chunk done."""
    for name, table in reversed(list(zip(TABLES, tables))):
        _write_atomic(table, _shard(staging, name, k))


def _write_atomic(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def plan(cfg: "Config", staging: Path, bounds: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The chunk bounds of this ensemble: those of an interrupted one in `staging` (after checking it
    was made by this config, code and data), else `bounds`, recorded for a later resume."""
    from sim import manifest

    path = staging / PLAN
    if path.is_file():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ResultsError(f"{path}: unreadable plan of an interrupted ensemble ({e}); delete {staging}") from None
        changed = manifest.stale(old, cfg)
        if changed:
            raise ResultsError(f"{staging.parent} holds an interrupted ensemble of {'; '.join(changed)}; delete "
                               f"{staging} to start again, or choose another folder with hydra.run.dir=...")
        return [tuple(b) for b in old["chunks"]]
    staging.mkdir(parents=True, exist_ok=True)
    data, _ = manifest.snapshot(cfg)
    record = {"config_hash": manifest.config_hash(cfg), "code": manifest.code_version(), "data": data,
              "chunks": [list(b) for b in bounds]}
    tmp = path.with_name(f".{PLAN}.tmp")
    tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return bounds


def done_chunks(staging: Path, n_chunks: int) -> set[int]:
    """The chunks whose shards are complete (their outcomes shard, written last, is there)."""
    return {k for k in range(n_chunks) if _shard(staging, "outcomes", k).is_file()}


class Ensemble:
    """What :func:`run_ensemble` leaves in the staging folder: the outcomes table (small), and
    the time series and flows assembled as Parquet files there, to be moved into the results."""

    def __init__(self, staging: Path, outcomes: pd.DataFrame, timeseries: Path, flows: Path | None,
                 resumed: int, chunks: int) -> None:
        self.staging, self.outcomes, self.timeseries, self.flows = staging, outcomes, timeseries, flows
        self.resumed, self.chunks = resumed, chunks

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def run_ensemble(cfg: "Config", network: "Network", futures: pd.DataFrame, out_dir: Path, workers: int,
                 progress: bool = True) -> Ensemble:
    """Run every chunk not yet done into shards under ``out_dir/.ensemble``, then assemble them."""
    from tqdm.auto import tqdm

    from sim.runner import ensemble_chunks

    staging = Path(out_dir) / STAGING
    bounds = plan(cfg, staging, chunk_bounds(cfg.futures * cfg.replicates, workers, cfg.executor.chunk_runs))
    chunks = ensemble_chunks(cfg, workers, bounds)
    done = done_chunks(staging, len(chunks))
    todo = [k for k in range(len(chunks)) if k not in done]
    n_runs = sum(len(c.runs) for c in chunks)
    n_done = sum(len(chunks[k].runs) for k in done)
    if done:
        log.info("resuming: %d of %d chunks already done", len(done), len(chunks))
    bar = tqdm(total=n_runs, initial=n_done, desc="runs", unit="run",
               disable=None if progress else True, leave=False, smoothing=0.1)
    t0 = time.perf_counter()
    task = functools.partial(shards_task, staging=str(staging.resolve()))
    for k, runs in execute(cfg, [(k, chunks[k]) for k in todo], network, workers, futures, task):
        if not _shard(staging, "outcomes", k).is_file():
            raise ExecutorError(f"executor: the worker that ran chunk {k} wrote its results where this process "
                                f"cannot read them ({_shard(staging, 'outcomes', k)}); the workers must share "
                                f"the results folder's file system")
        bar.update(runs)
    bar.close()
    log.info("%d runs in %.1f s", n_runs - n_done, time.perf_counter() - t0)
    outcomes = pd.concat([pd.read_parquet(_shard(staging, "outcomes", k)) for k in range(len(chunks))],
                         ignore_index=True)
    ts = _assemble(staging, "timeseries", len(chunks))
    flows = _assemble(staging, "flows", len(chunks))
    return Ensemble(staging, outcomes, ts, flows, len(done), len(chunks))


def _assemble(staging: Path, name: str, n_chunks: int) -> Path | None:
    """The shards of one table in chunk order, written into one Parquet file row group by row
    group (one shard in memory at a time); None when no chunk wrote this table."""
    import pyarrow.parquet as pq

    shards = [_shard(staging, name, k) for k in range(n_chunks)]
    shards = [p for p in shards if p.is_file()]
    if not shards:
        return None
    out = staging / f"{name}.parquet"
    writer = None
    try:
        for p in shards:
            table = pq.read_table(p)
            if writer is None:
                writer = pq.ParquetWriter(out, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return out

