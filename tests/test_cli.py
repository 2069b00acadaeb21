"""sim-run end to end: result files, reproducibility, sweeps, one-line errors, atomic writes."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from sim import store
from sim.analysis import QUANTILES
from sim.compose import compose
from sim.pipeline import run
from sim.outcomes import registry

from .conftest import sim_run

CONF = Path(__file__).resolve().parent.parent / "conf"
EXPERIMENTS = sorted(p.stem for p in (CONF / "experiment").glob("*.yaml"))
SMOKE = ["replicates=2", "workers=1", "progress=false", "model.calendar.horizon_months=3"]


# ----------------------------------------------------------------------------- files
def test_run_writes_its_result_files_with_expected_content(tmp_path, capsys):
    cfg = compose(["uncertainty=none", "replicates=5", "workers=1", "progress=false", "model.calendar.horizon_months=6"])
    out = run(cfg, tmp_path / "r", experiment="baseline", overrides=["replicates=5"])
    printed = capsys.readouterr().out
    assert str(out) in printed and "russia_influence_ca" in printed
    res = store.read_results(out)
    names = list(registry())
    assert list(res["outcomes"].columns) == ["future", "replicate", "seed", *names]
    assert (res["outcomes"]["future"] == 0).all() and list(res["futures"]["future"]) == [0]
    assert len(res["outcomes"]) == 5
    ts = res["timeseries"]
    assert list(ts.columns) == ["future", "replicate", "date", "outcome", "value"]
    assert set(ts["replicate"]) == set(range(5))
    assert len(ts["date"].unique()) == 7  # six month-ends from 2021-08-31, then 2022-02-15
    summ = res["summary"]
    assert {"outcome", "unit", "mean", "sd", *QUANTILES} <= set(summ.columns)
    assert list(summ["outcome"]) == names
    m = res["manifest"]
    for key in ("version", "code", "data", "root_seed", "replicates", "wall_time_s", "config_hash", "lever_events"):
        assert key in m
    assert m["replicates"] == 5 and m["root_seed"] == cfg.seed and m["overrides"] == ["replicates=5"]
    assert set(m["code"]) == {"version", "git_commit", "git_dirty", "source_sha256"}
    assert set(m["data"]) == {"locations", "links", "opium_production", "drug_markets"}
    copies = [d["copy"] for d in m["data"].values()]
    for d in m["data"].values():  # each data file read is recorded by hash and copied beside the results
        assert (out / d["copy"]).read_bytes() == Path(d["path"]).read_bytes()
        assert d["sha256"] == hashlib.sha256((out / d["copy"]).read_bytes()).hexdigest()
    assert sorted(p.name for p in out.iterdir()) == sorted([*store.RESULT_FILES, store.FLOWS, store.FUTURES,
                                                            *copies])
    assert [p.name for p in out.parent.iterdir()] == ["r"]  # no staging folder left beside it
    flows = res["flows"]
    assert set(flows["quantity"]) == {"people_moved", "people_hosted", "opiates_tonnes"}
    assert set(flows["replicate"]) == set(range(5)) and (flows["value"] >= 0).all()


def test_lever_events_in_manifest_carry_start_dates(tmp_path):
    cfg = compose(["experiment=reserves_released", *SMOKE, "model.calendar.horizon_months=12"])
    m = store.read_results(run(cfg, tmp_path / "r"))["manifest"]
    assert {"lever": "reserves_release", "start": "2022-03-01"} in m["lever_events"]


def test_config_hash_ignores_execution_settings_only():
    from sim.config import config_hash

    a = compose(["workers=1"])
    b = compose(["workers=2", "progress=false"])
    c = compose(["seed=8"])
    assert config_hash(a) == config_hash(b) != config_hash(c)


# ----------------------------------------------------------------------------- atomic writes
def test_failed_write_leaves_no_result_files(tmp_path, monkeypatch):
    """A write that fails leaves no result file and no staging folder beside the run folder; the
    chunks already run stay in the hidden .ensemble folder, and the same run then resumes."""
    cfg = compose(SMOKE)
    real = pd.DataFrame.to_parquet

    def fail_on_outcomes(self, path, *a, **k):
        if Path(path).name == "outcomes.parquet":
            raise OSError("disk full")
        return real(self, path, *a, **k)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", fail_on_outcomes)
    (tmp_path / "r").mkdir()  # as Hydra makes it, with its own files
    (tmp_path / "r" / "sim.log").write_text("log")
    with pytest.raises(OSError, match="disk full"):
        run(cfg, tmp_path / "r")
    assert [p.name for p in tmp_path.iterdir()] == ["r"]  # no staging folder beside it
    names = {p.name for p in (tmp_path / "r").iterdir()}
    assert names == {"sim.log", ".ensemble"} and not names & set(store.RESULT_FILES)
    monkeypatch.setattr(pd.DataFrame, "to_parquet", real)
    run(cfg, tmp_path / "r")
    assert not (tmp_path / "r" / ".ensemble").exists() and (tmp_path / "r" / "manifest.json").is_file()


def test_existing_results_are_never_overwritten(tmp_path):
    cfg = compose(SMOKE)
    out = run(cfg, tmp_path / "r")
    before = (out / "outcomes.parquet").read_bytes()
    with pytest.raises(store.ResultsError, match="already holds results"):
        run(cfg, out)
    assert (out / "outcomes.parquet").read_bytes() == before


def test_reading_an_incomplete_results_folder_names_what_is_missing(tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "outcomes.parquet").write_bytes(b"")
    with pytest.raises(store.ResultsError, match="missing .*manifest.json"):
        store.read_results(tmp_path / "r")
    with pytest.raises(store.ResultsError, match="not found"):
        store.read_results(tmp_path / "nope")


# ----------------------------------------------------------------------------- experiments
# 18 months: every experiment's lever dates lie inside it (validation rejects dates beyond).
SHORT = ["futures=2", "replicates=2", "workers=1", "progress=false", "model.calendar.horizon_months=18"]


@pytest.fixture(scope="module")
def baseline_outcomes(tmp_path_factory):
    cfg = compose(["experiment=baseline", *SHORT])
    return store.read_results(run(cfg, tmp_path_factory.mktemp("exp") / "baseline"))["outcomes"]


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_experiment_changes_the_baselines_outcomes_on_the_same_seeds(tmp_path, experiment,
                                                                           baseline_outcomes):
    cfg = compose([f"experiment={experiment}", *SHORT])
    assert cfg.description, f"experiment {experiment} has no description"
    got = store.read_results(run(cfg, tmp_path / experiment, experiment=experiment))["outcomes"]
    assert got[["replicate", "seed"]].equals(baseline_outcomes[["replicate", "seed"]])  # paired replicates
    if experiment == "baseline":
        assert got.equals(baseline_outcomes)
    else:
        assert not got.equals(baseline_outcomes), f"{experiment} changes no outcome in {len(got)} replicates"


# ----------------------------------------------------------------------------- the command
def test_sim_run_twice_gives_identical_outcomes(tmp_path):
    for name in ("a", "b"):
        p = sim_run("futures=2", "replicates=5", "seed=7", "progress=false", "model.calendar.horizon_months=12",
                    f"hydra.run.dir={tmp_path / name}", cwd=tmp_path)
        assert p.returncode == 0, p.stderr
        assert f"results: {tmp_path / name}" in p.stdout
    a = pd.read_parquet(tmp_path / "a" / "outcomes.parquet")
    b = pd.read_parquet(tmp_path / "b" / "outcomes.parquet")
    assert a.equals(b)
    assert not any("step" in line.lower() for line in p.stdout.splitlines())  # no per-step log lines


def test_default_run_folder_is_results_experiment_timestamp(tmp_path):
    p = sim_run("experiment=western_hosting", "futures=2", "replicates=2", "progress=false",
                "model.calendar.horizon_months=2",
                cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert [d.name for d in (tmp_path / "results").iterdir()] == ["western_hosting"]
    (folder,) = (tmp_path / "results" / "western_hosting").iterdir()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}", folder.name), folder.name
    assert f"results: {folder}" in p.stdout
    assert store.read_results(folder)["manifest"]["experiment"] == "western_hosting"


@pytest.mark.slow
def test_joblib_sweep_matches_single_runs(tmp_path):
    p = sim_run("-m", "hydra/launcher=joblib", "policy.russia_refugee_pressure.level=0.2,0.9",
                "futures=2", "replicates=3", "seed=7", "progress=false", "model.calendar.horizon_months=12",
                f"hydra.sweep.dir={tmp_path / 'sweep'}", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    for job, level in ((0, 0.2), (1, 0.9)):
        single = sim_run(f"policy.russia_refugee_pressure.level={level}", "futures=2", "replicates=3", "seed=7",
                         "progress=false", "model.calendar.horizon_months=12",
                         f"hydra.run.dir={tmp_path / f'single{job}'}", cwd=tmp_path)
        assert single.returncode == 0, single.stderr
        swept = pd.read_parquet(tmp_path / "sweep" / str(job) / "outcomes.parquet")
        assert swept.equals(pd.read_parquet(tmp_path / f"single{job}" / "outcomes.parquet"))
        man = json.loads((tmp_path / "sweep" / str(job) / "manifest.json").read_text())
        assert f"policy.russia_refugee_pressure.level={level}" in man["overrides"]
    low = pd.read_parquet(tmp_path / "sweep" / "0" / "outcomes.parquet")["admit_share_ca"]
    high = pd.read_parquet(tmp_path / "sweep" / "1" / "outcomes.parquet")["admit_share_ca"]
    assert (high < low).all()  # paired replicates: more pressure, fewer admitted


@pytest.mark.parametrize("override, words", [
    ("policy.russia_refugee_pressure.level=2", ["policy.russia_refugee_pressure.level", "[0, 1]"]),
    ("policy.no_such_lever=1", ["unknown key", "policy.no_such_lever", "reserves_release"]),
    ("replicates=many", ["replicates"]),
    ("replicates=0", ["replicates", "[1,"]),
    ("experiment=no_such_experiment", ["no_such_experiment", "baseline"]),
    ("policy.reserves_release.start=2031-01-01", ["policy.reserves_release.start", "horizon"]),
    ("model.network.links_file=/no/such/links.csv", ["/no/such/links.csv", "not found"]),
    ("model.calendar.horizon_months=100000", ["model.calendar.horizon_months", "[1, 240]"]),
    ("model.calendar.start=9999-12-01", ["model.calendar", "9999"]),
])
def test_bad_input_exits_with_one_line_and_creates_no_folder(tmp_path, override, words):
    out = tmp_path / "never"
    p = sim_run(override, f"hydra.run.dir={out}", cwd=tmp_path)
    assert p.returncode != 0
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, p.stderr
    for w in words:
        assert w in lines[0]
    assert not out.exists()
    assert not (tmp_path / "results").exists()


def test_bad_input_with_the_default_folder_creates_no_results_folder(tmp_path):
    p = sim_run("policy.russia_refugee_pressure.level=2", cwd=tmp_path)
    assert p.returncode == 2
    assert p.stderr.strip().count("\n") == 0 and "[0, 1]" in p.stderr
    assert not (tmp_path / "results").exists()


def test_bad_sweep_point_fails_and_leaves_no_job_folder(tmp_path):
    p = sim_run("-m", "policy.russia_refugee_pressure.level=0.5,3", *SMOKE,
                f"hydra.sweep.dir={tmp_path / 'sweep'}", cwd=tmp_path)
    assert p.returncode != 0
    assert "policy.russia_refugee_pressure.level = 3.0" in p.stderr.splitlines()[-1]
    assert (tmp_path / "sweep" / "0" / "manifest.json").is_file()  # the good point finished
    assert not (tmp_path / "sweep" / "1").exists()


def test_a_data_file_changed_during_the_run_writes_nothing(tmp_path, monkeypatch):
    """The manifest records the hash of each data file as the run starts; if a file differs
    when the replicates are done (a replicate reads the narcotics files again), no result is
    written, rather than results whose record says otherwise."""
    from sim import ensemble
    from sim.narcotics import data

    markets = tmp_path / "drug_markets.csv"
    markets.write_text(data.MARKETS_FILE.read_text())
    monkeypatch.setattr(data, "MARKETS_FILE", markets)
    real = ensemble.run_ensemble

    def edit_while_running(*args, **kwargs):
        done = real(*args, **kwargs)
        markets.write_text(markets.read_text().replace("15000", "15001"))
        return done

    monkeypatch.setattr(ensemble, "run_ensemble", edit_while_running)
    with pytest.raises(store.ResultsError, match="drug_markets file.* changed while the run read them"):
        run(compose(SMOKE), tmp_path / "r")
    assert not (tmp_path / "r").exists()
