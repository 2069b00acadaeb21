"""Vectorised pieces of the refugee submodel: network tables, agent arrays, per-agent random numbers.

Random numbers for agents come from a counter-based generator: the uniform of agent
``slot`` on ``day`` for ``purpose`` is a hash of (replicate key, slot, day, purpose).
An agent therefore sees the same draws in every scenario whatever the other agents do,
so two runs with the same seed differ only through the levers (paired comparisons),
and only the agents that need a draw pay for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import networkx as nx
import numpy as np

from sim.network import Network, NetworkDataError

MAX_COUNTRIES = 63  # Groups.refused keeps one bit per country

# Purposes of per-agent draws (one stream each).
U_MOVE, U_ROUTE, U_ADMIT, U_IRREGULAR, U_SCREEN, U_CATCH, U_GIVE_UP, U_ONWARD, U_RETURN, U_MILITANT = range(10)
U_DISPLACE = 10  # per (region, day): "slot" is the region's node index (times 4096, plus a chunk)

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)
_SLOT = np.uint64(0xD1B54A32D192ED03)
_DAY = np.uint64(0x8CB92BA72F3D8DD7)
_PURPOSE = np.uint64(0xAEF17502108EF2D9)
_TO_UNIT = 1.0 / float(1 << 53)


def agent_uniforms(key: int, slots: np.ndarray, day: int, purpose: int) -> np.ndarray:
    """Uniforms in [0, 1), one per slot, fixed by (key, slot, day, purpose): splitmix64 finaliser."""
    offset = np.uint64((key + day * int(_DAY) + purpose * int(_PURPOSE) + int(_GOLD)) % (1 << 64))
    with np.errstate(over="ignore"):
        x = slots.astype(np.uint64) * _SLOT + offset
        x = (x ^ (x >> np.uint64(30))) * _M1
        x = (x ^ (x >> np.uint64(27))) * _M2
        x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) * _TO_UNIT


# Agent status
FREE, AT_NODE, ON_LINK, RETURNED = 0, 1, 2, 3


@dataclass
class RefugeeNet:
    """The network as arrays for movement: padded neighbour lists and FLEE route entries."""

    ids: tuple[str, ...]
    country_codes: tuple[str, ...]     # country index -> ISO3 (AFG first)
    node_country: np.ndarray           # (L,) country index of each node
    node_kind: np.ndarray              # (L,) kind code (see KINDS)
    population: np.ndarray             # (L,) people living there
    nbr: np.ndarray                    # (L, D) neighbour index, -1 padding
    nbr_km: np.ndarray                 # (L, D) link km
    nbr_foot: np.ndarray               # (L, D) True for links walked on foot
    route_origin: np.ndarray           # (E,) route entries: origin node
    route_slot: np.ndarray             # (E,) neighbour slot of the first hop
    route_hops: np.ndarray             # (E, A+1) nodes on the route after the origin (-1 padding)
    route_dest: np.ndarray             # (E,) last node of the route
    route_km: np.ndarray               # (E,) total km
    next_hop_rus: np.ndarray           # (L,) neighbour slot towards Russia's labour market (-1 there)

    @property
    def n_nodes(self) -> int:
        return len(self.ids)


KINDS = ("afghan_region", "border_crossing", "host", "hub", "port", "market")
REFUGEE_MODES = ("road", "rail", "foot")  # sea links carry goods, not refugees


def build_net(network: Network, awareness: int) -> RefugeeNet:
    """Tables for movement over the land links of `network`."""
    ids = tuple(network.locations)
    index = {loc: i for i, loc in enumerate(ids)}
    countries = ["AFG"] + sorted({loc.country for loc in network.locations.values()} - {"AFG"})
    if len(countries) > MAX_COUNTRIES:  # a group's refusals are the bits of one int64
        raise NetworkDataError(f"network: {len(countries)} countries; the refugee submodel takes at most "
                               f"{MAX_COUNTRIES}")
    cidx = {c: i for i, c in enumerate(countries)}
    g = nx.Graph()
    g.add_nodes_from(range(len(ids)))
    for link in network.links:
        if link.mode in REFUGEE_MODES:
            g.add_edge(index[link.from_id], index[link.to_id], km=link.km, foot=link.mode == "foot")
    degree = max(dict(g.degree()).values())
    n = len(ids)
    nbr = np.full((n, degree), -1, dtype=np.int64)
    nbr_km = np.zeros((n, degree))
    nbr_foot = np.zeros((n, degree), dtype=bool)
    for i in range(n):
        for d, j in enumerate(sorted(g.neighbors(i))):
            nbr[i, d], nbr_km[i, d], nbr_foot[i, d] = j, g.edges[i, j]["km"], g.edges[i, j]["foot"]
    origin, slot, hops, dest, km = [], [], [], [], []

    def extend(i: int, d: int, path: list[int], dist: float) -> None:
        origin.append(i), slot.append(d), dest.append(path[-1]), km.append(dist)
        hops.append(path + [-1] * (awareness + 1 - len(path)))
        if len(path) <= awareness:
            for k in g.neighbors(path[-1]):
                if k != i and k not in path:
                    extend(i, d, path + [k], dist + g.edges[path[-1], k]["km"])

    for i in range(n):
        for d in range(degree):
            if nbr[i, d] >= 0:
                extend(i, d, [int(nbr[i, d])], float(nbr_km[i, d]))
    node_country = np.array([cidx[network.locations[x].country] for x in ids])
    # Displaced people abroad do not walk back into Afghanistan: going home is a return
    # (a hazard in the daily pass), not a route. Drop routes from abroad that enter it.
    hop_arr = np.array(hops, dtype=np.int64)
    abroad = node_country[np.array(origin, dtype=np.int64)] != 0
    enters_afg = np.any((hop_arr >= 0) & (node_country[np.where(hop_arr >= 0, hop_arr, 0)] == 0), axis=1)
    keep = ~(abroad & enters_afg)
    origin, slot, dest, km = (np.asarray(x)[keep] for x in (origin, slot, dest, km))
    hops = hop_arr[keep]
    # Migrant workers head for Russia's labour market (its market nodes, else any Russian node).
    russia = [i for i in range(n) if countries[node_country[i]] == "RUS"]
    markets = [i for i in russia if network.locations[ids[i]].kind == "market"] or russia
    next_rus = np.full(n, -1, dtype=np.int64)
    if markets:
        dist = nx.multi_source_dijkstra_path_length(g, markets, weight="km")
        for i in range(n):
            if i in markets or i not in dist:
                continue
            best = min((dist[j] + g.edges[i, j]["km"], j) for j in g.neighbors(i) if j in dist)[1]
            next_rus[i] = int(np.flatnonzero(nbr[i] == best)[0])
    return RefugeeNet(
        ids=ids, country_codes=tuple(countries), node_country=node_country,
        node_kind=np.array([KINDS.index(network.locations[x].kind) for x in ids]),
        population=np.array([network.locations[x].population for x in ids], dtype=float),
        nbr=nbr, nbr_km=nbr_km, nbr_foot=nbr_foot,
        route_origin=np.array(origin, dtype=np.int64), route_slot=np.array(slot, dtype=np.int64),
        route_hops=np.asarray(hops, dtype=np.int64), route_dest=np.array(dest, dtype=np.int64),
        route_km=np.array(km), next_hop_rus=next_rus,
    )


class Groups(NamedTuple):
    """The arrays of :class:`Agents` as one record for the compiled daily pass (slot i in each)."""

    live: np.ndarray       # slots of the live groups (the first Agents.n_live entries)
    status: np.ndarray
    loc: np.ndarray
    nxt: np.ndarray
    remaining: np.ndarray
    speed: np.ndarray
    country: np.ndarray
    size: np.ndarray
    militants: np.ndarray
    onward: np.ndarray
    refused: np.ndarray    # bit c set: country c turned the group back in the last days
    refused_left: np.ndarray  # days at a node the group still avoids those countries


class Agents:
    """Groups of people in growable numpy arrays; slot i is the i-th group displaced.

    ``groups`` holds the arrays as one :class:`Groups` record for the compiled daily pass;
    :meth:`reserve`, the only place that replaces the arrays, rebuilds it.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self.n = 0
        self.status = np.zeros(capacity, dtype=np.int8)
        self.loc = np.zeros(capacity, dtype=np.int64)        # node, or the node a link starts from
        self.nxt = np.full(capacity, -1, dtype=np.int64)     # node a link leads to
        self.remaining = np.zeros(capacity)                  # km left on the link
        self.speed = np.zeros(capacity)                      # km/day on the link
        self.country = np.zeros(capacity, dtype=np.int64)    # country the group is in
        self.size = np.zeros(capacity, dtype=np.int64)       # people in the group
        self.militants = np.zeros(capacity, dtype=np.int64)  # militants among them
        self.onward = np.zeros(capacity, dtype=bool)         # heading to Russia as migrant workers
        self.refused = np.zeros(capacity, dtype=np.int64)  # bit c: country c turned it back
        self.refused_left = np.zeros(capacity, dtype=np.int64)  # days it still avoids them
        # Slots of the groups still at a node or on a link, in increasing order: the daily
        # pass visits only these and drops those that returned (same order, same numbers).
        self.live = np.zeros(capacity, dtype=np.int64)
        self.n_live = 0
        self.groups = self._group()

    def reserve(self, need: int) -> None:
        """Grow the arrays (doubling, new slots zero) so that they hold at least `need` groups."""
        if need > self.status.size:
            grow = max(need, 2 * self.status.size)
            for name in ("status", "loc", "nxt", "remaining", "speed", "country", "size", "militants", "onward",
                         "refused", "refused_left", "live"):
                old = getattr(self, name)
                new = np.zeros(grow, dtype=old.dtype)
                new[: old.size] = old
                setattr(self, name, new)
            self.groups = self._group()

    def _group(self) -> Groups:
        """The arrays as a :class:`Groups` record; rebuilt whenever :meth:`reserve` replaces them."""
        return Groups(self.live, self.status, self.loc, self.nxt, self.remaining, self.speed, self.country,
                      self.size, self.militants, self.onward, self.refused, self.refused_left)

    def add(self, count: int, loc: np.ndarray, size: int, militants: np.ndarray) -> np.ndarray:
        """Append `count` groups at nodes `loc`; return their slots."""
        need = self.n + count
        self.reserve(need)
        slots = np.arange(self.n, need)
        self.status[slots] = AT_NODE
        self.loc[slots] = loc
        self.nxt[slots] = -1
        self.country[slots] = 0
        self.size[slots] = size
        self.militants[slots] = militants
        self.onward[slots] = False
        self.refused[slots] = 0
        self.refused_left[slots] = 0
        self.n = need
        self.mark_live(slots[0] if count else need, need)
        return slots

    def mark_live(self, first: int, end: int) -> None:
        """Add the new slots first..end-1 (just placed at a node) to the live list."""
        k = end - first
        self.live[self.n_live:self.n_live + k] = np.arange(first, end)
        self.n_live += k
