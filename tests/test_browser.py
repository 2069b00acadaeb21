"""The dashboard in a real browser: Playwright driving Debian's Chromium, headless.

Without Chromium these tests are skipped with the command that installs it, except where
``SIM_REQUIRE_BROWSER=1`` (``.ci/run`` sets it): there a missing browser fails them. Screenshots
and the timings go to the test's temporary folder (``timings.json``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]
BIN = Path(sys.executable).parent
SHORT = 12

if not CHROMIUM.exists():
    if os.environ.get("SIM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{CHROMIUM} is missing and SIM_REQUIRE_BROWSER=1: install it with "
                    "'apt-get install chromium'", pytrace=False)
    pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM}: sudo apt-get install chromium",
                allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """sim-dashboard on a free port over a results root holding one run with its memo figures."""
    from sim.compose import compose
    from sim.dashboard.server import free_port
    from sim.pipeline import run
    from sim.plots.cli import memo_main

    root = tmp_path_factory.mktemp("results")
    folder = root / "baseline" / "2026-01-01_00-00-00"
    cfg = compose(["uncertainty=none", "replicates=4", "workers=1", "progress=false",
                   f"model.calendar.horizon_months={SHORT}"])
    run(cfg, folder, experiment="baseline", quiet=True)
    memo_main([str(folder), "--outcomes", "n_hosted_ca"])
    port = free_port()
    proc = subprocess.Popen([str(BIN / "sim-dashboard"), "--port", str(port), "--results", str(root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    assert proc.stdout.readline().strip() == f"dashboard: {url}"
    deadline = time.time() + 60
    while time.time() < deadline:  # the address is printed as the server starts listening
        try:
            urllib.request.urlopen(url, timeout=5).read()
            break
        except OSError:
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture()
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        pg.set_default_timeout(60_000)
        pg.goto(server)
        pg.get_by_role("button", name="Run").wait_for()
        yield pg
        browser.close()


def _field(page, label: str):
    return page.get_by_label(label, exact=True)


def _set(page, label: str, value: str) -> None:
    from playwright.sync_api import expect

    f = _field(page, label)
    f.fill(value)
    f.press("Enter")
    expect(f).to_have_value(value)


def _run(page) -> None:
    """Press Run once the previous run has ended (the button is enabled again)."""
    from playwright.sync_api import expect

    button = page.get_by_role("button", name="Run")
    expect(button).to_be_enabled(timeout=120_000)
    button.click()


def _runs_done(page, text: str, timeout_s: float = 120) -> float:
    t = time.perf_counter()
    page.get_by_text(text).wait_for(timeout=timeout_s * 1000)
    return time.perf_counter() - t


def test_an_analyst_runs_russian_pressure_against_the_baseline_and_downloads_a_saved_figure(page, tmp_path):
    timings = {}
    # An invalid value: its message beside the control, and nothing runs.
    _set(page, "russia refugee pressure", "3")
    page.get_by_text("outside its valid range [0, 1]").first.wait_for()
    page.screenshot(path=str(tmp_path / "invalid.png"))
    # Russian pressure at its maximum, 20 replicates, paired with the baseline.
    _set(page, "russia refugee pressure", "1")
    page.get_by_text("outside its valid range [0, 1]").first.wait_for(state="detached")
    _set(page, "replicates", "20")
    t0 = time.perf_counter()
    _run(page)
    page.locator("img").first.wait_for()
    timings["first_chart_s_20_pressure_vs_baseline"] = time.perf_counter() - t0
    timings["all_40_runs_s"] = _runs_done(page, "40 of 40 runs done") + timings["first_chart_s_20_pressure_vs_baseline"]
    page.get_by_text("Paired with the reference").wait_for()
    assert page.get_by_text("n_hosted_ca").count() >= 1
    page.screenshot(path=str(tmp_path / "pressure_vs_baseline.png"), full_page=True)
    # The saved results folder: open it and download a figure.
    page.get_by_role("tab", name="Saved results").click()
    page.get_by_label("results folder").click(force=True)  # the v-select's own selection box sits over its input
    page.get_by_role("option", name="baseline/2026-01-01_00-00-00").click()
    page.get_by_text("summary CSV").wait_for()
    with page.expect_download() as dl:
        page.get_by_role("button", name="PNG").first.click()
    saved = tmp_path / dl.value.suggested_filename
    dl.value.save_as(saved)
    assert saved.read_bytes()[:4] == b"\x89PNG"
    page.screenshot(path=str(tmp_path / "saved.png"), full_page=True)
    (tmp_path / "timings.json").write_text(json.dumps(timings, indent=1))
    print(json.dumps(timings))


def test_a_warm_baseline_shows_its_first_chart_fast(page, tmp_path):
    """The first fan chart of a 50-replicate baseline, timed from pressing Run."""
    _set(page, "replicates", "50")
    t0 = time.perf_counter()
    _run(page)
    page.locator("img").first.wait_for()
    timings = {"first_chart_s_50_baseline": time.perf_counter() - t0}
    _runs_done(page, "50 of 50 runs done")
    (tmp_path / "timings.json").write_text(json.dumps(timings, indent=1))
    print(json.dumps(timings))


def test_a_200_replicate_baseline_completes_and_the_page_stays_responsive(page, tmp_path):
    """The whole of a 200-replicate baseline, on a fresh page (its replicates set before any run);
    a control reacts while it runs."""
    timings = {}
    _set(page, "replicates", "200")
    t0 = time.perf_counter()
    _run(page)
    page.get_by_text("of 200 runs done").first.wait_for(timeout=180_000)
    t1 = time.perf_counter()
    _set(page, "russia refugee pressure", "7")  # reacts while the run goes on
    page.get_by_text("outside its valid range [0, 1]").first.wait_for()
    timings["control_reacts_during_run_s"] = time.perf_counter() - t1
    _runs_done(page, "200 of 200 runs done", 300)
    timings["all_200_s"] = time.perf_counter() - t0
    page.screenshot(path=str(tmp_path / "baseline_200.png"), full_page=True)
    (tmp_path / "timings.json").write_text(json.dumps(timings, indent=1))
    print(json.dumps(timings))
    assert timings["control_reacts_during_run_s"] < 10
