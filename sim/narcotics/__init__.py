"""Narcotics routes: production, adaptive trafficking organisations, interdiction and markets.

After NarcoLogic (Magliocca et al., PNAS 2019): organisations learn where their shipments
are seized and shift routes; states learn where seizures happen and move effort there.
Masses are heroin-equivalent tonnes. The phase acts weekly, in this order:
1. harvest: Afghan regions produce in their harvest months (less under an opium ban);
   the Taliban tax the farm-gate value; production goes into the traders' stock;
2. export: a share of the stock is shipped; each organisation splits its part across
   the paths it uses by expected margin (destination price x (1 - perceived loss) - cost).
   Each route (northern, Balkan, southern) has several paths, one per Afghan border
   crossing and set of countries beyond it (see build_routes), and a route weighs as much
   as its average path, so a route with more paths gets no more trade for that alone (a
   nested logit);
3. transit: along each route, states seize a share of what passes (effort x allocation x
   lever), transit markets buy a share, and what reaches the end is sold at the destination;
4. learning: organisations update perceived loss per path, drop paths past their
   tolerance and now and then try a dropped one; states move effort towards paths where
   they seize and scale it towards a target seizure share;
5. markets: prices move with supply against demand (Russian demand shrinking as users
   turn to krokodil).

Mass is conserved: produced = stock + in transit + seized + consumed.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import mesa
import networkx as nx
import numpy as np
from numba import njit

from sim.network import DATA_DIR, Network, NetworkDataError, number, read_rows
from sim.outcomes import Outcome

if TYPE_CHECKING:
    from sim.model import SpilloverModel

ROUTES = ("northern", "balkan", "southern")
DESTINATION = {"northern": "RUSSIA", "balkan": "WESTERN_EUROPE", "southern": "WESTERN_EUROPE"}
SEIZING = ("AFG", "IRN", "PAK", "TJK", "UZB", "TKM", "KGZ", "KAZ", "RUS", "TUR", "WEU")
CENTRAL_ASIA = ("TJK", "UZB", "TKM", "KGZ", "KAZ")
NORTHERN_STATES = (*CENTRAL_ASIA, "RUS")  # interdiction on the northern route
WEEK = 7

OUTCOMES = (
    *(Outcome(f"cum_opiates_tonnes_{r}", "tonnes", f"Opiates shipped on the {r} route (total, heroin eq.)")
      for r in ROUTES),
    Outcome("cum_seized_tonnes", "tonnes", "Opiates seized on the Afghan routes (total, heroin eq.)"),
    *(Outcome(f"cum_seized_tonnes_{c.lower()}", "tonnes", f"Opiates seized by {c} (total, heroin eq.)")
      for c in SEIZING),
    *(Outcome(f"cum_seized_tonnes_{r}", "tonnes", f"Opiates seized on the {r} route (total, heroin eq.)")
      for r in ROUTES),
    Outcome("northern_route_seizure_share", "share", "Northern route's share of global heroin and morphine "
            "seizures (over the horizon)"),
    Outcome("northern_route_shipment_share", "share", "Northern route's share of Afghan opiate exports "
            "(over the horizon)"),
    Outcome("afghan_opium_share_global", "share", "Afghanistan's share of global opium production "
            "(over the horizon)"),
    Outcome("cum_supply_rus_tonnes", "tonnes", "Opiates reaching the Russian market (total, heroin eq.)"),
    Outcome("cum_supply_eur_tonnes", "tonnes", "Opiates reaching Western Europe (total, heroin eq.)"),
    Outcome("taliban_drug_revenue_usd", "USD", "Taliban tax on opium (total)"),
    Outcome("n_stock_tonnes", "tonnes", "Opiate stock held in Afghanistan (end of horizon)"),
    Outcome("new_production_tonnes", "tonnes/month", "Afghan opiate production per month (mean over horizon)",
            reduce="mean"),
    Outcome("price_heroin_rus_usd_kg", "USD/kg", "Wholesale heroin price in Russia (end of horizon)"),
    Outcome("price_heroin_eur_usd_kg", "USD/kg", "Wholesale heroin price in Western Europe (end of horizon)"),
)


# --------------------------------------------------------------------------- data
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


def load_production(network: Network, path: Path = DATA_DIR / "opium_production.csv") -> list[Region]:
    cols = ("location_id", "opium_tonnes_per_year", "harvest_start_month", "harvest_end_month", "source")
    out = []
    for line, row in read_rows(path, cols):
        loc = row["location_id"]
        if loc not in network.locations or network.locations[loc].kind != "afghan_region":
            raise NetworkDataError(f"{path}, row {line}: {loc!r} is not an Afghan region of the network")
        start, end = (int(_bounded(path, line, row, c, 1, 12)) for c in ("harvest_start_month", "harvest_end_month"))
        out.append(Region(loc, _bounded(path, line, row, "opium_tonnes_per_year"), (start, end)))
    return out


def load_markets(network: Network, path: Path = DATA_DIR / "drug_markets.csv") -> dict[str, Market]:
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


# --------------------------------------------------------------------------- agents
class TraffickingOrganisation(mesa.Agent):
    """An organisation shipping opiates; it learns the loss on each route from its own seizures.

    Its state is row ``index`` of the phase's (organisation x path) arrays, so that the
    weekly decisions of all organisations run as one compiled loop.
    """

    def __init__(self, model: "SpilloverModel", index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def risk(self) -> np.ndarray:
        """Perceived share of a shipment lost per trip, per path."""
        return self.model.narcotics.risk[self.index]

    @property
    def active(self) -> np.ndarray:
        """Paths the organisation uses."""
        return self.model.narcotics.active[self.index]


class NarcoticsState:
    """Stocks, pipelines, interdiction and markets between weeks."""

    def __init__(self, model: "SpilloverModel") -> None:
        p = model.cfg.model.narcotics
        self.regions = load_production(model.network)
        self.markets = load_markets(model.network)
        self.routes = cached_routes(model.network, self.markets, p.speed_km_per_week, p.max_detour)
        self.paths = list(self.routes)  # path j of the arrays below
        self.path_route = np.array([ROUTES.index(x.route) for x in self.routes.values()], dtype=np.int64)
        n_paths = len(self.paths)
        self.rng = model.streams["narcotics"]
        n_orgs = p.traffickers.n_organisations
        self.weights = self.rng.dirichlet(np.ones(n_orgs))
        self.risk = np.full((n_orgs, n_paths), 0.1)
        self.active = np.ones((n_orgs, n_paths), dtype=bool)
        for i in range(n_orgs):
            TraffickingOrganisation(model, i)  # registered with the model (model.agents)
        self.country_idx = {c: i for i, c in enumerate(SEIZING)}
        n_c = len(SEIZING)
        it = p.interdiction
        northern = np.isin(np.array(SEIZING), NORTHERN_STATES)
        self.effort = np.where(northern, it.effort_northern, it.effort)
        self.effort[self.country_idx["IRN"]] = it.effort_iran
        self.target_share = np.where(northern, it.target_seizure_share_northern, it.target_seizure_share)
        self.on_route = np.array([[any(c in shares for x in self.routes.values() if x.route == r
                                       for shares in x.exposure) for r in ROUTES] for c in SEIZING])
        self.seized_memory = self.on_route.astype(float)
        self.market_ids = list(self.markets)
        self.market_of_country = {model.network.locations[m.location_id].country: i
                                  for i, m in enumerate(self.markets.values())}
        if "CENTRAL_ASIA" in self.markets:  # one market for the region, whichever state a route crosses
            ca = self.market_ids.index("CENTRAL_ASIA")
            self.market_of_country |= {c: ca for c in CENTRAL_ASIA}
        self.ref_price = np.array([m.price for m in self.markets.values()])
        self.price = self.ref_price.copy()
        self.expected_price = self.ref_price.copy()  # what organisations plan on
        self.weekly_demand = np.array([m.demand for m in self.markets.values()]) / 52.0
        self.rus_market = self.market_ids.index("RUSSIA")  # load_markets requires it
        self.weekly_demand[self.rus_market] *= p.demand_scale_rus
        self.supply_avg = self.weekly_demand.copy()
        self.annual_opium = sum(r.opium_tonnes for r in self.regions)
        self.harvesting = np.zeros(len(self.regions), dtype=bool)
        self.yield_mult = np.ones(len(self.regions))
        self.stock = self.annual_opium / p.opium_per_kg_heroin * p.initial_stock_years
        self.initial_stock = self.stock
        self.produced = self.stock  # the initial stock counts as produced before the run
        self.month_production = 0.0
        self.shipped = np.zeros(n_paths)
        self.seized_by_country = np.zeros(n_c)
        self.passing_week = np.zeros(n_c)
        self.seized_by_path = np.zeros(n_paths)
        self.consumed = np.zeros(len(self.markets))
        self.last_consumed = np.zeros(len(self.markets))
        self.revenue = 0.0
        # Fixed per replicate (looked up once rather than every week), per path: its cost (the
        # route's, scaled by the path's km over the route's shortest) and destination market, the weeks it takes, and the (position, market) pairs
        # where it passes a transit market.
        shortest = {r: min(x.km for x in self.routes.values() if x.route == r) for r in ROUTES}
        self.route_cost = np.array([getattr(p.route_costs, x.route) * x.km / max(shortest[x.route], 1e-9)
                                    for x in self.routes.values()])
        self.dest_market = np.array([self.market_ids.index(DESTINATION[ROUTES[r]]) for r in self.path_route],
                                    dtype=np.int64)
        self.route_weeks = np.array([len(self.routes[r].exposure) for r in self.paths])
        self.transit_markets = {r: [(k, self.market_of_country[c])
                                    for k, c in enumerate(self.routes[r].position_country)
                                    if c in self.market_of_country] for r in self.paths}
        # The same, packed for the compiled weekly kernel: one (paths, orgs, max weeks) array
        # of pipelines (st.pipes holds views of its rows, each path's own length), and per
        # path and position the share of the stretch in each seizing country and the transit
        # market (-1: none).
        w_max = int(self.route_weeks.max())
        self.pipe3 = np.zeros((n_paths, n_orgs, w_max))
        self.pipes = {r: self.pipe3[j, :, :self.route_weeks[j]] for j, r in enumerate(self.paths)}
        self.exposure3 = np.zeros((n_paths, w_max, n_c))
        self.market3 = np.full((n_paths, w_max), -1, dtype=np.int64)
        for j, r in enumerate(self.paths):
            for k, shares in enumerate(self.routes[r].exposure):
                for c, share in shares.items():
                    self.exposure3[j, k, self.country_idx[c]] = share
            for k, m in self.transit_markets[r]:
                self.market3[j, k] = m


def setup(model: "SpilloverModel") -> None:
    model.narcotics = NarcoticsState(model) if model.cfg.model.narcotics.active else None


# --------------------------------------------------------------------------- weekly step
def step(model: "SpilloverModel") -> None:
    if model.narcotics is None or model.day % WEEK != 0:
        return
    st: NarcoticsState = model.narcotics
    p = model.cfg.model.narcotics
    _harvest(model, st, p)
    # Export, transit, learning and markets run as one compiled kernel on the state's
    # arrays. The learning uniforms are the week's only other draw, so drawing them before
    # the kernel keeps the stream as it was when they were drawn between transit and learning.
    u = st.rng.random(st.risk.shape)  # fixed-size draw every week
    multipliers = np.array([_lever_multiplier(model, r) for r in ROUTES])
    _advance(st, p, u, multipliers, math.exp(-p.krokodil_substitution * model.day / 365.25))


def _advance(st: NarcoticsState, p, u: np.ndarray, multipliers: np.ndarray, rus_demand: float) -> None:
    """Export, transit, learning and markets of one week (after the harvest), given the
    learning uniforms, the interdiction lever multiplier of each route and the factor on
    Russian demand."""
    it, tr = p.interdiction, p.traffickers
    st.stock = _week(
        st.stock, p.export_share_per_week, st.weights, st.risk, st.active, tr.profit_sensitivity,
        st.expected_price, st.dest_market, st.route_cost, st.path_route,
        st.pipe3, st.route_weeks, st.exposure3, st.market3, st.effort, st.seized_memory, st.on_route,
        multipliers, p.transit_sales_share, st.price, st.ref_price, st.consumed, st.shipped,
        st.seized_by_country, st.seized_by_path, st.passing_week, st.target_share,
        it.memory, it.adapt_rate,
        u, tr.risk_memory, tr.loss_tolerance, tr.explore_rate,
        st.last_consumed, st.supply_avg, st.weekly_demand, st.rus_market, rus_demand,
        p.market_memory, 1.0 / p.price_elasticity, p.price_memory)


def _harvest(model, st: NarcoticsState, p) -> None:
    month = model.date.month
    cut = model.lever("opium_ban").compliance
    z = st.rng.standard_normal(len(st.regions))  # fixed-size draw every week
    opium = 0.0
    for i, r in enumerate(st.regions):
        first, last = r.harvest
        months = (last - first) % 12 + 1
        harvesting = (month - first) % 12 < months
        if harvesting and not st.harvesting[i]:  # a new harvest: this year's yield
            st.yield_mult[i] = math.exp(p.yield_sd * z[i] - p.yield_sd ** 2 / 2)
        st.harvesting[i] = harvesting
        if harvesting:
            opium += r.opium_tonnes * st.yield_mult[i] * (1.0 - cut) * WEEK / (months * 30.44)
    heroin = opium / p.opium_per_kg_heroin
    st.stock += heroin
    st.produced += heroin
    st.month_production += heroin
    # Farm-gate prices rise as a ban cuts production; the Taliban tax the farm-gate value.
    scarcity = 1.0 / max(1.0 - cut, 0.1)
    price = p.farmgate_price_usd_per_kg * scarcity ** (1.0 / p.ban_price_elasticity)
    st.revenue += p.taliban_tax * price * opium * 1000.0


def _lever_multiplier(model, route: str) -> float:
    return model.lever(f"interdiction_{route}").multiplier


@njit(cache=True)
def _sum(a):
    """Sum of a 1-D array in numpy's order, so results match numpy's ``sum`` for up to 128
    values (numpy splits longer arrays in halves; here: paths x organisations, 16 x 8 = 128 by default)."""
    n = a.shape[0]
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[i]
        return res
    r = np.empty(8)
    for k in range(8):
        r[k] = a[k]
    i = 8
    while i < n - n % 8:
        for k in range(8):
            r[k] += a[i + k]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        res += a[i]
        i += 1
    return 0.0 + res


@njit(cache=True)
def _week(stock, export_share, weights, risk, active, sensitivity, expected_price, dest_market, route_cost, path_route,
          pipes, route_weeks, exposure, market, effort, seized_memory, on_route, multipliers, sales_share,
          price, ref_price, consumed, shipped, seized_by_country, seized_by_path, passing, target_share,
          memory, adapt_rate, u, risk_memory, loss_tolerance, explore_rate,
          last_consumed, supply_avg, weekly_demand, rus, rus_demand, market_memory, price_exponent,
          price_memory):
    """One week of export, transit, learning and markets; updates the arrays in place and
    returns the new stock. Sums follow numpy's order (pairwise along a row, sequential down
    a column), as the array version of these steps did."""
    n_orgs, n_paths = risk.shape
    n_c = effort.shape[0]

    # 2. export: each organisation splits its volume over its active paths by the logit
    # of expected margin, each path's weight divided by the number of the organisation's
    # active paths of its route, so that a route weighs as its average path (nested logit).
    volume = stock * export_share
    new = np.zeros((n_orgs, n_paths))
    z = np.empty(n_paths)
    w = np.empty(n_paths)
    n_active = np.empty(path_route.max() + 1)
    for i in range(n_orgs):
        top = -np.inf
        for j in range(n_paths):
            if active[i, j]:
                z[j] = sensitivity * (expected_price[dest_market[j]] * (1.0 - risk[i, j]) - route_cost[j])
            else:
                z[j] = -np.inf
            top = max(top, z[j])
        off = top if np.isfinite(top) else 0.0
        n_active[:] = 0.0
        for j in range(n_paths):
            if active[i, j]:
                n_active[path_route[j]] += 1.0
        total = 0.0
        for j in range(n_paths):
            w[j] = np.exp(z[j] - off) / n_active[path_route[j]] if active[i, j] else 0.0
            total += w[j]
        vw = volume * weights[i]
        for j in range(n_paths):
            new[i, j] = vw * (w[j] / total if total > 0 else 0.0)
    stock -= _sum(new.ravel())
    if stock < 0.0:
        # Shipping the whole stock (export share 1) can overshoot it by rounding; the
        # largest shipment gives the overshoot back so the stock ends at exactly zero.
        k = np.argmax(new)
        new.ravel()[k] += stock
        stock = 0.0
    for j in range(n_paths):
        s = 0.0
        for i in range(n_orgs):
            s += new[i, j]
        shipped[j] += s

    # 3. transit. A state splits its effort over the routes it lies on by its seizure
    # memory; every path of a route that crosses it meets the same effort there.
    n_r = multipliers.shape[0]
    alloc = np.empty((n_c, n_r))
    for c in range(n_c):
        s = 0.0
        for r in range(n_r):
            s += seized_memory[c, r]
        d = max(s, 1e-12)
        for r in range(n_r):
            alloc[c, r] = seized_memory[c, r] / d
    seized_or = np.zeros((n_orgs, n_paths))
    exposed_or = np.zeros((n_orgs, n_paths))
    seized_cr = np.zeros((n_c, n_paths))
    passing[:] = 0.0
    w_max = pipes.shape[2]
    col = np.empty(n_orgs)
    q = np.empty(w_max)
    hsum = np.empty(w_max)  # each stretch's total weekly hazard
    hazard = np.empty((w_max, n_c))
    seized = np.empty((n_orgs, w_max))
    for j in range(n_paths):
        n_w = route_weeks[j]
        pipe = pipes[j]
        # What finished the last stretch last week reaches the destination market; the rest
        # moves a week further along; this week's shipments start the first stretch.
        for i in range(n_orgs):
            col[i] = pipe[i, n_w - 1]
        consumed[dest_market[j]] += _sum(col)
        for i in range(n_orgs):
            for k in range(n_w - 1, 0, -1):
                pipe[i, k] = pipe[i, k - 1]
            pipe[i, 0] = new[i, j]
        # A stretch's weekly hazard adds up the effort of each country it crosses, weighted
        # by the share of its km in that country.
        for k in range(n_w):
            h = 0.0
            for c in range(n_c):
                hazard[k, c] = exposure[j, k, c] * effort[c] * alloc[c, path_route[j]] * multipliers[path_route[j]]
                h += hazard[k, c]
            hsum[k] = h
            q[k] = 1.0 - np.exp(-h)
        for i in range(n_orgs):
            exposed_or[i, j] = _sum(pipe[i, :n_w])
            for k in range(n_w):
                seized[i, k] = pipe[i, k] * q[k]
                pipe[i, k] -= seized[i, k]
            seized_or[i, j] = _sum(seized[i, :n_w])
        for k in range(n_w):
            s = 0.0
            t = 0.0
            for i in range(n_orgs):
                s += seized[i, k]
                t += pipe[i, k] + seized[i, k]
            h = hsum[k]
            for c in range(n_c):
                if exposure[j, k, c] > 0.0:
                    # seizures split by each country's part of the hazard, passage by km
                    seized_cr[c, j] += s * hazard[k, c] / h if h > 0.0 else 0.0
                    passing[c] += t * exposure[j, k, c]
        # Markets in the countries the route crosses buy a share of what passes, more when
        # their price is above its reference (scarce) and less when below (glutted).
        for k in range(n_w):
            m = market[j, k]
            if m < 0:
                continue
            f = min(1.0, sales_share * price[m] / ref_price[m])
            for i in range(n_orgs):
                col[i] = pipe[i, k] * f
                pipe[i, k] -= col[i]
            consumed[m] += _sum(col)
    # States move effort to where they seize and scale it towards their target share. A
    # lever's extra effort comes on top: states scale their routine effort by what it alone
    # would seize (seizures divided by the allocation-weighted lever multiplier).
    by_route = np.zeros(n_r)
    for c in range(n_c):
        s = 0.0
        by_route[:] = 0.0
        for j in range(n_paths):
            s += seized_cr[c, j]
            by_route[path_route[j]] += seized_cr[c, j]
        lever = 0.0
        for r in range(n_r):
            lever += alloc[c, r] * multipliers[r]
        seized_by_country[c] += s
        lever = max(lever, 1e-12)
        if passing[c] > 0:
            achieved = s / lever / passing[c]
            effort[c] = effort[c] * np.exp(adapt_rate * (target_share[c] - achieved))
        for r in range(n_r):
            if on_route[c, r]:
                seized_memory[c, r] = max((1 - memory) * seized_memory[c, r] + memory * by_route[r], 1e-6)
            else:
                seized_memory[c, r] = 0.0
    for j in range(n_paths):
        s = 0.0
        for c in range(n_c):
            s += seized_cr[c, j]
        seized_by_path[j] += s

    # 4. learning: update perceived losses, drop paths past the tolerance, retry dropped ones
    for i in range(n_orgs):
        for j in range(n_paths):
            if exposed_or[i, j] > 1e-12:
                weekly = seized_or[i, j] / exposed_or[i, j]
                trip_loss = 1.0 - (1.0 - weekly) ** np.float64(route_weeks[j])
                risk[i, j] = (1 - risk_memory) * risk[i, j] + risk_memory * trip_loss
            if risk[i, j] > loss_tolerance:
                active[i, j] = False
            if not active[i, j] and u[i, j] < explore_rate:
                risk[i, j] = loss_tolerance / 2
                active[i, j] = True

    # 5. markets
    for m in range(consumed.shape[0]):
        supply = consumed[m] - last_consumed[m]
        last_consumed[m] = consumed[m]
        supply_avg[m] = (1 - market_memory) * supply_avg[m] + market_memory * supply
        demand = weekly_demand[m] * rus_demand if m == rus else weekly_demand[m]
        ratio = demand / max(supply_avg[m], 1e-9)
        price[m] = ref_price[m] * min(max(ratio ** price_exponent, 0.2), 5.0)
        expected_price[m] = (1 - price_memory) * expected_price[m] + price_memory * price[m]
    return stock


# --------------------------------------------------------------------------- outcomes
def mass_balance(model: "SpilloverModel") -> dict[str, float]:
    st: NarcoticsState = model.narcotics
    return {"produced": st.produced, "stock": st.stock,
            "in_transit": float(sum(pipe.sum() for pipe in st.pipes.values())),
            "seized": float(st.seized_by_country.sum()), "consumed": float(st.consumed.sum())}


def observe(model: "SpilloverModel") -> dict[str, float]:
    st: NarcoticsState = model.narcotics
    if st is None:
        return {o.name: math.nan for o in OUTCOMES}
    p = model.cfg.model.narcotics
    years = max(model.day, 1) / 365.25
    rest = p.rest_of_world_seizures_tonnes * years
    total_seized = float(st.seized_by_country.sum())
    shipped_by_route = np.bincount(st.path_route, weights=st.shipped, minlength=len(ROUTES))
    seized_by_path = np.bincount(st.path_route, weights=st.seized_by_path, minlength=len(ROUTES))
    out = {f"cum_opiates_tonnes_{r}": float(shipped_by_route[j]) for j, r in enumerate(ROUTES)}
    out["cum_seized_tonnes"] = total_seized
    out |= {f"cum_seized_tonnes_{c.lower()}": float(st.seized_by_country[i]) for i, c in enumerate(SEIZING)}
    out |= {f"cum_seized_tonnes_{r}": float(seized_by_path[j]) for j, r in enumerate(ROUTES)}
    out["northern_route_seizure_share"] = float(seized_by_path[0]) / (total_seized + rest)
    shipped = float(st.shipped.sum())
    out["northern_route_shipment_share"] = float(shipped_by_route[0]) / shipped if shipped > 0 else math.nan
    afghan_opium = (st.produced - st.initial_stock) * p.opium_per_kg_heroin
    world = afghan_opium + p.rest_of_world_opium_tonnes * years
    out["afghan_opium_share_global"] = afghan_opium / world if world > 0 else math.nan
    out["cum_supply_rus_tonnes"] = float(st.consumed[st.rus_market])
    out["cum_supply_eur_tonnes"] = float(st.consumed[st.market_ids.index("WESTERN_EUROPE")])
    out["taliban_drug_revenue_usd"] = st.revenue
    out["n_stock_tonnes"] = st.stock
    out["new_production_tonnes"] = st.month_production
    st.month_production = 0.0
    out["price_heroin_rus_usd_kg"] = float(st.price[st.rus_market])
    out["price_heroin_eur_usd_kg"] = float(st.price[st.market_ids.index("WESTERN_EUROPE")])
    return out


def final(model: "SpilloverModel") -> dict[str, float]:
    return {}


def flows(model: "SpilloverModel") -> list[tuple[str, str, str, float]]:
    """Tonnes shipped over the run on every link, summed over the paths using it."""
    st: NarcoticsState | None = model.narcotics
    if st is None:
        return []
    totals: dict[tuple[str, str], float] = {}
    for j, r in enumerate(st.paths):
        nodes = st.routes[r].nodes
        for a, b in zip(nodes, nodes[1:]):
            totals[(a, b)] = totals.get((a, b), 0.0) + float(st.shipped[j])
    return [(a, b, "opiates_tonnes", v) for (a, b), v in totals.items()]
