"""States that decide: the choice rule, perception, and each decision's direction and loop.

Model-level tests compare paired runs (same seeds, one input moved) by their means over
seeds, or pathwise where the comparison holds path by path.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.calendar import parse_date
from sim.model import SpilloverModel
from sim.states.choice import choice_probabilities, choose
from sim.states.perception import Perceived
from .conftest import mean_over_seeds, run_small, small_config

LEVELS = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
SEEDS = range(12)


# ----------------------------------------------------------------------------- the choice rule
def test_choice_probabilities_follow_the_logit_with_inertia():
    u = np.array([0.0, 0.1, 0.3, 0.2, 0.0])
    p = choice_probabilities(LEVELS, u, current=0.5, temperature=0.1, switching_cost=0.2)
    v = u - 0.2 * np.abs(LEVELS - 0.5)
    assert np.allclose(p, np.exp(v / 0.1) / np.exp(v / 0.1).sum())
    assert p.argmax() == 2 and math.isclose(p.sum(), 1.0)


def test_zero_temperature_picks_the_best_option_whatever_the_uniform():
    u = np.array([0.0, 0.1, 0.3, 0.2, 0.0])
    assert {choose(LEVELS, u, 0.0, 0.0, 0.0, x) for x in (0.0, 0.3, 0.999)} == {0.5}


def test_switching_cost_keeps_the_current_option_when_options_tie():
    u = np.zeros(5)
    assert choose(LEVELS, u, current=0.75, temperature=0.0, switching_cost=0.1, u=0.5) == 0.75
    p = choice_probabilities(LEVELS, u, current=0.75, temperature=0.05, switching_cost=0.1)
    assert p.argmax() == 3


@settings(max_examples=200, deadline=None)
@given(u=st.lists(st.floats(-1, 1), min_size=5, max_size=5), shift=st.floats(0, 1), x=st.floats(0, 1),
       current=st.sampled_from(list(LEVELS)), temperature=st.floats(0.001, 1))
def test_utility_shifting_towards_higher_options_never_picks_a_lower_one(u, shift, x, current, temperature):
    """Adding a utility that rises with the level moves the probabilities up in the sense of the
    cumulative distribution, so the same uniform picks the same option or a higher one."""
    u = np.array(u)
    low = choose(LEVELS, u, current, temperature, 0.1, x)
    high = choose(LEVELS, u + shift * LEVELS, current, temperature, 0.1, x)
    assert high >= low


# ----------------------------------------------------------------------------- perception
def test_a_lagged_report_arrives_lag_reviews_late_and_the_estimate_moves_by_memory():
    p = Perceived(lag=2, memory=0.5, noise_sd=0.0, prior=10.0)
    p.report(20.0, 0.0)
    p.report(20.0, 0.0)
    assert p.value == 10.0  # nothing has arrived yet
    p.report(20.0, 0.0)
    assert p.value == 15.0 and p.relative() == 1.5


def test_without_a_prior_the_first_estimate_is_normal():
    p = Perceived(lag=0, memory=0.25, noise_sd=0.0)
    assert p.relative() == 1.0 and p.value is None
    p.report(8.0, 0.0)
    p.report(16.0, 0.0)
    assert p.first == 8.0 and p.value == 10.0 and p.relative() == 1.25


def test_report_noise_is_unbiased():
    z = np.random.default_rng(0).standard_normal(200_000)
    reports = []
    for zi in z:
        p = Perceived(lag=0, memory=1.0, noise_sd=0.3)
        p.report(5.0, zi)
        reports.append(p.value)
    assert abs(np.mean(reports) / 5.0 - 1.0) < 0.005


# ----------------------------------------------------------------------------- directions
def test_more_attacks_bring_a_harsher_crackdown(network):
    low = mean_over_seeds(network, SEEDS, months=36, refugees=False,
                          model__security__attacks__major_attacks_per_year_rus_2021=0.3)
    high = mean_over_seeds(network, SEEDS, months=36, refugees=False,
                           model__security__attacks__major_attacks_per_year_rus_2021=2.0)
    assert high["cum_major_attacks_rus"] > low["cum_major_attacks_rus"]
    assert high["decision_russia_crackdown"] > low["decision_russia_crackdown"] + 0.05


def test_more_militants_among_refugees_bring_more_russian_pressure_and_lower_admissions(network):
    low = mean_over_seeds(network, SEEDS, months=24, model__refugees__militant_share=0.0001)
    high = mean_over_seeds(network, SEEDS, months=24, model__refugees__militant_share=0.001)
    assert high["decision_russia_refugee_pressure"] > low["decision_russia_refugee_pressure"] + 0.05
    assert high["admit_share_ca"] < low["admit_share_ca"]


def test_a_bigger_refugee_flow_brings_more_russian_pressure(network):
    low = mean_over_seeds(network, SEEDS, months=24, model__refugees__displacement_rate=0.02)
    high = mean_over_seeds(network, SEEDS, months=24)
    assert high["cum_entered_ca"] > low["cum_entered_ca"]
    assert high["decision_russia_refugee_pressure"] > low["decision_russia_refugee_pressure"]


def test_a_worse_islamic_state_brings_more_drills(network):
    low = mean_over_seeds(network, SEEDS, months=24, refugees=False, scenario__islamic_state_activity=0.1)
    high = mean_over_seeds(network, SEEDS, months=24, refugees=False, scenario__islamic_state_activity=0.8)
    assert high["decision_russia_drills"] > low["decision_russia_drills"]


# ----------------------------------------------------------------------------- loops
def _runs(network, seeds, months, **setters):
    return [run_small(network, s, months, False, **setters) for s in seeds]


def _series(result, name):
    return result.series[:, result.series_names.index(name)]


def test_attacks_feed_radicalization_only_through_the_crackdown_moscow_chooses(network):
    """The loop attacks -> crackdown -> radicalization -> attacks: with the crackdown forced,
    the attack rate leaves radicalization untouched path by path; when Moscow chooses it, more
    attacks mean more radicalization, and radicalization raises the attack hazard."""
    rate = "model__security__attacks__major_attacks_per_year_rus_2021"
    forced = {"policy__russia_crackdown__level": 0.0}
    for a, b in zip(_runs(network, range(4), 36, **{rate: 0.3}, **forced),
                    _runs(network, range(4), 36, **{rate: 2.0}, **forced)):
        assert np.array_equal(_series(a, "radicalization_index_rus"), _series(b, "radicalization_index_rus"))
    low = mean_over_seeds(network, SEEDS, months=36, refugees=False, **{rate: 0.3})
    high = mean_over_seeds(network, SEEDS, months=36, refugees=False, **{rate: 2.0})
    assert high["radicalization_index_rus"] > low["radicalization_index_rus"]
    calm = mean_over_seeds(network, range(4), months=36, refugees=False, **forced)
    harsh = mean_over_seeds(network, range(4), months=36, refugees=False, policy__russia_crackdown__level=1.0)
    assert harsh["radicalization_index_rus"] > calm["radicalization_index_rus"]


def test_russian_pressure_turns_more_afghans_back_and_more_across_irregularly(network):
    """militants among refugees -> Russian pressure -> fewer admitted -> more turned back and
    more crossing irregularly (refused entry, then crossing with smugglers)."""
    low = mean_over_seeds(network, SEEDS, months=24, policy__russia_refugee_pressure__level=0.0)
    high = mean_over_seeds(network, SEEDS, months=24, policy__russia_refugee_pressure__level=1.0)
    assert high["admit_share_ca"] < low["admit_share_ca"]
    assert high["cum_turned_back"] > low["cum_turned_back"]
    assert high["cum_irregular_ca"] > low["cum_irregular_ca"] > 0


# ----------------------------------------------------------------------------- forcing
@pytest.mark.parametrize("lever, field, agent, attr, level", [
    ("russia_crackdown", "level", "russia", "crackdown", 1.0),
    ("russia_drills", "level", "russia", "drills", 0.0),
    ("russia_refugee_pressure", "level", "russia", "refugee_pressure", 0.0),
    ("russia_migrant_restriction", "level", "russia", "worker_restriction", 1.0),
    ("opium_ban", "compliance", "taliban", "opium_ban", 0.0),
    ("pak_deportation", "level", "PAK", "deportation", 0.0),
    ("irn_deportation", "level", "IRN", "deportation", 1.0),
    ("china_engagement", "level", "CHN", "engagement", 1.0),
    ("taliban_recognition_seeking", "level", "taliban", "recognition_seeking", 0.0),
])
def test_a_forced_decision_overrides_the_agent_from_its_date_and_not_before(network, lever, field, agent, attr,
                                                                             level):
    cfg = small_config(horizon_months=18)
    forced = small_config(horizon_months=18)
    setattr(getattr(forced.policy, lever), field, level)
    getattr(forced.policy, lever).start = "2022-03-01"
    a, b = SpilloverModel(cfg, rng=5, network=network), SpilloverModel(forced, rng=5, network=network)
    start = a.calendar.day_of(parse_date("2022-03-01", "start"))
    chosen = set()
    while a.running:
        a.step()
        b.step()
        x, y = (getattr(m.state_by_code[agent] if agent.isupper() else getattr(m, agent), attr) for m in (a, b))
        if a.day < start:
            assert x == y, a.day
        else:
            assert y == level, b.day
            chosen.add(x)
    assert chosen - {level}, "the agent never chose anything but the forced level: the test shows nothing"


# ----------------------------------------------------------------------------- the Taliban's ban
def test_a_revenue_squeeze_weakens_the_taliban_ban(network):
    """A deeper collapse leaves the Taliban less revenue besides opium and their farmers less
    besides poppy: they ban less."""
    mild = mean_over_seeds(network, SEEDS, months=24, refugees=False, scenario__collapse_depth=0.4)
    deep = mean_over_seeds(network, SEEDS, months=24, refugees=False, scenario__collapse_depth=0.95)
    assert deep["afghan_collapse_index"] > mild["afghan_collapse_index"]
    assert deep["decision_taliban_opium_ban"] < mild["decision_taliban_opium_ban"] - 0.05


def test_a_recognition_offer_strengthens_the_taliban_ban(network):
    low = mean_over_seeds(network, SEEDS, months=24, refugees=False, model__states__tal__ban_legitimacy=0.1)
    high = mean_over_seeds(network, SEEDS, months=24, refugees=False, model__states__tal__ban_legitimacy=0.6)
    assert high["decision_taliban_opium_ban"] > low["decision_taliban_opium_ban"] + 0.1


def test_the_taliban_ban_cuts_production_and_revenue_and_draws_recognition(network):
    """ban -> less opium, less tax; ban -> more recognition (which then lowers what a ban is worth)."""
    none = mean_over_seeds(network, SEEDS, months=36, refugees=False, policy__opium_ban__compliance=0.0)
    full = mean_over_seeds(network, SEEDS, months=36, refugees=False, policy__opium_ban__compliance=1.0)
    assert full["new_production_tonnes"] < 0.2 * none["new_production_tonnes"]
    assert full["taliban_drug_revenue_usd"] < none["taliban_drug_revenue_usd"]
    assert full["n_states_recognizing_taliban"] > none["n_states_recognizing_taliban"]


def test_a_deeper_collapse_makes_the_taliban_seek_recognition_harder_and_seeking_draws_it(network):
    """collapse -> the aid recognition brings is worth more -> more concessions -> more states
    recognise (and more recognition leaves less to seek)."""
    mild = mean_over_seeds(network, SEEDS, months=24, refugees=False, scenario__collapse_depth=0.4)
    deep = mean_over_seeds(network, SEEDS, months=24, refugees=False, scenario__collapse_depth=0.95)
    assert deep["decision_taliban_recognition_seeking"] > mild["decision_taliban_recognition_seeking"] + 0.05
    none = mean_over_seeds(network, SEEDS, months=36, refugees=False,
                           policy__taliban_recognition_seeking__level=0.0)
    full = mean_over_seeds(network, SEEDS, months=36, refugees=False,
                           policy__taliban_recognition_seeking__level=1.0)
    assert full["n_states_recognizing_taliban"] > none["n_states_recognizing_taliban"]


# ----------------------------------------------------------------------------- workers, hosts
def test_more_afghans_moving_on_to_russia_bring_a_tighter_worker_restriction(network):
    low = mean_over_seeds(network, SEEDS, months=36, model__refugees__onward_rate=0.02)
    high = mean_over_seeds(network, SEEDS, months=36, model__refugees__onward_rate=0.2)
    assert high["cum_onward_to_rus"] > low["cum_onward_to_rus"]
    assert high["decision_russia_worker_restriction"] > low["decision_russia_worker_restriction"] + 0.05


def test_more_afghans_hosted_bring_harder_deportation_campaigns(network):
    low = mean_over_seeds(network, SEEDS, months=24, model__refugees__displacement_rate=0.02)
    high = mean_over_seeds(network, SEEDS, months=24, model__refugees__displacement_rate=0.14)
    for code in ("pak", "irn"):
        assert high[f"n_hosted_{code}"] > low[f"n_hosted_{code}"]
        assert high[f"decision_{code}_deportation"] > low[f"decision_{code}_deportation"], code


def test_a_deportation_campaign_sends_more_afghans_home(network):
    none = mean_over_seeds(network, range(4), months=18, policy__pak_deportation__level=0.0,
                           policy__irn_deportation__level=0.0)
    full = mean_over_seeds(network, range(4), months=18, policy__pak_deportation__level=1.0,
                           policy__irn_deportation__level=1.0)
    assert full["cum_returned"] > none["cum_returned"]
    assert full["n_hosted_pak"] < none["n_hosted_pak"] and full["n_hosted_irn"] < none["n_hosted_irn"]


# ----------------------------------------------------------------------------- Islamic State, engagement
def test_a_stronger_islamic_state_brings_more_russian_engagement_and_taliban_effort(network):
    low = mean_over_seeds(network, SEEDS, months=24, refugees=False, scenario__islamic_state_activity=0.1)
    high = mean_over_seeds(network, SEEDS, months=24, refugees=False, scenario__islamic_state_activity=0.6)
    assert high["decision_russia_engagement"] > low["decision_russia_engagement"]
    assert high["decision_taliban_iskp_suppression"] > low["decision_taliban_iskp_suppression"]


def test_russian_support_raises_the_taliban_effort_against_islamic_state_which_cuts_it(network):
    """engagement -> cheaper suppression -> more suppression -> less IS (-> less engagement)."""
    kw = dict(months=24, refugees=False, model__states__tal__suppression_cost=0.8)
    none = mean_over_seeds(network, SEEDS, **kw, policy__russia_engagement__level=0.0)
    full = mean_over_seeds(network, SEEDS, **kw, policy__russia_engagement__level=1.0)
    assert full["decision_taliban_iskp_suppression"] > none["decision_taliban_iskp_suppression"]
    lax = mean_over_seeds(network, range(4), months=24, refugees=False, policy__taliban_iskp_suppression__level=0.0)
    hard = mean_over_seeds(network, range(4), months=24, refugees=False, policy__taliban_iskp_suppression__level=1.0)
    assert hard["islamic_state_index"] < lax["islamic_state_index"]


def test_moscows_push_makes_the_west_release_more_of_the_reserves(network):
    none = mean_over_seeds(network, SEEDS, months=24, refugees=False, policy__russia_reserves_push__level=0.0)
    full = mean_over_seeds(network, SEEDS, months=24, refugees=False, policy__russia_reserves_push__level=1.0)
    assert full["decision_us_reserves_release"] > none["decision_us_reserves_release"]
    assert full["afghan_collapse_index"] < none["afghan_collapse_index"]


def test_a_bigger_refugee_flow_brings_more_western_hosting_funds(network):
    low = mean_over_seeds(network, SEEDS, months=24, model__refugees__displacement_rate=0.02)
    high = mean_over_seeds(network, SEEDS, months=24, model__refugees__displacement_rate=0.14)
    assert high["decision_us_hosting_funds"] > low["decision_us_hosting_funds"]


def test_russian_pressure_and_western_aid_pull_alignment_in_opposite_directions(network):
    kw = dict(months=36, refugees=False, policy__western_hosting__usd_m_per_year=0.0)
    calm = mean_over_seeds(network, range(4), **kw, policy__russia_refugee_pressure__level=0.0)
    pressed = mean_over_seeds(network, range(4), **kw, policy__russia_refugee_pressure__level=1.0)
    assert pressed["alignment_ca"] > calm["alignment_ca"]
    kw = dict(months=36, refugees=False, policy__russia_refugee_pressure__level=0.5)
    unpaid = mean_over_seeds(network, range(4), **kw, policy__western_hosting__usd_m_per_year=0.0)
    paid = mean_over_seeds(network, range(4), **kw, policy__western_hosting__usd_m_per_year=400.0)
    assert paid["alignment_ca"] < unpaid["alignment_ca"]
    assert paid["admit_share_ca"] > unpaid["admit_share_ca"]  # more Western aid, more admission


@pytest.mark.parametrize("who", ["russia", "china"])
def test_moscow_and_beijing_recognise_when_the_wests_leverage_is_weak_and_not_when_it_is_strong(network, who):
    """...unless the Taliban's concessions lower the barrier enough: without them, never."""
    def recognised(**setters):
        return sum(math.isfinite(run_small(network, s, 36, False, **setters).scalars[f"month_{who}_recognizes"])
                   for s in range(6))
    assert recognised(model__states__usa__leverage_2021=0.0) == 6
    strong = recognised(model__states__usa__leverage_2021=0.8)
    assert strong < 6
    assert recognised(model__states__usa__leverage_2021=0.8, policy__taliban_recognition_seeking__level=0.0) == 0
    assert recognised(model__states__usa__leverage_2021=0.8, policy__taliban_recognition_seeking__level=1.0) >= strong


