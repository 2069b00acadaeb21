"""Calibration: the narcotics targets are met at baseline, and the command re-runs."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from sim.calibrate import NARCOTICS, calibrate, loss, main, parameter_ranges, simulate
from sim.config import Config, ConfigError
from sim.runner import replicate_seeds


def test_narcotics_targets_are_met_at_baseline_on_fresh_seeds(network):
    # Seeds other than the calibration's (root 1): the fit is not an accident of its seeds.
    got = simulate(NARCOTICS, {}, replicate_seeds(99, 4), network)
    for t in NARCOTICS.targets:
        assert abs(got[t.outcome] - t.value) <= 2 * t.tolerance, (t.outcome, got[t.outcome], t.value)


def test_fitted_parameters_are_marked_calibrated_and_searched_over_their_declared_ranges():
    from sim.provenance import iter_params
    params = {p.name: p for p in iter_params(Config().model, prefix="model.")}
    ranges = parameter_ranges(NARCOTICS)
    assert list(ranges) == list(NARCOTICS.parameters)
    for key, box in ranges.items():
        assert box == params[key].range
        assert params[key].source.startswith("calibrated: sim-calibrate narcotics"), key


@pytest.mark.parametrize("key", ["model.states.tjk.csto_member", "model.narcotics.no_such_parameter"])
def test_a_fitted_parameter_without_a_declared_range_is_refused(key):
    problem = dataclasses.replace(NARCOTICS, parameters=(*NARCOTICS.parameters, key))
    with pytest.raises(ConfigError, match=f"calibration narcotics: {key} has no declared range to search"):
        parameter_ranges(problem)


def test_loss_is_zero_on_target_and_grows_with_error():
    on = {t.outcome: t.value for t in NARCOTICS.targets}
    assert loss(NARCOTICS, on) == 0
    off = dict(on, northern_route_seizure_share=on["northern_route_seizure_share"] + 0.004)
    assert loss(NARCOTICS, off) == pytest.approx(4.0)
    assert loss(NARCOTICS, dict(on, northern_route_seizure_share=float("nan"))) > 1e5


def test_the_fit_stays_inside_the_declared_ranges_when_the_targets_lie_beyond(monkeypatch):
    """A loss whose minimum lies at ten times the top of every range: the fit ends on the top edges."""
    import sim.calibrate

    ranges = parameter_ranges(NARCOTICS)

    def fake_simulate(problem, values, seeds, network=None):
        gap = sum(math.log(values[k] / (10 * ranges[k][1])) ** 2 for k in values)
        return {t.outcome: t.value + t.tolerance * gap for t in problem.targets}

    monkeypatch.setattr(sim.calibrate, "simulate", fake_simulate)
    fit = calibrate(NARCOTICS, replicates=1, max_evaluations=200)
    for key, (lo, hi) in ranges.items():
        assert lo * (1 - 1e-12) <= fit.values[key] <= hi * (1 + 1e-12), (key, fit.values[key], (lo, hi))  # exp(log hi)
        assert fit.values[key] == pytest.approx(hi, rel=0.02), key
    assert fit.loss == pytest.approx(loss(NARCOTICS, fake_simulate(NARCOTICS, fit.values, [])))


def test_calibration_command_runs_and_writes_its_fit(tmp_path, capsys):
    main(["narcotics", "--replicates", "1", "--max-evaluations", "4", "--out", str(tmp_path)])
    data = json.loads((tmp_path / "calibration.json").read_text())
    assert set(data["values"]) == set(NARCOTICS.parameters)
    assert data["evaluations"] == 4  # the budget holds
    assert data["loss"] == pytest.approx(loss(NARCOTICS, data["simulated"]))  # the fit is the point it reports
    assert "fitted parameters" in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:  # never overwrites a fit on disk
        main(["narcotics", "--from-defaults", "--replicates", "1", "--out", str(tmp_path)])
    assert e.value.code == 2
