"""What reads configs and results loads no model: the schema, sim-params, sim-design,
sim-sensitivity and sim-plot run without numba or mesa, and each submodel's parameters module
imports on its own."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

HEAVY = ("numba", "mesa")


def loaded_after(code: str) -> set[str]:
    """The heavy modules loaded in a fresh interpreter after running `code`."""
    probe = textwrap.dedent(f"""
        import sys
        try:
            {textwrap.indent(textwrap.dedent(code), '    ').strip()}
        except SystemExit as e:
            assert not e.code, e.code
        print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))
    """)
    p = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return set(eval(p.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", ["sim.config", "sim.states.params", "sim.refugees.params", "sim.narcotics.params",
                                    "sim.security.params", "sim.outcomes", "sim.coupling", "sim.sensitivity"])
def test_importing_the_schema_and_parameters_loads_no_model(module):
    assert loaded_after(f"import {module}") == set()


def test_sim_params_runs_without_the_model():
    assert loaded_after("from sim.paramtable import main; main(['--format', 'csv', 'experiment=baseline'])") == set()


def test_sim_design_runs_without_the_model(tmp_path):
    out = tmp_path / "d.csv"
    assert loaded_after(f"from sim.design import main; main(['--method', 'lhs', '-n', '3', '--group', 'scenario', "
                        f"'--out', {str(out)!r}])") == set()
    assert out.is_file()


def test_sim_plot_draws_from_results_without_the_model(tmp_path):
    from sim.compose import compose
    from sim.pipeline import run

    folder = run(compose(["replicates=2", "model.calendar.horizon_months=2", "workers=1", "progress=false"]),
                 tmp_path / "r")
    assert loaded_after(f"from sim.plots.cli import plot_main; plot_main(['dist', {str(folder)!r}, '--outcome', "
                        f"'russia_influence_ca'])") == set()
    assert loaded_after(f"from sim.plots.cli import plot_main; plot_main(['map', {str(folder)!r}])") == set()
    assert (folder / "plots").is_dir()


def test_the_probe_sees_the_model_when_it_is_loaded():
    """The check above can fail: importing the model loads both."""
    assert loaded_after("import sim.model") == set(HEAVY)
