"""Robust decisions: regret, satisficing and dominance on a toy with a known answer; PRIM finds a
known box; the XLRM frame; sim-explore on the model (paired, resumable) and its bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import discover, robust
from sim.explore import ExploreError, Exploration, Policy, explore, parse_lever, policies_from, read_exploration
from sim.xlrm import MEASURES, STAKEHOLDERS, check_measures, frame_text, levers

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
# A toy: two uncertainties a, b (and two that do not matter); the outcome is a declared measure for
# Moscow (less is better). Policy A is 0.1 except inside the box a > 0.6 and b < 0.3 where it
# fails (0.9); B is 0.3 everywhere; C 0.5 everywhere.
MEASURE = "p_major_attack_rus"


def toy(n_futures: int = 400, replicates: int = 2, seed: int = 1) -> Exploration:
    rng = np.random.default_rng(seed)
    futures = pd.DataFrame({"future": range(n_futures), "a": rng.random(n_futures), "b": rng.random(n_futures),
                            "noise1": rng.random(n_futures), "noise2": rng.random(n_futures)})
    inside = ((futures["a"] > 0.6) & (futures["b"] < 0.3)).to_numpy()
    rows = []
    for policy, value in (("A", np.where(inside, 0.9, 0.1)), ("B", np.full(n_futures, 0.3)),
                          ("C", np.full(n_futures, 0.5))):
        for f in range(n_futures):
            for r in range(replicates):
                rows.append({"policy": policy, "future": f, "replicate": r, "seed": 1000 * f + r, MEASURE: value[f]})
    record = {"futures": n_futures, "replicates": replicates, "uncertainty": "ranges", "root_seed": 0}
    return Exploration(Path("toy"), record, pd.DataFrame(rows), futures, pd.DataFrame({"policy": ["A", "B", "C"]}))


def test_regret_satisficing_and_dominance_rank_the_toy_policies_as_known():
    ex = toy()
    r = robust.analyse(ex, ["Moscow"], [MEASURE], f"{MEASURE} <= 0.5")
    rob = r.robustness.set_index("policy")
    share_inside = ((ex.futures["a"] > 0.6) & (ex.futures["b"] < 0.3)).mean()
    assert rob.loc["A", "mean"] == pytest.approx(0.1 + 0.8 * share_inside)
    # A fails in about 12% of futures: its 90th-percentile regret is that failure, 0.9 - 0.3.
    assert rob.loc["A", "regret_max"] == pytest.approx(0.6)
    assert rob.loc["A", "regret_p90"] == pytest.approx(0.6)
    assert rob.loc["B", "regret_p90"] == pytest.approx(0.2)
    assert rob.loc["C", "regret_p90"] == pytest.approx(0.4)
    assert rob.loc["A", "best_share"] == pytest.approx(1 - share_inside)
    rank = r.ranking.set_index("policy")
    assert rank.loc["B", "rank"] == 1 and rank.loc["C", "rank"] == 2 and rank.loc["A", "rank"] == 3
    assert rank.loc["C", "dominated"] and set(rank.loc["C", "dominated_by"].split()) == {"A", "B"}
    assert not rank.loc["A", "dominated"] and rank.loc["B", "dominated_by"] == "A"  # A: best in expectation
    sat = r.satisficing.set_index("policy")["all"]
    assert sat["A"] == pytest.approx(1 - share_inside) and sat["B"] == 1.0 and sat["C"] == 1.0


def test_prim_finds_the_box_where_the_toy_policy_fails():
    ex = toy(n_futures=1000)
    # The default choice (largest coverage at density 0.8 or more) may take in some futures outside it.
    loose = discover.discover(ex, "A", f"{MEASURE} > 0.5").box
    assert loose.limits.loc["a", "min"] <= 0.61 and loose.limits.loc["b", "max"] >= 0.29
    assert loose.trajectory.iloc[loose.chosen]["density"] >= 0.8
    d = discover.discover(ex, "A", f"{MEASURE} > 0.5", density=0.95)
    limits = d.box.limits
    assert set(limits.index) == {"a", "b"}
    assert limits.loc["a", "min"] == pytest.approx(0.6, abs=0.03)
    assert limits.loc["b", "max"] == pytest.approx(0.3, abs=0.03)
    chosen = d.box.trajectory.iloc[d.box.chosen]
    assert chosen["density"] >= 0.8 and chosen["coverage"] >= 0.9
    assert (limits["qp values"] < 0.01).all()
    assert set(d.scores.index[:2]) == {"a", "b"}
    assert "at least" in d.words[0] or "at least" in d.words[1]
    # Backfiring relative to another policy: A worse than B exactly in the box.
    d2 = discover.discover(ex, "A", f"diff({MEASURE}) > 0", against="B")
    assert d2.n_interest == d.n_interest
    # Regret for Moscow above 0.5: the same box.
    d3 = discover.discover(ex, "A", f"regret({MEASURE}) > 0.5", stakeholder="Moscow")
    assert d3.n_interest == d.n_interest


@pytest.mark.parametrize("kwargs, message", [
    ({"condition": f"{MEASURE} > 5"}, "holds in no future"),
    ({"condition": f"{MEASURE} > -1"}, "holds in every future"),
    ({"condition": "nonsense_outcome > 1"}, "unknown outcome nonsense_outcome"),
    ({"condition": f"{MEASURE} >> 1"}, "expected OUTCOME"),
    ({"condition": f"diff({MEASURE}) > 0"}, "give --against"),
    ({"condition": f"regret({MEASURE}) > 0"}, "give --for"),
    ({"condition": f"{MEASURE} > 0.5", "policy": "Z"}, "--policy Z: not a policy"),
])
def test_discover_refuses_bad_conditions_in_one_line(kwargs, message):
    ex = toy(n_futures=50)
    args = {"policy": "A", **kwargs}
    with pytest.raises(ExploreError, match=message.replace("(", r"\(")) as e:
        discover.discover(ex, args["policy"], args["condition"])
    assert "\n" not in str(e.value)


def test_robustness_refuses_unpaired_policies_and_bad_thresholds():
    ex = toy(n_futures=30)
    unpaired = ex._replace(outcomes=ex.outcomes.drop(index=ex.outcomes.index[-1]))
    with pytest.raises(ExploreError, match="not run against the same futures"):
        robust.analyse(unpaired)
    with pytest.raises(ExploreError, match="unknown outcome nope"):
        robust.analyse(ex, thresholds="nope <= 1")
    with pytest.raises(ExploreError, match="unknown stakeholder"):
        robust.analyse(ex, ["Mars"])
    with pytest.raises(ExploreError, match="not a declared measure"):
        robust.analyse(ex, names=["cum_displaced"])


def test_the_xlrm_frame_declares_measures_with_sourced_signs_and_lists_every_lever():
    check_measures()
    article = " ".join((ROOT / "sim" / "data" / "source_article.txt").read_text(encoding="utf-8").split())
    from sim.provenance import quote_of

    for m in MEASURES:
        quote = quote_of(m.why)
        assert quote is None or quote in article, m.outcome
        assert quote is not None or m.why.startswith("assumption") or "scorecard" in m.why
        assert set(m.stakes) <= set(STAKEHOLDERS) and m.short
    keys = [lv.key for lv in levers()]
    assert "policy.western_screening.usd_m_per_year" in keys and "policy.russia_refugee_pressure.level" in keys
    text = frame_text()
    assert text.splitlines()[0].startswith("X ") and "\nL " in text and "\nR " in text and "\nM " in text


def test_policies_from_a_grid_a_sample_and_bad_levers():
    grid = policies_from(["baseline"], ["policy.russia_refugee_pressure.level=0,1",
                                        "policy.western_hosting.usd_m_per_year=0,100,200"], 0, "baseline")
    assert len(grid) == 1 + 6 and grid[1].overrides[0] == "experiment=baseline"
    sample = policies_from([], ["policy.russia_refugee_pressure.level=0:1"], 5, "baseline")
    values = [float(p.overrides[1].split("=")[1]) for p in sample]
    assert len(values) == 5 and all(0 <= v <= 1 for v in values) and len(set(values)) == 5
    with pytest.raises(ExploreError, match=r"outside the lever's range \[0, 1\]"):
        parse_lever("policy.russia_refugee_pressure.level=0,2")
    with pytest.raises(ExploreError, match="not a lever setting"):
        parse_lever("model.refugees.displacement_rate=1")
    with pytest.raises(ExploreError, match="at least two policies"):
        policies_from(["baseline"], [], 0, "baseline")
    with pytest.raises(ExploreError, match="give --sample"):
        policies_from([], ["policy.russia_refugee_pressure.level=0:1"], 0, "baseline")


SMALL = ["uncertainty=ranges", "futures=3", "replicates=1", "model.calendar.horizon_months=3", "workers=1",
         "progress=false"]


def test_explore_runs_paired_policies_and_resumes_an_interrupted_exploration(tmp_path, monkeypatch):
    policies = [Policy("calm", ("experiment=baseline", "policy.russia_refugee_pressure.level=0")),
                Policy("press", ("experiment=baseline", "policy.russia_refugee_pressure.level=1"))]
    whole = explore(policies, SMALL, tmp_path / "whole", quiet=True)
    ex = read_exploration(whole)
    assert list(ex.outcomes.columns[:4]) == ["policy", "future", "replicate", "seed"]
    a, b = (g.reset_index(drop=True) for _, g in ex.outcomes.groupby("policy", sort=False))
    assert a[["future", "replicate", "seed"]].equals(b[["future", "replicate", "seed"]])  # paired
    assert (b["decision_russia_refugee_pressure"] > a["decision_russia_refugee_pressure"]).all()
    assert json.loads((whole / "explore.json").read_text())["runs"] == 6
    # Killed while the second policy runs: the same call keeps the first and ends identical.
    import sim.pipeline

    real = sim.pipeline.run
    calls = []

    def dies_on_second(*args, **kw):
        calls.append(args[1])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kw)

    monkeypatch.setattr(sim.pipeline, "run", dies_on_second)
    with pytest.raises(KeyboardInterrupt):
        explore(policies, SMALL, tmp_path / "cut", quiet=True)
    assert not (tmp_path / "cut" / "explore.json").exists()
    with pytest.raises(ExploreError, match="unfinished exploration"):
        read_exploration(tmp_path / "cut")
    first = (tmp_path / "cut" / "policies" / "calm" / "manifest.json").stat().st_mtime_ns
    monkeypatch.setattr(sim.pipeline, "run", real)
    with pytest.raises(ExploreError, match="interrupted exploration of other policies"):
        explore(policies[::-1], SMALL, tmp_path / "cut", quiet=True)
    explore(policies, SMALL, tmp_path / "cut", quiet=True)
    assert (tmp_path / "cut" / "policies" / "calm" / "manifest.json").stat().st_mtime_ns == first
    pd.testing.assert_frame_equal(read_exploration(tmp_path / "cut").outcomes, ex.outcomes)
    with pytest.raises(ExploreError, match="already holds results"):
        explore(policies, SMALL, tmp_path / "cut", quiet=True)


def test_explore_refuses_a_policy_that_changes_the_futures(tmp_path):
    policies = [Policy("baseline", ("experiment=baseline",)), Policy("collapse", ("experiment=deep_collapse",))]
    with pytest.raises(ExploreError, match="does not run in the same futures"):
        explore(policies, [*SMALL, "model.calendar.horizon_months=24"], tmp_path / "x", quiet=True)
    assert not (tmp_path / "x").exists()


def _cli(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / name), *args], capture_output=True, text=True, timeout=300)


def test_the_commands_end_bad_input_with_one_line_and_write_nothing(tmp_path):
    (tmp_path / "empty").mkdir()
    for cmd, args, message in [
        ("sim-robust", [str(tmp_path / "empty")], "no exploration"),
        ("sim-discover", [str(tmp_path / "empty"), "--policy", "a", "--condition", "x > 1"], "no exploration"),
        ("sim-explore", ["--out", str(tmp_path / "new"), "--lever", "policy.russia_refugee_pressure.level=0,7"],
         "outside the lever's range"),
        ("sim-explore", ["--out", str(tmp_path / "new"), "--experiments", "baseline", "western_hosting",
                         "futures=0"], "futures"),
    ]:
        p = _cli(cmd, *args)
        assert p.returncode == 2, (cmd, p.stderr)
        assert p.stderr.count("\n") == 1 and message in p.stderr, (cmd, p.stderr)
    assert not (tmp_path / "new").exists()
    assert list((tmp_path / "empty").iterdir()) == []
    p = _cli("sim-explore", "--list")
    assert p.returncode == 0 and "policy.western_hosting.usd_m_per_year" in p.stdout


@pytest.mark.slow
def test_explore_robust_and_discover_commands_on_the_model(tmp_path):
    out = tmp_path / "ex"
    p = _cli("sim-explore", "--out", str(out), "--quiet", "--lever", "policy.russia_refugee_pressure.level=0,1",
             "uncertainty=ranges", "futures=24", "replicates=1", "model.calendar.horizon_months=6", "progress=false")
    assert p.returncode == 0, p.stderr
    p = _cli("sim-robust", str(out), "--satisfice", "n_hosted_ca >= 1000")
    assert p.returncode == 0, p.stderr
    assert {"robust.md", "robustness.csv", "ranking.csv", "satisficing.csv", "tradeoffs_moscow.png",
            "regret_moscow.svg"} <= {f.name for f in (out / "robust").iterdir()}
    p = _cli("sim-discover", str(out), "--policy", "p1", "--against", "p0", "--condition",
             "diff(n_hosted_ca) < 0", "--name", "pressure")
    if p.returncode == 2:  # every future (or none) meets it: said in one line
        assert "PRIM has nothing to find" in p.stderr
    else:
        assert p.returncode == 0, p.stderr
        assert {"discover.md", "box.csv", "prim_trajectory.png", "prim_box.png", "feature_scores.png",
                "cart.txt"} <= {f.name for f in (out / "discover" / "pressure").iterdir()}


@pytest.mark.slow
@pytest.mark.parametrize("script", ["robust_borders.py", "robust_security.py"])
def test_the_robust_memo_scripts_write_their_memos(tmp_path, script):
    p = subprocess.run([sys.executable, str(ROOT / "experiments" / script), "--run", "--smoke", "--results",
                        str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    memo = next(tmp_path.glob("memos/*/memo.md")).read_text()
    assert "## The frame (XLRM)" in memo and "## Robustness" in memo and "## What the futures say" in memo
    assert (next(tmp_path.glob("memos/*")) / "robust" / "tradeoffs_moscow.png").is_file()
