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


def test_the_numba_cache_key_covers_every_kernel_file_and_what_it_compiles_in():
    """sim.jit names the cache after a hash of KERNEL_FILES: every file that defines a kernel
    (imports njit from sim.jit), and every package module such a file imports, must be in it,
    or a changed helper would leave stale compiled code in use."""
    from sim.jit import KERNEL_FILES

    need = set()
    for path in SIM.rglob("*.py"):
        tree = ast.parse(path.read_text())
        imports = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("sim")]
        if any(n.module == "sim.jit" and any(a.name == "njit" for a in n.names) for n in imports):
            need.add(path.relative_to(SIM).as_posix())
            need |= {n.module.removeprefix("sim.").replace(".", "/") + ".py" for n in imports}
    assert need - set(KERNEL_FILES) == set()
