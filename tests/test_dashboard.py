"""The dashboard without a browser: its logic (controls, validation, budget, runs on the warm pool,
paired comparison, read-only results browsing) and its page rendered with Solara's own testing
tools; and sim-dashboard serving the page over HTTP."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from sim.dashboard import logic as L

BIN = Path(sys.executable).parent
SHORT = 6  # months: enough for the fan chart to have points


def test_every_control_knows_its_range_unit_and_source():
    levers, params = L.lever_controls(), L.parameter_controls()
    assert {c.key for c in levers} >= {"policy.russia_refugee_pressure.level", "policy.western_hosting.usd_m_per_year"}
    assert len(params) > 300
    for c in levers + params:
        assert c.lo < c.hi and c.unit and c.source, c.key
        assert c.default is None or c.lo <= c.default <= c.hi, c.key
    assert "keep Afghans out" in L.question("russia_blocks_refugees")
    assert L.experiments()[0] == "baseline"


@pytest.mark.parametrize("request_, message", [
    (L.Request("nope"), "experiment 'nope': not one of baseline"),
    (L.Request(values=(("policy.russia_refugee_pressure.level", 3.0),)),
     "policy.russia_refugee_pressure.level = 3.0 is outside its valid range [0, 1] (index 0-1)"),
    (L.Request(values=(("model.refugees.displacement_rate", -1.0),)), "model.refugees.displacement_rate = -1.0"),
    (L.Request(values=(("os.system", 1.0),)), "'os.system': not a lever or a parameter"),
    (L.Request(replicates=0), "replicates = 0: must be a whole number of at least 1"),
    (L.Request(replicates=100, futures=30, source="ranges"), "over this dashboard's budget of 2000"),
    (L.Request(source="magic"), "uncertainty 'magic'"),
])
def test_bad_values_get_one_line_and_nothing_runs(request_, message):
    with pytest.raises(L.DashboardError) as e:
        L.validate(request_)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_runs_fill_in_chunk_by_chunk_and_end_as_a_batch_would(monkeypatch):
    from sim.runner import run_batch

    req = L.Request("russia_blocks_refugees", replicates=6, horizon_months=SHORT)
    ref = L.Request("baseline", replicates=6, horizon_months=SHORT)
    job = L.Job({"baseline": L.validate(ref), "blocks": L.validate(req)}, chunk_runs=2)
    partials = list(job.results())
    assert [p.done for p in partials] == [2, 4, 6, 8, 10, 12] and partials[-1].total == 12
    last = partials[-1]
    cfg = L.validate(req)[0]
    cfg.workers = 1
    pd.testing.assert_frame_equal(last.outcomes["blocks"], run_batch(cfg).outcomes)
    a, b = L.paired(last, "baseline", "blocks")
    assert a[["future", "replicate"]].equals(b[["future", "replicate"]]) and len(a) == 6
    table = L.comparison(last, "baseline", ["n_hosted_ca"])
    assert table.loc[0, "mean_diff"] < 0  # Moscow's pressure: fewer hosted in Central Asia, in every pair
    assert "scenario" in L.outcomes_csv(last).splitlines()[0]
    png = L.figure_bytes(L.fan(last, "n_hosted_ca", "Source: test"))
    assert png[:4] == b"\x89PNG"


def test_a_cancelled_job_stops_before_its_chunks_are_all_done():
    job = L.Job({"baseline": L.validate(L.Request(replicates=40, horizon_months=SHORT))}, chunk_runs=2)
    seen = []
    for p in job.results():
        seen.append(p.done)
        job.cancel()
    assert seen and seen[-1] < 40 and job.cancelled


def test_saved_results_are_browsed_read_only_and_only_by_listed_name(tmp_path):
    from sim.compose import compose
    from sim.pipeline import run

    for exp in ("baseline", "western_hosting"):
        cfg = compose([f"experiment={exp}", "uncertainty=none", "replicates=3", "workers=1", "progress=false",
                       f"model.calendar.horizon_months={SHORT}"])
        run(cfg, tmp_path / exp / "2026-01-01_00-00-00", experiment=exp, quiet=True)
    (tmp_path / "half" / "run").mkdir(parents=True)  # no manifest: not listed
    names = L.results_folders(tmp_path)
    assert names == ["western_hosting/2026-01-01_00-00-00", "baseline/2026-01-01_00-00-00"]
    for bad in ("../", "/etc", "half/run", "baseline/../../x"):
        with pytest.raises(L.DashboardError, match="not a results folder"):
            L.open_folder(tmp_path, bad)
    text = L.saved_comparison(tmp_path, names[1], names[0], ["n_hosted_ca"])
    assert text.startswith("| outcome |") and "n_hosted_ca" in text


# What `sim-run policy.russia_refugee_pressure.level=3` prints after "sim-run: error: " (checked below).
SIM_RUN_SAYS = "policy.russia_refugee_pressure.level = 3.0 is outside its valid range [0, 1] (index 0-1)"


def test_the_page_says_what_sim_run_says_for_the_same_value(tmp_path):
    p = subprocess.run([str(BIN / "sim-run"), "policy.russia_refugee_pressure.level=3", "replicates=1"],
                       capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert p.returncode == 2 and p.stderr.strip() == f"sim-run: error: {SIM_RUN_SAYS}"
    control = L.controls()["policy.russia_refugee_pressure.level"]
    with pytest.raises(L.DashboardError) as e:
        L.check_value(control, "3")
    assert str(e.value) == SIM_RUN_SAYS
    assert not list(tmp_path.iterdir())


def _texts(rc):
    import ipyvuetify as v

    return [(w.class_, "".join(map(str, w.children))) for w in rc.find(v.Html).widgets]


def test_the_page_shows_an_invalid_value_beside_its_control_and_runs_nothing():
    import ipyvuetify as v
    import solara

    from sim.dashboard import app

    _, rc = solara.render(app.Page(), handle_error=False)
    field = rc.find(v.TextField, label="russia refugee pressure").widget
    field.v_model = "3"
    field.fire_event("keyup.enter", None)
    assert rc.find(v.TextField, label="russia refugee pressure").widget.error
    errors = [t for c, t in _texts(rc) if c == "control-error"]
    assert errors == [SIM_RUN_SAYS]
    rc.find(v.Btn, children=["Run"]).widget.click()
    assert not app.run_task.pending
    assert not [t for c, t in _texts(rc) if c == "runs-done"]


def test_the_page_runs_and_fills_in_the_fan_chart():
    import ipyvuetify as v
    import solara

    from sim.dashboard import app

    _, rc = solara.render(app.Page(), handle_error=False)
    reps = rc.find(v.TextField, label="replicates").widget
    reps.v_model = "4"
    reps.fire_event("keyup.enter", None)
    rc.find(v.Btn, children=["Run"]).widget.click()
    deadline = time.time() + 120
    while time.time() < deadline and "4 of 4 runs done" not in [t for c, t in _texts(rc) if c == "runs-done"]:
        time.sleep(0.2)
    assert "4 of 4 runs done" in [t for c, t in _texts(rc) if c == "runs-done"]
    import ipywidgets

    images = rc.find(ipywidgets.Image).widgets
    assert len(images) == 2 and all(bytes(i.value)[:4] == b"\x89PNG" for i in images)  # fan chart, distribution


def test_sim_dashboard_serves_the_page_on_localhost(tmp_path):
    from sim.dashboard.server import free_port

    port = free_port()
    proc = subprocess.Popen([str(BIN / "sim-dashboard"), "--port", str(port), "--results", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == f"dashboard: http://127.0.0.1:{port}/"
        deadline, body = time.time() + 60, ""
        while time.time() < deadline:
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode()
                break
            except OSError:
                time.sleep(0.3)
        assert "solara" in body.lower()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    p = subprocess.run([str(BIN / "sim-dashboard"), "--budget", "0"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and p.stderr.strip() == "sim-dashboard: error: --budget 0: must be at least 1"
