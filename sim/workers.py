"""Replicate workers: the function a worker runs, and the warm-up that loads the compiled kernels.

Batches with more than one worker run in processes forked from a *forkserver*, a clean
single-threaded process started once per session (``fork`` from a process that holds threads,
such as pyarrow's or tqdm's, may deadlock, and Python 3.12 warns about it). The server imports
:mod:`sim._forkserver`, which calls :func:`warm_up`, so every worker forked from it starts with
the kernels loaded and imports nothing (this module keeps to numpy and the model).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from typing import Iterable, Iterator

from sim.config import Config
from sim.model import RunResult, SpilloverModel
from sim.network import Network

# "__main__" first: the server imports the main script once (under multiprocessing's guard), so the
# workers forked from it do not import it again each.
SERVER_PRELOAD = ["__main__", "sim._forkserver"]
WARM_DAYS = 31  # a month: every daily, weekly and monthly kernel has run once


def run_replicate(cfg: Config, seed: int, network: Network | None = None) -> RunResult:
    """One replicate of the model with the given seed."""
    return SpilloverModel(cfg, rng=seed, network=network).run()


def run_chunk(cfg: Config, items: list[tuple[int, int]], network: Network) -> list[tuple[int, int, RunResult]]:
    """Replicates (index, seed) of `items`, in order."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    return [(i, seed, run_replicate(cfg, seed, network)) for i, seed in items]


def warm_up() -> None:
    """Run a month of the default model, so that its compiled kernels are loaded in this process."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    model = SpilloverModel(Config(), rng=0)
    while model.running and model.day < WARM_DAYS:
        model.step()


# The server forks every worker, so it must hold no thread but its own: numpy's OpenBLAS and
# pyarrow's jemalloc start one each at import unless told not to. The server (and the workers
# forked from it) get these settings; this process keeps its own.
SERVER_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "JE_ARROW_MALLOC_CONF": "background_thread:false"}


def context() -> multiprocessing.context.BaseContext:
    """The forkserver context, its server started (see :func:`start_server`)."""
    start_server()
    return multiprocessing.get_context("forkserver")


def start_server() -> None:
    """Start the workers' forkserver if it is not running: it warms up while the caller goes on.

    The server is a fresh single-threaded interpreter (started by fork and exec, not by forking
    this process) that imports the main script and :mod:`sim._forkserver` once.
    """
    from multiprocessing import forkserver

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(SERVER_PRELOAD)
    saved = {k: os.environ.get(k) for k in SERVER_ENV}
    os.environ.update(SERVER_ENV)
    try:
        forkserver.ensure_running()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def imap_chunks(cfg: Config, chunks: Iterable[list[tuple[int, int]]], network: Network,
                workers: int) -> Iterator[list[tuple[int, int, RunResult]]]:
    """Run chunks of replicates in `workers` processes, yielding each chunk's results as it ends."""
    import functools

    with context().Pool(workers) as pool:
        yield from pool.imap_unordered(functools.partial(run_chunk, cfg, network=network), chunks)
