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
from functools import lru_cache
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
# Every series the observation files may hold, with the units it is published in: a row of another
# series or unit is refused (a new series is added here, and to the README of the data).
SERIES: dict[str, tuple[str, ...]] = {
    'afghans_acc_holders': ('persons',),
    'afghans_headcount_registered': ('persons',),
    'afghans_other_status': ('persons',),
    'afghans_passport_holders': ('persons',),
    'afghans_total_estimate': ('persons',),
    'afghans_undocumented_estimate': ('persons',),
    'asylum_applications': ('persons',),
    'asylum_seekers': ('persons',),
    'asylum_seekers_registered_gov': ('persons',),
    'change_caricc_drug_seizures_pct': ('percent',),
    'change_global_heroin_opium_seizures_pct': ('percent',),
    'deportations_from': ('persons',),
    'labour_entries_russia': ('entries', 'persons'),
    'labour_entries_russia_change_yoy': ('persons (change vs 2021)',),
    'migration_registrations_russia': ('registrations',),
    'new_arrivals_approached_unhcr': ('persons',),
    'new_arrivals_gov_estimate': ('persons',),
    'opiate_stock_t': ('t',),
    'opium_cultivation_ha': ('ha',),
    'opium_farmgate_income_usd': ('USD',),
    'opium_price_farmgate_usd_per_kg': ('USD/kg',),
    'opium_price_usd_per_kg': ('USD/kg',),
    'opium_production_t': ('t',),
    'opium_production_t_usgov': ('t',),
    'opium_yield_kg_per_ha': ('kg/ha',),
    'outflows_flow_monitoring': ('persons',),
    'refugee_status_granted_cumulative': ('persons',),
    'refugee_status_holders': ('persons',),
    'refugees_and_asylum_seekers_all_origins': ('persons',),
    'refugees_registered': ('persons',),
    'refugees_registered_umrf': ('persons',),
    'remittances_pct_gdp': ('percent of GDP',),
    'returns_flow_monitoring': ('persons',),
    'returns_from': ('persons',),
    'returns_ifrp_assisted_iom': ('persons',),
    'returns_ifrp_cumulative': ('persons',),
    'returns_ifrp_cumulative_reported': ('persons',),
    'returns_ifrp_gov_count': ('persons',),
    'returns_undocumented_from': ('persons',),
    'returns_unhcr_assisted_volrep': ('persons',),
    'seizures_all_drugs_kg': ('kg',),
    'seizures_all_drugs_t': ('t',),
    'seizures_heroin_kg': ('kg',),
    'seizures_morphine_kg': ('kg',),
    'seizures_opium_kg': ('kg',),
    'share_global_heroin_morphine_seizures_pct': ('percent',),
    'share_global_heroin_seizures_pct': ('percent',),
    'share_global_morphine_seizures_pct': ('percent',),
    'share_global_opiate_seizures_pct': ('percent',),
    'share_global_opium_seizures_pct': ('percent',),
    'temporary_asylum_applications': ('persons',),
    'temporary_asylum_holders': ('persons',),
}


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
        name, unit = row["series"].strip(), row["unit"].strip()
        if name not in SERIES:
            raise ObservationDataError(f"{path}, row {line}: series = {name!r} is not a known series (SERIES in "
                                       "sim/observations.py lists them)")
        if unit not in SERIES[name]:
            raise ObservationDataError(f"{path}, row {line}: unit = {unit!r} is not a unit of {name} "
                                       f"({', '.join(SERIES[name])})")
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


@lru_cache(maxsize=1)
def _shipped() -> pd.DataFrame:
    return load_observations()


def shipped_observations() -> pd.DataFrame:
    """The shipped observations, read once per process (a copy: the caller may change it)."""
    return _shipped().copy()


def series(observations: pd.DataFrame, name: str, country: str = "") -> pd.DataFrame:
    """The rows of one series (and country, if given), by period end."""
    rows = observations[(observations["series"] == name)
                        & ((observations["country"] == country) if country else True)]
    if rows.empty:
        known = ", ".join(sorted(observations["series"].unique()))
        raise ObservationDataError(f"no observations of series {name!r}{' for ' + country if country else ''} "
                                   f"(series: {known})")
    return rows.sort_values("period_end")
