"""The daily pass over refugee groups, compiled with numba: a loop per step over the groups it concerns.

For every group, in order: a hosted group may go home or (in Central Asia) set out for
Russia; a group at a location may leave (FLEE move chance) along a route drawn from the
day's route table; a group on a link travels, and on entering another country is
admitted, crosses irregularly, or is turned back. Groups are independent within a day
(route weights are fixed at the start of the day, from the occupancy this pass counts at
the end of the previous day; a group's draws depend on its slot alone; what groups add
up together are integer counts), so taking every group through one step before the next
gives each group the same operations in the same order, and the same numbers, as taking
one group through all the steps at a time: the phase-by-phase description in
:mod:`sim.refugees.phase`.

Uniforms are :func:`sim.refugees.tables.agent_uniforms` computed per group: the same
(key, slot, day, purpose) hash, bit for bit.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.calendar import DAYS_PER_YEAR
from sim.draws import poisson_inverse
from sim.jit import njit
from sim.refugees.routing import Routes, draw_hop, refresh
from sim.refugees.tables import (
    _DAY, _GOLD, _M1, _M2, _PURPOSE, _SLOT, AT_NODE, ON_LINK, RETURNED, Groups,
    U_ADMIT, U_CATCH, U_DISPLACE, U_GIVE_UP, U_IRREGULAR, U_MOVE, U_ONWARD, U_RETURN, U_ROUTE, U_SCREEN,
)

N_PURPOSES = U_DISPLACE + 1
# Indexes of the counters array filled by day_pass (today's counts, people unless stated):
# turned back at a border, entered Russia as migrant workers, entered a Central Asian state
# (admitted or irregularly), of those from outside Central Asia, in Russia at the end of the
# day; militants added to `infiltrated` or `left` (0: neither changed today); entered a
# Central Asian state irregularly (refused entry, then crossed with smugglers).
C_TURNED_BACK, C_ONWARD, C_ADMITTED_CA, C_ENTERED_CA, C_HOSTED_RUS, C_MILITANTS_MOVED, C_IRREGULAR_CA = range(7)
N_COUNTERS = 7


def day_offsets(key: int, day: int) -> np.ndarray:
    """The hash offset of each purpose for this day (the slot-independent part)."""
    return np.array([(key + day * int(_DAY) + p * int(_PURPOSE) + int(_GOLD)) % (1 << 64)
                     for p in range(N_PURPOSES)], dtype=np.uint64)


def offset_base(key: int) -> np.ndarray:
    """The day-independent part of :func:`day_offsets`: the offsets of day 0."""
    return day_offsets(key, 0)


@njit(cache=True)
def offsets_of_day(base, day):
    """``day_offsets(key, day)`` from ``base = offset_base(key)``, bit for bit.

    The offsets are sums modulo 2**64, and uint64 arithmetic wraps modulo 2**64, so
    ``base + day * _DAY`` in uint64 equals the exact sum reduced modulo 2**64.
    """
    out = np.empty(base.size, dtype=np.uint64)
    step = np.uint64(day) * _DAY
    for p in range(base.size):
        out[p] = base[p] + step
    return out


@njit(cache=True, inline="always")
def _u(offset, slot):
    x = np.uint64(slot) * _SLOT + offset
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    x = x ^ (x >> np.uint64(31))
    return np.float64(x >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def poisson_counts(offset, slots, lam):
    """Poisson(lam[j]) for each slot by inversion of the slot's hashed uniform.

    Means above 200 are split into equal chunks, each inverted with its own uniform, so
    exp(-mean) never underflows. For a fixed seed, counts never fall as a mean rises
    (within the same number of chunks).
    """
    out = np.zeros(slots.size, dtype=np.int64)
    for j in range(slots.size):
        chunks = int(lam[j] // 200.0) + 1
        mean = lam[j] / chunks
        for k in range(chunks):
            out[j] += poisson_inverse(_u(offset, slots[j] * 4096 + k), mean)
    return out


@njit(cache=True)
def displace_days(base, first, n_days, regions, region_pop, rate, intensity, people_per_agent):
    """Groups displaced from each region on each of the days first.. first + n_days - 1 (rows), each
    Poisson(pop * rate / DAYS_PER_YEAR * intensity / size) by inversion of the day's hashed uniform
    (offset ``base[U_DISPLACE]`` plus the day, as :func:`offsets_of_day` forms it).

    The mean is formed in the same left-to-right order as the vectorised
    ``population[regions] * rate / DAYS_PER_YEAR * intensity / people_per_agent`` (same bits).
    """
    lam = np.empty(regions.size)
    for j in range(regions.size):
        lam[j] = region_pop[j] * rate / DAYS_PER_YEAR * intensity / people_per_agent
    out = np.empty((n_days, regions.size), dtype=np.int64)
    for d in range(n_days):
        out[d] = poisson_counts(base[U_DISPLACE] + np.uint64(first + d) * _DAY, regions, lam)
    return out


@njit(cache=True)
def place_groups(first, counts, regions, militant_offset, militant_mean, people_per_agent,
                 status, loc, nxt, country, size, militants, onward, refused, refused_left):
    """Fill slots first.. with the groups displaced today (arrays already large enough).

    Same as ``Agents.add(total, np.repeat(regions, counts), size, min(militants, size))``
    with militants Poisson(`militant_mean`) by inversion at ``agent_uniforms(key, slot, 0,
    U_MILITANT)``.
    """
    slot = first
    for j in range(regions.size):
        for _ in range(counts[j]):
            lo = poisson_inverse(_u(militant_offset, slot), militant_mean)
            status[slot] = AT_NODE
            loc[slot] = regions[j]
            nxt[slot] = -1
            country[slot] = 0
            size[slot] = people_per_agent
            militants[slot] = min(lo, people_per_agent)
            onward[slot] = False
            refused[slot] = 0
            refused_left[slot] = 0
            slot += 1
    return slot


class PassConstants(NamedTuple):
    """What the daily pass reads that is fixed for a replicate (built once, at setup)."""

    move_chance: np.ndarray   # (L,) FLEE move chance of a group at each location
    is_host: np.ndarray       # (L,) True at host locations
    next_hop_rus: np.ndarray  # (L,) neighbour slot towards Russia's labour market (-1 there)
    node_country: np.ndarray  # (L,) country index of each node
    nbr: np.ndarray           # (L, D) neighbour index, -1 padding
    nbr_km: np.ndarray        # (L, D) link km
    nbr_foot: np.ndarray      # (L, D) True for links walked on foot
    return_day: np.ndarray    # (C,) daily chance that a group hosted there goes home
    ca_mask: np.ndarray       # (C,) True for the Central Asian states
    rus: int                  # Russia's country index (-1 if absent)
    speed_road: float         # km/day on road and rail links
    speed_foot: float         # km/day on foot links
    transit_share: float      # chance (at least) that a migrant worker bound for Russia is let through
    give_up: float            # chance that a group turned back at a border goes home
    refusal_memory: int       # days at a node a group turned back avoids the countries that refused it
    catch: float              # chance that screening an admitted group catches its militants
    jobs_per_worker: float    # Central Asian jobs taken per Afghan worker in Russia
    remittance_usd: float     # USD a year a Central Asian worker sends home


class Placement(NamedTuple):
    """Where the day's displaced groups come from and how they are drawn (fixed for a replicate)."""

    offset_base: np.ndarray   # hash offsets of day 0 (offsets_of_day adds the day)
    regions: np.ndarray       # node index of each Afghan region
    militant_offset: np.uint64  # hash offset of the militant draw (agent_uniforms(key, slot, 0, U_MILITANT))
    militant_mean: float      # militants per new group (Poisson mean)
    people_per_agent: int     # people in a group


