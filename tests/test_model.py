"""Behaviour of the model and the states submodel: determinism, levers, recognition."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import ConfigError, set_value
from sim.model import PHASES, SpilloverModel
from sim.narcotics.phase import TraffickingOrganisation
from sim.outcomes import registry
from sim.policy import Closure, USReturnMode
from sim.runner import n_workers, replicate_seeds, run_batch
from sim.countries import CENTRAL_ASIA

from .conftest import small_config


def run(cfg, seed, network):
    return SpilloverModel(cfg, rng=seed, network=network).run()


def series(result, name):
    return result.series[:, result.series_names.index(name)]


# ----------------------------------------------------------------------------- structure
def test_phases_are_ordered_states_refugees_narcotics_security():
    from sim.phase import ORDER

    assert [p.NAME for p in PHASES] == list(ORDER) == ["states", "refugees", "narcotics", "security"]
    assert [p.__name__ for p in PHASES] == [f"sim.{n}.phase" for n in ORDER]


def test_required_outcomes_are_registered_with_unit_and_label():
    reg = registry()
    for name in ("russia_influence_ca", "n_states_recognizing_taliban", "month_russia_recognizes"):
        assert name in reg
    for o in reg.values():
        assert o.unit and o.label


def test_calendar_defaults_to_mid_august_2021_for_five_years(network):
    m = SpilloverModel(small_config(horizon_months=60), rng=1, network=network)
    assert m.calendar.start.isoformat() == "2021-08-15"
    assert m.calendar.end.isoformat() == "2026-08-15"
    r = m.run()
    assert m.day == m.calendar.n_days == 1826
    assert len(r.dates) == 61  # every month end, then the last day
    assert r.dates[-1] == m.calendar.end


def test_model_has_one_agent_per_state(network):
    m = SpilloverModel(small_config(), rng=1, network=network)
    codes = sorted(s.code for s in m.recognisers)
    assert codes == sorted(["RUS", "CHN", "UZB", "PAK", "TJK", "TKM", "KGZ", "KAZ", "IRN", "USA"])
    states = [a for a in m.agents if not isinstance(a, TraffickingOrganisation)]
    assert len(states) == 11  # the ten above and the Taliban


def test_invalid_config_raises_at_construction(network):
    cfg = small_config()
    cfg.scenario.collapse_depth = 1.5
    with pytest.raises(ConfigError, match=r"scenario.collapse_depth .* \[0, 1\]"):
        SpilloverModel(cfg, rng=1, network=network)


# ----------------------------------------------------------------------------- seeds
def test_same_seed_same_numbers_and_different_seeds_differ(network):
    cfg = small_config()
    a, b, c = run(cfg, 11, network), run(cfg, 11, network), run(cfg, 12, network)
    np.testing.assert_array_equal(a.series, b.series)
    assert a.scalars.keys() == b.scalars.keys()
    assert all(a.scalars[k] == b.scalars[k] or (math.isnan(a.scalars[k]) and math.isnan(b.scalars[k]))
               for k in a.scalars)
    assert not np.array_equal(a.series, c.series)


def _run_day_by_day(cfg, seed, network):
    model = SpilloverModel(cfg, rng=seed, network=network)
    while model.running:
        model.step()
    return model.result()


@pytest.mark.parametrize("setters", [
    {},
    {"model.states.review_days": 3, "policy.russia_refugee_pressure.level": 1.0,
     "policy.russia_refugee_pressure.start": "2021-10-03"},
    {"model.states.review_days": 11, "policy.us_return.mode": "forced", "policy.us_return.start": "2022-02-10",
     "policy.recognition.early": ["UZB"], "policy.recognition.start": "2021-12-24"},
    {"scenario.withdrawal": False, "model.narcotics.active": False},
])
def test_run_advancing_quiet_days_at_once_equals_stepping_every_day(network, setters):
    """``run`` lets the refugees run the days on which no other phase acts in one call: every
    outcome, series and flow is what stepping each day gives, with closures, forced decisions
    and dated events falling between the weekly reviews, and with other review intervals."""
    cfg = small_config(horizon_months=14)
    cfg.policy.closures = [Closure(location="XB_SHERKHAN_PANJ", start="2021-09-10", end="2021-10-20")]
    for key, value in setters.items():
        set_value(cfg, key, value)
    for seed in (3, 4):
        fast = SpilloverModel(cfg, rng=seed, network=network)
        quiet = []
        while fast.running:
            quiet.append(fast.quiet_days())
            if quiet[-1]:
                PHASES[1].advance(fast, quiet[-1])
                fast.day += quiet[-1]
            fast.step()
        slow = _run_day_by_day(cfg, seed, network)
        a, b = fast.result(), SpilloverModel(cfg, rng=seed, network=network).run()
        assert sum(quiet) > fast.day / 2  # most days are advanced in stretches
        for got in (a, b):
            np.testing.assert_equal(got.scalars, slow.scalars)  # NaN equals NaN here
            np.testing.assert_array_equal(got.series, slow.series)
            assert got.flows == slow.flows


def test_a_phase_that_does_not_say_when_it_acts_is_stepped_every_day(network):
    """A phase without ``next_busy_day`` (a test's dummy, a new submodel) turns the stretches off."""
    from types import SimpleNamespace

    days = []
    dummy = SimpleNamespace(NAME="dummy", OUTCOMES=(), setup=lambda m: None, step=lambda m: days.append(m.day),
                            observe=lambda m: {}, final=lambda m: {})
    cfg = small_config(horizon_months=2)
    model = SpilloverModel(cfg, rng=1, network=network, phases=(*PHASES, dummy))
    model.run()
    assert days == list(range(1, model.calendar.n_days + 1))


def test_replicate_seeds_are_paired_and_distinct():
    s20, s100 = replicate_seeds(7, 20), replicate_seeds(7, 100)
    assert s100[:20] == s20  # replicate i has the same seed whatever the batch size
    assert len(set(s100)) == 100
    assert replicate_seeds(8, 20) != s20
    assert replicate_seeds(0, 3) != replicate_seeds(1, 3)  # seed 0 is a seed, not "unseeded"


def test_workers_zero_uses_the_cores_slurm_allotted(monkeypatch):
    cfg = small_config(replicates=100)
    cfg.workers = 0
    monkeypatch.setenv("SLURM_CPUS_PER_TASK", "3")
    assert n_workers(cfg) == 3
    monkeypatch.delenv("SLURM_CPUS_PER_TASK")
    if hasattr(os, "sched_getaffinity"):
        assert n_workers(cfg) == min(100, len(os.sched_getaffinity(0)))
    cfg.replicates, cfg.workers = 2, 8
    assert n_workers(cfg) == 2  # never more workers than replicates


def test_batch_is_identical_on_one_and_two_workers(network):
    cfg = small_config(replicates=6)
    one = run_batch(cfg, network)
    cfg.workers = 2
    two = run_batch(cfg, network)
    assert one.outcomes.equals(two.outcomes)
    assert one.timeseries.equals(two.timeseries)


# ----------------------------------------------------------------------------- levers
@settings(max_examples=15, deadline=None)
@given(low=st.floats(0, 1), delta=st.floats(0, 1), seed=st.integers(0, 2**32))
def test_more_russian_pressure_never_raises_admissions(network, low, delta, seed):
    """All else and the seed equal, every Central Asian state admits no larger share at any month."""
    high = min(1.0, low + delta)
    results = []
    for level in (low, high):
        cfg = small_config(horizon_months=12)
        cfg.policy.russia_refugee_pressure.level = level
        results.append(run(cfg, seed, network))
    for code in CENTRAL_ASIA:
        name = f"admit_share_{code.lower()}"
        assert np.all(series(results[1], name) <= series(results[0], name) + 1e-12), name


@pytest.fixture(scope="module")
def pressure_pair(network):
    """Seed 3 without and with full Russian pressure on refugee admissions."""
    lo, hi = small_config(), small_config()
    lo.policy.russia_refugee_pressure.level, hi.policy.russia_refugee_pressure.level = 0.0, 1.0
    return run(lo, 3, network), run(hi, 3, network)


def test_full_pressure_lowers_admissions_measurably(pressure_pair):
    a, b = pressure_pair
    assert b.scalars["admit_share_ca"] < 0.8 * a.scalars["admit_share_ca"]


def test_pressure_bites_harder_on_more_dependent_states(pressure_pair):
    a, b = pressure_pair
    drop = {c: 1 - b.scalars[f"admit_share_{c}"] / a.scalars[f"admit_share_{c}"] for c in ("tjk", "tkm")}
    assert drop["tjk"] > drop["tkm"]  # dependence 0.85 against 0.3


def test_western_hosting_funds_raise_admissions(network):
    base, funded = small_config(), small_config()
    base.policy.western_hosting.usd_m_per_year = 0.0  # against no funds, not the West's own choice
    funded.policy.western_hosting.usd_m_per_year = 200.0
    a, b = run(base, 4, network), run(funded, 4, network)
    assert np.all(series(b, "admit_share_ca") >= series(a, "admit_share_ca"))
    assert b.scalars["admit_share_ca"] > a.scalars["admit_share_ca"]


def test_lever_acts_only_from_its_start_date(network):
    base, later = small_config(), small_config()
    base.policy.reserves_release.share = 0.0  # frozen, not the West's own choice
    later.policy.reserves_release.share = 1.0
    later.policy.reserves_release.start = "2022-08-15"
    a, b = run(base, 5, network), run(later, 5, network)
    before = np.array([d.isoformat() < "2022-08-15" for d in a.dates])
    col_a, col_b = series(a, "afghan_collapse_index"), series(b, "afghan_collapse_index")
    np.testing.assert_array_equal(col_a[before], col_b[before])
    assert col_b[-1] < col_a[-1]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_releasing_reserves_eases_collapse_every_month(network, seed):
    base, released = small_config(), small_config()
    base.policy.reserves_release.share = 0.0
    released.policy.reserves_release.share = 1.0
    a, b = run(base, seed, network), run(released, seed, network)
    assert np.all(series(b, "afghan_collapse_index") <= series(a, "afghan_collapse_index") + 1e-12)
    assert b.scalars["afghan_collapse_index"] < a.scalars["afghan_collapse_index"] - 0.05


@pytest.mark.parametrize("seed", [1, 2])
def test_islamic_state_grows_with_the_collapse_and_a_us_return_cuts_it(network, seed):
    """Reserves that ease the collapse keep IS activity lower every month (with no US return,
    which a deeper crisis could trigger and which would cut IS back); a forced return cuts it."""
    def cfg(**setters):
        c = small_config(36, refugees=False)
        c.policy.us_return.mode = USReturnMode.never
        c.policy.reserves_release.share = 0.0  # frozen unless set below
        c.policy.taliban_iskp_suppression.level = 0.5  # the Taliban's 2021 effort, held (it would cut IS back)
        for path, value in setters.items():
            set_value(c, path, value)
        return c

    base = run(cfg(), seed, network)
    released = run(cfg(**{"policy.reserves_release.share": 1.0}), seed, network)
    flat = run(cfg(**{"model.states.afghanistan.islamic_state_collapse_gain": 0.0}), seed, network)
    back = run(cfg(**{"policy.us_return.mode": USReturnMode.forced, "policy.us_return.start": "2022-08-15"}),
               seed, network)
    is_base = series(base, "islamic_state_index")
    assert is_base[-1] > is_base[0] + 0.05  # the collapse deepens from its 2021 level, and IS with it
    assert np.all(series(released, "islamic_state_index") <= is_base + 1e-12)
    assert released.scalars["islamic_state_index"] < base.scalars["islamic_state_index"]
    np.testing.assert_allclose(series(flat, "islamic_state_index"), small_config().scenario.islamic_state_activity)
    after = np.array([d.isoformat() >= "2022-09-15" for d in back.dates])
    assert np.all(series(back, "islamic_state_index")[after] < is_base[after])


def test_exercise_pressure_never_adds_exercises_and_prevents_some(network):
    lo, hi = small_config(36, refugees=False), small_config(36, refugees=False)
    lo.policy.russia_exercise_pressure.level, hi.policy.russia_exercise_pressure.level = 0.0, 1.0
    totals = [0.0, 0.0]
    for seed in range(5):
        a, b = run(lo, seed, network), run(hi, seed, network)
        assert b.scalars["cum_us_exercises_ca"] <= a.scalars["cum_us_exercises_ca"], seed
        totals[0] += a.scalars["cum_us_exercises_ca"]
        totals[1] += b.scalars["cum_us_exercises_ca"]
    assert totals[1] < totals[0]


# ----------------------------------------------------------------------------- recognition and the US
@pytest.mark.parametrize("seed", range(8))
def test_recognition_is_never_withdrawn_and_counted_from_its_date(network, seed):
    """The count of recognising states never falls, is first above zero at the month of the first
    recognition (NaN: stays zero), and counts every timed state that has recognised."""
    m = SpilloverModel(small_config(horizon_months=60), rng=seed, network=network)
    r = m.run()
    n = series(r, "n_states_recognizing_taliban")
    assert np.all(np.diff(n) >= 0)
    months = np.array([m.calendar.months_since_start(m.calendar.day_of(d)) for d in r.dates])
    first = r.scalars["month_first_recognition"]
    np.testing.assert_array_equal(n > 0, months >= first)
    timed = [r.scalars[f"month_{c}_recognizes"] for c in ("russia", "china", "uzbekistan", "pakistan")]
    assert n[-1] >= sum(not math.isnan(t) for t in timed)
    assert all(math.isnan(t) or first <= t <= months[-1] for t in timed)


def test_recognition_spreads_from_peers(network):
    """Early recognition by four states raises the others' recognition, paired over seeds (with
    the Taliban's concessions held: left to them, they would seek less once four have recognised)."""
    others = lambda r: r.scalars["n_states_recognizing_taliban"]  # noqa: E731
    base_total = early_total = 0.0
    for seed in range(30):
        base, early = small_config(36, refugees=False), small_config(36, refugees=False)
        base.policy.taliban_recognition_seeking.level = early.policy.taliban_recognition_seeking.level = 0.5
        early.policy.recognition.early = ["RUS", "CHN", "UZB", "PAK"]
        early.policy.recognition.start = "2021-10-01"
        b, e = run(base, seed, network), run(early, seed, network)
        base_total += others(b) - sum(not math.isnan(b.scalars[f"month_{c}_recognizes"])
                                      for c in ("russia", "china", "uzbekistan", "pakistan"))
        early_total += others(e) - 4
        assert e.scalars["month_russia_recognizes"] <= 47 / 30.4375 + 1e-9  # on the date, or earlier by chance
    assert early_total > base_total


def test_forced_us_return_happens_on_its_date_and_raises_exercises(network):
    never, forced = small_config(36, refugees=False), small_config(36, refugees=False)
    never.policy.us_return.mode = USReturnMode.never
    forced.policy.us_return.mode = USReturnMode.forced
    forced.policy.us_return.start = "2022-08-15"
    total_never = total_forced = 0
    for seed in range(5):
        a, b = run(never, seed, network), run(forced, seed, network)
        assert math.isnan(a.scalars["month_us_returns"])
        assert b.scalars["month_us_returns"] == pytest.approx(365 / 30.4375)
        assert b.scalars["cum_us_exercises_ca"] >= a.scalars["cum_us_exercises_ca"]
        assert b.scalars["russia_influence_ca"] < a.scalars["russia_influence_ca"]
        total_never += a.scalars["cum_us_exercises_ca"]
        total_forced += b.scalars["cum_us_exercises_ca"]
    assert total_forced > total_never


def test_conditional_us_return_needs_a_worse_crisis(network):
    mild, deep = small_config(60, refugees=False), small_config(60, refugees=False)
    mild.scenario.collapse_depth, mild.scenario.conflict_intensity = 0.5, 0.2
    deep.scenario.collapse_depth, deep.scenario.conflict_intensity = 0.95, 0.7
    returns = {"mild": 0, "deep": 0}
    for seed in range(10):
        returns["mild"] += not math.isnan(run(mild, seed, network).scalars["month_us_returns"])
        returns["deep"] += not math.isnan(run(deep, seed, network).scalars["month_us_returns"])
    assert returns["mild"] == 0
    assert returns["deep"] >= 3  # 4 of 10 since the Taliban seek recognition (which eases the collapse)


def test_set_value_turns_a_string_into_its_enum_and_refuses_an_unknown_one():
    from sim.config import ConfigError, set_value
    from sim.policy import USReturnMode

    cfg = small_config()
    set_value(cfg, "policy.us_return.mode", "forced")
    assert cfg.policy.us_return.mode is USReturnMode.forced
    with pytest.raises(ConfigError, match=r"policy.us_return.mode = 'sometimes' is not one of \['never', "):
        set_value(cfg, "policy.us_return.mode", "sometimes")
