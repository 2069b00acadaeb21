"""sim-plot and sim-memo: the numbers behind the figures, the figures, memo.md and CLI errors.

Results folders are built by hand with :func:`sim.store.write_results` (no model runs),
except one tiny real run that checks the plots read what ``sim-run`` writes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import matplotlib.text
import numpy as np
import pandas as pd
import pytest

from sim.analysis import summary_table
from sim.outcomes import Outcome
from sim.plots import PlotError, figures, load_run, load_runs, stats
from sim.plots.cli import memo_main, plot_main
from sim.plots.style import DPI, FONT_PT, WIDTH_IN, source_line
from sim.store import write_results

SIM_PLOT = str(Path(sys.executable).parent / "sim-plot")
N = 20
OUTCOMES = {
    "n_hosted_ca": Outcome("n_hosted_ca", "people", "Afghans hosted in Central Asia (end of horizon)"),
    "russia_influence_ca": Outcome("russia_influence_ca", "index 0-1",
                                   "Russian influence in Central Asia (end of horizon)"),
    "month_russia_recognizes": Outcome("month_russia_recognizes", "months since start",
                                       "Month Russia recognises the Taliban (NaN: never)", series=False),
}
SERIES = ("n_hosted_ca", "russia_influence_ca")


def make_run(path: Path, shift: float = 0.0, root_seed: int = 7, experiment: str = "baseline",
             n: int = N, lever_events: list | None = None) -> Path:
    """A small results folder: N replicates, 13 monthly points, outcomes shifted by `shift`."""
    rng = np.random.default_rng(0)  # same draws in every folder: replicates are paired
    hosted = rng.normal(50_000, 10_000, n) + shift * 10_000
    influence = np.clip(rng.normal(0.6, 0.05, n) - shift * 0.05, 0, 1)
    month = np.where(rng.random(n) < 0.3, np.nan, rng.uniform(1, 12, n))
    outcomes = pd.DataFrame({"replicate": np.arange(n, dtype="int64"),
                             "seed": (root_seed * 1000 + np.arange(n)).astype("int64"),
                             "n_hosted_ca": hosted, "russia_influence_ca": influence,
                             "month_russia_recognizes": month})
    dates = pd.date_range("2021-08-31", periods=13, freq="ME")
    growth = np.linspace(0, 1, dates.size)
    rows = [{"replicate": i, "date": d, "outcome": name, "value": float(outcomes[name][i] * g)}
            for i in range(n) for d, g in zip(dates, growth) for name in SERIES]
    ts = pd.DataFrame(rows)
    ts["outcome"] = pd.Categorical(ts["outcome"], categories=list(SERIES))
    manifest = {
        "experiment": experiment, "description": f"{experiment} for tests.", "created": "2024-05-01T10:00:00+00:00",
        "version": "0.1.0", "git_commit": None, "root_seed": root_seed, "replicates": n, "config_hash": "x",
        "overrides": [], "calendar": {"start": "2021-08-15", "end": "2022-08-15"},
        "lever_events": lever_events if lever_events is not None else
        [{"lever": "russia_refugee_pressure", "start": "2021-08-15"}],
        "outcomes": {k: {"unit": o.unit, "label": o.label} for k, o in OUTCOMES.items()},
        "config": {},
    }
    return write_results(path, outcomes, ts, summary_table(outcomes, OUTCOMES), manifest)


def make_flows(run_dir: Path, n: int = 3) -> None:
    """A fake flows.parquet on the real network: people and tonnes on every link, hosted at hosts."""
    from sim.network import load_network

    net = load_network()
    rng = np.random.default_rng(1)
    rows = [(r, link.from_id, link.to_id, q, rng.gamma(1, scale))
            for r in range(n) for link in net.links for q, scale in (("people_moved", 1e4), ("opiates_tonnes", 30))]
    rows += [(r, loc.id, "", "people_hosted", rng.gamma(1, 1e5))
             for r in range(n) for loc in net.of_kind("host")]
    pd.DataFrame(rows, columns=["replicate", "source", "target", "quantity", "value"]).to_parquet(
        run_dir / "flows.parquet", index=False)


@pytest.fixture()
def two_runs(tmp_path):
    base = make_run(tmp_path / "base")
    other = make_run(tmp_path / "other", shift=1.0, experiment="reserves_released",
                     lever_events=[{"lever": "reserves_release", "start": "2022-03-01"}])
    return base, other


def cli(main, argv, capsys) -> tuple[int, str, str]:
    """Run a CLI entry point in-process; exit code, stdout, stderr."""
    try:
        main([str(a) for a in argv])
        code = 0
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- numbers
def test_quantile_bands_equal_np_quantile(tmp_path):
    res = load_run(make_run(tmp_path / "r"))[0]
    bands = stats.quantile_bands(res.timeseries, "n_hosted_ca")
    wide = res.timeseries[res.timeseries["outcome"] == "n_hosted_ca"].pivot(
        index="date", columns="replicate", values="value")
    assert list(bands.columns) == [0.05, 0.25, 0.5, 0.75, 0.95]
    assert len(bands) == 13 and bands.index.is_monotonic_increasing
    for p in bands.columns:
        np.testing.assert_allclose(bands[p].to_numpy(), np.quantile(wide.to_numpy(), p, axis=1))


def test_paired_differences_are_a_minus_b_by_replicate():
    a = pd.DataFrame({"replicate": [0, 1, 2], "seed": [10, 11, 12], "x": [1.0, 5.0, 2.0]})
    b = pd.DataFrame({"replicate": [2, 0, 1], "seed": [12, 10, 11], "x": [7.0, 0.5, 1.0]})  # other row order
    d = stats.paired_differences(a, b, "x")
    assert list(d["replicate"]) == [0, 1, 2]
    np.testing.assert_allclose(d["diff"], [0.5, 4.0, -5.0])


def test_paired_differences_refuse_unpaired_runs():
    a = pd.DataFrame({"replicate": [0, 1], "seed": [10, 11], "x": [1.0, 2.0]})
    with pytest.raises(stats.PairingError, match="seed"):
        stats.paired_differences(a, a.assign(seed=[20, 21]), "x")
    with pytest.raises(stats.PairingError, match="replicates"):
        stats.paired_differences(a, a.iloc[:1], "x")


def test_bootstrap_ci_covers_the_true_mean_about_as_often_as_it_says():
    rng = np.random.default_rng(123)
    covered = 0
    for k in range(200):
        x = rng.normal(3.0, 2.0, 30)
        lo, hi = stats.bootstrap_ci(x, level=0.9, seed=k)
        assert lo < x.mean() < hi
        covered += lo <= 3.0 <= hi
    assert 0.80 <= covered / 200 <= 0.97


def test_bootstrap_ci_is_reproducible_and_narrows_with_level():
    x = np.random.default_rng(5).exponential(1.0, 50)
    assert stats.bootstrap_ci(x) == stats.bootstrap_ci(x)
    lo90, hi90 = stats.bootstrap_ci(x, level=0.9)
    lo50, hi50 = stats.bootstrap_ci(x, level=0.5)
    assert lo90 < lo50 < hi50 < hi90
    assert np.isnan(stats.bootstrap_ci([1.0])[0])


def test_prob_greater_counts_ties_half_and_never_as_latest():
    assert stats.prob_greater([1, 2, 3, 4], [0, 2, 5, 1]) == pytest.approx(2.5 / 4)
    assert stats.prob_greater([np.nan, np.nan, 1.0], [5.0, np.nan, np.nan]) == pytest.approx(1.5 / 3)
    assert stats.prob_greater([1.0, 1.0], [2.0, 2.0]) == 0.0


def test_prob_exceeds_and_ecdf_count_never_above_every_value():
    x = [1.0, 2.0, 3.0, np.nan]
    assert stats.prob_exceeds(x, 2.0) == pytest.approx(0.5)
    assert stats.prob_exceeds(x, 0.0) == 1.0
    assert stats.prob_exceeds([1.0, 2.0, 3.0, 4.0], 3.5) == pytest.approx(0.25)
    values, f = stats.ecdf(x)
    np.testing.assert_allclose(values, [1, 2, 3])
    np.testing.assert_allclose(f, [0.25, 0.5, 0.75])  # stays below 1: one replicate never has the event


def test_comparison_table_gives_mean_difference_ci_and_probability(two_runs):
    base, other = (load_run(p)[0] for p in two_runs)
    t = stats.comparison_table(base.outcomes, {"other": other.outcomes}, ["n_hosted_ca"], {"n_hosted_ca": "people"})
    row = t.iloc[0]
    assert row["mean_diff"] == pytest.approx(10_000)  # shift of 1.0 -> +10,000 in every replicate
    assert row["ci_low"] == pytest.approx(10_000) and row["ci_high"] == pytest.approx(10_000)
    assert row["p_scenario_gt_baseline"] == 1.0 and row["n_pairs"] == N and row["unit"] == "people"


def test_runs_in_same_named_folders_get_distinct_labels(tmp_path):
    a = make_run(tmp_path / "a" / "2026-01-01_00-00-00")
    b = make_run(tmp_path / "b" / "2026-01-01_00-00-00")
    labels = [r.label for r in load_runs([a, b])]
    assert len(set(labels)) == 2 and all(x.startswith("baseline (") for x in labels)
    with pytest.raises(PlotError, match="given twice"):
        load_runs([a, tmp_path / "a" / ".." / "a" / "2026-01-01_00-00-00"])


# --------------------------------------------------------------------------- figures
def all_text(fig) -> list[matplotlib.text.Text]:
    return [t for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip() and t.get_visible()]


def test_figures_follow_the_memo_style(two_runs):
    runs = load_runs(list(two_runs))
    src = source_line([r.manifest for r in runs])
    fig = figures.distribution_figure({r.label: r.outcomes["n_hosted_ca"] for r in runs}, "Hosted", "people",
                                      src, threshold=55_000)
    fig.canvas.draw()
    assert fig.get_size_inches()[0] == WIDTH_IN
    texts = all_text(fig)
    assert min(t.get_fontsize() for t in texts) >= FONT_PT
    joined = " ".join(t.get_text().replace("\n", " ") for t in texts)
    assert "Source: afghan-spillover-sim 0.1.0, experiments baseline, reserves_released, 20 replicates, " \
           "seed 7, run 2024-05-01" in joined
    assert "people" in joined  # unit on the axis
    p = [stats.prob_exceeds(r.outcomes["n_hosted_ca"], 55_000) for r in runs]
    assert f"baseline: {p[0]:.2f}" in joined and f"reserves_released: {p[1]:.2f}" in joined


def test_fan_figure_marks_lever_starts_after_the_first_day(two_runs):
    runs = load_runs(list(two_runs))
    bands = {r.label: stats.quantile_bands(r.timeseries, "n_hosted_ca") for r in runs}
    events = {r.label: r.manifest["lever_events"] for r in runs}
    fig = figures.fan_figure(bands, "Hosted (end of horizon)", "people", "Source: x", events, dt.date(2021, 8, 15))
    labels = [t.get_text() for t in all_text(fig)]
    assert "reserves release" in labels
    assert "russia refugee pressure" not in labels  # acts from the start: no line
    assert "Hosted" in labels  # the series label drops "(end of horizon)"


@pytest.mark.parametrize("command", ["dist", "fan", "compare", "map"])
def test_each_plot_command_writes_png_and_svg(two_runs, tmp_path, capsys, command):
    base, other = two_runs
    make_flows(base)
    out = tmp_path / "figs"
    runs = {"dist": [base, other], "fan": [base, other], "compare": [base, other], "map": [base]}[command]
    extra = [] if command == "map" else ["--outcome", "n_hosted_ca"]
    if command == "dist":
        extra += ["--threshold", "55000"]
    code, printed, err = cli(plot_main, [command, *runs, *extra, "--out", out], capsys)
    assert code == 0, err
    written = [Path(line) for line in printed.split()]
    pngs = [p for p in written if p.suffix == ".png"]
    assert pngs and all(p.is_file() for p in written)
    for png in pngs:
        assert png.with_suffix(".svg").is_file()
        assert "Source: afghan-spillover-sim" in png.with_suffix(".svg").read_text()
        assert matplotlib.image.imread(png).shape[1] == round(WIDTH_IN * DPI)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # staging folder removed
    if command == "compare":
        table = pd.read_csv(out / "compare.csv")
        assert {"mean_diff", "ci_low", "ci_high", "p_scenario_gt_baseline"} <= set(table.columns)


def test_plot_never_replaces_files_without_force(two_runs, tmp_path, capsys):
    base, _ = two_runs
    argv = ["dist", base, "--outcome", "n_hosted_ca", "--out", tmp_path / "figs"]
    assert cli(plot_main, argv, capsys)[0] == 0
    png = tmp_path / "figs" / "dist_n_hosted_ca.png"
    png.write_bytes(b"mine")
    code, _, err = cli(plot_main, [*argv, "--threshold", "1"], capsys)
    assert code == 2 and "already holds dist_n_hosted_ca.png" in err and err.count("\n") == 1
    assert png.read_bytes() == b"mine"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert cli(plot_main, [*argv, "--force"], capsys)[0] == 0
    assert png.read_bytes() != b"mine"


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_sensitivity_chart_puts_the_largest_effect_on_top(tmp_path, capsys, method):
    """Sobol' bars sorted by ST (not S1), Morris by mu* (not sigma); the CLI writes the chart."""
    params = ["policy.russia_refugee_pressure.level", "scenario.collapse_rate", "model.refugees.displacement_rate"]
    table = pd.DataFrame({"outcome": "n_hosted_ca", "parameter": params, "method": method,
                          "S1": [0.2, 0.1, 0.28], "S1_conf": 0.05, "ST": [0.5, 0.12, 0.3], "ST_conf": 0.05,
                          "mu_star": [3e4, 1e3, 8e3], "mu_star_conf": 500.0, "sigma": [1e3, 5e2, 9e3]})
    fig = figures.sensitivity_figure(table, "Hosted", "people", method, "Source: x")
    bottom_to_top = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert bottom_to_top == [figures.parameter_label(params[i]) for i in (1, 2, 0)]
    widths = sorted(round(b.get_width(), 6) for b in fig.axes[0].patches)
    key = ("ST", "S1") if method == "sobol" else ("mu_star",)
    assert widths == sorted(round(float(v), 6) for k in key for v in table[k])  # one bar per index
    table.to_csv(tmp_path / "sens.csv", index=False)
    code, _, err = cli(plot_main, ["sensitivity", tmp_path / "sens.csv", "--outcome", "n_hosted_ca"], capsys)
    assert code == 0, err
    assert (tmp_path / "plots" / f"sensitivity_{method}_n_hosted_ca.png").is_file()
    code, _, err = cli(plot_main, ["sensitivity", tmp_path / "sens.csv", "--outcome", "nope", "--out",
                                   tmp_path / "x"], capsys)
    assert code == 2 and "valid: n_hosted_ca" in err


