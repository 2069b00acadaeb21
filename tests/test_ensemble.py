"""Ensembles: chunks on the local pool or Dask give the same tables; a killed ensemble resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pandas as pd
import pytest

from sim import ensemble
from sim.compose import compose
from sim.ensemble import chunk_size
from sim.pipeline import run

from .conftest import SIM_RUN, sim_run

TABLES = ("outcomes", "timeseries", "flows", "futures")
SMALL = ["uncertainty=ranges", "futures=3", "replicates=4", "model.calendar.horizon_months=3", "progress=false",
         "uncertainty.only=[scenario]"]


def _tables(folder):
    return {t: pd.read_parquet(folder / f"{t}.parquet") for t in TABLES}


def _same(a, b):
    for t in TABLES:
        pd.testing.assert_frame_equal(a[t], b[t], check_exact=True)


def test_chunks_are_small_enough_to_keep_every_worker_busy():
    assert chunk_size(10_000, 2, 200) == 200
    assert chunk_size(100, 2, 200) == 7          # 8 chunks per worker at least
    assert chunk_size(3, 4, 200) == 1


def test_local_and_dask_executors_give_identical_tables(tmp_path):
    for name, extra in (("local1", ["workers=1"]), ("local2", ["workers=2", "executor.chunk_runs=3"]),
                        ("dask", ["executor=dask", "workers=2", "executor.chunk_runs=2"])):
        run(compose([*SMALL, *extra]), tmp_path / name)
    one = _tables(tmp_path / "local1")
    _same(one, _tables(tmp_path / "local2"))
    _same(one, _tables(tmp_path / "dask"))
    assert len(one["outcomes"]) == 12 and list(one["outcomes"]["future"]) == [f for f in range(3) for _ in range(4)]


def test_an_interrupted_ensemble_resumes_its_chunks_and_ends_identical(tmp_path, monkeypatch, capsys):
    cfg = compose([*SMALL, "workers=1", "executor.chunk_runs=2"])  # 6 chunks
    run(cfg, tmp_path / "whole")
    real = ensemble.execute
    ran = []

    def dies_after_two(*args):
        chunks = args[1]
        for k, tables in real(*args):
            ran.append(len(chunks))
            yield k, tables
            if len(ran) == 2:
                raise KeyboardInterrupt  # as a kill part-way would

    monkeypatch.setattr(ensemble, "execute", dies_after_two)
    with pytest.raises(KeyboardInterrupt):
        run(cfg, tmp_path / "again")
    shards = sorted(p.name for p in (tmp_path / "again" / ".ensemble").glob("outcomes-*.parquet"))
    assert shards == ["outcomes-000000.parquet", "outcomes-000001.parquet"]
    assert not (tmp_path / "again" / "manifest.json").exists()
    monkeypatch.setattr(ensemble, "execute", lambda *a: (ran.append(len(a[1])), real(*a))[1])
    capsys.readouterr()
    run(cfg, tmp_path / "again")
    assert ran[-1] == 4  # only the four chunks not done were run again
    assert "2 of 6 chunks resumed" in capsys.readouterr().out
    _same(_tables(tmp_path / "whole"), _tables(tmp_path / "again"))
    assert not (tmp_path / "again" / ".ensemble").exists()


def test_a_killed_sim_run_resumes_into_the_same_folder(tmp_path):
    args = [*SMALL, "replicates=6", "workers=1", "executor.chunk_runs=1", f"hydra.run.dir={tmp_path / 'r'}"]
    staging = tmp_path / "r" / ".ensemble"
    p = subprocess.Popen([SIM_RUN, *args], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    deadline = time.monotonic() + 120
    while len(list(staging.glob("outcomes-*.parquet"))) < 3 and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    done = len(list(staging.glob("outcomes-*.parquet")))
    assert 3 <= done < 18, "the run was not killed part-way"
    assert not (tmp_path / "r" / "manifest.json").exists()
    again = sim_run(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"{done} of 18 chunks resumed" in again.stdout
    whole = sim_run(*[a for a in args if not a.startswith("hydra.run.dir")], f"hydra.run.dir={tmp_path / 'w'}",
                    cwd=tmp_path)
    assert whole.returncode == 0
    _same(_tables(tmp_path / "w"), _tables(tmp_path / "r"))


def test_a_folder_with_an_interrupted_ensemble_of_another_config_is_refused(tmp_path, monkeypatch):
    cfg = compose([*SMALL, "workers=1", "executor.chunk_runs=2"])

    def dies(*args):
        raise KeyboardInterrupt
        yield

    monkeypatch.setattr(ensemble, "execute", dies)
    with pytest.raises(KeyboardInterrupt):
        run(cfg, tmp_path / "r")
    other = compose([*SMALL, "workers=1", "seed=3"])
    with pytest.raises(ensemble.ResultsError, match="interrupted ensemble of another config"):
        run(other, tmp_path / "r")


def test_an_unreachable_dask_scheduler_is_one_line_and_writes_nothing(tmp_path):
    p = sim_run("executor=dask", "executor.address=tcp://127.0.0.1:9", "executor.connect_timeout_s=1",
                "replicates=2", f"hydra.run.dir={tmp_path / 'never'}", cwd=tmp_path)
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert p.returncode == 2 and len(lines) == 1, p.stderr
    assert "executor.address = tcp://127.0.0.1:9" in lines[0] and "no Dask scheduler" in lines[0]
    assert not (tmp_path / "never").exists()