class Stretch(NamedTuple):
    """Consecutive days on which every policy the pass reads stays as it is."""

    first: int                # the first day
    displaced: np.ndarray     # (days, R) groups displaced each day from each region (displace_days)
    closed: np.ndarray        # (L,) True at nodes closed on these days
    admit: np.ndarray         # (C,) chance that an arriving group is admitted
    screen: np.ndarray        # (C,) chance that an admitted group is screened
    irregular: np.ndarray     # (C,) chance that a group refused entry crosses irregularly
    onward_day: float         # daily chance that a group hosted in Central Asia sets out for Russia


class DayPolicy(NamedTuple):
    """What the daily pass reads that changes from day to day (built each day, in compiled code)."""

    offsets: np.ndarray    # hash offset of each purpose for the day (offsets_of_day)
    table: np.ndarray      # (L * D,) route table: row i holds i + cumulative first-hop probabilities
    total: np.ndarray      # (L,) first-hop weight of each row (0: nobody leaves)
    closed: np.ndarray     # (L,) True at nodes closed today
    admit: np.ndarray      # (C,) chance that an arriving group is admitted
    screen: np.ndarray     # (C,) chance that an admitted group is screened
    irregular: np.ndarray  # (C,) chance that a group refused entry crosses irregularly
    onward_day: float      # daily chance that a group hosted in Central Asia sets out for Russia


