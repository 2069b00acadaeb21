"""``sim-odd``: the parts of ``docs/ODD.md`` that repeat the code are generated from it.

Each generated part sits between ``<!-- generated: NAME -->`` and ``<!-- end generated -->``
and is rebuilt by the function of that name in :data:`BLOCKS`: parameter counts, the scenario
and lever tables, the coupling between phases, the shipped network, the Central Asian states,
the trafficking paths, the experiments, the outcomes and the full parameter table.
``sim-odd`` rewrites the file; ``sim-odd --check`` exits 1 naming the parts that disagree with
the code (a test runs it), so the description cannot drift from the model. The prose around
the parts is written by hand and names parameters rather than repeating their values.
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Callable, Sequence

from sim.provenance import ASSUMPTION, CALIBRATED_PREFIX, RUN_SETTING, fmt_interval, iter_params, quote_of

ODD_FILE = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"
BLOCK = re.compile(r"(<!-- generated: (?P<name>[a-z_]+) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.S)
SECTIONS = ("model", "scenario", "policy")


# --------------------------------------------------------------------------- helpers
def _config():
    """The default config, whose values the parts show."""
    from sim.config import Config

    return Config()


def _params():
    cfg = _config()
    return [p for s in SECTIONS for p in iter_params(getattr(cfg, s), prefix=f"{s}.")]


def kind(source: str) -> str:
    """The ODD's letter for a source: A article, E external, C calibrated, As assumption, R run setting."""
    if source == ASSUMPTION:
        return "As"
    if source == RUN_SETTING:
        return "R"
    if quote_of(source) is not None:
        return "A"
    if source.startswith(CALIBRATED_PREFIX):
        return "C"
    return "E"


def _value(v) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(map(str, v)) + "]" if v else "[]"
    return str(getattr(v, "value", v))


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def cell(x) -> str:
        return str(x).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]) + "\n"


# --------------------------------------------------------------------------- blocks
def counts() -> str:
    params = _params()
    settings = [p for p in params if p.source == RUN_SETTING]
    by = Counter(kind(p.source) for p in params if p.source != RUN_SETTING)
    ranged = sum(1 for p in params if p.range is not None)
    return (f"`sim-params` lists {len(params) - len(settings)} parameters and {len(settings)} run settings "
            f"({', '.join(f'`{p.name}`' for p in settings)}), each with value, unit and source; {ranged} "
            f"parameters declare a range for sweeps. By source: {by['A']} article quotes (A), {by['E']} external "
            f"sources (E), {by['C']} calibrated values (C) and {by['As']} assumptions (As). Appendix D lists them "
            "all.\n")


def scenario() -> str:
    from sim.scenario import ScenarioConfig

    rows = [(f"`{p.name}`", _value(p.value), fmt_interval(p.range), p.unit, p.doc, f"{kind(p.source)}: {p.source}")
            for p in iter_params(ScenarioConfig(), prefix="scenario.")]
    return _table(("Key", "Default", "Range", "Unit", "Meaning", "Source"), rows)


def levers() -> str:
    import dataclasses

    from sim.policy import STATUS_QUO, iter_levers

    rows = []
    for name, lever in iter_levers(STATUS_QUO):
        for f in dataclasses.fields(lever):
            if f.name == "start":
                continue
            meta = f.metadata
            rows.append((f"`policy.{name}.{f.name}`", meta.get("unit", ""), _value(getattr(lever, f.name)),
                         fmt_interval(meta.get("range")), meta.get("doc", "")))
    rows.append(("`policy.closures`", "list of {location, start, end}", "[]", "any location id",
                 "locations closed to refugees from start to end"))
    return _table(("Lever", "Unit", "Status quo", "Range", "What it sets"), rows)


def coupling() -> str:
    from sim.coupling import fields

    rows = [(f"`{f.name}`", f.writer, ", ".join(f.readers), f.unit, f.doc) for f in fields()]
    return _table(("Field of `model.coupling`", "Written by", "Read by", "Unit", "What it is"), rows)


def network() -> str:
    from sim.network import LOCATION_KINDS, load_network

    net = load_network()
    by_mode = Counter(link.mode for link in net.links)
    rows = [(k, len(locs), ", ".join(loc.name for loc in locs))
            for k in LOCATION_KINDS if (locs := net.of_kind(k))]
    modes = ", ".join(f"{n} {m}" for m, n in sorted(by_mode.items()))
    return (f"The shipped network has {len(net.locations)} locations and {len(net.links)} links ({modes}).\n\n"
            + _table(("Kind", "Number", "Locations"), rows))


def ca_states() -> str:
    from sim.countries import CENTRAL_ASIA

    states = _config().model.states
    codes = [c.lower() for c in CENTRAL_ASIA]
    fields = ("csto_member", "borders_afghanistan", "russian_troops", "dependence", "alignment_2015",
              "alignment_2021", "remittances_gdp", "us_exercise_rate", "recognition_rate")
    rows = []
    for name in fields:
        cells = []
        for code in codes:
            p = next(q for q in iter_params(getattr(states, code)) if q.name == name)
            cells.append(f"{_value(p.value)} ({kind(p.source)})")
        unit = next(q for q in iter_params(getattr(states, codes[0])) if q.name == name).unit
        rows.append((f"`{name}` ({unit})", *cells))
    return _table(("`model.states.<code>.`", *CENTRAL_ASIA), rows)


