"""Shared fixtures: small configs and a once-loaded network."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sim.config import Config
from sim.network import load_network

SIM_RUN = str(Path(sys.executable).parent / "sim-run")
SIM_PARAMS = str(Path(sys.executable).parent / "sim-params")


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
