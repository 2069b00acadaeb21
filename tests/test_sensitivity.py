"""Sensitivity: known Sobol' indices of the Ishigami function, Morris ranks, and a small
design run end to end through sim-design, sim-run -m, sim-collect and sim-sensitivity."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from sim import collect, design, sensitivity

from .conftest import sim_run

ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)


def _spec(problem: dict, method: str, n: int, seed: int, **extra) -> dict:
    rows = design.n_rows(method, n, problem["num_vars"])
    return {"method": method, "n": n, "seed": seed, "rows": rows, "problem": problem, **extra}


def test_sobol_recovers_the_ishigami_indices():
    from SALib.test_functions import Ishigami

    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    X = design.sample(problem, "sobol", 1024, seed=1)
    assert X.shape == (1024 * (2 * 3 + 2), 3)
    spec = _spec(problem, "sobol", 1024, 1, calc_second_order=True)
    np.testing.assert_array_equal(design.spec_matrix(spec), X)  # design.json draws the same design
    table = sensitivity.analyze(spec, X, {"y": Ishigami.evaluate(X)})
    assert list(table.columns) == sensitivity.COLUMNS["sobol"]
    assert list(table["parameter"]) == ["x1", "x2", "x3"]
    np.testing.assert_allclose(table["S1"], ISHIGAMI_S1, atol=0.05)
    np.testing.assert_allclose(table["ST"], ISHIGAMI_ST, atol=0.05)
    assert (table["S1_conf"] < 0.1).all() and (table["ST_conf"] < 0.1).all()


def test_the_same_seed_gives_the_same_confidence_intervals_even_seed_0():
    """SALib's Sobol analysis ignores a seed of 0; sim-sensitivity's default seed is 0."""
    from SALib.test_functions import Ishigami

    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    X = design.sample(problem, "sobol", 64, seed=1)
    spec = _spec(problem, "sobol", 64, 1, calc_second_order=True)
    y = {"y": Ishigami.evaluate(X)}
    a, b = (sensitivity.analyze(spec, X, y, seed=0) for _ in range(2))
    pd.testing.assert_frame_equal(a, b)
    assert not sensitivity.analyze(spec, X, y, seed=1)["S1_conf"].equals(a["S1_conf"])


def test_morris_ranks_the_factors_of_a_linear_function():
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    spec = _spec(problem, "morris", 20, 3, num_levels=4)
    X = design.sample(problem, "morris", 20, seed=3, num_levels=4)
    y = 10 * X[:, 0] + 2 * X[:, 1]
    table = sensitivity.analyze(spec, None, {"y": y})  # X drawn again from the spec
    assert list(table.columns) == sensitivity.COLUMNS["morris"]
    np.testing.assert_allclose(table["mu_star"], [10, 2, 0], atol=1e-9)
    np.testing.assert_allclose(table["sigma"], [0, 0, 0], atol=1e-9)


def test_outcomes_without_variation_or_with_nan_are_refused():
    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1]] * 2}
    spec = _spec(problem, "sobol", 4, 0, calc_second_order=True)
    with pytest.raises(sensitivity.SensitivityError, match="the same at every point"):
        sensitivity.analyze(spec, None, {"y": np.ones(spec["rows"])})
    y = np.arange(spec["rows"], dtype=float)
    y[3] = np.nan
    with pytest.raises(sensitivity.SensitivityError, match="NaN at 1 of 24 points"):
        sensitivity.analyze(spec, None, {"y": y})


@pytest.mark.slow
def test_small_model_design_gives_finite_sobol_indices(tmp_path, capsys):
    """The whole chain on the real model: 12 points (Sobol', N=2, D=2), 2 replicates, 2 months."""
    params = "scenario.drought_severity,policy.russia_refugee_pressure.level"
    design.main(["--method", "sobol", "-n", "2", "--params", params, "--seed", "4", "--out", str(tmp_path / "d.csv")])
    rows = json.loads((tmp_path / "d.json").read_text())["rows"]
    assert rows == 12
    sweep_dir = tmp_path / "sweep"
    p = sim_run("-m", f"design.file={tmp_path / 'd.csv'}", f"design.point=range(0,{rows})", "uncertainty=none", "replicates=2",
                "model.calendar.horizon_months=2", "workers=1", "progress=false", f"hydra.sweep.dir={sweep_dir}",
                cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    point3 = json.loads((sweep_dir / "3" / "manifest.json").read_text())
    d = pd.read_csv(tmp_path / "d.csv")
    assert point3["design_values"] == {k: d.loc[3, k] for k in params.split(",")}
    assert point3["overrides"][:2] == [f"design.file={tmp_path / 'd.csv'}", "design.point=3"]

    collect.main([str(sweep_dir)])
    m = json.loads((sweep_dir / "collected" / "manifest.json").read_text())
    assert m["kind"] == "collected" and m["n_points"] == rows and m["replicates"] == 2
    assert m["parameters"] == [*params.split(","), "design.point"]
    assert m["design"]["method"] == "sobol" and m["design"]["problem"]["names"] == params.split(",")
    out = pd.read_parquet(sweep_dir / "collected" / "outcomes.parquet")
    assert list(out.columns[:7]) == ["point", *params.split(","), "design.point", "future", "replicate", "seed"]
    assert len(out) == 2 * rows
    assert out.groupby("replicate")["seed"].nunique().eq(1).all()  # paired seeds across points
    ts = pd.read_parquet(sweep_dir / "collected" / "timeseries.parquet")
    assert list(ts.columns) == ["point", "future", "replicate", "date", "outcome", "value"]
    points = pd.read_csv(sweep_dir / "collected" / "points.csv")
    assert list(points.columns) == ["point", *params.split(","), "design.point", "config_hash", "run_dir"]
    assert points["config_hash"].nunique() == len(d.drop(columns="point").drop_duplicates())  # D=2 repeats rows
    capsys.readouterr()

    table_path = tmp_path / "si.csv"
    sensitivity.main([str(sweep_dir), "--outcome", "admit_share_ca", "--out", str(table_path)])
    printed = capsys.readouterr().out
    assert "mean of its 2 replicate(s)" in printed and str(table_path) in printed
    table = pd.read_csv(table_path)
    assert list(table.columns) == sensitivity.COLUMNS["sobol"]
    assert list(table["parameter"]) == params.split(",")
    assert np.isfinite(table[["S1", "S1_conf", "ST", "ST_conf"]].to_numpy()).all()

    with pytest.raises(SystemExit) as e:
        sensitivity.main([str(sweep_dir), "--outcome", "admit_share_ca", "--method", "morris"])
    assert e.value.code == 2 and "drawn for sobol" in capsys.readouterr().err


def test_sensitivity_needs_a_design_sweep(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        sensitivity.main([str(tmp_path / "nowhere"), "--outcome", "admit_share_ca"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("sim-sensitivity: error: ") and err.count("\n") == 1


def test_point_means_refuses_sweeps_that_did_not_run_the_whole_design_once():
    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 1.0], [0.0, 1.0]]}
    spec = _spec(problem, "lhs", 4, 3)
    X = design.spec_matrix(spec)

    def table(points, design_points, values=X):
        rows = [{"point": p, "a": values[d, 0], "b": values[d, 1], "design.point": d, "replicate": r, "y": p + r}
                for p, d in zip(points, design_points) for r in range(2)]
        return pd.DataFrame(rows)

    got_X, got = sensitivity.point_means(table(range(4), [2, 0, 3, 1]), spec, ["y"])
    np.testing.assert_array_equal(got_X, X)
    np.testing.assert_array_equal(got["y"], [1.5, 3.5, 0.5, 2.5])  # mean of point p is p + 0.5, in design order
    with pytest.raises(sensitivity.SensitivityError, match="did not run the design"):
        sensitivity.point_means(table(range(4), range(4)).drop(columns="design.point"), spec, ["y"])
    with pytest.raises(sensitivity.SensitivityError, match="design point 1 ran 2 times"):
        sensitivity.point_means(table(range(5), [0, 1, 2, 3, 1]), spec, ["y"])
    with pytest.raises(sensitivity.SensitivityError, match=r"1 of 4 design points have no results \(2\)"):
        sensitivity.point_means(table(range(3), [0, 1, 3]), spec, ["y"])
    with pytest.raises(sensitivity.SensitivityError, match="differ from the design"):
        sensitivity.point_means(table(range(4), range(4), values=X + 0.01), spec, ["y"])
    with pytest.raises(sensitivity.SensitivityError, match="unknown outcome"):
        sensitivity.point_means(table(range(4), range(4)), spec, ["nope"])
