"""Sweeps: same numbers under every launcher, resuming, design points, collecting, logs."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from sim import collect, design, store
from sim.compose import compose
from sim.pipeline import run
from sim.resume import resume_point
from sim.config import config_hash

from .conftest import sim_run

TINY = ["uncertainty=none", "replicates=2", "model.calendar.horizon_months=2", "workers=1", "progress=false"]
LEVEL = "policy.russia_refugee_pressure.level"


def stderr_lines(p: subprocess.CompletedProcess) -> list[str]:
    return [ln for ln in p.stderr.splitlines() if ln.strip()]


# ----------------------------------------------------------------------------- launchers
@pytest.mark.slow
def test_joblib_and_submitit_local_sweeps_give_identical_results(tmp_path):
    sweep = ["-m", f"{LEVEL}=0.2,0.9", "seed=11", *TINY]
    # joblib runs the points in this process (n_jobs=1; test_cli covers parallel joblib
    # against single runs); submitit_local runs each point in a process of its own.
    for launcher, extra in (("joblib", ["hydra.launcher.n_jobs=1"]), ("submitit_local", [])):
        p = sim_run(*sweep, f"hydra/launcher={launcher}", *extra, f"hydra.sweep.dir={tmp_path / launcher}",
                    cwd=tmp_path)
        assert p.returncode == 0, p.stderr
        assert "validated against ConfigStore schema" not in p.stderr  # the preset's name warning is muted
    assert (tmp_path / "submitit_local" / ".submitit").is_dir()  # really ran through submitit
    for job in ("0", "1"):
        a, b = (tmp_path / launcher / job for launcher in ("joblib", "submitit_local"))
        for name in ("outcomes.parquet", "timeseries.parquet"):
            assert pd.read_parquet(a / name).equals(pd.read_parquet(b / name)), (job, name)
        ma, mb = (json.loads((d / "manifest.json").read_text()) for d in (a, b))
        assert ma["config_hash"] == mb["config_hash"]
        assert "experiment baseline: 2 replicates on 1 worker(s)" in (b / "sim.log").read_text()


@pytest.mark.filterwarnings(r"ignore:\s*'hydra/launcher/submitit_:UserWarning")  # muted by sim-run, see cli.py
@pytest.mark.parametrize("preset, target", [("submitit_slurm", "SlurmLauncher"), ("submitit_local", "LocalLauncher"),
                                            ("parallel", "JoblibLauncher")])
def test_launcher_presets_compose_with_cluster_settings(preset, target):
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from omegaconf import OmegaConf

    from sim.compose import CONF_DIR
    from sim.config import register_configs

    register_configs()
    extra = ["hydra.launcher.partition=compute", "hydra.launcher.account=proj42"] if preset == "submitit_slurm" else []
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = hydra_compose(config_name="config", overrides=[f"hydra/launcher={preset}", *extra],
                            return_hydra_config=True)
    launcher = OmegaConf.to_container(cfg.hydra.launcher, resolve=False)
    assert launcher["_target_"].endswith(target)
    if preset.startswith("submitit"):
        assert launcher["timeout_min"] >= 60 and launcher["cpus_per_task"] >= 1
        assert launcher["submitit_folder"] == "${hydra.sweep.dir}/.submitit/%j"
    if extra:
        assert launcher["partition"] == "compute" and launcher["account"] == "proj42"
        assert launcher["array_parallelism"] > 1


# ----------------------------------------------------------------------------- resuming
@pytest.mark.slow
def test_interrupted_sweep_resumes_without_recomputing_finished_points(tmp_path, capsys):
    sweep_dir = tmp_path / "sweep"
    cmd = ["-m", f"{LEVEL}=0,0.5,1", *TINY, f"hydra.sweep.dir={sweep_dir}"]
    p = sim_run(*cmd, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    # Simulate a job killed while moving its files in: results but no manifest, a staging folder.
    (sweep_dir / "1" / "manifest.json").unlink()
    (sweep_dir / ".1.writing-abc").mkdir()
    mtimes = {j: (sweep_dir / j / "outcomes.parquet").stat().st_mtime_ns for j in ("0", "2")}

    # Collect sees the incomplete point and leaves it out, with a warning.
    collect.main([str(sweep_dir)])
    err = capsys.readouterr().err
    assert "warning: 1 incomplete point(s)" in err and ": 1;" in err
    assert json.loads((sweep_dir / "collected" / "manifest.json").read_text())["n_points"] == 2

    p = sim_run(*cmd, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "point 0: results exist, skipped" in p.stdout and "point 2: results exist, skipped" in p.stdout
    for j, t in mtimes.items():
        assert (sweep_dir / j / "outcomes.parquet").stat().st_mtime_ns == t  # not recomputed
    assert (sweep_dir / "1" / "manifest.json").is_file()
    assert not list(sweep_dir.glob(".1.writing-*"))
    log0 = (sweep_dir / "0" / "sim.log").read_text()  # each point's log gets the run's INFO lines
    assert "experiment baseline: 2 replicates on 1 worker(s)" in log0
    assert "point 0: results exist, skipped" in log0

    # Same folder, other values: one line, exit 2, nothing touched.
    p = sim_run("-m", f"{LEVEL}=0,0.7,1", *TINY, f"hydra.sweep.dir={sweep_dir}", cwd=tmp_path)
    assert p.returncode == 2
    (line,) = stderr_lines(p)
    assert line.startswith("sim-run: error: point 1:") and "another config" in line
    assert (sweep_dir / "0" / "outcomes.parquet").stat().st_mtime_ns == mtimes["0"]

    # Collecting again after the resume: all three points, the level as a column.
    collect.main([str(sweep_dir)])
    out = pd.read_parquet(sweep_dir / "collected" / "outcomes.parquet")
    assert list(out.columns[:5]) == ["point", LEVEL, "future", "replicate", "seed"]
    assert sorted(set(zip(out["point"], out[LEVEL]))) == [(0, 0.0), (1, 0.5), (2, 1.0)]
    flows = pd.read_parquet(sweep_dir / "collected" / "flows.parquet")  # each point's flows, for maps
    for j in range(3):
        own = pd.read_parquet(sweep_dir / str(j) / "flows.parquet")
        assert len(own) > 0
        got = flows[flows["point"] == j].drop(columns="point").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, own, check_categorical=False)


def test_resume_point_clears_partial_results_and_checks_the_hash(tmp_path, monkeypatch):
    cfg = compose(TINY)
    real = os.replace
    calls = []

    def killed_before_manifest(src, dst):
        if Path(dst).name == "manifest.json":
            calls.append(dst)
            raise KeyboardInterrupt  # the job dies between two moves
        return real(src, dst)

    monkeypatch.setattr(os, "replace", killed_before_manifest)
    (tmp_path / "p").mkdir()  # Hydra makes a job's folder before the job runs
    with pytest.raises(KeyboardInterrupt):
        run(cfg, tmp_path / "p")
    monkeypatch.setattr(os, "replace", real)
    assert calls and not (tmp_path / "p" / "manifest.json").exists()  # nothing looks complete
    assert (tmp_path / "p" / "outcomes.parquet").exists()
    with pytest.raises(store.ResultsError, match="missing manifest.json"):
        store.read_results(tmp_path / "p")

    assert resume_point(cfg, tmp_path / "p", 3) is False  # incomplete: cleared, to run again
    assert [p.name for p in (tmp_path / "p").iterdir()] == [".ensemble"]  # but for the chunks done
    run(cfg, tmp_path / "p")
    assert resume_point(cfg, tmp_path / "p", 3) is True
    with pytest.raises(store.ResultsError, match="point 3: .* holds results of another config"):
        resume_point(compose([*TINY, "seed=5"]), tmp_path / "p", 3)


@pytest.mark.slow
def test_a_resumed_sweep_refuses_points_made_from_other_data(tmp_path):
    """Edit a copied links file between two runs of the same sweep: the second run says which
    file changed and refuses, leaving the finished points as they were."""
    data = Path(__file__).resolve().parent.parent / "sim" / "data"
    links = tmp_path / "links.csv"
    links.write_text((data / "links.csv").read_text())
    sweep_dir = tmp_path / "sweep"
    cmd = ["-m", f"{LEVEL}=0.2,0.8", f"model.network.links_file={links}", *TINY, f"hydra.sweep.dir={sweep_dir}"]
    assert sim_run(*cmd, cwd=tmp_path).returncode == 0
    before = {j: (sweep_dir / j / "manifest.json").read_bytes() for j in ("0", "1")}
    assert sim_run(*cmd, cwd=tmp_path).returncode == 0  # same data: both points skipped
    rows = links.read_text().splitlines()
    head, first = rows[0].split(","), rows[1].split(",")
    k = head.index("km")
    first[k] = str(float(first[k]) + 50)  # one link 50 km longer
    links.write_text("\n".join([rows[0], ",".join(first), *rows[2:]]) + "\n")
    p = sim_run(*cmd, cwd=tmp_path)
    assert p.returncode == 2
    (line,) = stderr_lines(p)
    assert line.startswith("sim-run: error: point 0:") and "another links file" in line and str(links) in line
    assert {j: (sweep_dir / j / "manifest.json").read_bytes() for j in ("0", "1")} == before


def test_resume_refuses_results_of_other_code(tmp_path, monkeypatch):
    from sim import manifest

    cfg = compose(TINY)
    run(cfg, tmp_path / "p")
    assert resume_point(cfg, tmp_path / "p", 0) is True
    real = manifest.code_version()
    monkeypatch.setattr(manifest, "code_version", lambda: {**real, "source_sha256": "0" * 64})
    with pytest.raises(store.ResultsError, match="point 0: .* holds results of other code"):
        resume_point(cfg, tmp_path / "p", 0)


# ----------------------------------------------------------------------------- designs
def _design_file(tmp_path: Path, rows: str, header: str = f"point,scenario.drought_severity,{LEVEL}") -> Path:
    path = tmp_path / "d.csv"
    path.write_text(header + "\n" + rows)
    return path


def test_design_point_is_applied_before_validation_and_hashing(tmp_path):
    path = _design_file(tmp_path, "0,0.3,0.25\n1,0.8,0.75\n")
    cfg = compose([f"design.file={path}", "design.point=1", *TINY])
    assert cfg.scenario.drought_severity == 0.8 and cfg.policy.russia_refugee_pressure.level == 0.75
    same = compose(["scenario.drought_severity=0.8", f"{LEVEL}=0.75", *TINY])
    assert config_hash(cfg) == config_hash(same)  # the hash sees the values, not where they came from
    m = store.read_results(run(cfg, tmp_path / "r"))["manifest"]
    assert m["design_values"] == {"scenario.drought_severity": 0.8, LEVEL: 0.75}
    assert m["config"]["policy"]["russia_refugee_pressure"]["level"] == 0.75
    assert m["design"]["point"] == 1 and m["design"]["file"] == str(path.resolve())


def test_integer_parameters_are_rounded(tmp_path):
    table, spec = design.build(design.select(["model.narcotics.traffickers.n_organisations"]), "lhs", 5, seed=3)
    assert table["model.narcotics.traffickers.n_organisations"].dtype == "int64"
    assert spec["integer"] == ["model.narcotics.traffickers.n_organisations"]
    path = _design_file(tmp_path, "0,7.6\n", header="point,model.narcotics.traffickers.n_organisations")
    assert compose([f"design.file={path}", "design.point=0"]).model.narcotics.traffickers.n_organisations == 8


@pytest.mark.parametrize("content, point, words", [
    (None, 0, ["not found"]),
    ("point,scenario.drought_severity\n0,0.5\n", 4, ["design.point = 4", "points 0 to 0", "range(0,1)"]),
    ("point,scenario.drought_severty\n0,0.5\n", 0, ["scenario.drought_severty", "did you mean scenario.drought_severity"]),
    ("point,scenario.drought_severity\n0,abc\n", 0, ["non-numeric"]),
    ("scenario.drought_severity\n0.5\n", 0, ["first column must be 'point'"]),
    ("point,scenario.drought_severity\n1,0.5\n", 0, ["must run 0, 1"]),
    ("point,scenario.drought_severity\n0,0.5\n", -1, ["design.point is not", "range(0,1)"]),
    ("point,model.refugees.people_per_agent\n0,100\n", 0, ["model.refugees.people_per_agent is a run setting"]),
])
def test_bad_design_files_give_one_line_errors(tmp_path, content, point, words):
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(design.DesignError) as e:
        compose([f"design.file={path}", f"design.point={point}"])
    msg = str(e.value)
    assert "\n" not in msg
    for w in words:
        assert w in msg


def test_sweep_over_a_bad_design_fails_before_any_folder(tmp_path):
    from sim.config import Config

    cfg = Config()
    cfg.design.file = str(_design_file(tmp_path, "0,0.3,0.25\n1,1.5,0.75\n"))
    with pytest.raises(design.DesignError, match=r"point 1 sets scenario.drought_severity = 1.5.*\[0, 1\]"):
        design.check_design(cfg)  # what sim-run -m checks before the first job, over the whole file
    one_row = _design_file(tmp_path, "0,0.3,0.25\n")
    p = sim_run("-m", f"design.file={one_row}", "design.point=range(0,3)", *TINY,
                f"hydra.sweep.dir={tmp_path / 's'}", cwd=tmp_path)
    assert p.returncode == 2
    (line,) = stderr_lines(p)
    assert "design.point = 1 is outside the design" in line
    assert not (tmp_path / "s").exists()


# ----------------------------------------------------------------------------- sim-design
def test_sim_design_writes_csv_and_json(tmp_path, capsys):
    out = tmp_path / "design.csv"
    design.main(["--method", "lhs", "-n", "7", "--params", f"scenario.drought_severity,{LEVEL}",
                 "--seed", "5", "--out", str(out)])
    assert "design.point=range(0,7)" in capsys.readouterr().out
    table = pd.read_csv(out)
    assert list(table.columns) == ["point", "scenario.drought_severity", LEVEL]
    assert list(table["point"]) == list(range(7))
    assert table["scenario.drought_severity"].between(0.2, 0.9).all()
    spec = json.loads((tmp_path / "design.json").read_text())
    assert spec["method"] == "lhs" and spec["n"] == 7 and spec["seed"] == 5 and spec["rows"] == 7
    assert spec["problem"]["names"] == ["scenario.drought_severity", LEVEL]
    assert spec["problem"]["bounds"] == [[0.2, 0.9], [0.0, 1.0]]
    again = design.build(design.select(spec["problem"]["names"]), "lhs", 7, 5)[0]
    pd.testing.assert_frame_equal(again, table)  # the same seed draws the same design

    sobol = tmp_path / "s.csv"
    design.main(["--method", "sobol", "-n", "4", "--group", "scenario", "--out", str(sobol)])
    d = len(design.select(groups=["scenario"]))
    assert len(pd.read_csv(sobol)) == 4 * (2 * d + 2)
    design.main(["--method", "morris", "-n", "3", "--params", LEVEL, "--out", str(tmp_path / "m.csv")])
    assert len(pd.read_csv(tmp_path / "m.csv")) == 3 * 2


@pytest.mark.parametrize("args, words", [
    (["--params", "model.states.tjk.csto_member,model.states.afghanistan.reserves_total_usd_bn"],
     ["no uncertainty range declared for model.states.tjk.csto_member, model.states.afghanistan.reserves_total_usd_bn"]),
    (["--params", "model.refugees.people_per_agent"], ["model.refugees.people_per_agent is a run setting"]),
    (["--params", "model.calendar.horizon_months"], ["model.calendar.horizon_months is a run setting"]),
    (["--params", "scenario.nope"], ["unknown parameter 'scenario.nope'"]),
    (["--group", "nowhere"], ["group 'nowhere'"]),
    ([], ["no parameters"]),
])
def test_sim_design_errors_are_one_line_and_write_nothing(tmp_path, capsys, args, words):
    with pytest.raises(SystemExit) as e:
        design.main(["--method", "lhs", "-n", "4", *args, "--out", str(tmp_path / "d.csv")])
    assert e.value.code == 2
    (line,) = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert line.startswith("sim-design: error: ")
    for w in words:
        assert w in line
    assert list(tmp_path.iterdir()) == []


def test_a_design_over_the_whole_model_samples_no_run_setting(tmp_path):
    """Resolution and horizon say how a run is made, not what the world is like."""
    names = [p.name for p in design.select(groups=["model"])]
    assert "model.narcotics.traffickers.n_organisations" in names  # an integer uncertainty stays
    assert "model.refugees.people_per_agent" not in names and "model.calendar.horizon_months" not in names
    design.main(["--method", "lhs", "-n", "2", "--group", "model", "--out", str(tmp_path / "d.csv")])
    assert "model.refugees.people_per_agent" not in pd.read_csv(tmp_path / "d.csv").columns


def test_sim_design_does_not_replace_a_design_without_force(tmp_path, capsys):
    out = tmp_path / "d.csv"
    design.main(["--method", "lhs", "-n", "3", "--params", LEVEL, "--out", str(out)])
    before = out.read_bytes()
    with pytest.raises(SystemExit) as e:
        design.main(["--method", "lhs", "-n", "5", "--params", LEVEL, "--out", str(out)])
    assert e.value.code == 2
    assert "already exist" in capsys.readouterr().err and out.read_bytes() == before
    design.main(["--method", "lhs", "-n", "5", "--params", LEVEL, "--out", str(out), "--force"])
    assert len(pd.read_csv(out)) == 5


# ----------------------------------------------------------------------------- sim-collect
def test_collect_errors_on_a_folder_without_complete_points(tmp_path, capsys):
    (tmp_path / "s" / "0" / ".hydra").mkdir(parents=True)
    with pytest.raises(SystemExit) as e:
        collect.main([str(tmp_path / "s")])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no complete sweep points (1 incomplete" in err
    assert not (tmp_path / "s" / "collected").exists()
    with pytest.raises(SystemExit) as e:
        collect.main([str(tmp_path / "nowhere")])
    assert e.value.code == 2 and f"{tmp_path / 'nowhere'}: sweep folder not found" in capsys.readouterr().err


def test_rewriting_a_folder_leaves_no_table_of_the_earlier_write(tmp_path):
    out = tmp_path / "collected"
    t = pd.DataFrame({"x": [1]})
    store.write_folder(out, {"outcomes.parquet": t, "flows.parquet": t}, {"n": 1})
    (out / "notes.txt").write_text("mine")  # not a table: kept
    store.write_folder(out, {"outcomes.parquet": t}, {"n": 2})
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "notes.txt", "outcomes.parquet"]