class Tally(NamedTuple):
    """What the daily pass adds to or recounts (the state's own arrays, built once, at setup)."""

    detained: np.ndarray         # (C,) militants caught by screening
    infiltrated: np.ndarray      # (C,) militants who entered undetected
    left: np.ndarray             # (C,) of those, militants whose group left again, onward or home
    entries_by_node: np.ndarray  # (L,) people who entered a country at each node
    counters: np.ndarray         # (N_COUNTERS,) today's counts, by the C_* indexes (zeroed first)
    occupancy: np.ndarray        # (L,) people at each location at the end of the day
    link_people: np.ndarray      # (L, D) people who set out along each link


class Totals(NamedTuple):
    """What a stretch of days adds up to: :func:`run_days` returns it."""

    n: int               # groups ever displaced (slots used)
    n_live: int          # groups still at a node or on a link
    counters: list       # the C_* counters summed over the days (C_HOSTED_RUS: summed too, not a stock)
    people_displaced: int
    remittance_loss: float  # the running total of Central Asian remittances lost, USD


def run_days(groups, n, n_live, k, place, routes, stretch, tally, remittance_loss) -> Totals:
    """Days ``stretch.first`` .. ``stretch.first + len(stretch.displaced) - 1`` of the refugee phase:
    each day, the groups displaced that day are placed in their regions, the route table is
    rebuilt if a first-hop weight changed, and every live group takes its day (:func:`_pass`).
    The group arrays (`groups`: :class:`~sim.refugees.tables.Groups`) must already hold
    ``n + stretch.displaced.sum()`` groups. `k`: :class:`PassConstants`, `place`:
    :class:`Placement`, `routes`: :class:`Routes`, `stretch`: :class:`Stretch`, `tally`:
    :class:`Tally`; `remittance_loss` is the running total the days add to, in day order.

    One compiled call for many days: the phase's Python work per call (about 60 microseconds)
    would otherwise be most of a day's cost. The days are the same operations in the same
    order as one call per day, bit for bit.

    numba types a NamedTuple argument on every call by encoding its class and each field
    name (microseconds a call); plain tuples of the same values are typed from the values
    alone, so the compiled function takes the records as plain tuples and names them again."""
    out = _run_days(tuple(groups), n, n_live, tuple(k), tuple(place), tuple(routes), tuple(stretch), tuple(tally),
                    remittance_loss)
    n, n_live, people, remittance_loss, counters = out
    return Totals(n, n_live, counters.tolist(), people, remittance_loss)


@njit(cache=True)
def _run_days(g, n, n_live, k, pl, r, s, t, remittance_loss):
    """:func:`run_days` with its records as plain tuples (in field order)."""
    g, k, pl, r, s, t = Groups(*g), PassConstants(*k), Placement(*pl), Routes(*r), Stretch(*s), Tally(*t)
    sums = np.zeros(N_COUNTERS, dtype=np.int64)
    people = 0
    degree = k.nbr.shape[1]
    for j in range(s.displaced.shape[0]):
        day = s.first + j
        offsets = offsets_of_day(pl.offset_base, day)
        # Displacement: today's groups join the live list (they are at a node, in slot order).
        first = n
        n = place_groups(n, s.displaced[j], pl.regions, pl.militant_offset, pl.militant_mean, pl.people_per_agent,
                         g.status, g.loc, g.nxt, g.country, g.size, g.militants, g.onward, g.refused,
                         g.refused_left)
        for slot in range(first, n):
            g.live[n_live] = slot
            n_live += 1
        people += (n - first) * pl.people_per_agent
        # The route table, from yesterday's occupancy (rebuilt only when a weight changed).
        refresh(r, t.occupancy, s.closed, degree)
        d = DayPolicy(offsets, r.table, r.total, s.closed, s.admit, s.screen, s.irregular, s.onward_day)
        n_live = _pass(g, n_live, k, d, t)
        for c in range(N_COUNTERS):
            sums[c] += t.counters[c]
        remittance_loss += t.counters[C_HOSTED_RUS] * k.jobs_per_worker * k.remittance_usd / DAYS_PER_YEAR
    return n, n_live, people, remittance_loss, sums


