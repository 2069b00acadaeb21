"""Narcotics routes: production, adaptive trafficking organisations, interdiction and markets.

After NarcoLogic (Magliocca et al., PNAS 2019): organisations learn where their shipments
are seized and shift routes; states learn where seizures happen and move effort there.
Masses are heroin-equivalent tonnes. The phase acts weekly, in this order:
1. harvest: Afghan regions produce in their harvest months (less under an opium ban);
   the Taliban tax the farm-gate value; production goes into the traders' stock;
2. export: a share of the stock is shipped; each organisation splits its part across
   the routes it uses by expected margin (destination price x (1 - perceived loss) - cost);
3. transit: along each route, states seize a share of what passes (effort x allocation x
   lever), transit markets buy a share, and what reaches the end is sold at the destination;
4. learning: organisations update perceived loss per route, drop routes past their
   tolerance and now and then try a dropped one; states move effort towards routes where
   they seize and scale it towards a target seizure share;
5. markets: prices move with supply against demand (Russian demand shrinking as users
   turn to krokodil).

Mass is conserved: produced = stock + in transit + seized + consumed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import mesa
import networkx as nx
import numpy as np

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
    name: str
    nodes: tuple[str, ...]
    km: float
    position_country: tuple[str, ...]  # country of each week-long stretch of the route


def build_routes(network: Network, markets: dict[str, Market], km_per_week: float) -> dict[str, Route]:
    """Shortest path from an Afghan region to the route's market over links tagged with the route."""
    out = {}
    for r in ROUTES:
        g = nx.Graph()
        for link in network.links:
            if r in link.routes:
                g.add_edge(link.from_id, link.to_id, km=link.km)
        target = markets[DESTINATION[r]].location_id
        origins = [x.id for x in network.of_kind("afghan_region") if x.id in g]
        if target not in g or not origins:
            raise NetworkDataError(f"links file: no {r} route from an Afghan region to {target}")
        dist, paths = nx.multi_source_dijkstra(g, origins, target=target, weight="km")
        nodes = tuple(paths)
        weeks = max(1, math.ceil(dist / km_per_week))
        countries = []
        for k in range(weeks):
            at = min(dist, (k + 0.5) * km_per_week)
            done = 0.0
            country = network.locations[nodes[-1]].country  # if rounding runs past the last link
            for a, b in zip(nodes, nodes[1:]):
                seg = g.edges[a, b]["km"]
                if done + seg >= at:
                    country = network.locations[a if at - done < seg / 2 else b].country
                    break
                done += seg
            countries.append(country)
        out[r] = Route(r, nodes, float(dist), tuple(countries))
    return out


# --------------------------------------------------------------------------- agents
class TraffickingOrganisation(mesa.Agent):
    """An organisation shipping opiates; it learns the loss on each route from its own seizures.

    Its state is row ``index`` of the phase's (organisation x route) arrays, so that the
    weekly decisions of all organisations run as one array operation.
    """

    def __init__(self, model: "SpilloverModel", index: int, weight: float) -> None:
        super().__init__(model)
        self.index = index
        self.weight = weight

    @property
    def risk(self) -> np.ndarray:
        """Perceived share of a shipment lost per trip, per route."""
        return self.model.narcotics.risk[self.index]

    @property
    def active(self) -> np.ndarray:
        """Routes the organisation uses."""
        return self.model.narcotics.active[self.index]


def allocate(margin: np.ndarray, active: np.ndarray, sensitivity: float) -> np.ndarray:
    """(orgs, routes) shares of each organisation's volume: logit of expected margin over its
    active routes (all zero for an organisation with none)."""
    z = np.where(active, sensitivity * margin, -np.inf)
    top = z.max(axis=1, keepdims=True)
    w = np.exp(z - np.where(np.isfinite(top), top, 0.0))
    total = w.sum(axis=1, keepdims=True)
    return np.divide(w, total, out=np.zeros_like(w), where=total > 0)


