"""Refugee flows: groups of displaced Afghans moving over the regional network, FLEE-style.

Each day, in order:
1. border policy of the day: Central Asian admission and screening from the states
   submodel; Iran, Pakistan, Russia, Turkey, Europe from their parameters; closures;
2. displacement: new groups leave each Afghan region at a rate set by the crisis index;
3. hosted groups may return home, or (in Central Asia) set out for Russia as migrant workers;
4. groups at a location leave with FLEE's move chance and pick a route by
   score / (10 km + path km), with camp capacity and closures lowering scores;
5. groups travel along links at road or foot speed; on entering another country the
   receiving state admits them (screening catches some militants), or they cross
   irregularly, or are turned back (and some then go home).

People are conserved: displaced = moving in Afghanistan + in transit + hosted per
country + returned + militants detained.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import DAYS_PER_YEAR
from sim.countries import CENTRAL_ASIA, DEPORTERS, SPILLOVER
from sim.policy import closure_days
from sim.refugees import kernels, routing
from sim.refugees.outcomes import HOSTED, OUTCOMES  # noqa: F401 - the phase's outcomes
from sim.refugees.tables import AT_NODE, KINDS, U_MILITANT, Agents, build_net

if TYPE_CHECKING:
    from sim.model import SpilloverModel

NAME = "refugees"
_K = {k: i for i, k in enumerate(KINDS)}


class RefugeeState:
    """Everything the refugee phase keeps between days."""

    def __init__(self, model: "SpilloverModel") -> None:
        p = model.cfg.model.refugees
        net = build_net(model.network, p.movement.awareness)
        self.net = net
        self.agents = Agents()
        self.key = int(model.streams["refugees"].integers(2**63))
        codes = net.country_codes
        self.c = {code: i for i, code in enumerate(codes)}
        n_c = len(codes)
        self.ca_mask = np.array([code in CENTRAL_ASIA for code in codes])
        self.regions = np.flatnonzero(net.node_kind == _K["afghan_region"])
        kind = net.node_kind
        m = p.movement
        # Hosts and final markets (Moscow, Western Europe) are where people stay; FLEE's camp rule.
        settle = (kind == _K["host"]) | (kind == _K["market"])
        self.move_chance = np.where(kind == _K["afghan_region"], m.move_chance_conflict,
                                    np.where(settle, m.move_chance_camp, m.move_chance_town))
        self.is_host = kind == _K["host"]
        self.capacity = np.where(self.is_host, net.population * m.host_capacity_share, 0.0)
        self.base_score = np.where(kind == _K["afghan_region"], m.conflict_score,
                                   np.where(self.is_host, m.camp_score, m.town_score))
        # Per-country policy arrays, refreshed daily.
        self.admit = np.ones(n_c)
        self.screen = np.zeros(n_c)
        self.irregular = np.zeros(n_c)
        self.attract = np.ones(n_c)
        self.return_rate = np.zeros(n_c)
        self._fixed_policies(p)
        # Where the coupling's per-country arrays (sim.coupling) sit in this phase's country index.
        ca_present = [(j, self.c[code]) for j, code in enumerate(CENTRAL_ASIA) if code in self.c]
        self.ca_from = np.array([j for j, _ in ca_present], dtype=np.int64)  # position in CENTRAL_ASIA
        self.ca_to = np.array([i for _, i in ca_present], dtype=np.int64)    # country index here
        spill = [(j, self.c[code]) for j, code in enumerate(SPILLOVER) if code in self.c]
        self.spill_to = np.array([j for j, _ in spill], dtype=np.int64)      # position in SPILLOVER
        self.spill_from = np.array([i for _, i in spill], dtype=np.int64)    # country index here
        self.closures = [(net.ids.index(c.location), *closure_days(c, model.calendar, f"policy.closures[{i}]"))
                         for i, c in enumerate(model.cfg.policy.closures)]
        # Days on which the set of closed nodes may change (a closure's first day, the day after its last).
        self.closure_changes = sorted({d for _, first, last in self.closures for d in (first, last + 1)})
        # Counters (people unless stated).
        self.cum_displaced = 0
        self.month_displaced = 0
        self.cum_turned_back = 0
        self.cum_onward = 0
        self.admitted_ca = 0
        self.entered_ca = 0
        self.irregular_ca = 0
        self.entries_by_node = np.zeros(net.n_nodes, dtype=np.int64)  # people entering a country there
        self.detained = np.zeros(n_c, dtype=np.int64)
        self.infiltrated = np.zeros(n_c, dtype=np.int64)
        self.militants_left = np.zeros(n_c, dtype=np.int64)  # left a country again with their group
        self.remittance_loss = 0.0
        self.russia_restriction = 0.0
        # Daily chance that a group hosted in Central Asia sets out for Russia, before the
        # Russian restriction lever (step scales it by 1 - the lever's level).
        self.onward_day = p.onward_rate / DAYS_PER_YEAR * p.labour_demand * p.wage_gap_index ** p.wage_gap_elasticity
        self.militant_mean = p.people_per_agent * p.militant_share  # militants per new group
        self.closed = np.zeros(net.n_nodes, dtype=bool)
        self._closed_key: tuple[int, ...] = ()  # nodes closed today (see _policies_of_the_day)
        # Fixed per replicate: hash offsets of day 0 (kernels.offsets_of_day adds the day), the
        # militant-draw offset (drawn with day 0), Afghan region populations, route constants.
        self.offset_base = kernels.offset_base(self.key)
        self.militant_offset = self.offset_base[U_MILITANT]
        self.region_pop = net.population[self.regions]
        self.soft_km = m.distance_softening + net.route_km
        self.route_flat = net.route_origin * net.nbr.shape[1] + net.route_slot
        self.counters = np.zeros(kernels.N_COUNTERS, dtype=np.int64)  # the last day's, filled by the daily pass
        self.occupancy = np.zeros(net.n_nodes)  # people at each location, end of the previous day
        self.link_people = np.zeros(net.nbr.shape, dtype=np.int64)  # people who set out on each link
        # The arrays above that the daily pass adds to or recounts, as its record (same arrays).
        self.tally = kernels.Tally(self.detained, self.infiltrated, self.militants_left, self.entries_by_node,
                                   self.counters, self.occupancy, self.link_people)
        # The route table cache (routing.refresh): the first-hop weights it was built from, NaN
        # until first built, recomputed every day from what they depend on (occupancy of
        # capacity-limited hosts, closures, scores); the table is rebuilt only when one changed.
        self.routes = routing.Routes(self.capacity, m.capacity_buffer, self.base_score, self.attract,
                                     net.node_country, net.route_dest, net.route_hops, self.soft_km,
                                     self.route_flat, np.full(net.nbr.size, np.nan), np.zeros(net.nbr.size),
                                     np.zeros(net.n_nodes))
        self.placement = kernels.Placement(self.offset_base, self.regions, self.militant_offset, self.militant_mean,
                                           p.people_per_agent)

    def count_occupancy(self) -> None:
        """Recount people at each location (the daily pass does this; call it after placing groups)."""
        a = self.agents
        at = a.status[: a.n] == AT_NODE
        self.occupancy[:] = np.bincount(a.loc[: a.n][at], weights=a.size[: a.n][at], minlength=self.net.n_nodes)

    def _fixed_policies(self, p) -> None:
        for code, bp in (("IRN", p.irn), ("PAK", p.pak), ("RUS", p.rus), ("TUR", p.tur), ("WEU", p.weu)):
            if code in self.c:
                i = self.c[code]
                self.admit[i], self.screen[i], self.irregular[i] = bp.admit_share, bp.screening, bp.irregular
                self.attract[i], self.return_rate[i] = bp.attractiveness, bp.return_rate
        ca = p.central_asia
        self.irregular[self.ca_mask] = ca.irregular
        self.attract[self.ca_mask] = ca.attractiveness
        self.return_rate[self.ca_mask] = ca.return_rate


def setup(model: "SpilloverModel") -> None:
    model.refugees = st = RefugeeState(model)
    # Daily return chances, updated in place by the hosts' deportation campaigns (the daily
    # pass holds this array, not a copy); the base policies of the deporting hosts.
    st.return_day = st.return_rate / DAYS_PER_YEAR
    st.deporters = [(k, st.c[code], st.admit[st.c[code]], st.return_day[st.c[code]])
                    for k, code in enumerate(DEPORTERS) if code in st.c]
    st.deportation_seen = None  # the campaigns the policies were last set for
    # People at each location -> Afghans hosted in each deporting country (one product a day).
    st.hosted_by = np.zeros((st.net.n_nodes, len(DEPORTERS)))
    for k, code in enumerate(DEPORTERS):
        if code in st.c:
            st.hosted_by[:, k] = st.net.node_country == st.c[code]
    model.refugees.pass_constants = _pass_constants(model.refugees, model)


# --------------------------------------------------------------------------- daily step
def step(model: "SpilloverModel") -> None:
    """Today (``model.day``)."""
    _run(model, model.day, 1)


def advance(model: "SpilloverModel", days: int) -> None:
    """Days ``model.day + 1`` .. ``model.day + days`` in one compiled call, for days on which no
    other phase acts and no closure starts or ends (the model's run asks, see
    :func:`next_busy_day`): the same numbers as stepping each day."""
    _run(model, model.day + 1, days)


def next_busy_day(model: "SpilloverModel", day: int) -> int:
    """The first day from `day` on which a closure starts or ends: the days a stretch may not
    run past, since the pass holds a stretch's closures fixed."""
    return min((d for d in model.refugees.closure_changes if d >= day), default=model.calendar.n_days + 1)


