"""Parameter provenance: units, sources, article quotes, ranges, and the sim-params table."""

from __future__ import annotations

import csv
import dataclasses
import io
import re

import pytest

from sim.paramtable import PARAM_COLUMNS, format_params, param_rows
from sim.paramtable import main as params_cli
from sim.config import Config
from sim.provenance import (ARTICLE_FILE, ASSUMPTION, RUN_SETTING, article, calibrated, external, fmt_interval, iter_params, param,
                            quote_of)

SECTIONS = ("model", "scenario", "policy")
EXTERNAL = re.compile(r"^external: .*\(\d{4}\)")
CALIBRATED = re.compile(r"^calibrated: sim-calibrate .+ \(\d{4}-\d{2}-\d{2}\)$")


def _params(cfg: Config | None = None):
    cfg = cfg or Config()
    return [p for s in SECTIONS for p in iter_params(getattr(cfg, s), prefix=f"{s}.")]


PARAMS = _params()


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text)


ARTICLE = _collapse(ARTICLE_FILE.read_text(encoding="utf-8"))


def _in_article(quote: str) -> bool:
    return _collapse(quote) in ARTICLE


def _source_kind(source: str) -> str | None:
    if source == ASSUMPTION:
        return "assumption"
    if source == RUN_SETTING:
        return "run setting"
    if EXTERNAL.match(source):
        return "external"
    if quote_of(source) is not None:
        return "article"
    if CALIBRATED.match(source):
        return "calibrated"
    return None


# ----------------------------------------------------------------------------- sources
def test_the_config_declares_parameters_in_every_section():
    names = [p.name for p in PARAMS]
    assert len(names) == len(set(names))
    for s in SECTIONS:
        assert any(n.startswith(f"{s}.") for n in names), f"no parameters in {s}"
    assert "policy.russia_refugee_pressure.level" in names
    assert "model.states.tjk.russian_troops" in names