def test_map_without_flows_says_so(tmp_path):
    from sim.network import load_network

    fig = figures.map_figure(load_network(), None, "people_moved", "Source: x")
    assert any("no flows" in t.get_text() for t in all_text(fig))


def test_mean_flows_sum_both_directions_and_average_replicates():
    flows = pd.DataFrame({"replicate": [0, 0, 1, 1], "source": ["A", "B", "A", "A"], "target": ["B", "A", "B", ""],
                          "quantity": ["people_moved"] * 3 + ["people_hosted"], "value": [10.0, 4.0, 6.0, 8.0]})
    m = figures.mean_flows(flows, "people_moved")
    assert m.to_dict("records") == [{"a": "A", "b": "B", "value": 10.0}]
    assert figures.mean_flows(flows, "people_hosted").to_dict("records") == [{"source": "A", "value": 4.0}]


def test_collected_sweep_gives_one_group_per_point(tmp_path, capsys):
    folder = tmp_path / "sweep"
    folder.mkdir()
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"point": np.repeat([0, 1, 2], 5),
                          "policy.russia_refugee_pressure.level": np.repeat([0.0, 0.5, 1.0], 5),
                          "replicate": np.tile(np.arange(5), 3), "seed": np.tile(np.arange(5), 3),
                          "n_hosted_ca": rng.normal(5e4, 1e4, 15)})
    table.to_parquet(folder / "outcomes.parquet", index=False)
    (folder / "manifest.json").write_text(json.dumps({"kind": "collected", "experiment": "sweep", "root_seed": 7}))
    runs = load_run(folder)
    assert [r.label for r in runs] == ["level=0", "level=0.5", "level=1"]
    assert all(len(r.outcomes) == 5 and r.outcome_names() == ["n_hosted_ca"] for r in runs)
    code, printed, err = cli(plot_main, ["dist", folder, "--outcome", "n_hosted_ca"], capsys)
    assert code == 0, err
    (svg,) = [Path(p) for p in printed.split() if p.endswith(".svg")]
    texts = set(re.findall(r"<text[^>]*>([^<]*)", svg.read_text()))
    assert {"level=0", "level=0.5", "level=1"} <= texts  # one group per point
    code, _, err = cli(plot_main, ["fan", folder, "--outcome", "n_hosted_ca", "--out", tmp_path / "f"], capsys)
    assert code == 2 and "no time series" in err