def _run(model: "SpilloverModel", first: int, days: int) -> None:
    """Days first .. first + days - 1, with the policies as they stand on day `first`."""
    st: RefugeeState = model.refugees
    p = model.cfg.model.refugees
    _policies_of_the_day(model, st, first)
    displaced = _displaced(model, st, p, first, days)
    a = st.agents
    a.reserve(a.n + int(displaced.sum()))
    stretch = kernels.Stretch(first, displaced, st.closed, st.admit, st.screen, st.irregular,
                              st.onward_day * (1.0 - st.russia_restriction))
    out = kernels.run_days(a.groups, a.n, a.n_live, st.pass_constants, st.placement, st.routes, stretch, st.tally,
                           st.remittance_loss)
    a.n, a.n_live, n = out.n, out.n_live, out.counters
    st.cum_turned_back += n[kernels.C_TURNED_BACK]
    st.cum_onward += n[kernels.C_ONWARD]
    st.admitted_ca += n[kernels.C_ADMITTED_CA]
    st.entered_ca += n[kernels.C_ENTERED_CA]
    st.irregular_ca += n[kernels.C_IRREGULAR_CA]
    st.remittance_loss = out.remittance_loss
    st.cum_displaced += out.people_displaced
    st.month_displaced += out.people_displaced
    _publish(model, st, militants_moved=n[kernels.C_MILITANTS_MOVED] > 0)


