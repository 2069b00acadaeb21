"""The regional network as data: locations and links, loaded from CSV and validated.

Each row of both files carries a ``source`` column. Any problem (missing file or
column, unknown location in a link, non-positive distance, unknown kind or mode) raises
:class:`NetworkDataError` with one line naming the file and the row.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

DATA_DIR = Path(__file__).parent / "data"
LOCATIONS_FILE = DATA_DIR / "locations.csv"
LINKS_FILE = DATA_DIR / "links.csv"

LOCATION_COLUMNS = ("id", "name", "country", "kind", "lat", "lon", "population", "source")
LINK_COLUMNS = ("from_id", "to_id", "km", "mode", "route", "source")
LOCATION_KINDS = ("afghan_region", "border_crossing", "host", "hub", "port", "market")
LINK_MODES = ("road", "rail", "sea", "foot")
# Values of the links file's route column: a trafficking route, or none (sim.narcotics.routes.ROUTES are the routes).
ROUTE_TAGS = ("northern", "balkan", "southern", "none")


class NetworkDataError(ValueError):
    """A missing or malformed network data file; the message names file and row."""


@dataclass(frozen=True)
class Location:
    id: str
    name: str
    country: str
    kind: str
    lat: float
    lon: float
    population: int
    source: str


@dataclass(frozen=True)
class Link:
    from_id: str
    to_id: str
    km: float
    mode: str
    routes: tuple[str, ...]
    source: str


@dataclass(frozen=True, repr=False)
class Network:
    locations: dict[str, Location]
    links: tuple[Link, ...]

    def __repr__(self) -> str:  # short, so test reports and logs stay readable
        return f"Network({len(self.locations)} locations, {len(self.links)} links)"

    def _repr_pretty_(self, p, cycle) -> None:  # IPython's and hypothesis's pretty printers
        p.text(repr(self))

    def graph(self) -> nx.Graph:
        """Undirected graph with node attributes and edge km/mode/routes, for routing and maps."""
        g = nx.Graph()
        for loc in self.locations.values():
            g.add_node(loc.id, **loc.__dict__)
        for link in self.links:
            g.add_edge(link.from_id, link.to_id, km=link.km, mode=link.mode, routes=link.routes)
        return g

    def of_kind(self, kind: str) -> list[Location]:
        return [loc for loc in self.locations.values() if loc.kind == kind]


def read_rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise NetworkDataError(f"{path}: file not found")
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in columns if c not in header]
            if missing:
                raise NetworkDataError(f"{path}: missing column(s) {missing}; expected {list(columns)}")
            rows = [(reader.line_num, row) for row in reader]
    except (UnicodeDecodeError, csv.Error) as e:
        raise NetworkDataError(f"{path}: not a readable CSV file ({e})") from None
    if not rows:
        raise NetworkDataError(f"{path}: no rows")
    return rows


def number(path: Path, line: int, row: dict[str, str], col: str) -> float:
    text = (row.get(col) or "").strip()
    try:
        x = float(text)
    except ValueError:
        raise NetworkDataError(f"{path}, row {line}: {col} = {text!r} is not a number") from None
    if not math.isfinite(x):
        raise NetworkDataError(f"{path}, row {line}: {col} = {text!r} is not a finite number")
    return x


def _require_text(path: Path, line: int, row: dict[str, str], col: str) -> str:
    text = (row.get(col) or "").strip()
    if not text:
        raise NetworkDataError(f"{path}, row {line}: {col} is empty")
    return text


def load_locations(path: Path = LOCATIONS_FILE) -> dict[str, Location]:
    path = Path(path)
    out: dict[str, Location] = {}
    for line, row in read_rows(path, LOCATION_COLUMNS):
        loc_id = _require_text(path, line, row, "id")
        if loc_id in out:
            raise NetworkDataError(f"{path}, row {line}: duplicate id {loc_id!r}")
        kind = _require_text(path, line, row, "kind")
        if kind not in LOCATION_KINDS:
            raise NetworkDataError(f"{path}, row {line}: kind {kind!r} is not one of {list(LOCATION_KINDS)}")
        lat, lon = number(path, line, row, "lat"), number(path, line, row, "lon")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise NetworkDataError(f"{path}, row {line}: lat/lon ({lat}, {lon}) outside [-90, 90] x [-180, 180]")
        pop = number(path, line, row, "population")
        if pop < 0:
            raise NetworkDataError(f"{path}, row {line}: population = {pop:g} must be >= 0")
        out[loc_id] = Location(loc_id, _require_text(path, line, row, "name"),
                               _require_text(path, line, row, "country"), kind, lat, lon, int(pop),
                               _require_text(path, line, row, "source"))
    return out


def load_links(path: Path, locations: dict[str, Location]) -> tuple[Link, ...]:
    path = Path(path)
    out: list[Link] = []
    seen: set[frozenset[str]] = set()
    for line, row in read_rows(path, LINK_COLUMNS):
        a, b = _require_text(path, line, row, "from_id"), _require_text(path, line, row, "to_id")
        for end in (a, b):
            if end not in locations:
                raise NetworkDataError(f"{path}, row {line}: unknown location {end!r} (not in the locations file)")
        if a == b:
            raise NetworkDataError(f"{path}, row {line}: link from {a!r} to itself")
        pair = frozenset((a, b))
        if pair in seen:
            raise NetworkDataError(f"{path}, row {line}: duplicate link {a} - {b}")
        seen.add(pair)
        km = number(path, line, row, "km")
        if km <= 0:
            raise NetworkDataError(f"{path}, row {line}: km = {km:g} must be > 0")
        mode = _require_text(path, line, row, "mode")
        if mode not in LINK_MODES:
            raise NetworkDataError(f"{path}, row {line}: mode {mode!r} is not one of {list(LINK_MODES)}")
        routes = tuple(r.strip() for r in _require_text(path, line, row, "route").split(";"))
        bad = [r for r in routes if r not in ROUTE_TAGS]
        if bad:
            raise NetworkDataError(f"{path}, row {line}: route {bad} not in {list(ROUTE_TAGS)}")
        out.append(Link(a, b, km, mode, tuple(r for r in routes if r != "none"),
                        _require_text(path, line, row, "source")))
    return tuple(out)


def load_network(locations_file: str | Path | None = None, links_file: str | Path | None = None) -> Network:
    """Load and validate the network; None means the files shipped with the package."""
    locations = load_locations(Path(locations_file) if locations_file else LOCATIONS_FILE)
    links = load_links(Path(links_file) if links_file else LINKS_FILE, locations)
    net = Network(locations, links)
    g = net.graph()
    if not nx.is_connected(g):
        parts = sorted((sorted(c) for c in nx.connected_components(g)), key=len)
        raise NetworkDataError(f"{locations_file or LOCATIONS_FILE} + {links_file or LINKS_FILE}: "
                               f"network is not connected; unreachable group: {parts[0][:5]}")
    return net
