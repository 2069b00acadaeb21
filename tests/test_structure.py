"""The package stays readable: no file over 500 lines, no function over 100."""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parent.parent / "sim"
MAX_FILE, MAX_FUNCTION = 500, 100


def test_no_file_under_sim_is_over_500_lines():
    long = {str(p.relative_to(SIM)): n for p in SIM.rglob("*.py") if (n := len(p.read_text().splitlines())) > MAX_FILE}
    assert long == {}


def test_no_function_is_over_100_lines():
    long = {}
    for path in SIM.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION:
                    long[f"{path.relative_to(SIM)}:{node.name}"] = n
    assert long == {}
