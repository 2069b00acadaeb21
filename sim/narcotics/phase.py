"""Narcotics routes: production, adaptive trafficking organisations, interdiction and markets.

After NarcoLogic (Magliocca et al., PNAS 2019): organisations learn where their shipments
are seized and shift routes; states learn where seizures happen and move effort there.
Masses are heroin-equivalent tonnes. The phase acts weekly, in this order:
1. sowing and harvest: each Afghan region sows its next harvest ``growing_months`` before it
   starts, less under the opium ban in force then and more the deeper the economic collapse;
   in its harvest months it lances what it sowed (less what the ban's enforcement destroys);
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

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.calendar import DAYS_PER_MONTH, DAYS_PER_YEAR
from sim.calendar import DAYS_PER_WEEK as WEEK
from sim.calendar import next_multiple
from sim.countries import CENTRAL_ASIA, SPILLOVER
from sim.narcotics.data import load_markets, load_production
from sim.narcotics.outcomes import OUTCOMES  # noqa: F401 - the phase's outcomes
from sim.narcotics.routes import DESTINATION, NORTHERN_STATES, ROUTES, SEIZING, cached_routes
from sim.narcotics.week import WeekParams, WeekState, WeekTables, _week

if TYPE_CHECKING:
    from sim.model import SpilloverModel

NAME = "narcotics"


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
        self.risk = np.full((n_orgs, n_paths), p.traffickers.initial_risk)
        self.active = np.ones((n_orgs, n_paths), dtype=bool)
        self.split = np.zeros((n_orgs, n_paths))  # none yet: the first week takes the target split
        for i in range(n_orgs):
            TraffickingOrganisation(model, i)  # registered with the model (model.agents)
        self.country_idx = {c: i for i, c in enumerate(SEIZING)}
        self.spill_idx = np.array([self.country_idx[c] for c in SPILLOVER])  # sim.coupling's order
        n_c = len(SEIZING)
        it = p.interdiction
        northern = np.isin(np.array(SEIZING), NORTHERN_STATES)
        self.effort = np.where(northern, it.effort_northern, it.effort)
        self.effort[self.country_idx["IRN"]] = it.effort_iran
        self.target_share = np.where(northern, it.target_seizure_share_northern, it.target_seizure_share)
        self.on_route = np.array([[any(c in shares for x in self.routes.values() if x.route == r
                                       for shares in x.exposure) for r in ROUTES] for c in SEIZING])
        self.seized_memory = self.on_route * it.initial_memory_tonnes
        self.market_ids = list(self.markets)
        self.market_of_country = {model.network.locations[m.location_id].country: i
                                  for i, m in enumerate(self.markets.values())}
        if "CENTRAL_ASIA" in self.markets:  # one market for the region, whichever state a route crosses
            ca = self.market_ids.index("CENTRAL_ASIA")
            self.market_of_country |= {c: ca for c in CENTRAL_ASIA}
        self.ref_price = np.array([m.price for m in self.markets.values()])
        self.price = self.ref_price.copy()
        self.expected_price = self.ref_price.copy()  # what organisations plan on
        self.weekly_demand = np.array([m.demand for m in self.markets.values()]) * WEEK / DAYS_PER_YEAR
        self.rus_market = self.market_ids.index("RUSSIA")  # load_markets requires it
        self.weekly_demand[self.rus_market] *= p.demand_scale_rus
        self.supply_avg = self.weekly_demand.copy()
        self.annual_opium = sum(r.opium_tonnes for r in self.regions)
        self.harvesting = np.zeros(len(self.regions), dtype=bool)
        self.yield_mult = np.ones(len(self.regions))
        # Sowing: the month each region sows its next harvest, whether it is sowing this week, and
        # the share of its usual area it sowed for the coming harvest (the harvest after the start
        # was sown before it, under no ban and the collapse of the start: its usual area).
        self.sow_month = [(r.harvest[0] - 1 - p.growing_months) % 12 + 1 for r in self.regions]
        self.sowing = np.zeros(len(self.regions), dtype=bool)
        self.sown = np.ones(len(self.regions))
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
        self.tables, self.params = self._fixed_records(p)  # built once, for the weekly kernel
        self._spin_up(p)

    def _spin_up(self, p) -> None:
        """Run the market for ``spinup_weeks`` before the start, with the year's production
        spread evenly and no lever, so that the run starts from a trade in motion (pipelines
        full, prices, routes and effort settled) rather than from empty pipelines, whose first
        weeks would starve every market. The counts then restart: what is in transit counts as
        produced before the run, and the traders' stock is set to its declared size."""
        weekly = self.annual_opium / p.opium_per_kg_heroin * WEEK / DAYS_PER_YEAR
        ones = np.ones(len(ROUTES))
        for _ in range(p.spinup_weeks):
            self.stock += weekly
            _advance(self, self.rng.random(self.risk.shape), ones, 1.0)
        self.stock = self.initial_stock
        self.produced = self.stock + float(self.pipe3.sum())
        self.initial_stock = self.produced
        for a in (self.shipped, self.seized_by_country, self.seized_by_path, self.consumed, self.last_consumed,
                  self.passing_week):
            a[:] = 0.0

    def _fixed_records(self, p) -> tuple[WeekTables, WeekParams]:
        """The compiled kernel's records of what stays fixed over the run: the tables above (the
        same arrays, not copies) and the behavioural parameters."""
        it, tr = p.interdiction, p.traffickers
        tables = WeekTables(
            weights=self.weights, dest_market=self.dest_market, route_cost=self.route_cost,
            path_route=self.path_route, route_weeks=self.route_weeks, exposure=self.exposure3,
            market=self.market3, on_route=self.on_route, target_share=self.target_share,
            ref_price=self.ref_price, weekly_demand=self.weekly_demand, rus=self.rus_market)
        params = WeekParams(
            export_share=p.export_share_per_week, sensitivity=tr.profit_sensitivity,
            sales_share=p.transit_sales_share, memory=it.memory, adapt_rate=it.adapt_rate,
            risk_memory=tr.risk_memory, loss_tolerance=tr.loss_tolerance, explore_rate=tr.explore_rate,
            market_memory=p.market_memory, price_exponent=1.0 / p.price_elasticity, price_memory=p.price_memory,
            price_floor=p.price_floor, price_cap=p.price_cap, retry_risk=tr.retry_risk,
            switch_rate=tr.switch_rate, storage_response=p.storage_response,
            price_adjust=1.0 - (1.0 - p.price_adjustment) ** (WEEK / DAYS_PER_MONTH))
        return tables, params

    def week_state(self) -> WeekState:
        """The kernel's record of the arrays carried from week to week (the same arrays, not
        copies). Built at each call, from the attributes, so it cannot outlive an array that is
        replaced rather than updated in place; that costs under a microsecond a week."""
        return WeekState(
            risk=self.risk, active=self.active, expected_price=self.expected_price, pipes=self.pipe3,
            effort=self.effort, seized_memory=self.seized_memory, price=self.price, consumed=self.consumed,
            shipped=self.shipped, seized_by_country=self.seized_by_country, seized_by_path=self.seized_by_path,
            passing=self.passing_week, last_consumed=self.last_consumed, supply_avg=self.supply_avg,
            split=self.split)


