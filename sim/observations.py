"""What was observed after August 2021: the sourced observation files under ``sim/data/observations/``.

Each file is a tidy CSV, one published figure a row, with what exactly it counts and where it
was published (organisation, document, year, page or table, address) and the verbatim quote
that holds the number; ``sim/data/observations/README.md`` says how each series was compiled
and what could not be found. :func:`load_observations` reads every file of a folder into one
table and refuses a malformed row in one line naming the file, the row and the field.

These are the data a hindcast compares the model with (calibration on the years to the end of
2022, validation on the years after); each series still needs its observation model (what the
model's state would show as that count) before it is compared.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from sim.countries import DEPORTERS, SPILLOVER
from sim.narcotics.routes import ROUTES
from sim.network import DATA_DIR, NetworkDataError, number, read_rows

OBSERVATIONS_DIR = DATA_DIR / "observations"
COLUMNS = ("series", "country", "route", "period_start", "period_end", "value", "unit", "counted", "source_org",
           "document", "year_published", "page_or_table", "url", "quote", "quality")
REQUIRED = ("series", "value", "unit", "counted", "source_org", "quote", "quality")  # never empty
COUNTRIES = ("AFG", *DEPORTERS, *SPILLOVER, "TUR")  # where the series count, besides several or none


class ObservationDataError(NetworkDataError):
    """A missing or malformed observation file; the message names the file, row and field."""


def _date(path: Path, line: int, row: dict[str, str], col: str) -> dt.date:
    text = (row.get(col) or "").strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ObservationDataError(f"{path}, row {line}: {col} = {text!r} is not a date YYYY-MM-DD") from None


def read_observation_file(path: Path) -> pd.DataFrame:
    """One observation file as a table (``period_start``/``period_end`` as dates, ``value`` as a float,
    ``file`` and ``row`` saying where each figure came from)."""
    path = Path(path)
    try:
        rows = read_rows(path, COLUMNS)
    except NetworkDataError as e:
        raise ObservationDataError(str(e)) from None
    out = []
    for line, row in rows:
        for col in REQUIRED:
            if not (row.get(col) or "").strip():
                raise ObservationDataError(f"{path}, row {line}: {col} is empty; every figure needs it")
        if not ((row.get("url") or "").strip() or (row.get("document") or "").strip()):
            raise ObservationDataError(f"{path}, row {line}: url and document are both empty; name where it was "
                                       "published")
        try:
            value = number(path, line, row, "value")
        except NetworkDataError as e:
            raise ObservationDataError(str(e)) from None
        text = row["value"].strip()
        if value < 0 and not ("%" in row["unit"] or "percent" in row["unit"]):  # only a change may fall
            raise ObservationDataError(f"{path}, row {line}: value = {text!r} is negative for a unit of "
                                       f"{row['unit']!r} (only a % change may be)")
        start, end = _date(path, line, row, "period_start"), _date(path, line, row, "period_end")
        if end < start:
            raise ObservationDataError(f"{path}, row {line}: period_end {end} is before period_start {start}")
        country, route = row["country"].strip(), row["route"].strip()
        if country and country not in COUNTRIES:
            raise ObservationDataError(f"{path}, row {line}: country = {country!r} is not one of {', '.join(COUNTRIES)} "
                                       "(empty: several or none)")
        if route and route not in ROUTES:
            raise ObservationDataError(f"{path}, row {line}: route = {route!r} is not one of {', '.join(ROUTES)} "
                                       "(empty: none)")
        out.append({**{c: row[c].strip() for c in COLUMNS}, "value": value, "period_start": start,
                    "period_end": end, "file": path.name, "row": line})
    if not out:
        raise ObservationDataError(f"{path}: no rows")
    return pd.DataFrame(out)


def load_observations(folder: Path | None = None) -> pd.DataFrame:
    """Every ``*.csv`` of `folder` (default :data:`OBSERVATIONS_DIR`) in one table, files in name order."""
    folder = Path(folder) if folder is not None else OBSERVATIONS_DIR
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise ObservationDataError(f"{folder}: no observation files (*.csv)")
    return pd.concat([read_observation_file(p) for p in files], ignore_index=True)


def series(observations: pd.DataFrame, name: str, country: str = "") -> pd.DataFrame:
    """The rows of one series (and country, if given), by period end."""
    rows = observations[(observations["series"] == name)
                        & ((observations["country"] == country) if country else True)]
    if rows.empty:
        known = ", ".join(sorted(observations["series"].unique()))
        raise ObservationDataError(f"no observations of series {name!r}{' for ' + country if country else ''} "
                                   f"(series: {known})")
    return rows.sort_values("period_end")
