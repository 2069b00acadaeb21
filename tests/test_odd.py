"""The ODD's counts and tables are generated from the code, and the committed ODD agrees with it."""

from __future__ import annotations

import pytest

from sim import odd
from sim.config import Config


def test_the_committed_odd_agrees_with_the_code():
    text = odd.ODD_FILE.read_text(encoding="utf-8")
    assert odd.stale_parts(text) == [], "docs/ODD.md is out of date: run sim-odd"
    assert sorted(m.group("name") for m in odd.BLOCK.finditer(text)) == sorted(odd.BLOCKS)


def test_a_changed_default_makes_the_check_fail(monkeypatch, tmp_path, capsys):
    """Change one parameter's default in the schema: the generated parameter table no longer
    matches the file, and sim-odd --check exits 1 naming the part."""
    text = odd.ODD_FILE.read_text(encoding="utf-8")

    def changed() -> Config:
        cfg = Config()
        cfg.model.narcotics.transit_sales_share = 0.05
        return cfg

    monkeypatch.setattr(odd, "_config", changed)
    assert "parameters" in odd.stale_parts(text)
    copy = tmp_path / "ODD.md"
    copy.write_text(text)
    with pytest.raises(SystemExit) as e:
        odd.main(["--check", str(copy)])
    assert e.value.code == 1 and "parameters" in capsys.readouterr().err
    odd.main([str(copy)])  # rebuilt: now it agrees, and only generated parts changed
    assert odd.stale_parts(copy.read_text()) == []
    assert "| `model.narcotics.transit_sales_share` | 0.05 |" in copy.read_text()


def test_an_unknown_part_is_an_error(tmp_path):
    bad = tmp_path / "ODD.md"
    bad.write_text("<!-- generated: nonsense -->\n<!-- end generated -->\n")
    with pytest.raises(SystemExit) as e:
        odd.main([str(bad)])
    assert e.value.code == 2
