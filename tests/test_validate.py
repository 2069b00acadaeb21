"""sim-validate: FLEE's averaged relative difference against observations, and its errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.compose import compose
from sim.pipeline import run
from sim.store import read_results
from sim.validate import ObservationsError, averaged_relative_difference, read_observations, validate_run

SIM_VALIDATE = str(Path(sys.executable).parent / "sim-validate")


def frame(rows):
    return pd.DataFrame(rows, columns=["date", "destination", "count"]).assign(
        date=lambda d: pd.to_datetime(d["date"]))


def test_averaged_relative_difference_known_values():
    obs = frame([("2022-01-01", "IRN", 100), ("2022-01-01", "PAK", 100), ("2023-01-01", "IRN", 200)])
    assert averaged_relative_difference(obs, obs) == 0
    sim = frame([("2022-01-01", "IRN", 150), ("2022-01-01", "PAK", 50), ("2023-01-01", "IRN", 100)])
    # 2022: (50 + 50) / 200 = 0.5; 2023: 100 / 200 = 0.5
    assert averaged_relative_difference(sim, obs) == pytest.approx(0.5)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    cfg = compose(["uncertainty=none", "replicates=3", "workers=1", "progress=false", "model.calendar.horizon_months=12"])
    return run(cfg, tmp_path_factory.mktemp("v") / "run")


def test_a_run_validated_against_its_own_median_scores_low(run_dir, tmp_path):
    ts = read_results(run_dir)["timeseries"]
    med = (ts[ts.outcome.isin(["n_hosted_irn", "n_hosted_pak"])]
           .groupby(["outcome", "date"], observed=True)["value"].median().reset_index())
    obs = pd.DataFrame({"date": med["date"].dt.strftime("%Y-%m-%d"),
                        "destination": med["outcome"].astype(str).str[-3:].str.upper(), "count": med["value"]})
    obs = obs[obs["date"] > "2021-10-01"]
    obs.to_csv(tmp_path / "obs.csv", index=False)
    ard = validate_run(run_dir, tmp_path / "obs.csv")
    assert len(ard) == 3 and ard["ard"].median() < 0.3
    far = obs.assign(count=obs["count"] * 10)
    far.to_csv(tmp_path / "far.csv", index=False)
    assert validate_run(run_dir, tmp_path / "far.csv")["ard"].median() > 0.8
    p = subprocess.run([SIM_VALIDATE, str(run_dir), str(tmp_path / "obs.csv")], capture_output=True, text=True)
    assert p.returncode == 0 and "averaged relative difference over 3 replicates" in p.stdout


@pytest.mark.parametrize("content, words", [
    ("date,destination\n2022-01-01,IRN\n", ["missing column", "count"]),
    ("date,destination,count\n2022-13-01,IRN,5\n", ["row 2", "2022-13-01"]),
    ("date,destination,count\n2022-01-01,IRN,-5\n", ["row 2", "-5"]),
])
def test_malformed_observations_name_file_and_row(tmp_path, content, words):
    (tmp_path / "o.csv").write_text(content)
    with pytest.raises(ObservationsError) as err:
        read_observations(tmp_path / "o.csv")
    for w in [str(tmp_path / "o.csv"), *words]:
        assert w in str(err.value)


def test_unknown_destination_and_missing_results_exit_with_one_line(run_dir, tmp_path):
    (tmp_path / "o.csv").write_text("date,destination,count\n2022-01-01,XYZ,5\n")
    p = subprocess.run([SIM_VALIDATE, str(run_dir), str(tmp_path / "o.csv")], capture_output=True, text=True)
    assert p.returncode == 2 and "XYZ" in p.stderr and p.stderr.count("\n") == 1
    p = subprocess.run([SIM_VALIDATE, str(tmp_path / "nope"), str(tmp_path / "o.csv")], capture_output=True, text=True)
    assert p.returncode == 2 and "not found" in p.stderr