def learn(risk: np.ndarray, active: np.ndarray, trip_loss: np.ndarray, exposed: np.ndarray, p,
          u: np.ndarray) -> None:
    """Update perceived losses in place, drop routes past the tolerance, retry dropped ones."""
    lam = p.risk_memory
    risk[:] = np.where(exposed, (1 - lam) * risk + lam * trip_loss, risk)
    active &= ~(risk > p.loss_tolerance)
    retry = ~active & (u < p.explore_rate)
    risk[retry] = p.loss_tolerance / 2
    active |= retry


class NarcoticsState:
    """Stocks, pipelines, interdiction and markets between weeks."""

    def __init__(self, model: "SpilloverModel") -> None:
        p = model.cfg.model.narcotics
        self.regions = load_production(model.network)
        self.markets = load_markets(model.network)
        self.routes = build_routes(model.network, self.markets, p.speed_km_per_week)
        self.rng = model.streams["narcotics"]
        n_orgs = p.traffickers.n_organisations
        self.weights = self.rng.dirichlet(np.ones(n_orgs))
        self.risk = np.full((n_orgs, len(ROUTES)), 0.1)
        self.active = np.ones((n_orgs, len(ROUTES)), dtype=bool)
        self.orgs = [TraffickingOrganisation(model, i, w) for i, w in enumerate(self.weights)]
        self.pipes = {r: np.zeros((n_orgs, len(route.position_country))) for r, route in self.routes.items()}
        self.country_idx = {c: i for i, c in enumerate(SEIZING)}
        self.pos = {r: np.array([self.country_idx.get(c, 0) for c in route.position_country])
                    for r, route in self.routes.items()}
        n_c = len(SEIZING)
        it = p.interdiction
        northern = np.isin(np.array(SEIZING), NORTHERN_STATES)
        self.effort = np.where(northern, it.effort_northern, it.effort)
        self.effort[self.country_idx["IRN"]] = it.effort_iran
        self.target_share = np.where(northern, it.target_seizure_share_northern, it.target_seizure_share)
        self.on_route = np.zeros((n_c, len(ROUTES)), dtype=bool)
        for j, r in enumerate(ROUTES):
            self.on_route[np.unique(self.pos[r]), j] = True
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
        if "RUSSIA" in self.markets:
            self.weekly_demand[self.market_ids.index("RUSSIA")] *= p.demand_scale_rus
        self.supply_avg = self.weekly_demand.copy()
        self.annual_opium = sum(r.opium_tonnes for r in self.regions)
        self.harvesting = np.zeros(len(self.regions), dtype=bool)
        self.yield_mult = np.ones(len(self.regions))
        self.stock = self.annual_opium / p.opium_per_kg_heroin * p.initial_stock_years
        self.initial_stock = self.stock
        self.produced = self.stock  # the initial stock counts as produced before the run
        self.month_production = 0.0
        self.shipped = np.zeros(len(ROUTES))
        self.seized_by_country = np.zeros(n_c)
        self.passing_week = np.zeros(n_c)
        self.seized_by_route = np.zeros(len(ROUTES))
        self.consumed = np.zeros(len(self.markets))
        self.last_consumed = np.zeros(len(self.markets))
        self.revenue = 0.0
        # Fixed per replicate (looked up once rather than every week): route costs, the
        # destination market of each route, the weeks each route takes, the seizing country
        # of every position of every route in route order, and the (position, market) pairs
        # where a route passes a transit market.
        self.route_cost = np.array([getattr(p.route_costs, r) for r in ROUTES])
        self.dest_market = [self.market_ids.index(DESTINATION[r]) for r in ROUTES]
        self.route_weeks = np.array([len(self.routes[r].position_country) for r in ROUTES])
        self.all_pos = np.concatenate([self.pos[r] for r in ROUTES])
        self.transit_markets = {r: [(k, self.market_of_country[c])
                                    for k, c in enumerate(self.routes[r].position_country)
                                    if c in self.market_of_country] for r in ROUTES}


def setup(model: "SpilloverModel") -> None:
    model.narcotics = NarcoticsState(model) if model.cfg.model.narcotics.active else None