def _publish(model: "SpilloverModel", st: RefugeeState, militants_moved: bool) -> None:
    """Write what the other phases read of the refugees (sim.coupling).

    The militant counts change only in the daily pass, and only on days some militants
    entered or left a country (`militants_moved`: on any of the days just run); otherwise
    the coupling already holds them."""
    c = model.coupling
    c.onward_to_rus, c.admitted_ca = st.cum_onward, st.admitted_ca
    c.hosted[:] = st.occupancy @ st.hosted_by
    if militants_moved:
        c.militants_entered[st.spill_to] = st.infiltrated[st.spill_from]
        c.militants_left[st.spill_to] = st.militants_left[st.spill_from]


def _pass_constants(st: RefugeeState, model: "SpilloverModel") -> kernels.PassConstants:
    """What the daily pass needs that is fixed for a replicate (computed once, not every day)."""
    p = model.cfg.model.refugees
    net = st.net
    return kernels.PassConstants(
        st.move_chance, st.is_host, net.next_hop_rus, net.node_country, net.nbr, net.nbr_km, net.nbr_foot,
        st.return_day, st.ca_mask, st.c.get("RUS", -1), p.movement.speed_road_km,
        p.movement.speed_foot_km, p.transit_share, p.give_up_after_turn_back, p.refusal_memory_days,
        p.screening_catch,
        p.jobs_taken_per_worker, p.remittance_per_worker_usd)


def _policies_of_the_day(model: "SpilloverModel", st: RefugeeState, day: int) -> None:
    c = model.coupling
    st.admit[st.ca_to] = c.admit_share[st.ca_from]
    st.screen[st.ca_to] = c.screening[st.ca_from]
    campaigns = tuple(c.deportation.tolist())
    if campaigns != st.deportation_seen:  # campaigns change only when a host reviews them
        st.deportation_seen = campaigns
        d = model.cfg.model.refugees.deportation
        for k, i, admit, ret in st.deporters:
            st.admit[i] = admit * (1.0 - d.admit_cut * campaigns[k])
            st.return_day[i] = ret * (1.0 + d.return_gain * campaigns[k])
    if "RUS" in st.c:
        level = c.worker_restriction
        st.admit[st.c["RUS"]] = model.cfg.model.refugees.rus.admit_share * (1.0 - level)
        st.russia_restriction = level
    # Closures change only on their first and last days: rebuild the array when the set of
    # closed nodes differs from yesterday's (st._closed_key).
    key = tuple(node for node, first, last in st.closures if first <= day <= last)
    if key != st._closed_key:
        closed = np.zeros(st.net.n_nodes, dtype=bool)
        closed[list(key)] = True
        st.closed = closed
        st._closed_key = key


