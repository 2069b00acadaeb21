"""Trafficking routes: the paths of each route over the links tagged with it, cut into weekly
stretches exposed to the countries they cross."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx

from sim.countries import SPILLOVER
from sim.network import Network, NetworkDataError

if TYPE_CHECKING:
    from sim.narcotics.data import Market

ROUTES = ("northern", "balkan", "southern")
DESTINATION = {"northern": "RUSSIA", "balkan": "WESTERN_EUROPE", "southern": "WESTERN_EUROPE"}
SEIZING = ("AFG", "IRN", "PAK", "TJK", "UZB", "TKM", "KGZ", "KAZ", "RUS", "TUR", "WEU")
NORTHERN_STATES = SPILLOVER  # interdiction on the northern route: Central Asia and Russia


@dataclass(frozen=True)
class Route:
    """One path of a trafficking route: from an Afghan region out through one border crossing
    to the route's market."""

    name: str  # "<route>:<nodes between the Afghan region and the market>"
    route: str  # northern, balkan or southern
    crossing: str
    nodes: tuple[str, ...]
    km: float
    # Per week-long stretch: the share of its km in each country it crosses (each link
    # counts half to the country of either end).
    exposure: tuple[dict[str, float], ...]

    @property
    def position_country(self) -> tuple[str, ...]:
        """The country holding most of each week-long stretch (where transit markets buy)."""
        return tuple(max(shares, key=shares.get) for shares in self.exposure)


def _exposure(g: nx.Graph, network: Network, nodes: tuple[str, ...], dist: float,
              km_per_week: float) -> tuple[dict[str, float], ...]:
    """Per week-long stretch of a path, the share of its km in each country."""
    pieces, done = [], 0.0  # half-links as (start km, end km, country) along the path
    for a, b in zip(nodes, nodes[1:]):
        half = g.edges[a, b]["km"] / 2
        pieces += [(done, done + half, network.locations[a].country),
                   (done + half, done + 2 * half, network.locations[b].country)]
        done += 2 * half
    out = []
    for k in range(max(1, math.ceil(dist / km_per_week))):
        lo, hi = k * km_per_week, min(dist, (k + 1) * km_per_week)
        km: dict[str, float] = {}
        for start, end, country in pieces:
            overlap = min(end, hi) - max(start, lo)
            if overlap > 0:
                km[country] = km.get(country, 0.0) + overlap
        if not km:  # a zero-length path: its one stretch is the market's country
            km = {network.locations[nodes[-1]].country: 1.0}
        total = sum(km.values())
        out.append({c: v / total for c, v in km.items()})
    return tuple(out)


def build_routes(network: Network, markets: dict[str, Market], km_per_week: float,
                 max_detour: float = 1.5) -> dict[str, Route]:
    """The paths of each route over the links tagged with it. A path leaves Afghanistan by a
    border crossing next to an Afghan region (staying inside Afghanistan before it, and out of
    it after) and runs to the route's market. For every crossing, each set of countries the
    route can cross beyond it gives one path, the shortest; paths longer than `max_detour`
    times the route's shortest are left out. Each path is cut into week-long stretches,
    exposed to the countries they cross in proportion to km."""
    out = {}
    for r in ROUTES:
        g = nx.Graph()
        for link in network.links:
            if r in link.routes:
                g.add_edge(link.from_id, link.to_id, km=link.km)
        target = markets[DESTINATION[r]].location_id
        inside = {x for x in g if network.locations[x].country == "AFG"}
        origins = [x for x in inside if network.locations[x].kind == "afghan_region"]
        crossings = sorted(x for x in g if x not in inside and network.locations[x].kind == "border_crossing"
                           and any(n in inside for n in g[x]))
        outside = g.subgraph(set(g) - inside)
        legs = {}  # crossing -> (km, nodes) of the shortest way to it from an Afghan region
        for x in crossings:
            try:
                legs[x] = nx.multi_source_dijkstra(g.subgraph(inside | {x}), origins, target=x, weight="km")
            except (nx.NetworkXNoPath, nx.NodeNotFound):
                continue
        found: dict[tuple[str, frozenset], tuple[float, tuple[str, ...]]] = {}
        for x, (d1, p1) in legs.items():
            if target not in outside or x not in outside or not nx.has_path(outside, x, target):
                continue
            for p2 in itertools.islice(nx.shortest_simple_paths(outside, x, target, weight="km"), 50):
                km = d1 + nx.path_weight(outside, p2, weight="km")
                key = (x, frozenset(network.locations[n].country for n in p2))
                if key not in found:  # simple paths come shortest first
                    found[key] = (km, tuple(p1) + tuple(p2[1:]))
        if not found:
            raise NetworkDataError(f"links file: no {r} route from an Afghan region through a border crossing "
                                   f"to {target}")
        shortest = min(km for km, _ in found.values())
        for (x, _), (dist, nodes) in sorted(found.items(), key=lambda item: (item[1][0], item[1][1])):
            if dist <= max_detour * shortest * (1 + 1e-12):
                if unknown := {network.locations[n].country for n in nodes} - set(SEIZING):
                    raise NetworkDataError(f"locations file: the {r} route crosses {sorted(unknown)}, not among "
                                           f"the seizing states {SEIZING}")
                name = f"{r}:{'-'.join(nodes[1:-1])}"
                out[name] = Route(name, r, x, nodes, float(dist), _exposure(g, network, nodes, dist, km_per_week))
    return out


_ROUTES_CACHE: dict[tuple, tuple[Network, dict[str, Route]]] = {}


def cached_routes(network: Network, markets: dict[str, Market], km_per_week: float,
                  max_detour: float) -> dict[str, Route]:
    """build_routes, computed once per network and settings rather than per replicate (it
    takes several ms; Routes are immutable). The cache holds the network, so its id is not
    reused while the entry lives, and keeps the last few entries."""
    key = (id(network), km_per_week, max_detour, tuple((k, m.location_id) for k, m in markets.items()))
    hit = _ROUTES_CACHE.get(key)
    if hit is None:
        if len(_ROUTES_CACHE) >= 8:
            _ROUTES_CACHE.clear()
        hit = _ROUTES_CACHE[key] = (network, build_routes(network, markets, km_per_week, max_detour))
    return hit[1]