def test_conflict_and_islamic_state_hold_chinese_engagement_back(network):
    calm = mean_over_seeds(network, SEEDS, months=24, refugees=False, scenario__conflict_intensity=0.15,
                           scenario__islamic_state_activity=0.1)
    war = mean_over_seeds(network, SEEDS, months=24, refugees=False, scenario__conflict_intensity=0.7,
                          scenario__islamic_state_activity=0.6)
    assert war["decision_china_engagement"] < calm["decision_china_engagement"] - 0.1


# ----------------------------------------------------------------------------- the decision report
def test_the_decision_report_counts_changes_and_events():
    import pandas as pd

    from sim.decisions import decision_table

    dates = pd.date_range("2021-08-31", periods=4, freq="ME")
    series = {0: [0.0, 0.0, 0.5, 0.5], 1: [0.0, 0.0, 0.0, 0.0]}
    ts = pd.DataFrame([{"replicate": r, "date": d, "outcome": "decision_x", "value": v}
                       for r, values in series.items() for d, v in zip(dates, values)])
    outcomes = pd.DataFrame({"replicate": [0, 1], "month_us_returns": [3.0, np.nan]})
    t = decision_table(ts, outcomes).set_index("decision")
    assert t.loc["decision_x", "share_changed"] == 0.5 and t.loc["decision_x", "median_first_change_month"] == 2
    assert t.loc["decision_x", "changes_per_replicate"] == 0.5 and t.loc["decision_x", "mean"] == 0.125
    assert t.loc["month_us_returns", "share_changed"] == 0.5 and t.loc["month_us_returns", "median_first_change_month"] == 3