def paths() -> str:
    from sim.narcotics.data import load_markets
    from sim.narcotics.routes import cached_routes
    from sim.network import load_network

    p = _config().model.narcotics
    net = load_network()
    routes = cached_routes(net, load_markets(net), p.speed_km_per_week, p.max_detour)
    rows = []
    for r in routes.values():
        countries = list(dict.fromkeys(net.locations[n].country for n in r.nodes[1:]))
        rows.append((r.route, net.locations[r.crossing].name, f"{r.km:,.0f}", len(r.exposure),
                     " → ".join(countries)))
    return (f"With the shipped data there are {len(routes)} paths (`max_detour` = {p.max_detour:g}, "
            f"`speed_km_per_week` = {p.speed_km_per_week:g}):\n\n"
            + _table(("Route", "Border crossing", "km", "Weekly stretches", "Countries after Afghanistan"), rows))


def _memo_question(path: Path) -> str:
    lines = [ln[1:].strip() for ln in path.read_text().splitlines() if ln.startswith("#") and "@package" not in ln]
    text = " ".join(lines)
    return text.split("Memo question:", 1)[1].strip() if "Memo question:" in text else text


def _changes(cfg) -> str:
    import dataclasses

    from sim.config import Config
    from sim.policy import STATUS_QUO, changed_levers

    out = [f"scenario.{f.name} = {_value(getattr(cfg.scenario, f.name))}" for f in dataclasses.fields(cfg.scenario)
           if getattr(cfg.scenario, f.name) != getattr(Config().scenario, f.name)]
    for name, lever in changed_levers(cfg.policy):
        base = getattr(STATUS_QUO, name).setting()
        when = f" from {lever.start}" if lever.start else ""
        out += [f"{name}.{k} = {_value(v)}{when}" for k, v in lever.setting().items() if v != base[k]]
    out += [f"closure of {c.location} from {c.start} to {c.end}" for c in cfg.policy.closures]
    return "; ".join(out) or "none (the status quo)"


@functools.lru_cache(maxsize=1)  # composing every experiment takes seconds; conf/ does not change under a process
def experiments() -> str:
    from sim.compose import CONF_DIR, compose_all

    paths = sorted((CONF_DIR / "experiment").glob("*.yaml"))
    rows = [(f"`{path.stem}`", _changes(cfg), _memo_question(path))
            for path, cfg in zip(paths, compose_all([f"experiment={p.stem}"] for p in paths))]
    return _table(("Experiment", "Changes from the baseline scenario and status quo", "Memo question"), rows)


def outcomes() -> str:
    from sim.outcomes import registry

    reg = registry()
    rows = [(f"`{o.name}`", o.unit, o.reduce if o.series else "event (NaN if it never happens)", o.label)
            for o in reg.values()]
    return f"There are {len(reg)} outcomes.\n\n" + _table(("Outcome", "Unit", "Reduction", "Label"), rows)


def parameters() -> str:
    rows = [(f"`{p.name}`", _value(p.value), p.unit, fmt_interval(p.range), kind(p.source), p.source)
            for p in _params()]
    return _table(("Parameter", "Default", "Unit", "Range", "Kind", "Source"), rows)


BLOCKS: dict[str, Callable[[], str]] = {f.__name__: f for f in (
    counts, scenario, levers, coupling, network, ca_states, paths, experiments, outcomes, parameters)}


# --------------------------------------------------------------------------- the file
def render(text: str) -> str:
    """`text` with every generated part rebuilt from the code (ValueError on an unknown part)."""
    def rebuild(m: re.Match) -> str:
        name = m.group("name")
        if name not in BLOCKS:
            raise ValueError(f"ODD part '{name}' is not generated by sim-odd (known: {', '.join(BLOCKS)})")
        return m.group(1) + BLOCKS[name]() + m.group(4)
    return BLOCK.sub(rebuild, text)


def stale_parts(text: str) -> list[str]:
    """Names of the generated parts of `text` that differ from the code, are missing, are
    repeated, or are not generated by sim-odd at all."""
    found = [(m.group("name"), m.group("body")) for m in BLOCK.finditer(text)]
    names = [n for n, _ in found]
    missing = [n for n in BLOCKS if n not in names]
    odd = sorted({n for n in names if n not in BLOCKS or names.count(n) > 1})
    return missing + odd + [n for n, body in found if n in BLOCKS and n not in odd and BLOCKS[n]() != body]


def main(argv: Sequence[str] | None = None) -> None:
    """``sim-odd [--check] [FILE]``: rebuild the generated parts of the ODD from the code."""
    from sim.errors import fail
    from sim.store import atomic_file

    ap = argparse.ArgumentParser(prog="sim-odd", description=main.__doc__)
    ap.add_argument("file", nargs="?", type=Path, default=ODD_FILE)
    ap.add_argument("--check", action="store_true", help="exit 1 if a generated part differs from the code")
    args = ap.parse_args(argv)
    if not args.file.is_file():
        fail("sim-odd", f"{args.file}: file not found")
    text = args.file.read_text(encoding="utf-8")
    if args.check:
        stale = stale_parts(text)
        if stale:
            print(f"sim-odd: {args.file} disagrees with the code in: {', '.join(stale)}; run sim-odd to rebuild",
                  file=sys.stderr)
            sys.exit(1)
        print(f"{args.file}: every generated part agrees with the code")
        return
    try:
        new = render(text)
    except ValueError as e:
        fail("sim-odd", str(e))
    with atomic_file(args.file) as fh:
        fh.write(new)
    print(f"{args.file}: {len(BLOCK.findall(new))} generated part(s) rebuilt")