def _plain_numbers(obj, prefix: str):
    """Numeric fields declared without param(): they would escape the provenance checks."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            yield from _plain_numbers(value, f"{prefix}{f.name}.")
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and "unit" not in f.metadata:
            yield f"{prefix}{f.name}"


def test_every_numeric_field_is_a_declared_parameter():
    cfg = Config()
    assert [n for s in SECTIONS for n in _plain_numbers(getattr(cfg, s), f"{s}.")] == []


def test_every_parameter_has_a_unit():
    assert [p.name for p in PARAMS if not (isinstance(p.unit, str) and p.unit.strip())] == []


def test_every_source_is_an_assumption_an_external_with_year_or_an_article_quote():
    bad = [f"{p.name}: {p.source!r}" for p in PARAMS if _source_kind(p.source) is None]
    assert bad == [], "parameters with an unrecognised source:\n" + "\n".join(bad)
    kinds = {_source_kind(p.source) for p in PARAMS}
    assert kinds == {"assumption", "external", "article", "calibrated", "run setting"}


@pytest.mark.parametrize("source, kind", [
    (ASSUMPTION, "assumption"),
    (external("World Bank WDI", 2020), "external"),
    (article("some words"), "article"),
    (calibrated("sim-calibrate narcotics", "2026-11-24"), "calibrated"),
    ("calibrated: by hand", None),
    ("external: no year", None),
    ("external: a year not in brackets 2020", None),
    ("external: short year (20)", None),
    ("World Bank (2020)", None),
    ("Assumption", None),
    ('article: "unterminated', None),
    ("", None),
])
def test_source_classifier_tells_good_from_bad(source, kind):
    assert _source_kind(source) == kind


def test_every_article_quote_is_verbatim_in_the_article():
    quoted = [(p.name, quote_of(p.source)) for p in PARAMS if quote_of(p.source) is not None]
    assert quoted, "no parameter quotes the article"
    missing = [f"{name}: {q!r}" for name, q in quoted if not _in_article(q)]
    assert missing == [], (f"{len(missing)} article quote(s) not found verbatim in {ARTICLE_FILE.name}:\n"
                           + "\n".join(missing))


def test_quote_check_only_collapses_whitespace():
    q = quote_of(dict((p.name, p.source) for p in PARAMS)["model.states.tjk.russian_troops"])
    assert _in_article(q)
    assert _in_article(q.replace(" ", " \n  "))  # line breaks and runs of spaces are one space
    assert not _in_article(q.upper())
    assert not _in_article(q.replace("7,000", "7000"))
    assert not _in_article(q + " and this sentence is not in the article")


# ----------------------------------------------------------------------------- ranges
# That every range lies inside its bounds and holds its default, and every default lies
# inside its bounds, param() enforces when the config is imported: see test_param_refuses_*.
def test_most_parameters_declare_an_uncertainty_range():
    assert sum(p.range is not None for p in PARAMS) > len(PARAMS) // 2


# ----------------------------------------------------------------------------- param()
def test_param_carries_its_metadata():
    f = param(0.5, unit="share", source=ASSUMPTION, bounds=(0.0, 1.0), range=(0.2, 0.8), doc="d")
    assert isinstance(f, dataclasses.Field) and f.default == 0.5
    assert dict(f.metadata) == {"unit": "share", "source": ASSUMPTION, "bounds": (0.0, 1.0),
                                "range": (0.2, 0.8), "doc": "d", "dist": None}


@pytest.mark.parametrize("default", [0.2, 0.8])
def test_param_accepts_a_default_on_the_edge_of_its_range(default):
    assert param(default, unit="share", source=ASSUMPTION, bounds=(0, 1), range=(0.2, 0.8)).default == default


@pytest.mark.parametrize("default", [0.1, 0.9, -1.0])
def test_param_refuses_a_default_outside_its_range(default):
    with pytest.raises(ValueError, match="outside its range"):
        param(default, unit="share", source=ASSUMPTION, range=(0.2, 0.8))


@pytest.mark.parametrize("rng", [(-0.1, 0.5), (0.5, 1.1), (-1.0, 2.0), (0.8, 0.2)])
def test_param_refuses_a_range_outside_its_bounds(rng):
    with pytest.raises(ValueError, match="outside bounds"):
        param(0.5, unit="share", source=ASSUMPTION, bounds=(0.0, 1.0), range=rng)


@pytest.mark.parametrize("default", [-0.1, 1.1])
def test_param_refuses_a_default_outside_its_bounds(default):
    with pytest.raises(ValueError, match=r"default .* outside its bounds \(0.0, 1.0\)"):
        param(default, unit="share", source=ASSUMPTION, bounds=(0.0, 1.0))


def test_param_refuses_bounds_that_run_from_high_to_low():
    with pytest.raises(ValueError, match="high to low"):
        param(0.5, unit="share", source=ASSUMPTION, bounds=(1.0, 0.0))


def test_param_refuses_an_uncertainty_range_on_a_run_setting():
    with pytest.raises(ValueError, match="run setting has no uncertainty range"):
        param(60, unit="months", source=RUN_SETTING, bounds=(1, 240), range=(12, 120))


def test_param_refuses_an_empty_source():
    with pytest.raises(ValueError, match="source"):
        param(0.5, unit="share", source="", range=(0.0, 1.0))


# ----------------------------------------------------------------------------- the table
@pytest.fixture(scope="module")
def rows():
    return param_rows(Config())


def test_param_rows_has_one_row_per_parameter(rows):
    assert len(rows) == len(PARAMS)
    assert [r["name"] for r in rows] == [p.name for p in PARAMS]
    assert all(list(r) == list(PARAM_COLUMNS) == ["name", "value", "unit", "source", "range", "dist"] for r in rows)
    for r, p in zip(rows, PARAMS):
        assert (r["unit"], r["source"], r["range"]) == (p.unit, p.source, fmt_interval(p.range)), p.name
    by_name = {r["name"]: r for r in rows}
    assert by_name["model.states.tjk.russian_troops"]["value"] == "7000"
    assert by_name["model.states.tjk.russian_troops"]["range"] == "[6000, 7500]"
    assert by_name["policy.russia_refugee_pressure.level"]["value"] == "None"
    assert by_name["model.calendar.horizon_months"]["range"] == ""


def test_csv_table_parses_back_to_the_same_rows(rows):
    text = format_params(rows, "csv")
    back = list(csv.DictReader(io.StringIO(text)))
    assert len(back) == len(rows)
    assert back == rows


def test_markdown_table_has_a_header_and_one_line_per_row(rows):
    lines = format_params(rows, "md").splitlines()
    assert lines[0].startswith("| name | value | unit | source | range | dist |")
    assert re.fullmatch(r"\|(---\|){6}", lines[1])
    body = lines[2:]
    assert len(body) == len(rows)
    for line, r in zip(body, rows):
        assert line.startswith(f"| {r['name']} | {r['value']} |")


def test_markdown_escapes_pipes_in_cells():
    row = {"name": "x", "value": "1", "unit": "a|b", "source": ASSUMPTION, "range": "", "dist": ""}
    line = format_params([row], "md").splitlines()[2]
    assert "a\\|b" in line and len(re.findall(r"(?<!\\)\|", line)) == 7


def test_text_table_has_a_header_and_one_line_per_row(rows):
    lines = format_params(rows, "text").splitlines()
    assert lines[0].split() == ["name", "value", "unit", "range", "dist", "source"]
    assert len(lines) == 1 + len(rows)
    for line, r in zip(lines[1:], rows):
        assert line.startswith(r["name"] + " ") and line.endswith(r["source"])


# ----------------------------------------------------------------------------- sim-params
def test_params_cli_prints_the_csv_table(capsys, rows):
    params_cli(["--format", "csv"])
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines()[0] == ",".join(PARAM_COLUMNS)
    assert list(csv.DictReader(io.StringIO(out))) == rows  # the baseline experiment changes no parameter


def _md_cells(out: str, name: str) -> list[str]:
    hits = [line for line in out.splitlines() if line.startswith(f"| {name} |")]
    assert len(hits) == 1, f"{name} appears {len(hits)} times"
    return [c.strip() for c in hits[0].strip("|").split(" | ")]


def test_params_cli_applies_an_experiment(capsys):
    params_cli(["--format", "md"])
    assert _md_cells(capsys.readouterr().out, "policy.reserves_release.share")[1] == "None"  # the West decides
    params_cli(["--format", "md", "experiment=reserves_released"])
    out = capsys.readouterr().out
    assert out.startswith("| name | value | unit | source | range |")
    assert _md_cells(out, "policy.reserves_release.share")[1] == "1"


def test_params_cli_rejects_an_out_of_range_value_with_one_line(capsys):
    with pytest.raises(SystemExit) as info:
        params_cli(["policy.russia_refugee_pressure.level=2"])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "policy.russia_refugee_pressure.level" in lines[0] and "[0, 1]" in lines[0]
