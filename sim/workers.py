"""Replicate workers: the function a worker runs, the warm-up that loads the compiled kernels,
and the forkserver the workers come from.

Batches with more than one worker run in processes forked from a *forkserver*: a fresh
interpreter started (by fork and exec, not by forking this process) once per session, which
holds no thread but its own, since ``fork`` from a process with threads (OpenBLAS's,
pyarrow's, tqdm's) may deadlock the child and Python 3.12 warns about it. The server imports
:mod:`sim._forkserver`, which calls :func:`warm_up`, so every worker forked from it starts with
the package imported and the kernels loaded. Where there is no forkserver (Windows), workers
are spawned, each importing the package and loading the kernels itself.

This module imports the model only inside its functions, so that ``sim-run`` can start the
server before it has imported anything heavy.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import multiprocessing.pool
import os
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterable, Iterator, NamedTuple

if TYPE_CHECKING:
    from sim.config import Config
    from sim.model import RunResult
    from sim.network import Network

# Each worker still imports the main script once, as multiprocessing does for every start method
# but fork (about 60 ms for sim-run; a script that starts a batch needs the __main__ guard).
SERVER_PRELOAD = ["sim._forkserver"]
# The server must hold no thread but its own: numpy's OpenBLAS and pyarrow's jemalloc start one
# each at import unless told not to. The server and its workers get these settings; this
# process keeps its own.
SERVER_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "JE_ARROW_MALLOC_CONF": "background_thread:false"}
WARM_DAYS = 31  # a month: every daily, weekly and monthly kernel has run once


def run_replicate(cfg: "Config", seed: int, network: "Network | None" = None) -> "RunResult":
    """One replicate of the model with the given seed."""
    from sim.model import SpilloverModel

    return SpilloverModel(cfg, rng=seed, network=network).run()


def run_chunk(cfg: "Config", chunk: "Chunk", network: "Network") -> list[tuple["Run", "RunResult"]]:
    """The runs of `chunk`, in order, each in its future's config (the chunk's values on `cfg`)."""
    from sim.uncertainty import apply_future

    logging.getLogger("MESA").setLevel(logging.WARNING)
    configs = {f: apply_future(cfg, values) for f, values in chunk.values.items()}
    return [(run, run_replicate(configs.get(run.future, cfg), run.seed, network)) for run in chunk.runs]


class Run(NamedTuple):
    """One run of an ensemble: its position in the tables, future, replicate and seed."""

    index: int
    future: int
    replicate: int
    seed: int


class Chunk(NamedTuple):
    """Runs to do in one task, with the parameter values of the futures they belong to (a future
    absent from `values` runs the config as it is)."""

    runs: list[Run]
    values: dict[int, dict]


def warm_up() -> None:
    """Run a month of the default model, so that its compiled kernels are loaded in this process."""
    from sim.config import Config
    from sim.model import SpilloverModel

    logging.getLogger("MESA").setLevel(logging.WARNING)
    model = SpilloverModel(Config(), rng=0)
    while model.running and model.day < WARM_DAYS:
        model.step()


METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def start_server() -> None:
    """Start the workers' forkserver if it is not running; it warms up while the caller goes on."""
    if METHOD != "forkserver":
        return
    from multiprocessing import forkserver

    multiprocessing.get_context(METHOD).set_forkserver_preload(SERVER_PRELOAD)
    with worker_env():
        forkserver.ensure_running()


@contextmanager
def worker_env() -> Iterator[None]:
    """``SERVER_ENV`` in this process's environment while the block starts worker processes (they
    inherit it: one thread per numerical library), this process's own settings put back after."""
    saved = {k: os.environ.get(k) for k in SERVER_ENV}
    os.environ.update(SERVER_ENV)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextmanager
def pool(workers: int) -> Iterator[multiprocessing.pool.Pool]:
    """A pool of `workers` processes from the server, closed when the block ends.

    A worker takes on the start method of the process that made it. Inside a job of Hydra's
    joblib launcher that method is joblib's own ``loky``, which a worker forked from the server
    does not know (it would fail to start, again and again): while the pool lives (it may
    start a worker again), this process's method is the pool's, and is put back after.
    """
    start_server()
    method = multiprocessing.get_start_method(allow_none=True)
    foreign = method is not None and method not in multiprocessing.get_all_start_methods()
    if foreign:
        multiprocessing.set_start_method(METHOD, force=True)
    try:
        with multiprocessing.get_context(METHOD).Pool(workers) as p:
            yield p
    finally:
        if foreign:
            multiprocessing.set_start_method(method, force=True)


def _indexed(task, cfg: "Config", item: tuple[int, Chunk], network: "Network") -> tuple[int, object]:
    return item[0], task(cfg, item, network)


def imap_tasks(task, cfg: "Config", items: Iterable[tuple[int, Chunk]], network: "Network",
               workers: int) -> Iterator[tuple[int, object]]:
    """(k, ``task(cfg, (k, chunk), network)``) of each (k, chunk) of `items`, run in `workers`
    processes, as each ends (`items` is read as the pool takes them)."""
    with pool(workers) as p:
        yield from p.imap_unordered(functools.partial(_indexed, task, cfg, network=network), items)
