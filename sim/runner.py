"""Batches of runs: futures x replicates with paired seeds from one root seed, run in parallel with
a progress bar. Future f's parameter values and replicate r's seed within it come from the root
seed alone (sim.uncertainty), so run (f, r) is the same world in every experiment."""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from sim.config import Config
from sim.model import RunResult
from sim.network import Network, load_network
from sim.uncertainty import FUTURE, check_futures, future_values, futures_table, run_seeds
from sim.workers import Chunk, Run, imap_chunks, run_chunk

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


def ensemble_runs(cfg: Config) -> list[Run]:
    """Every run of the batch, future by future, replicate by replicate."""
    runs = []
    for f in range(cfg.futures):
        for r, seed in enumerate(run_seeds(cfg.seed, f, cfg.replicates)):
            runs.append(Run(len(runs), f, r, seed))
    return runs


def run_batch(cfg: Config, network: Network | None = None, futures: pd.DataFrame | None = None) -> Batch:
    """Run ``cfg.futures`` x ``cfg.replicates`` runs, in parallel when there is more than one
    worker. `futures` is the table of :func:`sim.uncertainty.futures_table` (drawn when None)."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    if network is None:
        network = load_network(cfg.model.network.locations_file, cfg.model.network.links_file)
    table = futures_table(cfg)[0] if futures is None else futures
    check_futures(table)  # every future's values valid before anything runs
    values = {f: future_values(table, f) for f in range(len(table))} if table.shape[1] > 1 else {}
    runs = ensemble_runs(cfg)
    workers = n_workers(cfg)
    bar = tqdm(total=len(runs), desc="runs", unit="run", disable=None if cfg.progress else True, leave=False)
    size = 1 if workers == 1 else max(1, math.ceil(len(runs) / (workers * 8)))
    chunks = [_chunk(runs[k:k + size], values) for k in range(0, len(runs), size)]
    results: list[tuple[Run, RunResult]] = []
    if workers == 1:
        for chunk in chunks:
            results += run_chunk(cfg, chunk, network)
            bar.update(len(chunk.runs))
    else:
        for done in imap_chunks(cfg, chunks, network, workers):
            results += done
            bar.update(len(done))
    bar.close()
    results.sort(key=lambda r: r[0].index)
    return Batch(_outcomes_table(results), _timeseries_table(results), _flows_table(results))


def _chunk(runs: list[Run], values: dict[int, dict]) -> Chunk:
    return Chunk(runs, {f: values[f] for f in dict.fromkeys(r.future for r in runs) if f in values})


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
