"""Phases share only the declared coupling: checked in the source of every phase module.

A phase module (any file under ``sim/<phase>/``) may
- import no other phase package, and ``sim.model`` only for type annotations;
- read of the model only its public interface (:data:`MODEL_API`) and the attributes it sets
  itself (``model.refugees = ...`` in the refugee phase);
- read no other phase's parameters (``cfg.model.<other phase>``);
- write only the coupling fields it is declared to write, and read only those it writes or is
  declared to read (``model.coupling.<field>``, directly or through a local name bound to it).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sim.coupling import Coupling, check_declarations, fields
from sim.phase import ORDER

SIM = Path(__file__).resolve().parent.parent / "sim"
MODEL_API = {"cfg", "day", "date", "calendar", "network", "streams", "coupling", "lever", "lever_starts_today",
             "lever_start_day",
             "running"}
FIELDS = {f.name: f for f in fields()}


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _is_model(node: ast.AST) -> bool:
    """``model`` or ``self.model``."""
    if isinstance(node, ast.Name):
        return node.id == "model"
    return isinstance(node, ast.Attribute) and node.attr == "model" and isinstance(node.value, ast.Name) \
        and node.value.id == "self"


def _type_checking_only(node: ast.AST, parents: dict) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            return True
    return False


def _written(node: ast.Attribute, parents: dict) -> bool:
    """The attribute is assigned, or an item of it is."""
    if isinstance(node.ctx, (ast.Store, ast.Del)):
        return True
    up = parents.get(node)
    return isinstance(up, ast.Subscript) and up.value is node and isinstance(up.ctx, (ast.Store, ast.Del))


def _is_coupling(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "coupling" and _is_model(node.value)


def _function(node: ast.AST, parents: dict) -> ast.AST | None:
    while node in parents:
        node = parents[node]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return node
    return None


def _coupling_aliases(tree: ast.AST, parents: dict) -> dict[ast.AST, set[str]]:
    """Per function, the local names bound to ``model.coupling`` (``c = model.coupling``). A name
    bound to it and to anything else in the same function is an error: the check could not
    tell the two apart."""
    bound: dict[ast.AST, dict[str, set[bool]]] = {}
    for n in ast.walk(tree):
        targets = []
        if isinstance(n, ast.Assign):
            for t in n.targets:
                if isinstance(t, ast.Tuple) and isinstance(n.value, ast.Tuple) and len(t.elts) == len(n.value.elts):
                    targets += [(te, _is_coupling(ve)) for te, ve in zip(t.elts, n.value.elts)]  # a, c = x, model.coupling
                else:
                    targets.append((t, _is_coupling(n.value)))
        elif isinstance(n, (ast.For, ast.comprehension)):
            targets = [(n.target, False)]
        for target, is_c in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name) and isinstance(name.ctx, ast.Store):
                    bound.setdefault(_function(n, parents), {}).setdefault(name.id, set()).add(is_c)
    out: dict[ast.AST, set[str]] = {}
    for fn, names in bound.items():
        for name, kinds in names.items():
            if True in kinds:
                if False in kinds:
                    raise AssertionError(f"line {getattr(fn, 'lineno', '?')}: '{name}' is bound to model.coupling "
                                         "and to something else in the same function; use another name")
                out.setdefault(fn, set()).add(name)
    return out


def coupling_uses(source: str) -> set[tuple[str, str]]:
    """(field, "write" or "read") for every use of ``model.coupling.<field>`` in `source`."""
    tree = ast.parse(source)
    parents = _parents(tree)
    aliases = _coupling_aliases(tree, parents)
    return {(n.attr, "write" if _written(n, parents) else "read") for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and (_is_coupling(n.value) or (
                isinstance(n.value, ast.Name) and n.value.id in aliases.get(_function(n, parents), ())))}


def model_attributes_set(source: str) -> set[str]:
    """The attributes `source` sets on the model (``model.refugees = ...``)."""
    return {n.attr for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Attribute) and _is_model(n.value)
            and isinstance(n.ctx, ast.Store)}


def violations(phase: str, source: str, where: str = "<source>", own: set[str] = frozenset()) -> list[str]:
    """What in `source` (a module of phase `phase`) breaks the rules in this module's docstring;
    `own`: attributes the phase's other modules set on the model."""
    tree = ast.parse(source)
    parents = _parents(tree)
    others = set(ORDER) - {phase}
    out = []
    own = set(own) | model_attributes_set(source)
    aliases = _coupling_aliases(tree, parents)
    for n in ast.walk(tree):
        line = f"{where}:{getattr(n, 'lineno', '?')}"
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in n.names] if isinstance(n, ast.Import) else [n.module or ""]
            if isinstance(n, ast.ImportFrom) and n.module == "sim":
                names = [f"sim.{a.name}" for a in n.names]
            for name in names:
                parts = name.split(".")
                if len(parts) > 1 and parts[0] == "sim" and parts[1] in others:
                    out.append(f"{line}: imports {name}, another phase")
                if name == "sim.model" and not _type_checking_only(n, parents):
                    out.append(f"{line}: imports sim.model outside TYPE_CHECKING")
        if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Attribute) and n.value.attr == "streams" \
                and _is_model(n.value.value) and not (isinstance(n.slice, ast.Constant) and n.slice.value == phase):
            out.append(f"{line}: draws from a random stream other than its own ({ast.unparse(n)})")
        if not isinstance(n, ast.Attribute):
            continue
        if _is_model(n.value) and n.attr not in MODEL_API and n.attr not in own:
            out.append(f"{line}: reads model.{n.attr}, which is neither the model's interface nor set by {phase}")
        if n.attr in others and isinstance(n.value, ast.Attribute) and n.value.attr == "model":
            out.append(f"{line}: reads the parameters of phase {n.attr} (.model.{n.attr})")
        via = n.value
        if _is_coupling(via) or (isinstance(via, ast.Name) and via.id in aliases.get(_function(n, parents), ())):
            f = FIELDS.get(n.attr)
            if f is None:
                out.append(f"{line}: coupling has no field {n.attr}")
            elif _written(n, parents) and f.writer != phase:
                out.append(f"{line}: writes coupling.{n.attr}, which {f.writer} writes")
            elif phase != f.writer and phase not in f.readers:
                out.append(f"{line}: reads coupling.{n.attr}, not declared for {phase}")
    return out


