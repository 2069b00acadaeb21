"""Batches of runs: futures x replicates with paired seeds from one root seed, run in parallel with
a progress bar. Future f's parameter values and replicate r's seed within it come from the root
seed alone (sim.uncertainty), so run (f, r) is the same world in every experiment."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from sim.config import Config
from sim.model import RunResult
from sim.network import Network, load_network
from sim.uncertainty import FUTURE, check_futures, future_values, futures_table, run_seeds
from sim.workers import Chunk, Run, run_chunk

log = logging.getLogger(__name__)


def replicate_seeds(root_seed: int, n: int) -> list[int]:
    """Seed of each replicate, from ``SeedSequence(root_seed).spawn``.

    Replicate i gets the same seed whatever the scenario and whatever ``n``, so
    replicate i of two scenarios shares its random numbers (paired comparisons).
    """
    children = np.random.SeedSequence(root_seed).spawn(n)
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]


@dataclass
class Batch:
    """Outcomes of a batch: one row per run (future, replicate), and the monthly series in long form."""

    outcomes: pd.DataFrame
    timeseries: pd.DataFrame
    flows: pd.DataFrame


def available_cores() -> int:
    """Cores this process may use: SLURM's allotment (``SLURM_CPUS_PER_TASK``) inside a SLURM
    job, else the process's CPU affinity (cgroup or ``taskset`` limits), else every core."""
    slurm = os.environ.get("SLURM_CPUS_PER_TASK", "")
    if slurm.isdigit() and int(slurm) > 0:
        return int(slurm)
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def n_workers(cfg: Config) -> int:
    """Worker processes for a batch: ``cfg.workers``, or one per available core when it is 0,
    never more than the runs."""
    return max(1, min(cfg.workers or available_cores(), cfg.replicates * cfg.futures))


def ensemble_runs(cfg: Config, common_seeds: bool = False) -> list[Run]:
    """Every run of the batch, future by future, replicate by replicate. With `common_seeds`
    every future takes future 0's seeds (common random numbers: a calibration's screen and
    emulators compare parameter sets in the same worlds of chance)."""
    runs = []
    for f in range(cfg.futures):
        for r, seed in enumerate(run_seeds(cfg.seed, 0 if common_seeds else f, cfg.replicates)):
            runs.append(Run(len(runs), f, r, seed))
    return runs


def ensemble_chunks(cfg: Config, workers: int, bounds: list[tuple[int, int]] | None = None,
                    common_seeds: bool = False) -> list[Chunk]:
    """The runs cut into chunks (at `bounds`, run index from/to, when given), without their
    futures' values yet (:func:`with_values` adds them as each chunk is sent, so that the values
    of all futures are never held at once)."""
    from sim.ensemble import chunk_bounds

    runs = ensemble_runs(cfg, common_seeds)
    if bounds is None:
        bounds = chunk_bounds(len(runs), workers, cfg.executor.chunk_runs)
    return [Chunk(runs[a:b], {}) for a, b in bounds]


def with_values(chunk: Chunk, futures: pd.DataFrame) -> Chunk:
    """`chunk` with the parameter values of the futures its runs belong to (none with one future
    and no values: the config as it is)."""
    if futures.shape[1] <= 1:
        return chunk
    return Chunk(chunk.runs, {f: future_values(futures, f) for f in dict.fromkeys(r.future for r in chunk.runs)})


def chunk_tables(cfg: Config, chunk: Chunk, network: Network) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The outcomes, time series and flows tables of one chunk's runs (what a task returns)."""
    results = run_chunk(cfg, chunk, network)
    return _outcomes_table(results), _timeseries_table(results), _flows_table(results)


def run_batch(cfg: Config, network: Network | None = None, futures: pd.DataFrame | None = None,
              common_seeds: bool = False) -> Batch:
    """Run ``cfg.futures`` x ``cfg.replicates`` runs on the configured executor and hold the tables
    in memory (a results folder streams them to disk instead: :func:`sim.ensemble.run_ensemble`).
    `futures` is the table of :func:`sim.uncertainty.futures_table` (drawn when None);
    `common_seeds`: every future takes future 0's replicate seeds (:func:`ensemble_runs`)."""
    from sim.ensemble import execute

    logging.getLogger("MESA").setLevel(logging.WARNING)
    if network is None:
        network = load_network(cfg.model.network.locations_file, cfg.model.network.links_file)
    table = futures_table(cfg)[0] if futures is None else futures
    check_futures(table)  # every future's values valid before anything runs
    workers = n_workers(cfg)
    chunks = ensemble_chunks(cfg, workers, common_seeds=common_seeds)
    bar = tqdm(total=sum(len(c.runs) for c in chunks), desc="runs", unit="run",
               disable=None if cfg.progress else True, leave=False)
    parts: dict[int, tuple] = {}
    for k, tables in execute(cfg, list(enumerate(chunks)), network, workers, table):
        parts[k] = tables
        bar.update(len(chunks[k].runs))
    bar.close()
    ordered = [parts[k] for k in range(len(chunks))]
    outcomes, timeseries, flows = (pd.concat([p[i] for p in ordered], ignore_index=True) for i in range(3))
    return Batch(outcomes, timeseries, flows.astype({"quantity": "category"}))


def _outcomes_table(results: list[tuple[Run, RunResult]]) -> pd.DataFrame:
    rows = [{FUTURE: run.future, "replicate": run.replicate, "seed": run.seed, **r.scalars} for run, r in results]
    df = pd.DataFrame(rows)
    return df.astype({FUTURE: "int64", "replicate": "int64", "seed": "int64"})


def _timeseries_table(results: list[tuple[Run, RunResult]]) -> pd.DataFrame:
    first = results[0][1]
    names = list(first.series_names)
    n_t, n_k = first.series.shape
    values = np.stack([r.series for _, r in results])  # (run, time, outcome)
    futures = np.array([run.future for run, _ in results], dtype="int64")
    reps = np.array([run.replicate for run, _ in results], dtype="int64")
    dates = pd.to_datetime(pd.Series(first.dates)).to_numpy()
    return pd.DataFrame({
        FUTURE: np.repeat(futures, n_t * n_k),
        "replicate": np.repeat(reps, n_t * n_k),
        "date": np.tile(np.repeat(dates, n_k), len(results)),
        "outcome": pd.Categorical.from_codes(np.tile(np.arange(n_k), len(results) * n_t), categories=names),
        "value": values.reshape(-1),
    })


def _flows_table(results: list[tuple[Run, RunResult]]) -> pd.DataFrame:
    rows = [(run.future, run.replicate, *row) for run, r in results for row in r.flows]
    df = pd.DataFrame(rows, columns=[FUTURE, "replicate", "source", "target", "quantity", "value"])
    return df.astype({FUTURE: "int64", "replicate": "int64", "source": "string", "target": "string",
                      "quantity": "category", "value": "float64"})