def test_the_decision_report_names_a_missing_folder(tmp_path, capsys):
    from sim.decisions import main

    with pytest.raises(SystemExit) as e:
        main([str(tmp_path / "nowhere")])
    assert e.value.code == 2 and "nowhere: results folder not found" in capsys.readouterr().err


def test_the_deciders_are_a_mesa_agentset_activated_in_a_fixed_order(network):
    from mesa.agent import AgentSet

    m = SpilloverModel(small_config(horizon_months=2), rng=1, network=network)
    assert isinstance(m.deciders, AgentSet)
    assert [getattr(a, "code", "TAL") for a in m.deciders] == ["USA", "RUS", "TAL", "PAK", "IRN", "CHN"]
    assert sorted(a.code for a in m.recognition_choosers) == ["CHN", "RUS"]


def test_central_asia_holds_back_from_us_exercises_under_pressure_and_seeks_them_in_fear(network):
    free = mean_over_seeds(network, SEEDS, months=24, refugees=False, policy__russia_exercise_pressure__level=0.0)
    pressed = mean_over_seeds(network, SEEDS, months=24, refugees=False, policy__russia_exercise_pressure__level=1.0)
    assert pressed["decision_ca_us_exercises"] < free["decision_ca_us_exercises"] - 0.1
    assert pressed["cum_us_exercises_ca"] < free["cum_us_exercises_ca"]
    calm = mean_over_seeds(network, SEEDS, months=24, refugees=False, scenario__islamic_state_activity=0.1,
                           scenario__conflict_intensity=0.15)
    afraid = mean_over_seeds(network, SEEDS, months=24, refugees=False, scenario__islamic_state_activity=0.6,
                             scenario__conflict_intensity=0.7)
    assert afraid["decision_ca_us_exercises"] > calm["decision_ca_us_exercises"]
