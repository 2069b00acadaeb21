"""Moscow's scorecard and the counterfactual without the withdrawal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import paired_series, window_totals
from sim.compose import compose
from sim.model import SpilloverModel
from sim.plots import PlotError, Run
from sim.plots.scorecard import weight_sensitivity
from sim.scorecard import COMPONENTS
from sim.states.goals import RussiaGoals

from .conftest import run_small

PARTS = [f"moscow_payoff_{c}" for c in COMPONENTS]
MONTHS = 24


def _series(result, name):
    return result.series[:, result.series_names.index(name)]


def test_the_net_payoff_is_the_sum_of_its_parts_every_month(network):
    r = run_small(network, 3, MONTHS)
    net = _series(r, "moscow_net_payoff")
    assert np.allclose(net, sum(_series(r, p) for p in PARTS))
    assert np.isfinite(net).all()
    assert np.isclose(r.scalars["moscow_net_payoff"], net.sum())  # the scalar is the total


def test_each_part_scores_its_goal(network):
    """Paired: a forced crackdown costs Moscow in the economy part; a forced ban cuts the
    opiates reaching Russia and so raises the drug part; a US return lowers Moscow's standing."""
    base = run_small(network, 4, MONTHS)
    crack = run_small(network, 4, MONTHS, policy__russia_crackdown__level=1.0)
    assert crack.scalars["moscow_payoff_economy"] < base.scalars["moscow_payoff_economy"]
    no_ban = run_small(network, 4, MONTHS, policy__opium_ban__compliance=0.0)
    ban = run_small(network, 4, MONTHS, policy__opium_ban__compliance=1.0)
    assert ban.scalars["cum_supply_rus_tonnes"] < no_ban.scalars["cum_supply_rus_tonnes"]
    assert ban.scalars["moscow_payoff_drugs"] > no_ban.scalars["moscow_payoff_drugs"]
    back = run_small(network, 4, MONTHS, policy__us_return__mode="forced", policy__us_return__start="2022-01-01")
    assert back.scalars["moscow_payoff_standing"] < base.scalars["moscow_payoff_standing"]


def test_the_scorecard_weights_are_moscows_goals(network):
    """Doubling a goal's weight doubles its part, pathwise, while Moscow's choices change."""
    a = run_small(network, 2, MONTHS)
    b = run_small(network, 2, MONTHS, model__states__rus__goals__standing=0.6)
    assert np.allclose(_series(b, "moscow_payoff_standing")[:1], 2 * _series(a, "moscow_payoff_standing")[:1])


@pytest.fixture(scope="module")
def worlds(network):
    """Seed 7 with and without the withdrawal, 24 months."""
    out = {}
    for exp in ("baseline", "no_withdrawal"):
        cfg = compose([f"experiment={exp}", f"model.calendar.horizon_months={MONTHS}", "progress=false"])
        m = SpilloverModel(cfg, rng=7, network=network)
        out[exp] = (m, m.run())
    return out


def test_without_the_withdrawal_the_taliban_neither_rule_nor_ban_and_the_us_stays(worlds):
    m, r = worlds["no_withdrawal"]
    assert r.scalars["n_states_recognizing_taliban"] == 0 and r.scalars["decision_taliban_opium_ban"] == 0
    assert m.west.present and not m.west.returned and np.isnan(r.scalars["month_us_returns"])
    base_m, base = worlds["baseline"]
    assert r.scalars["west_leverage"] > base.scalars["west_leverage"]
    assert r.scalars["afghan_collapse_index"] < base.scalars["afghan_collapse_index"]  # reserves, no collapse
    assert r.scalars["islamic_state_index"] < base.scalars["islamic_state_index"]  # US counter-terrorism
    assert r.scalars["afghan_conflict_index"] > base.scalars["afghan_conflict_index"]  # the war goes on