# --------------------------------------------------------------------------- weekly step
def step(model: "SpilloverModel") -> None:
    if model.narcotics is None or model.day % WEEK != 0:
        return
    st: NarcoticsState = model.narcotics
    p = model.cfg.model.narcotics
    _harvest(model, st, p)
    new = _export(st, p)
    seized_or, exposed_or = _transit(model, st, p, new)
    _learn(st, p, seized_or, exposed_or)
    _markets(model, st, p)


def _harvest(model, st: NarcoticsState, p) -> None:
    month = model.date.month
    ban = model.cfg.policy.opium_ban
    cut = ban.compliance if model.lever_on("opium_ban") else 0.0
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


def _prices_and_costs(st: NarcoticsState, p) -> tuple[np.ndarray, np.ndarray]:
    """Planned destination price and cost per route, USD/kg."""
    return st.expected_price[st.dest_market], st.route_cost


def _export(st: NarcoticsState, p) -> np.ndarray:
    """(orgs, routes) tonnes shipped this week."""
    volume = st.stock * p.export_share_per_week
    dest_price, cost = _prices_and_costs(st, p)
    margin = dest_price * (1.0 - st.risk) - cost
    new = (volume * st.weights)[:, None] * allocate(margin, st.active, p.traffickers.profit_sensitivity)
    st.stock -= new.sum()
    st.shipped += new.sum(axis=0)
    return new


def _lever_multiplier(model, route: str) -> float:
    lever = getattr(model.cfg.policy, f"interdiction_{route}")
    return lever.multiplier if model.lever_on(f"interdiction_{route}") else 1.0


def _transit(model, st: NarcoticsState, p, new: np.ndarray):
    alloc = st.seized_memory / np.maximum(st.seized_memory.sum(axis=1, keepdims=True), 1e-12)
    seized_or = np.zeros((len(st.orgs), len(ROUTES)))
    exposed_or = np.zeros((len(st.orgs), len(ROUTES)))
    seized_cr = np.zeros((len(SEIZING), len(ROUTES)))
    multipliers = np.array([_lever_multiplier(model, r) for r in ROUTES])
    passing_parts = []
    for j, r in enumerate(ROUTES):
        pipe = st.pipes[r]
        # What finished the last stretch last week reaches the destination market; the rest
        # moves a week further along; this week's shipments start the first stretch.
        st.consumed[st.dest_market[j]] += pipe[:, -1].sum()
        pipe[:, 1:] = pipe[:, :-1].copy()
        pipe[:, 0] = new[:, j]
        pos = st.pos[r]
        hazard = st.effort[pos] * alloc[pos, j] * multipliers[j]
        exposed_or[:, j] = pipe.sum(axis=1)
        seized = pipe * (1.0 - np.exp(-hazard))
        pipe -= seized
        seized_or[:, j] = seized.sum(axis=1)
        # Column j starts at zero, so bincount (in position order) sums exactly as
        # np.add.at(seized_cr[:, j], pos, ...) did.
        seized_cr[:, j] = np.bincount(pos, weights=seized.sum(axis=0), minlength=len(SEIZING))
        passing_parts.append((pipe + seized).sum(axis=0))
        # Markets in the countries the route crosses buy a share of what passes, more when
        # their price is above its reference (scarce) and less when below (glutted).
        for k, m in st.transit_markets[r]:
            sold = pipe[:, k] * min(1.0, p.transit_sales_share * st.price[m] / st.ref_price[m])
            pipe[:, k] -= sold
            st.consumed[m] += sold.sum()
    # Tonnes passing each country: one bincount over all routes' positions in route order
    # adds in the same sequence as np.add.at(passing, pos, ...) route after route did.
    passing = np.bincount(st.all_pos, weights=np.concatenate(passing_parts), minlength=len(SEIZING))
    st.passing_week = passing  # tonnes passing each seizing country this week (security reads it)
    st.seized_by_country += seized_cr.sum(axis=1)
    st.seized_by_route += seized_cr.sum(axis=0)
    # States move effort to where they seize and scale it towards their target share.
    it = p.interdiction
    remembered = np.maximum((1 - it.memory) * st.seized_memory + it.memory * seized_cr, 1e-6)
    st.seized_memory = np.where(st.on_route, remembered, 0.0)
    # A lever's extra effort comes on top: states scale their routine effort by what it
    # alone would seize (seizures divided by the allocation-weighted lever multiplier).
    lever = np.maximum((alloc * multipliers).sum(axis=1), 1e-12)
    achieved = np.divide(seized_cr.sum(axis=1) / lever, passing, out=np.zeros_like(passing), where=passing > 0)
    st.effort = np.where(passing > 0, st.effort * np.exp(it.adapt_rate * (st.target_share - achieved)),
                         st.effort)
    return seized_or, exposed_or


