"""The observation files: every shipped figure loads with its source, and a bad row is named in one line."""

from __future__ import annotations

import csv

import pytest

from sim.observations import COLUMNS, OBSERVATIONS_DIR, ObservationDataError, load_observations, series


def test_every_shipped_figure_has_its_source_and_quote():
    obs = load_observations()
    assert set(obs["file"]) == {p.name for p in OBSERVATIONS_DIR.glob("*.csv")}
    assert (obs["quote"].str.len() > 0).all() and (obs["source_org"].str.len() > 0).all()
    assert ((obs["url"].str.len() > 0) | (obs["document"].str.len() > 0)).all()
    assert (OBSERVATIONS_DIR / "README.md").is_file()
    # the series the hindcast starts from are there, with the survey years they need
    years = {d.year for d in series(obs, "opium_production_t")["period_end"]}
    assert {2021, 2022} <= years


def _write(path, **changes):
    row = {c: "" for c in COLUMNS}
    row.update(series="opium_production_t", country="AFG", period_start="2022-01-01", period_end="2022-12-31",
               value="6200", unit="t", counted="opium produced", source_org="UNODC", url="https://example.org",
               quote="6,200 tons in 2022", quality="survey estimate")
    row.update(changes)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        w.writeheader()
        w.writerow(row)


@pytest.mark.parametrize("changes, words", [
    ({"value": "lots"}, "row 2: value = 'lots' is not a number"),
    ({"value": "-3"}, "row 2: value = '-3' is negative"),
    ({"period_end": "2022-13-01"}, "row 2: period_end = '2022-13-01' is not a date"),
    ({"period_end": "2021-01-01"}, "row 2: period_end 2021-01-01 is before period_start"),
    ({"quote": ""}, "row 2: quote is empty"),
    ({"url": ""}, "row 2: url and document are both empty"),
    ({"country": "XYZ"}, "row 2: country = 'XYZ' is not one of"),
    ({"route": "arctic"}, "row 2: route = 'arctic' is not one of"),
    ({"series": "opium_yield"}, "row 2: series = 'opium_yield' is not a known series"),
    ({"unit": "kg"}, "row 2: unit = 'kg' is not a unit of opium_production_t (t)"),
])
def test_a_bad_row_is_named_in_one_line(tmp_path, changes, words):
    _write(tmp_path / "bad.csv", **changes)
    with pytest.raises(ObservationDataError) as e:
        load_observations(tmp_path)
    assert words in str(e.value) and "bad.csv" in str(e.value) and "\n" not in str(e.value)


def test_a_missing_column_an_empty_folder_and_an_unknown_series_are_refused(tmp_path):
    with pytest.raises(ObservationDataError, match="no observation files"):
        load_observations(tmp_path)
    (tmp_path / "x.csv").write_text("series,value\nopium_production_t,1\n", encoding="utf-8")
    with pytest.raises(ObservationDataError, match=r"x.csv: missing column\(s\)"):
        load_observations(tmp_path)
    _write(tmp_path / "x.csv")
    with pytest.raises(ObservationDataError, match="no observations of series 'opium_yield'.*opium_production_t"):
        series(load_observations(tmp_path), "opium_yield")
