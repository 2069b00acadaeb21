"""Random streams are keyed by phase name: adding or reordering phases leaves every other
phase's draws bit-identical, and adding one that shares nothing leaves every outcome so.
(Reordering phases changes when each reads the others' coupling fields, so outcomes may move;
the draws do not.)"""

from __future__ import annotations

import numpy as np
import pytest

from sim.draws import named_stream
from sim.model import PHASES, SpilloverModel
from sim.outcomes import Outcome

from .conftest import small_config


class DummyPhase:
    """A phase that draws from its own stream every day and touches nothing else."""

    NAME = "dummy"
    OUTCOMES = (Outcome("dummy_draws", "draws", "Draws of the dummy phase (total)"),)

    @staticmethod
    def setup(model) -> None:
        model.dummy = 0.0

    @staticmethod
    def step(model) -> None:
        model.dummy += float(model.streams["dummy"].random(3).sum())

    @staticmethod
    def observe(model) -> dict[str, float]:
        return {"dummy_draws": model.dummy}

    @staticmethod
    def final(model) -> dict[str, float]:
        return {}


def _run(network, phases, seed=3):
    return SpilloverModel(small_config(horizon_months=12), rng=seed, network=network, phases=phases).run()


@pytest.mark.parametrize("where", [0, 2, len(PHASES)])
def test_adding_a_phase_leaves_the_others_draws_bit_identical(network, where):
    plain = _run(network, PHASES)
    phases = (*PHASES[:where], DummyPhase, *PHASES[where:])
    more = _run(network, phases)
    assert more.scalars["dummy_draws"] > 0
    assert {k: v for k, v in more.scalars.items() if k != "dummy_draws"}.keys() == plain.scalars.keys()
    keep = [more.series_names.index(n) for n in plain.series_names]
    assert np.array_equal(more.series[:, keep], plain.series, equal_nan=True)
    assert all(np.array_equal(more.scalars[k], v, equal_nan=True) for k, v in plain.scalars.items())


def test_reordering_the_phases_leaves_each_phases_draws_as_they_were(network):
    cfg = small_config(horizon_months=1)
    plain = SpilloverModel(cfg, rng=5, network=network)
    shuffled = SpilloverModel(cfg, rng=5, network=network, phases=(DummyPhase, *reversed(PHASES)))
    for ph in PHASES:
        assert np.array_equal(plain.streams[ph.NAME].random(5), shuffled.streams[ph.NAME].random(5)), ph.NAME


def test_streams_differ_by_name_and_by_replicate_and_repeat_for_the_same_seed():
    seeds = np.random.SeedSequence(7)
    a, b = named_stream(seeds, "states").random(4), named_stream(seeds, "refugees").random(4)
    assert not np.array_equal(a, b)
    assert np.array_equal(a, named_stream(np.random.SeedSequence(7), "states").random(4))
    assert not np.array_equal(a, named_stream(np.random.SeedSequence(8), "states").random(4))
    spawned = np.random.SeedSequence(7).spawn(4)  # what keying by position gave: no name collides with it
    assert all(not np.array_equal(a, np.random.Generator(np.random.PCG64(s)).random(4)) for s in spawned)