# --------------------------------------------------------------------------- memo
def test_memo_has_tables_units_and_links_to_existing_files(two_runs, tmp_path, capsys):
    base, other = two_runs
    out = tmp_path / "memo"
    code, printed, err = cli(memo_main, [base, other, "--out", out], capsys)
    assert code == 0, err
    assert printed.strip() == str(out / "memo.md")
    text = (out / "memo.md").read_text()
    assert "| Outcome | Unit | baseline | reserves_released |" in text
    assert re.search(r"\| Afghans hosted in Central Asia \(end of horizon\) \| people \| \S+ k \[", text)
    assert "| Outcome | Unit | Scenario | Mean difference [90% CI] | P(scenario > baseline) | Pairs |" in text
    assert "| reserves_released | +10 k [+10 k, +10 k] | 1.00 | 20 |" in text
    links = re.findall(r"\]\(([^)]+)\)", text)
    assert {"dist_n_hosted_ca.png", "fan_n_hosted_ca.png", "compare_n_hosted_ca.png", "compare.csv",
            "key_outcomes.csv", "map_network_baseline.png"} <= set(links)
    assert all((out / link).is_file() for link in links)
    # the default key outcomes present in the results, and no others
    dists = {link for link in links if link.startswith("dist_") and link.endswith(".png")}
    assert dists == {"dist_n_hosted_ca.png", "dist_russia_influence_ca.png"}
    figs = re.findall(r"^\*Figure \d+\. (.+)\* \(\[SVG\]", text, flags=re.MULTILINE)
    assert len(figs) == sum(link.endswith(".png") for link in links)


