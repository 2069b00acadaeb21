"""Replicate workers come from a single-threaded forkserver, never from forking this process."""

from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path

import pytest

from sim.runner import run_batch
from sim.workers import pool
from .conftest import small_config

PROC = Path("/proc/self/status")


def _parent_threads() -> int:
    """In a worker: the OS threads of the process it was forked from."""
    for line in Path(f"/proc/{os.getppid()}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no Threads line")


def test_a_batch_never_forks_this_process_and_warns_nothing(network, monkeypatch):
    """With threads running here (as under pytest, or in a server), fork() from this process
    could deadlock a worker: the batch must not call it, and Python 3.12+ must not warn."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()

    def no_fork():
        raise AssertionError("os.fork() called in the main process")

    cfg = small_config(horizon_months=6, replicates=4)
    one = run_batch(cfg, network)
    monkeypatch.setattr(os, "fork", no_fork)
    cfg.workers = 2
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            two = run_batch(cfg, network)
    finally:
        stop.set()
    assert [str(w.message) for w in caught if "fork" in str(w.message)] == []
    assert one.outcomes.equals(two.outcomes)


@pytest.mark.skipif(not PROC.is_file(), reason="needs /proc")
def test_the_worker_server_holds_a_single_thread():
    with pool(1) as p:
        assert p.apply(_parent_threads) == 1


def _batch_in_a_loky_worker(cfg, network):
    return run_batch(cfg, network).outcomes


def test_a_batch_inside_a_joblib_worker_starts_its_workers(network):
    """A job of Hydra's joblib launcher runs in a loky worker, whose start method (``loky``) a
    worker forked from the server does not know; the batch must still run, and give the same
    numbers as here."""
    from joblib import Parallel, delayed

    cfg = small_config(horizon_months=3, replicates=4)
    here = run_batch(cfg, network).outcomes
    cfg.workers = 2
    (there,) = Parallel(n_jobs=2, timeout=120)(delayed(_batch_in_a_loky_worker)(cfg, network) for _ in range(1))
    assert there.equals(here)