@njit(cache=True)
def _pass(g, n_live, k, d, t):
    """One day of every live group (`g`: :class:`~sim.refugees.tables.Groups`, `k`:
    :class:`PassConstants`, `d`: :class:`DayPolicy`, `t`: :class:`Tally`); returns the
    number of groups still live. Per country it counts militants who entered undetected
    (``t.infiltrated``) and those who left again with their group, onward or home (``t.left``).

    Each step is a loop over the groups it concerns, in the order a group takes the steps:
    the groups at a location (steps 1 and 2), then those on a link, listed by the first
    loop in live order (3), then those at a border (4), then all of them (end of day).
    Each step takes the arrays out of the records once, before its loop: a compiled call
    per group that passes arrays, inlined or not, pays numba's reference counting of each
    array on every call (tried: a replicate took 20 times as long)."""
    t.counters[:] = 0
    moving = np.empty(n_live, dtype=np.int64)
    n_moving = _at_node(g, n_live, k, d, t, moving)
    n_border = _travel(g, moving, n_moving, k)
    _cross_borders(g, moving, n_border, k, d, t)
    return _recount(g, n_live, k, t)


@njit(cache=True)
def _at_node(g, n_live, k, d, t, moving):
    """Steps 1 and 2, for the groups at a location: a hosted group may go home or set out
    for Russia; then a group may leave along a link. (One loop for both: a loop of its own
    for step 1 made ``sim-bench refugees`` about 15% slower.) Lists the groups now on a
    link (set out today or earlier) in `moving`, in live order; returns how many."""
    live, status, loc, nxt, remaining, speed = g.live, g.status, g.loc, g.nxt, g.remaining, g.speed
    country, size, militants, onward, refused_left = g.country, g.size, g.militants, g.onward, g.refused_left
    return_day, ca_mask, is_host, next_hop_rus, move_chance = (k.return_day, k.ca_mask, k.is_host, k.next_hop_rus,
                                                               k.move_chance)
    nbr, nbr_km, nbr_foot, speed_road, speed_foot = k.nbr, k.nbr_km, k.nbr_foot, k.speed_road, k.speed_foot
    onward_day, table, total = d.onward_day, d.table, d.total
    off_return, off_onward, off_move, off_route = (d.offsets[U_RETURN], d.offsets[U_ONWARD], d.offsets[U_MOVE],
                                                   d.offsets[U_ROUTE])
    left, counters, link_people = t.left, t.counters, t.link_people
    degree = nbr.shape[1]
    n_moving = 0
    for j in range(n_live):  # live groups only: each is AT_NODE or ON_LINK
        i = live[j]
        if status[i] != AT_NODE:  # on a link: travels on in step 3
            moving[n_moving] = i
            n_moving += 1
            continue
        here = loc[i]
        c = country[i]
        # 1. hosted groups: home, or on to Russia
        if c != 0 and not onward[i]:
            if _u(off_return, i) < return_day[c]:
                status[i] = RETURNED
                left[c] += militants[i]
                counters[C_MILITANTS_MOVED] += militants[i]
                continue
            if ca_mask[c] and is_host[here] and _u(off_onward, i) < onward_day:
                onward[i] = True
        # 2. departure
        slot = -1
        if onward[i]:
            slot = next_hop_rus[here]
            if slot < 0:
                onward[i] = False  # at Russia's labour market: settled
        elif _u(off_move, i) < move_chance[here]:
            if total[here] > 0:
                slot = draw_hop(g, i, here, _u(off_route, i), table, nbr, k.node_country, degree)
        if refused_left[i] > 0:
            refused_left[i] -= 1
            if refused_left[i] == 0:
                g.refused[i] = 0  # forgotten: every border may be tried again
        if slot < 0:
            continue
        status[i] = ON_LINK
        link_people[here, slot] += size[i]
        nxt[i] = nbr[here, slot]
        remaining[i] = nbr_km[here, slot]
        speed[i] = speed_foot if nbr_foot[here, slot] else speed_road
        moving[n_moving] = i
        n_moving += 1
    return n_moving


@njit(cache=True)
def _travel(g, moving, n_moving, k):
    """3. travel: a day along the link for the groups listed in `moving`; at its end a group
    inside its own country arrives. Keeps in `moving` (in order) the groups that reached
    another country's border, still ON_LINK with nothing left to travel; returns how many."""
    status, loc, nxt, remaining, speed, country = g.status, g.loc, g.nxt, g.remaining, g.speed, g.country
    node_country = k.node_country
    n_border = 0
    for j in range(n_moving):
        i = moving[j]
        remaining[i] -= speed[i]
        if remaining[i] > 0:
            continue
        dest = nxt[i]
        if node_country[dest] == country[i]:
            loc[i] = dest
            nxt[i] = -1
            status[i] = AT_NODE
            continue
        moving[n_border] = i
        n_border += 1
    return n_border