def test_memo_default_folder_refuses_to_overwrite_without_force(two_runs, capsys, monkeypatch):
    monkeypatch.setattr("sim.plots.memo.map_figures", lambda run, out_dir: [])  # maps are tested elsewhere
    base, other = two_runs
    assert cli(memo_main, [base, other, "--outcomes", "n_hosted_ca"], capsys)[0] == 0
    memo = base / "memo" / "memo.md"
    before = memo.read_text()
    code, _, err = cli(memo_main, [base, "--outcomes", "russia_influence_ca"], capsys)
    assert code == 2 and err.count("\n") == 1 and "--force" in err
    assert memo.read_text() == before
    assert cli(memo_main, [base, "--outcomes", "russia_influence_ca", "--force"], capsys)[0] == 0
    assert "Russian influence" in memo.read_text()
    assert (base / "memo" / "dist_n_hosted_ca.png").is_file()  # earlier files are kept


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("case", ["missing", "incomplete", "unknown_outcome", "seeds", "replicates", "series"])
def test_cli_errors_are_one_line_exit_2_and_write_nothing(two_runs, tmp_path, capsys, case):
    base = two_runs[0]
    (tmp_path / "incomplete").mkdir()
    argv = {
        "missing": ["dist", tmp_path / "nope", "--outcome", "n_hosted_ca"],
        "incomplete": ["dist", tmp_path / "incomplete", "--outcome", "n_hosted_ca"],
        "unknown_outcome": ["dist", base, "--outcome", "n_hosted"],
        "seeds": ["compare", base, make_run(tmp_path / "s", root_seed=8), "--outcome", "n_hosted_ca"],
        "replicates": ["compare", base, make_run(tmp_path / "n", n=N - 5), "--outcome", "n_hosted_ca"],
        "series": ["fan", base, "--outcome", "month_russia_recognizes"],
    }[case]
    out = tmp_path / "out"
    code, printed, err = cli(plot_main, [*argv, "--out", out], capsys)
    assert code == 2 and printed == ""
    assert err.startswith("sim-plot: error: ") and err.count("\n") == 1
    expect = {"missing": "not found", "incomplete": "incomplete results folder",
              "unknown_outcome": "valid: n_hosted_ca, russia_influence_ca, month_russia_recognizes",
              "seeds": "root_seed 7", "replicates": "15 replicates", "series": "no series"}[case]
    assert expect in err
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_installed_script_reports_errors_in_one_line(tmp_path):
    r = subprocess.run([SIM_PLOT, "dist", str(tmp_path / "nope"), "--outcome", "x"], capture_output=True, text=True,
                       timeout=60, check=False)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("sim-plot: error: ") and r.stderr.count("\n") == 1