def test_the_coupling_declarations_name_real_phases():
    check_declarations()
    assert set(FIELDS) == set(Coupling.__dataclass_fields__)
    for f in fields():
        assert f.unit and f.doc, f.name


@pytest.mark.parametrize("phase", ORDER)
def test_each_phase_shares_only_the_declared_coupling(phase):
    files = sorted((SIM / phase).glob("*.py"))
    assert files
    own = set().union(*(model_attributes_set(path.read_text()) for path in files))  # the phase sets them
    found = [v for path in files for v in violations(phase, path.read_text(), f"{phase}/{path.name}", own)]
    assert found == []


def test_every_coupling_field_is_written_by_its_writer_and_read_by_a_reader():
    """No field is declared and left unused: its writer assigns it, and some reader reads it."""
    uses = {p: set().union(*(coupling_uses(f.read_text()) for f in (SIM / p).glob("*.py"))) for p in ORDER}
    for f in fields():
        assert (f.name, "write") in uses[f.writer], f"{f.writer} never writes coupling.{f.name}"
        assert any((f.name, "read") in uses[r] for r in f.readers), f"no reader reads coupling.{f.name}"


@pytest.mark.parametrize("source, words", [
    ("from sim.refugees.phase import stocks\n", "imports sim.refugees.phase, another phase"),
    ("from sim import narcotics\n", "imports sim.narcotics, another phase"),
    ("from sim.model import SpilloverModel\n", "imports sim.model outside TYPE_CHECKING"),
    ("def f(model):\n    return model.refugees.infiltrated\n", "reads model.refugees"),
    ("def f(model):\n    return model.cfg.model.refugees.transit_share\n", "parameters of phase refugees"),
    ("def f(model):\n    model.coupling.crisis = 1.0\n", "writes coupling.crisis, which states writes"),
    ("def f(model):\n    c = model.coupling\n    c.admit_share[0] = 1.0\n", "writes coupling.admit_share"),
    ("def f(model):\n    a, c = 1, model.coupling\n    c.crisis = a\n", "writes coupling.crisis"),
    ("def f(model):\n    return model.coupling.onward_to_rus\n", "reads coupling.onward_to_rus, not declared"),
    ("def f(model):\n    return model.coupling.nothing\n", "coupling has no field nothing"),
    ("def f(model):\n    return model.streams['refugees'].random()\n", "a random stream other than its own"),
])
def test_the_source_check_catches_each_kind_of_breach(source, words):
    found = violations("security", source)
    assert any(words in v for v in found), found


def test_the_source_check_allows_what_a_phase_may_do():
    source = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sim.model import SpilloverModel\n"
              "def setup(model):\n    model.security = model.streams['security']\n"
              "def step(model):\n    c = model.coupling\n    x = c.islamic_state + model.coupling.drills\n"
              "    return model.security, model.cfg.model.security, model.lever('russia_crackdown'), x\n")
    assert violations("security", source) == []
