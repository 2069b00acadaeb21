"""Narcotics data files: opium production per Afghan region and the drug markets, each row sourced."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from sim.narcotics.routes import DESTINATION
from sim.network import DATA_DIR, Network, NetworkDataError, number, read_rows

PRODUCTION_FILE = DATA_DIR / "opium_production.csv"
MARKETS_FILE = DATA_DIR / "drug_markets.csv"


@dataclass(frozen=True)
class Region:
    location_id: str
    opium_tonnes: float
    harvest: tuple[int, int]  # first and last month of the harvest


@dataclass(frozen=True)
class Market:
    market_id: str
    location_id: str
    price: float   # USD/kg heroin
    demand: float  # tonnes/year heroin equivalent


def _bounded(path: Path, line: int, row: dict, col: str, lo: float = 0.0, hi: float = math.inf) -> float:
    x = number(path, line, row, col)
    if not lo <= x <= hi:
        raise NetworkDataError(f"{path}, row {line}: {col} = {x:g} is outside [{lo:g}, {hi:g}]")
    return x


def load_production(network: Network, path: Path | None = None) -> list[Region]:
    """The production file (default :data:`PRODUCTION_FILE`, the one sim.manifest records)."""
    path = path or PRODUCTION_FILE
    cols = ("location_id", "opium_tonnes_per_year", "harvest_start_month", "harvest_end_month", "source")
    out = []
    for line, row in read_rows(path, cols):
        loc = row["location_id"]
        if loc not in network.locations or network.locations[loc].kind != "afghan_region":
            raise NetworkDataError(f"{path}, row {line}: {loc!r} is not an Afghan region of the network")
        start, end = (int(_bounded(path, line, row, c, 1, 12)) for c in ("harvest_start_month", "harvest_end_month"))
        out.append(Region(loc, _bounded(path, line, row, "opium_tonnes_per_year"), (start, end)))
    return out


def load_markets(network: Network, path: Path | None = None) -> dict[str, Market]:
    """The drug markets file (default :data:`MARKETS_FILE`, the one sim.manifest records)."""
    path = path or MARKETS_FILE
    cols = ("market_id", "location_id", "heroin_price_usd_per_kg", "demand_tonnes_per_year", "source")
    out = {}
    for line, row in read_rows(path, cols):
        if row["location_id"] not in network.locations:
            raise NetworkDataError(f"{path}, row {line}: unknown location {row['location_id']!r}")
        out[row["market_id"]] = Market(row["market_id"], row["location_id"],
                                       _bounded(path, line, row, "heroin_price_usd_per_kg", 1.0),
                                       _bounded(path, line, row, "demand_tonnes_per_year"))
    for m in set(DESTINATION.values()):
        if m not in out:
            raise NetworkDataError(f"{path}: no row for market {m}")
    return out
