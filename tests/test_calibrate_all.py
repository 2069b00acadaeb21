"""sim-calibrate all: targets from the observations, emulators and history matching on toy
problems with known answers, the posterior file and its versions."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import calibrate_all as ca
from sim import hindcast as hc
from sim.compose import compose
from sim.posterior import POSTERIOR_FILE
from sim.runner import ensemble_runs
from sim.uncertainty import UncertaintyError, Uncertain, futures_table

SIM_CALIBRATE = str(Path(sys.executable).parent / "sim-calibrate")
SIM_RUN = str(Path(sys.executable).parent / "sim-run")


def test_training_targets_end_by_2022_and_carry_their_error():
    targets = ca.training_targets(dt.date(2021, 8, 15), hc.TRAIN_END, 0.2)
    assert targets and all(t.end <= hc.TRAIN_END for t in targets)
    assert {t.series for t in targets} >= {"opium_production_t", "new_arrivals_gov_estimate"}
    for t in targets:
        assert np.isfinite(t.z) and t.var >= 0.2 ** 2
    # a count recorded with an unknown 5-50% coverage: the target sits above the log of the figure
    unhcr = next(t for t in targets if t.series == "new_arrivals_approached_unhcr")
    assert unhcr.z > np.log(unhcr.observed)


def test_common_seeds_give_every_future_the_same_worlds():
    cfg = compose(["uncertainty=ranges", "futures=3", "replicates=2"])
    own = ensemble_runs(cfg)
    common = ensemble_runs(cfg, common_seeds=True)
    assert [r.seed for r in common[:2]] == [r.seed for r in common[2:4]] == [r.seed for r in own[:2]]
    assert [r.seed for r in own[2:4]] != [r.seed for r in own[:2]]


def _toy_targets(values: list[float], sd: float = 0.1) -> list[ca.Target]:
    d = dt.date(2022, 1, 1)
    return [ca.Target(f"t{k}", "s", "opium_t", d, d, float(np.exp(v)), v, sd ** 2) for k, v in enumerate(values)]


def test_emulators_rule_out_points_far_from_the_data():
    """A target y = 3 u0 + noise observed at 1.5: the emulator keeps u0 near 0.5 and rules out the ends."""
    rng = np.random.default_rng(0)
    u = rng.random((40, 2))
    means = (3 * u[:, 0])[:, None] + 0.01 * rng.standard_normal((40, 1))
    em = ca.Emulators(u, means, np.full((40, 1), 1e-4), 2, seed=1)
    i = em.implausibility(np.array([[0.5, 0.3], [0.0, 0.3], [1.0, 0.9]]), _toy_targets([1.5]))
    assert i[0] < 1 and i[1] > 3 and i[2] > 3


def test_history_matching_recovers_a_known_parameter(monkeypatch):
    """Toy simulator: log count = 4 x the first parameter's unit value (+ replicate noise); the data
    say 2, so the draws lie around u = 0.5 and the second parameter stays free."""
    params = [Uncertain("model.a", (0.0, 1.0), "uniform", 0.5, False),
              Uncertain("model.b", (0.0, 1.0), "uniform", 0.5, False)]
    monkeypatch.setattr(ca, "uncertain_parameters", lambda: {p.name: p for p in params})
    monkeypatch.setattr(ca, "training_targets", lambda *a, **k: _toy_targets([2.0]))
    monkeypatch.setattr(ca, "screen", lambda *a, **k: pd.DataFrame({"parameter": ["model.a", "model.b"],
                                                                   "score": [10.0, 0.1]}))

    def fake_simulate(cfg, table, replicates, targets, network):
        rng = np.random.default_rng(len(table))
        x = 4 * table["model.a"].to_numpy()[:, None, None] + 0.05 * rng.standard_normal((len(table), replicates, 1))
        return x.mean(axis=1), x.var(axis=1, ddof=1)

    monkeypatch.setattr(ca, "simulate", fake_simulate)
    s = ca.Settings(parameters=2, trajectories=1, waves=2, points=32, replicates=3, draws=64, seed=3)
    draws, about = ca.history_match(compose([]), s, network=None, log=lambda m: None)
    a = draws["model.a"].to_numpy()
    assert len(a) > 5 and abs(np.median(a) - 0.5) < 0.05 and a.min() > 0.35 and a.max() < 0.65
    assert draws["model.b"].max() - draws["model.b"].min() > 0.5  # not constrained by the data
    assert about["parameters"] == ["model.a", "model.b"] and about["draws"] == len(draws)
    assert about["data_version"] == ca.data_version() and about["code_version"] == ca.code_version()


def test_the_shipped_posterior_fits_this_code_and_these_observations():
    """Rebuild it (sim-calibrate all --ship) after changing the model or the observations."""
    about = json.loads(POSTERIOR_FILE.with_suffix(".json").read_text())
    assert about["data_version"] == ca.data_version()
    assert about["code_version"] == ca.code_version()
    table = pd.read_csv(POSTERIOR_FILE)
    assert list(table.columns) == about["parameters"] and len(table) == about["draws"] >= 20


@pytest.mark.parametrize("key", ["data_version", "code_version"])
def test_a_posterior_from_another_version_is_refused_in_one_line(tmp_path, key):
    for suffix in (".csv", ".json"):
        shutil.copy(POSTERIOR_FILE.with_suffix(suffix), tmp_path / f"p{suffix}")
    about = json.loads((tmp_path / "p.json").read_text())
    about[key] = "0.0.0+0000"
    (tmp_path / "p.json").write_text(json.dumps(about))
    with pytest.raises(UncertaintyError) as e:
        futures_table(compose(["uncertainty=posterior", f"uncertainty.file={tmp_path / 'p.csv'}", "futures=2"]))
    msg = str(e.value)
    assert str(tmp_path / "p.json") in msg and key in msg and "sim-calibrate all" in msg and "\n" not in msg


def test_sim_calibrate_all_writes_draws_that_sim_run_reads(tmp_path):
    out = tmp_path / "cal"
    r = subprocess.run([SIM_CALIBRATE, "all", "--screen", "model.refugees", "--trajectories", "1", "--waves", "1", "--points", "12",
                        "--replicates", "2", "--draws", "16", "--parameters", "3", "--out", str(out), "workers=1"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    about = json.loads((out / "posterior.json").read_text())
    table = pd.read_csv(out / "posterior.csv")
    assert len(about["parameters"]) == 3 and list(table.columns) == about["parameters"]
    screen, wave = about["screened"] + 1, 12 * 2  # one Morris trajectory; one wave
    assert screen + wave < about["runs"] <= screen + wave + 16 * 2  # and at most 16 candidate draws x 2
    for key in ("data_version", "code_version", "targets", "screen", "waves", "wall_seconds", "made_by"):
        assert key in about
    again = subprocess.run([SIM_CALIBRATE, "all", "--out", str(out)], capture_output=True, text=True, timeout=60)
    assert again.returncode != 0 and "already exists" in again.stderr
    run = subprocess.run([SIM_RUN, "uncertainty=posterior", f"uncertainty.file={out / 'posterior.csv'}", "futures=2",
                          "replicates=1", "model.calendar.horizon_months=2", "progress=false",
                          f"hydra.run.dir={tmp_path / 'run'}"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    futures = pd.read_parquet(tmp_path / "run" / "futures.parquet")
    assert list(futures.columns[1:]) == about["parameters"]
    assert np.allclose(futures.iloc[:, 1:].to_numpy(dtype=float), table.iloc[:2].to_numpy(dtype=float))
