"""The daily pass over refugee groups, compiled with numba: one loop, each group once.

For every group, in order: a hosted group may go home or (in Central Asia) set out for
Russia; a group at a location may leave (FLEE move chance) along a route drawn from the
day's route table; a group on a link travels, and on entering another country is
admitted, crosses irregularly, or is turned back. Groups are independent within a day
(route weights are fixed at the start of the day, from the occupancy this pass counts at
the end of the previous day), so one loop is the same as the
phase-by-phase description in :mod:`sim.refugees`.

Uniforms are :func:`sim.refugees.tables.agent_uniforms` computed per group: the same
(key, slot, day, purpose) hash, bit for bit.
"""

from __future__ import annotations

import numpy as np

from sim.draws import poisson_inverse
from sim.jit import njit
from sim.refugees.tables import (
    _DAY, _GOLD, _M1, _M2, _PURPOSE, _SLOT, AT_NODE, ON_LINK, RETURNED,
    U_ADMIT, U_CATCH, U_DISPLACE, U_GIVE_UP, U_IRREGULAR, U_MOVE, U_ONWARD, U_RETURN, U_ROUTE, U_SCREEN,
)

N_PURPOSES = U_DISPLACE + 1
# Indexes of the counters array filled by day_pass.
C_TURNED_BACK, C_ONWARD, C_ADMITTED_CA, C_ENTERED_CA, C_HOSTED_RUS = range(5)


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


@njit(cache=True, inline="always")
def _first_above(values, lo, hi, x):
    """First index in [lo, hi) of sorted `values` whose value exceeds x (hi if none):
    numpy's searchsorted(side="right") on a slice."""
    while lo < hi:
        mid = (lo + hi) // 2
        if values[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo


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
def displace_counts(offset, regions, region_pop, rate, intensity, people_per_agent):
    """Groups displaced today from each region, Poisson(pop * rate / 365.25 * intensity / size),
    and their total.

    The mean is formed in the same left-to-right order as the vectorised
    ``population[regions] * rate / 365.25 * intensity / people_per_agent`` (same bits).
    """
    lam = np.empty(regions.size)
    for j in range(regions.size):
        lam[j] = region_pop[j] * rate / 365.25 * intensity / people_per_agent
    counts = poisson_counts(offset, regions, lam)
    return counts, counts.sum()


@njit(cache=True)
def place_groups(first, counts, regions, militant_offset, militant_mean, people_per_agent,
                 status, loc, nxt, country, size, militants, onward):
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
            slot += 1
    return slot


@njit(cache=True)
def route_weights(occupancy, capacity, capacity_buffer, base_score, attract, node_country, closed,
                  route_dest, route_hops, soft_km, flat, weights):
    """(L, D) weight of each first hop into ``weights`` (flattened); True when it changed.

    The same arithmetic, in the same order, as the vectorised version it replaces
    (``sim.refugees.phase._route_weights``): fill = occupancy / capacity where capacity > 0;
    multiplier = clip((1 - fill) / (1 - buffer), 0, 1); score = base * attract * multiplier;
    weight of a route = score[dest] * passable / (softening + km), summed per first hop in
    route order (as ``np.bincount`` does).
    """
    n = occupancy.size
    score = np.empty(n)
    for i in range(n):
        mult = 1.0
        if capacity[i] > 0:
            fill = occupancy[i] / capacity[i]
            mult = min(max((1.0 - fill) / (1.0 - capacity_buffer), 0.0), 1.0)
        score[i] = base_score[i] * attract[node_country[i]] * mult
    new = np.zeros(weights.size)
    for e in range(route_dest.size):
        passable = 1.0
        for h in range(route_hops.shape[1]):
            node = route_hops[e, h]
            if node >= 0 and closed[node]:
                passable = 0.0
        new[flat[e]] += score[route_dest[e]] * passable / soft_km[e]
    changed = False
    for k in range(weights.size):
        if new[k] != weights[k]:
            changed = True
            weights[k] = new[k]
    return changed


@njit(cache=True)
def day_pass(live, n_live, status, loc, nxt, remaining, speed, country, size, militants, onward,
             offsets, move_chance, is_host, next_hop_rus, node_country, nbr, nbr_km, nbr_foot,
             table, total, closed, admit, screen, irregular, return_day, ca_mask,
             onward_day, transit_share, give_up, catch, rus, speed_road, speed_foot,
             detained, infiltrated, left, entries_by_node, counters, occupancy, link_people):
    """One day of every live group. Per country it counts militants who entered undetected
    (`infiltrated`) and those who left again with their group, onward or home (`left`)."""
    degree = nbr.shape[1]
    for j in range(n_live):  # live groups only: each is AT_NODE or ON_LINK
        i = live[j]
        st = status[i]
        if st == AT_NODE:
            here = loc[i]
            c = country[i]
            # 1. hosted groups: home, or on to Russia
            if c != 0 and not onward[i]:
                if _u(offsets[U_RETURN], i) < return_day[c]:
                    status[i] = RETURNED
                    left[c] += militants[i]
                    continue
                if ca_mask[c] and is_host[here] and _u(offsets[U_ONWARD], i) < onward_day:
                    onward[i] = True
            # 2. departure
            slot = -1
            if onward[i]:
                slot = next_hop_rus[here]
                if slot < 0:
                    onward[i] = False  # at Russia's labour market: settled
            elif _u(offsets[U_MOVE], i) < move_chance[here]:
                if total[here] > 0:
                    target = here + _u(offsets[U_ROUTE], i)
                    lo = _first_above(table, here * degree, here * degree + degree, target)  # within the row
                    slot = min(lo - here * degree, degree - 1)
            if slot < 0:
                continue
            status[i] = ON_LINK
            link_people[here, slot] += size[i]
            nxt[i] = nbr[here, slot]
            remaining[i] = nbr_km[here, slot]
            speed[i] = speed_foot if nbr_foot[here, slot] else speed_road
        # 3. travel
        remaining[i] -= speed[i]
        if remaining[i] > 0:
            continue
        dest = nxt[i]
        c_to = node_country[dest]
        if c_to == country[i]:
            loc[i] = dest
            nxt[i] = -1
            status[i] = AT_NODE
            continue
        # 4. border
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
            entries_by_node[dest] += size[i]
            if ca_mask[c_to]:
                counters[C_ADMITTED_CA] += size[i]
                if not ca_mask[country[i]]:
                    counters[C_ENTERED_CA] += size[i]
            if c_to == rus and onward[i]:
                counters[C_ONWARD] += size[i]
            if country[i] != 0:  # a group leaving a country of refuge takes its militants along
                left[country[i]] += militants[i]
            country[i] = c_to
            loc[i] = dest
            nxt[i] = -1
            status[i] = AT_NODE
        else:
            counters[C_TURNED_BACK] += size[i]
            onward[i] = False
            nxt[i] = -1
            status[i] = AT_NODE
            if _u(offsets[U_GIVE_UP], i) < give_up:
                status[i] = RETURNED
                if country[i] != 0:
                    left[country[i]] += militants[i]
    # End of day: people in Russia and people at each location (tomorrow's camp occupancy);
    # groups that returned leave the live list (the others keep their order).
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
    counters[C_HOSTED_RUS] = hosted_rus
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