@njit(cache=True)
def _cross_borders(g, at_border, n_border, k, d, t):
    """4. border, for the groups listed in `at_border`: the receiving state admits the group
    (screening may catch its militants), or it crosses irregularly, or it is turned back
    (and may then go home)."""
    status, loc, nxt, country = g.status, g.loc, g.nxt, g.country
    size, militants, onward = g.size, g.militants, g.onward
    node_country, ca_mask, rus, transit_share, catch, give_up = (k.node_country, k.ca_mask, k.rus, k.transit_share,
                                                                 k.catch, k.give_up)
    admit, screen, irregular, closed, offsets = d.admit, d.screen, d.irregular, d.closed, d.offsets
    detained, infiltrated, left, entries_by_node, counters = (t.detained, t.infiltrated, t.left, t.entries_by_node,
                                                              t.counters)
    for j in range(n_border):
        i = at_border[j]
        dest = nxt[i]
        c_to = node_country[dest]
        p_admit = admit[c_to]
        if onward[i] and c_to != rus and transit_share > p_admit:
            p_admit = transit_share
        is_closed = closed[dest]
        admitted = (not is_closed) and _u(offsets[U_ADMIT], i) < p_admit
        irregular_entry = (not is_closed) and (not admitted) and _u(offsets[U_IRREGULAR], i) < irregular[c_to]
        if admitted and _u(offsets[U_SCREEN], i) < screen[c_to]:
            if militants[i] > 0 and _u(offsets[U_CATCH], i) < catch:
                detained[c_to] += militants[i]
                size[i] -= militants[i]
                militants[i] = 0
        if admitted or irregular_entry:
            infiltrated[c_to] += militants[i]
            counters[C_MILITANTS_MOVED] += militants[i]
            entries_by_node[dest] += size[i]
            if ca_mask[c_to]:
                counters[C_ADMITTED_CA] += size[i]
                if irregular_entry:
                    counters[C_IRREGULAR_CA] += size[i]
                if not ca_mask[country[i]]:
                    counters[C_ENTERED_CA] += size[i]
            if c_to == rus and onward[i]:
                counters[C_ONWARD] += size[i]
            if country[i] != 0:  # a group leaving a country of refuge takes its militants along
                left[country[i]] += militants[i]
                counters[C_MILITANTS_MOVED] += militants[i]
            country[i] = c_to
            loc[i] = dest
            nxt[i] = -1
            status[i] = AT_NODE
        else:
            counters[C_TURNED_BACK] += size[i]
            onward[i] = False
            g.refused[i] |= np.int64(1) << c_to
            g.refused_left[i] = k.refusal_memory
            nxt[i] = -1
            status[i] = AT_NODE
            if _u(offsets[U_GIVE_UP], i) < give_up:
                status[i] = RETURNED
                if country[i] != 0:
                    left[country[i]] += militants[i]
                    counters[C_MILITANTS_MOVED] += militants[i]


@njit(cache=True)
def _recount(g, n_live, k, t):
    """End of day: people in Russia and people at each location (tomorrow's camp occupancy);
    groups that returned leave the live list (the others keep their order). Returns how
    many groups are still live."""
    live, status, loc, country, size, occupancy, rus = g.live, g.status, g.loc, g.country, g.size, t.occupancy, k.rus
    hosted_rus = 0
    occupancy[:] = 0.0
    kept = 0
    for j in range(n_live):
        i = live[j]
        if status[i] == AT_NODE:
            occupancy[loc[i]] += size[i]
        if status[i] == AT_NODE or status[i] == ON_LINK:
            if country[i] == rus:
                hosted_rus += size[i]
            live[kept] = i
            kept += 1
    t.counters[C_HOSTED_RUS] = hosted_rus
    return kept


@njit(cache=True)
def stocks_by_country(n, status, nxt, country, size, node_country, n_countries):
    """People present in each country (index 0: moving inside Afghanistan), people in
    transit between countries, and people who returned; one pass over the groups."""
    present = np.zeros(n_countries, dtype=np.int64)
    transit = 0
    returned = 0
    for i in range(n):
        st = status[i]
        if st == RETURNED:
            returned += size[i]
        elif st == AT_NODE or st == ON_LINK:
            if st == ON_LINK and node_country[nxt[i]] != country[i]:
                transit += size[i]
            else:
                present[country[i]] += size[i]
    return present, transit, returned