def setup(model: "SpilloverModel") -> None:
    model.narcotics = NarcoticsState(model) if model.cfg.model.narcotics.active else None


# --------------------------------------------------------------------------- weekly step
def next_busy_day(model: "SpilloverModel", day: int) -> int:
    """The first day from `day` on which :func:`step` acts: once a week (never, when inactive)."""
    return model.calendar.n_days + 1 if model.narcotics is None else next_multiple(day, WEEK)


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
    _advance(st, u, multipliers, math.exp(-p.krokodil_substitution * model.day / DAYS_PER_YEAR))
    # What the other phases read (sim.coupling): the week's passage through each country.
    model.coupling.opiates_passing[:] = st.passing_week[st.spill_idx]


def _advance(st: NarcoticsState, u: np.ndarray, multipliers: np.ndarray, rus_demand: float) -> None:
    """Export, transit, learning and markets of one week (after the harvest), given the
    learning uniforms, the interdiction lever multiplier of each route and the factor on
    Russian demand."""
    st.stock = _week(st.stock, st.tables, st.week_state(), st.params, multipliers, rus_demand, u)


def _harvest(model, st: NarcoticsState, p) -> None:
    """Sowing and harvest of the week.

    A ban acts on what is sown after it: the share of its usual area a region sows is fixed in
    its sowing month, by the ban in force then (and more poppy the deeper the economic
    collapse, the farmers' cash crop of last resort); a ban decreed later cuts the standing crop
    only by what its enforcement destroys (``eradication_share`` x the ban)."""
    month = model.date.month
    cut = model.coupling.opium_ban
    z = st.rng.standard_normal(len(st.regions))  # fixed-size draw every week
    more = max(0.0, 1.0 + p.collapse_planting * (model.coupling.collapse - model.cfg.scenario.collapse_initial))
    standing = 1.0 - p.eradication_share * cut  # share of the sown crop left to lance this week
    opium = 0.0
    supply = 0.0  # this week's crops in the ground, as a share of the usual: what farm-gate prices answer to
    for i, r in enumerate(st.regions):
        sowing = month == st.sow_month[i]
        if sowing and not st.sowing[i]:  # this year's sowing for the next harvest
            st.sown[i] = (1.0 - cut) * more
        st.sowing[i] = sowing
        first, last = r.harvest
        months = (last - first) % 12 + 1
        harvesting = (month - first) % 12 < months
        if harvesting and not st.harvesting[i]:  # a new harvest: this year's yield
            st.yield_mult[i] = math.exp(p.yield_sd * z[i] - p.yield_sd ** 2 / 2)
        st.harvesting[i] = harvesting
        supply += r.opium_tonnes * st.sown[i] * standing
        if harvesting:
            opium += r.opium_tonnes * st.yield_mult[i] * st.sown[i] * standing * WEEK / (months * DAYS_PER_MONTH)
    heroin = opium / p.opium_per_kg_heroin
    st.stock += heroin
    st.produced += heroin
    st.month_production += heroin
    # Farm-gate prices rise as less opium is grown; the Taliban tax the farm-gate value.
    scarcity = 1.0 / max(supply / st.annual_opium, 1.0 / p.ban_max_scarcity)
    price = p.farmgate_price_usd_per_kg * scarcity ** (1.0 / p.ban_price_elasticity)
    st.revenue += p.taliban_tax * price * opium * 1000.0
    model.coupling.opium_revenue = st.revenue


def _lever_multiplier(model, route: str) -> float:
    return model.lever(f"interdiction_{route}").multiplier


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
    years = max(model.day, 1) / DAYS_PER_YEAR
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
