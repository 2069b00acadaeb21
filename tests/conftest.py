"""Shared fixtures: small configs and a once-loaded network."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.config import Config, set_value
from sim.model import SpilloverModel
from sim.network import load_network

SIM_RUN = str(Path(sys.executable).parent / "sim-run")
SIM_PARAMS = str(Path(sys.executable).parent / "sim-params")


def sim_run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``sim-run ARGS`` in `cwd`, output captured."""
    return subprocess.run([SIM_RUN, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def small_config(horizon_months: int = 24, replicates: int = 4, refugees: bool = True) -> Config:
    """A short run on one worker, without a progress bar (and without displacement if not `refugees`)."""
    cfg = Config()
    if not refugees:
        cfg.model.refugees.displacement_rate = 0.0
    cfg.model.calendar.horizon_months = horizon_months
    cfg.replicates = replicates
    cfg.workers = 1
    cfg.progress = False
    return cfg


@pytest.fixture(scope="session")
def network():
    return load_network()


def run_small(network, seed: int, months: int = 18, refugees: bool = True, **setters):
    """One small run; setters use '__' for dots (``policy__opium_ban__compliance=0.9``)."""
    cfg = small_config(horizon_months=months, refugees=refugees)
    for path, value in setters.items():
        set_value(cfg, path.replace("__", "."), value)
    return SpilloverModel(cfg, rng=seed, network=network).run()


def mean_over_seeds(network, seeds, months: int = 18, refugees: bool = True, **setters) -> dict[str, float]:
    """Mean scalar outcomes over `seeds` of a small run; setters use '__' for dots
    (``policy__opium_ban__compliance=0.9``)."""
    totals = None
    for seed in seeds:
        s = run_small(network, seed, months, refugees, **setters).scalars
        totals = s if totals is None else {k: totals[k] + s[k] for k in totals}
    return {k: v / len(seeds) for k, v in totals.items()}
