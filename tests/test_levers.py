"""Levers before their start date: every lever reads its status-quo setting, so an experiment
and the status quo it changes are the same world, replicate by replicate, until the first of
its levers starts."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from sim.calendar import Calendar, parse_date
from sim.compose import compose
from sim.config import config_hash
from sim.model import PHASES, SpilloverModel
from sim.policy import STATUS_QUO, PolicyConfig, changed_levers

EXPERIMENTS = sorted(p.stem for p in (Path(__file__).parent.parent / "conf" / "experiment").glob("*.yaml"))
MONTHS = 18  # past the latest first lever date of the shipped experiments (2023-01-01)


def first_lever_day(cfg) -> int:
    cal = Calendar.from_config(cfg.model.calendar.start, cfg.model.calendar.horizon_months)
    starts = [cal.day_of(lever.start_date(cal, f"policy.{n}")) for n, lever in changed_levers(cfg.policy)]
    starts += [cal.day_of(parse_date(c.start, "closure")) if c.start else 0 for c in cfg.policy.closures]
    return min(starts, default=cal.n_days + 1)


def observed(model) -> np.ndarray:
    """Every phase's outcome values today, in registry order."""
    out = {}
    for phase in PHASES:
        out.update(phase.observe(model))
    return np.array([out[k] for k in sorted(out)], dtype=float)


def test_status_quo_policy_file_is_the_schema_defaults():
    assert compose(["experiment=baseline"]).policy == PolicyConfig()


def test_a_lever_reads_its_status_quo_setting_before_its_start(network):
    cfg = compose(["experiment=russia_blocks_refugees", f"model.calendar.horizon_months={MONTHS}"])
    model = SpilloverModel(cfg, rng=1, network=network)
    start = model.calendar.day_of(parse_date("2021-09-01", "start"))
    assert model.lever("russia_refugee_pressure").level is STATUS_QUO.russia_refugee_pressure.level is None
    assert model.lever("russia_migrant_restriction").level is None  # Moscow decides in the status quo
    while model.day < start:
        model.step()
    assert model.lever("russia_refugee_pressure").level == 1.0
    assert model.lever("russia_migrant_restriction").level == 1.0


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_experiment_equals_its_status_quo_before_its_first_lever(experiment, network):
    """Paired with the same scenario under the status-quo policy (the baseline, for every
    experiment on the baseline scenario), every outcome is identical every day before the
    experiment's first lever starts."""
    cfg = compose([f"experiment={experiment}", f"model.calendar.horizon_months={MONTHS}"])
    ref = copy.deepcopy(cfg)
    ref.policy = PolicyConfig()
    if cfg.scenario == compose(["experiment=baseline"]).scenario:
        base = compose(["experiment=baseline", f"model.calendar.horizon_months={MONTHS}"])
        ref.description = base.description
        assert config_hash(ref) == config_hash(base)
    if not changed_levers(cfg.policy) and not cfg.policy.closures:
        assert config_hash(ref) == config_hash(cfg)  # the status quo itself
        return
    first = first_lever_day(cfg)
    assert first <= Calendar.from_config(cfg.model.calendar.start, MONTHS).n_days, \
        f"{experiment}: no lever starts within {MONTHS} months"
    for seed in (1, 2):
        a, b = SpilloverModel(cfg, rng=seed, network=network), SpilloverModel(ref, rng=seed, network=network)
        while a.day < first - 1:
            a.step()
            b.step()
            assert np.array_equal(observed(a), observed(b), equal_nan=True), \
                f"{experiment}: differs on day {a.day}, before day {first}"
        rows = a._row
        assert np.array_equal(a._series[:rows], b._series[:rows], equal_nan=True)


def test_western_screening_funds_raise_the_share_screened_and_never_let_more_militants_through(network):
    """The lever the robust-borders memo explores: funds raise the share of admitted Afghans that
    Central Asia screens; with the same random numbers, screening more never lets more militants in."""
    out = {}
    for funds in (0.0, 100.0):
        cfg = compose(["uncertainty=none", "model.calendar.horizon_months=12",
                       "policy.western_hosting.usd_m_per_year=300", f"policy.western_screening.usd_m_per_year={funds}"])
        out[funds] = [SpilloverModel(cfg, rng=s, network=network).run().scalars for s in range(3)]
    for none, some in zip(out[0.0], out[100.0]):
        assert some["screening_share_ca"] > none["screening_share_ca"] + 0.1
        assert some["cum_militants_detained"] >= none["cum_militants_detained"]