def test_paired_series_and_windows_have_known_answers():
    dates = pd.date_range("2021-08-31", periods=3, freq="ME")
    long = lambda values: pd.DataFrame([{"replicate": r, "date": d, "outcome": "x", "value": v}  # noqa: E731
                                        for r, row in enumerate(values) for d, v in zip(dates, row)])
    a, b = long([[1, 2, 3], [4, 5, 6]]), long([[0, 0, 1], [1, 1, 1]])
    diff = paired_series(a, b, "x")
    assert diff.to_numpy().T.tolist() == [[1, 2, 2], [3, 4, 5]]
    totals = window_totals(diff, {"first": (1, 1), "rest": (2, 3), "all": (1, 3)})
    assert totals["first"].tolist() == [1, 3] and totals["rest"].tolist() == [4, 9] and totals["all"].tolist() == [5, 12]
    with pytest.raises(ValueError, match="outside the 3 recorded months"):
        window_totals(diff, {"late": (2, 4)})
    with pytest.raises(ValueError, match="different replicates or months"):
        paired_series(a, b[b["replicate"] == 0], "x")
    with pytest.raises(ValueError, match="no time series 'y'"):
        paired_series(a, b, "y")


def test_without_the_withdrawal_no_lever_forces_what_does_not_exist(network):
    """No Taliban government: a forced ban or campaign has nothing to act on; the reserves are
    released, and reported so; Moscow neither engages an insurgency nor campaigns."""
    cfg = compose(["experiment=no_withdrawal", f"model.calendar.horizon_months={MONTHS}", "progress=false",
                   "policy.opium_ban.compliance=0.9", "policy.russia_engagement.level=1.0"])
    m = SpilloverModel(cfg, rng=3, network=network)
    r = m.run()
    assert r.scalars["decision_taliban_opium_ban"] == 0 and r.scalars["decision_us_reserves_release"] == 1
    assert m.russia.reserves_push == 0 and m.russia.engagement == m.cfg.model.states.rus.engagement_2021


def test_the_scorecard_leaves_out_the_security_part_when_security_is_off(network):
    r = run_small(network, 1, 12, model__security__active=False)
    assert np.isfinite(r.scalars["moscow_net_payoff"]) and r.scalars["moscow_payoff_security"] == 0


def _fake_run(path, parts, goals):
    """A paired run whose timeseries hold one month of the given part values per replicate."""
    rows = [{"replicate": r, "date": "2021-09-01", "outcome": f"moscow_payoff_{c}", "value": v}
            for r, values in enumerate(parts) for c, v in zip(COMPONENTS, values)]
    manifest = {"root_seed": 1, "config": {"model": {"states": {"rus": {"goals": goals}}}}}
    return Run(Path(path), path, manifest, pd.DataFrame({"replicate": range(len(parts))}), pd.DataFrame(rows))


def test_rescoring_with_other_weights_scales_each_part_by_the_weights_ratio():
    goals = {c: 0.5 for c in COMPONENTS}
    run = _fake_run("a", [[1.0, 0.0, 0.0, 0.0, 0.0], [3.0, 0.0, 0.0, 0.0, -1.0]], goals)
    ref = _fake_run("b", [[0.0] * 5, [0.0] * 5], goals)
    table = weight_sensitivity(run, ref, n_draws=50, seed=3)
    # mean over replicates of the parts: influence +2, standing -0.5; rescored by w' / 0.5
    assert np.allclose(table["mean_diff"], 2.0 * table["influence"] / 0.5 - 0.5 * table["standing"] / 0.5)
    lo, hi = RussiaGoals.__dataclass_fields__["influence"].metadata["range"]
    assert table["influence"].between(lo, hi).all() and len(table) == 50
    with pytest.raises(PlotError, match="goals.drugs is 0"):
        weight_sensitivity(_fake_run("a", [[1.0] * 5], goals | {"drugs": 0.0}),
                           _fake_run("b", [[0.0] * 5], goals | {"drugs": 0.0}))