def _displaced(model: "SpilloverModel", st: RefugeeState, p, first: int, days: int) -> np.ndarray:
    """Groups displaced from each Afghan region on each of the days (rows), at the crisis of today."""
    crisis = model.coupling.crisis
    intensity = max(0.0, (crisis - p.crisis_floor) / max(1e-9, 1.0 - p.crisis_floor))
    # Counter-based uniforms and inversion: the same day's draw whatever the levers, and more
    # crisis never means fewer people displaced (for the same seed).
    if intensity == 0.0 or p.displacement_rate == 0.0:
        return np.zeros((days, st.regions.size), dtype=np.int64)  # Poisson(0) is 0 for every uniform
    return kernels.displace_days(st.offset_base, first, days, st.regions, st.region_pop, p.displacement_rate,
                                 intensity, p.people_per_agent)


def _route_table(st: RefugeeState, model: "SpilloverModel") -> tuple[np.ndarray, np.ndarray]:
    """The route table for the occupancy and closures the phase holds now: row i holds i +
    cumulative probabilities of node i's first hops (the table the daily pass builds for
    the next day; for tests and benchmarks).

    The table increases, so a mover at node i with uniform u takes the first slot whose
    entry exceeds i + u (a searchsorted within the row); nodes with no weight keep everyone.

    Cached: the table is a function of the first-hop weights alone, which change only when a
    capacity-limited host's occupancy crosses its buffer (or moves while above it) or a
    closure starts or ends. ``routing.refresh`` recomputes the weights (same arithmetic as the
    numpy formulas in tests/test_refugees.py) and rebuilds the table when any weight changed.
    """
    routing.refresh(st.routes, st.occupancy, st.closed, st.net.nbr.shape[1])
    return st.routes.table, st.routes.total


# --------------------------------------------------------------------------- outcomes
def stocks(model: "SpilloverModel") -> dict[str, int]:
    """People by where they are now (the terms of the conservation identity)."""
    st: RefugeeState = model.refugees
    a = st.agents
    by_country, transit, returned = kernels.stocks_by_country(a.n, a.status, a.nxt, a.country, a.size,
                                                           st.net.node_country, len(st.net.country_codes))
    out = {f"n_hosted_{code.lower()}": int(by_country[i]) for i, code in enumerate(st.net.country_codes) if i}
    out["n_moving_afg"] = int(by_country[0])
    out["n_in_transit"] = int(transit)
    out["cum_returned"] = int(returned)
    out["cum_militants_detained"] = int(st.detained.sum())
    return out


def observe(model: "SpilloverModel") -> dict[str, float]:
    st: RefugeeState = model.refugees
    s = stocks(model)
    hosted = {c: s.get(f"n_hosted_{c.lower()}", 0) for c in HOSTED}
    out = {
        "cum_displaced": float(st.cum_displaced),
        "new_displaced": float(st.month_displaced),
        **{f"n_hosted_{c.lower()}": float(hosted[c]) for c in HOSTED},
        "n_hosted_ca": float(sum(hosted[c] for c in CENTRAL_ASIA)),
        "cum_entered_ca": float(st.entered_ca),
        "cum_irregular_ca": float(st.irregular_ca),
        "n_moving_afg": float(s["n_moving_afg"]),
        "n_in_transit": float(s["n_in_transit"]),
        "cum_returned": float(s["cum_returned"]),
        "cum_turned_back": float(st.cum_turned_back),
        "cum_onward_to_rus": float(st.cum_onward),
        "cum_militants_infiltrated": float(st.infiltrated.sum()),
        **{f"cum_militants_infiltrated_{c.lower()}": float(st.infiltrated[st.c[c]]) if c in st.c else 0.0
           for c in HOSTED},
        "cum_militants_detained": float(s["cum_militants_detained"]),
        "ca_remittance_loss_usd": st.remittance_loss,
    }
    st.month_displaced = 0
    return out


def final(model: "SpilloverModel") -> dict[str, float]:
    return {}


def flows(model: "SpilloverModel") -> list[tuple[str, str, str, float]]:
    """People who set out along each link over the run, and people at each location at the end."""
    st: RefugeeState = model.refugees
    ids, nbr = st.net.ids, st.net.nbr
    rows = [(ids[i], ids[nbr[i, d]], "people_moved", float(st.link_people[i, d]))
            for i, d in zip(*np.nonzero(st.link_people))]
    # st.occupancy: people at each location at the end of the last day (the daily pass keeps it).
    rows += [(ids[i], "", "people_hosted", float(x)) for i, x in enumerate(st.occupancy) if x > 0]
    return rows