def _learn(st: NarcoticsState, p, seized_or: np.ndarray, exposed_or: np.ndarray) -> None:
    u = st.rng.random((len(st.orgs), len(ROUTES)))  # fixed-size draw every week
    exposed = exposed_or > 1e-12
    weekly = np.divide(seized_or, exposed_or, out=np.zeros_like(seized_or), where=exposed)
    trip_loss = 1.0 - (1.0 - weekly) ** st.route_weeks
    learn(st.risk, st.active, trip_loss, exposed, p.traffickers, u)


def _markets(model, st: NarcoticsState, p) -> None:
    supply = st.consumed - st.last_consumed
    st.last_consumed = st.consumed.copy()
    st.supply_avg = (1 - p.market_memory) * st.supply_avg + p.market_memory * supply
    demand = st.weekly_demand.copy()
    rus = st.market_ids.index("RUSSIA")
    demand[rus] *= math.exp(-p.krokodil_substitution * model.day / 365.25)
    ratio = demand / np.maximum(st.supply_avg, 1e-9)
    st.price = st.ref_price * np.clip(ratio ** (1.0 / p.price_elasticity), 0.2, 5.0)
    st.expected_price = (1 - p.price_memory) * st.expected_price + p.price_memory * st.price


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
    out = {f"cum_opiates_tonnes_{r}": float(st.shipped[j]) for j, r in enumerate(ROUTES)}
    out["cum_seized_tonnes"] = total_seized
    out |= {f"cum_seized_tonnes_{c.lower()}": float(st.seized_by_country[i]) for i, c in enumerate(SEIZING)}
    out["northern_route_seizure_share"] = float(st.seized_by_route[0]) / (total_seized + rest)
    shipped = float(st.shipped.sum())
    out["northern_route_shipment_share"] = float(st.shipped[0]) / shipped if shipped > 0 else math.nan
    afghan_opium = (st.produced - st.initial_stock) * p.opium_per_kg_heroin
    world = afghan_opium + p.rest_of_world_opium_tonnes * years
    out["afghan_opium_share_global"] = afghan_opium / world if world > 0 else math.nan
    out["cum_supply_rus_tonnes"] = float(st.consumed[st.market_ids.index("RUSSIA")])
    out["cum_supply_eur_tonnes"] = float(st.consumed[st.market_ids.index("WESTERN_EUROPE")])
    out["taliban_drug_revenue_usd"] = st.revenue
    out["n_stock_tonnes"] = st.stock
    out["new_production_tonnes"] = st.month_production
    st.month_production = 0.0
    out["price_heroin_rus_usd_kg"] = float(st.price[st.market_ids.index("RUSSIA")])
    out["price_heroin_eur_usd_kg"] = float(st.price[st.market_ids.index("WESTERN_EUROPE")])
    return out


def final(model: "SpilloverModel") -> dict[str, float]:
    return {}


def flows(model: "SpilloverModel") -> list[tuple[str, str, str, float]]:
    """Tonnes shipped on each route over the run, on every link of the route's path."""
    st: NarcoticsState | None = model.narcotics
    if st is None:
        return []
    totals: dict[tuple[str, str], float] = {}
    for j, r in enumerate(ROUTES):
        nodes = st.routes[r].nodes
        for a, b in zip(nodes, nodes[1:]):
            totals[(a, b)] = totals.get((a, b), 0.0) + float(st.shipped[j])
    return [(a, b, "opiates_tonnes", v) for (a, b), v in totals.items()]
