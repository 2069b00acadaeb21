"""Batches of replicates: paired seeds from one root seed, run in parallel with a progress bar."""

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
from sim.workers import imap_chunks, run_chunk

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
    """Outcomes of a batch: one row per replicate, and the monthly series in long form."""

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
    never more than the replicates."""
    return max(1, min(cfg.workers or available_cores(), cfg.replicates))


def run_batch(cfg: Config, network: Network | None = None) -> Batch:
    """Run ``cfg.replicates`` replicates, in parallel when there is more than one worker."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    if network is None:
        network = load_network(cfg.model.network.locations_file, cfg.model.network.links_file)
    seeds = replicate_seeds(cfg.seed, cfg.replicates)
    items = list(enumerate(seeds))
    workers = n_workers(cfg)
    bar = tqdm(total=len(items), desc="replicates", unit="rep", disable=None if cfg.progress else True,
               leave=False)
    results: list[tuple[int, int, RunResult]] = []
    if workers == 1:
        for item in items:
            results += run_chunk(cfg, [item], network)
            bar.update(1)
    else:
        size = max(1, math.ceil(len(items) / (workers * 8)))
        chunks = [items[k:k + size] for k in range(0, len(items), size)]
        for done in imap_chunks(cfg, chunks, network, workers):
            results += done
            bar.update(len(done))
    bar.close()
    results.sort(key=lambda r: r[0])
    return Batch(_outcomes_table(results), _timeseries_table(results), _flows_table(results))


def _outcomes_table(results: list[tuple[int, int, RunResult]]) -> pd.DataFrame:
    rows = [{"replicate": i, "seed": seed, **r.scalars} for i, seed, r in results]
    df = pd.DataFrame(rows)
    df["replicate"] = df["replicate"].astype("int64")
    df["seed"] = df["seed"].astype("int64")
    return df


def _timeseries_table(results: list[tuple[int, int, RunResult]]) -> pd.DataFrame:
    first = results[0][2]
    names = list(first.series_names)
    n_t, n_k = first.series.shape
    values = np.stack([r.series for _, _, r in results])  # (replicate, time, outcome)
    reps = np.array([i for i, _, _ in results], dtype="int64")
    dates = pd.to_datetime(pd.Series(first.dates)).to_numpy()
    return pd.DataFrame({
        "replicate": np.repeat(reps, n_t * n_k),
        "date": np.tile(np.repeat(dates, n_k), len(results)),
        "outcome": pd.Categorical.from_codes(np.tile(np.arange(n_k), len(results) * n_t), categories=names),
        "value": values.reshape(-1),
    })


def _flows_table(results: list[tuple[int, int, RunResult]]) -> pd.DataFrame:
    rows = [(i, *row) for i, _, r in results for row in r.flows]
    df = pd.DataFrame(rows, columns=["replicate", "source", "target", "quantity", "value"])
    return df.astype({"replicate": "int64", "source": "string", "target": "string", "quantity": "category",
                      "value": "float64"})