# --------------------------------------------------------------------------- a real run
def test_memo_from_a_tiny_real_run(tmp_path, capsys):
    from sim.compose import compose
    from sim.pipeline import run

    tiny = ["replicates=3", "model.calendar.horizon_months=3", "workers=1", "progress=false"]
    base = run(compose(tiny), tmp_path / "base", experiment="baseline")
    capsys.readouterr()
    code, _, err = cli(memo_main, [base, "--outcomes", "russia_influence_ca,month_russia_recognizes"], capsys)
    assert code == 0, err
    text = (base / "memo" / "memo.md").read_text()
    assert "| Russian influence in Central Asia (end of horizon) | index 0-1 |" in text
    assert "Differences from" not in text  # one folder: nothing to compare
    maps = re.findall(r"\]\((map_[^)]+\.png)\)", text)
    assert (base / "flows.parquet").is_file()  # every run records flows: maps of people and tonnes
    assert maps == ["map_people_moved_baseline.png", "map_opiates_tonnes_baseline.png"]


def test_a_results_folder_draws_the_network_it_ran_on(tmp_path):
    """The map of a run comes from the copies of the network files in its folder, not from the
    files its config named, which may have changed or gone since."""
    from sim.compose import compose
    from sim.network import LINKS_FILE, LOCATIONS_FILE
    from sim.pipeline import run
    from sim.plots import load_run
    from sim.plots.memo import run_network

    import csv

    with LOCATIONS_FILE.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        if r["id"] == "TJK_DUSHANBE":
            r["lat"] = "40.0"  # Dushanbe moved north in this run's network
    mine = tmp_path / "locations.csv"
    with mine.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    links = tmp_path / "links.csv"
    links.write_text(LINKS_FILE.read_text())
    cfg = compose(["replicates=2", "model.calendar.horizon_months=2", "workers=1", "progress=false",
                   f"model.network.locations_file={mine}", f"model.network.links_file={links}"])
    out = run(cfg, tmp_path / "r")
    mine.unlink()  # the run's input is gone: its folder still knows its network
    links.unlink()
    network = run_network(load_run(out)[0])
    assert network.locations["TJK_DUSHANBE"].lat == 40.0
