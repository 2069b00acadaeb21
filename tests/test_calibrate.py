"""Calibration: the narcotics targets are met at baseline, and the command re-runs."""

from __future__ import annotations

import json

import pytest

from sim.calibrate import NARCOTICS, loss, main, parameter_ranges, simulate
from sim.config import Config
from sim.runner import replicate_seeds


def test_narcotics_targets_are_met_at_baseline_on_fresh_seeds(network):
    # Seeds other than the calibration's (root 1): the fit is not an accident of its seeds.
    got = simulate(NARCOTICS, {}, replicate_seeds(99, 4), network)
    for t in NARCOTICS.targets:
        assert abs(got[t.outcome] - t.value) <= 2 * t.tolerance, (t.outcome, got[t.outcome], t.value)


def test_fitted_parameters_are_marked_calibrated_and_have_ranges_to_search():
    from sim.provenance import iter_params
    params = {p.name: p for p in iter_params(Config().model, prefix="model.")}
    for key in parameter_ranges(NARCOTICS):  # raises if a fitted parameter declares no range
        assert params[key].source.startswith("calibrated: sim-calibrate narcotics")


def test_loss_is_zero_on_target_and_grows_with_error():
    on = {t.outcome: t.value for t in NARCOTICS.targets}
    assert loss(NARCOTICS, on) == 0
    off = dict(on, northern_route_seizure_share=on["northern_route_seizure_share"] + 0.004)
    assert loss(NARCOTICS, off) == pytest.approx(4.0)
    assert loss(NARCOTICS, dict(on, northern_route_seizure_share=float("nan"))) > 1e5


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
