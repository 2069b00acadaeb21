"""Memo scripts in experiments/: they name real experiments and outcomes, and make a memo."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.compose import compose
from sim.pipeline import run
from sim.outcomes import registry
from sim.scorecard import COMPONENTS

ROOT = Path(__file__).resolve().parent.parent
# The robust-decision memo scripts explore policies instead (tests/test_robust.py).
SCRIPTS = sorted(p for p in (ROOT / "experiments").glob("*.py") if not p.name.startswith(("_", "robust_")))
EXPERIMENTS = {p.stem for p in (ROOT / "conf" / "experiment").glob("*.yaml")}


def memo_call(script: Path) -> tuple[list[str], list[str]]:
    """The experiments and outcomes a memo script passes to main(), or names at module level
    as EXPERIMENTS and OUTCOMES."""
    tree = ast.parse(script.read_text())
    named = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
             if isinstance(t, ast.Name)}
    if "EXPERIMENTS" in named and "OUTCOMES" in named:
        return ast.literal_eval(named["EXPERIMENTS"]), ast.literal_eval(named["OUTCOMES"])
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "main" and len(node.args) >= 3:
            return ast.literal_eval(node.args[1]), ast.literal_eval(node.args[2])
    raise AssertionError(f"{script.name} does not call main()")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_memo_scripts_name_real_experiments_and_outcomes(script):
    experiments, outcomes = memo_call(script)
    assert len(experiments) >= 2 and set(experiments) <= EXPERIMENTS  # the first is the reference
    assert set(outcomes) <= set(registry())


def _memo_from_short_runs(script: Path, experiments: list[str], results: Path) -> Path:
    """Run each experiment briefly into `results`, then the memo script on them; its memo folder."""
    for exp in experiments:
        cfg = compose([f"experiment={exp}", "futures=4", "replicates=2", "workers=1", "progress=false",
                       "model.calendar.horizon_months=18"])  # the default: futures drawn from the posterior
        run(cfg, results / exp / "2026-01-01_00-00-00", experiment=exp)
    out = results / "memo"
    done = subprocess.run([sys.executable, str(script), "--results", str(results), "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.slow
def test_a_memo_script_makes_its_memo_from_results(tmp_path):
    script = ROOT / "experiments" / "drugs.py"
    experiments, outcomes = memo_call(script)
    out = _memo_from_short_runs(script, experiments, tmp_path)
    text = (out / "memo.md").read_text()
    assert f"| Outcome | Unit | {' | '.join(experiments)} |" in text  # the first is the reference
    assert f"## Differences from {experiments[0]}" in text
    labels = registry()
    headings = re.findall(r"^### (.+)$", text, flags=re.MULTILINE)
    shown = [labels[o].label for o in outcomes]
    assert [h for h in headings if h in shown] == shown and "Maps" in headings  # the script's outcomes
    assert set(headings) - set(shown) - {"Maps"} == {f"Effects across futures, against {experiments[0]}"}
    missing = subprocess.run([sys.executable, str(ROOT / "experiments" / "security.py"), "--results",
                              str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert missing.returncode != 0 and "russia_domestic_crackdown" in missing.stderr


def test_the_moscow_memo_answers_with_the_scorecard(tmp_path):
    script = ROOT / "experiments" / "moscow.py"
    experiments, _ = memo_call(script)
    assert experiments == ["no_withdrawal", "baseline"]  # the reference is the world without the withdrawal
    out = _memo_from_short_runs(script, experiments, tmp_path)
    text = (out / "memo.md").read_text()
    assert "## Moscow's scorecard: baseline against no_withdrawal" in text
    assert "**Joy now, cost later?** In months 1-12, baseline is" in text and "in months 13-19, it is" in text
    for stem in ("scorecard_cumulative", "scorecard_components"):
        assert (out / f"{stem}.png").stat().st_size > 0 and f"({stem}.png)" in text
    table = pd.read_csv(out / "scorecard.csv")
    assert set(table["series"]) == {"moscow_net_payoff", *(f"moscow_payoff_{c}" for c in COMPONENTS)}
    # The windows add up: first year + the rest = the whole horizon, for every series.
    wide = table.pivot(index="series", columns="window", values="mean_diff")
    assert np.allclose(wide["months 1-12"] + wide["months 13-19"], wide["all months"])
    assert "**Other weights.** Rescored with Moscow's goal weights" in text
    weights = pd.read_csv(out / "scorecard_weights.csv")
    assert len(weights) == 1000 and set(COMPONENTS) < set(weights.columns)


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_every_experiment_says_its_memo_question_and_how_it_uses_levers(name):
    """A lever either forces a decision from its date or sets a parameter of a rule (or the
    experiment uses none): each experiment says which, next to its memo question."""
    text = (ROOT / "conf" / "experiment" / f"{name}.yaml").read_text()
    assert "# Memo question:" in text
    use = re.search(r"^# Lever use: (none|forces|sets a parameter)", text, flags=re.MULTILINE)
    assert use, f"{name}.yaml has no '# Lever use: none|forces|sets a parameter' line"
    cfg = compose([f"experiment={name}"])
    from sim.policy import changed_levers
    forced = [n for n, lever in changed_levers(cfg.policy)]
    assert (use.group(1) == "none") == (not forced and not cfg.policy.recognition.early), (name, forced)
