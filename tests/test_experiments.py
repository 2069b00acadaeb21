"""Memo scripts in experiments/: they name real experiments and outcomes, and make a memo."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim.compose import compose
from sim.pipeline import run
from sim.outcomes import registry

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted(p for p in (ROOT / "experiments").glob("*.py") if not p.name.startswith("_"))
EXPERIMENTS = {p.stem for p in (ROOT / "conf" / "experiment").glob("*.yaml")}


def memo_call(script: Path) -> tuple[list[str], list[str]]:
    """The experiments and outcomes a memo script passes to main()."""
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "main":
            return ast.literal_eval(node.args[1]), ast.literal_eval(node.args[2])
    raise AssertionError(f"{script.name} does not call main()")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_memo_scripts_name_real_experiments_and_outcomes(script):
    experiments, outcomes = memo_call(script)
    assert len(experiments) >= 2 and set(experiments) <= EXPERIMENTS  # the first is the reference
    assert set(outcomes) <= set(registry())


@pytest.mark.slow
def test_a_memo_script_makes_its_memo_from_results(tmp_path):
    script = ROOT / "experiments" / "drugs.py"
    experiments, outcomes = memo_call(script)
    for exp in experiments:
        cfg = compose([f"experiment={exp}", "replicates=3", "workers=1", "progress=false",
                       "model.calendar.horizon_months=18"])
        run(cfg, tmp_path / exp / "2026-01-01_00-00-00", experiment=exp)
    out = tmp_path / "memo"
    done = subprocess.run([sys.executable, str(script), "--results", str(tmp_path), "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    text = (out / "memo.md").read_text()
    assert f"| Outcome | Unit | {' | '.join(experiments)} |" in text  # the first is the reference
    assert f"## Differences from {experiments[0]}" in text
    labels = registry()
    headings = re.findall(r"^### (.+)$", text, flags=re.MULTILINE)
    assert headings == [labels[o].label for o in outcomes] + ["Maps"]  # the script's outcomes, no others
    missing = subprocess.run([sys.executable, str(ROOT / "experiments" / "security.py"), "--results",
                              str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert missing.returncode != 0 and "russia_domestic_crackdown" in missing.stderr
