"""The route table of the refugee phase, compiled with numba: FLEE's first-hop weights of
every location, and the table a mover draws its first hop from.

A route is a path of at most a few hops from a location to a destination; its weight is the
destination's score over (softening + route km), and the weights of the routes sharing a
first hop add up to that hop's weight. The table is rebuilt only when a weight changed (a
capacity-limited host filling up, a closure starting or ending). :func:`draw_hop` draws a
group's first hop from the table, leaving out the countries that turned the group back lately.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.jit import njit


class Routes(NamedTuple):
    """The route table and what its first-hop weights are made of (built once, at setup; the
    weights, table and totals are the phase's own arrays, updated in place)."""

    capacity: np.ndarray      # (L,) people a host takes before its score falls (0: no limit)
    capacity_buffer: float    # fill at which the score starts to fall
    base_score: np.ndarray    # (L,) FLEE location score
    attract: np.ndarray       # (C,) attractiveness of each country
    node_country: np.ndarray  # (L,) country index of each node
    route_dest: np.ndarray    # (E,) destination of each route
    route_hops: np.ndarray    # (E, H) nodes a route passes, -1 padding
    soft_km: np.ndarray       # (E,) softening + route km
    flat: np.ndarray          # (E,) index of the route's first hop in the flattened (L, D) weights
    weights: np.ndarray       # (L * D,) first-hop weights the table was built from (NaN: never built)
    table: np.ndarray         # (L * D,) row i holds i + cumulative first-hop probabilities
    total: np.ndarray         # (L,) first-hop weight of each row (0: nobody leaves)


@njit(cache=True)
def route_weights(occupancy, capacity, capacity_buffer, base_score, attract, node_country, closed,
                  route_dest, route_hops, soft_km, flat, weights):
    """(L, D) weight of each first hop into ``weights`` (flattened); True when it changed.

    The same arithmetic, in the same order, as the vectorised version it replaces
    (``_route_weights`` in tests/test_refugees.py): fill = occupancy / capacity where capacity > 0;
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
def build_table(weights, degree, table, total):
    """The route table from the first-hop weights (flattened (L, D)), into `table` and `total`:
    row i holds i + the cumulative share of each first hop (the last set to exactly 1), and
    `total` each row's weight. The same arithmetic in the same order as the numpy version in
    tests/test_refugees.py (``weights.sum(axis=1)``, ``cumsum(axis=1) / total``; numpy adds a
    row of fewer than eight values left to right), bit for bit."""
    n_rows = weights.size // degree
    for i in range(n_rows):
        row = i * degree
        tot = 0.0
        for d in range(degree):
            tot += weights[row + d]
        total[i] = tot
        scale = tot if tot > 0 else 1.0
        cum = 0.0
        for d in range(degree):
            cum += weights[row + d]
            table[row + d] = i + cum / scale
        table[row + degree - 1] = i + 1.0


@njit(cache=True)
def refresh(r, occupancy, closed, degree):
    """Recompute the first-hop weights of :class:`Routes` `r` from today's occupancy and closures,
    and rebuild its table when any weight changed (the cache: the table depends on the weights alone)."""
    if route_weights(occupancy, r.capacity, r.capacity_buffer, r.base_score, r.attract, r.node_country, closed,
                     r.route_dest, r.route_hops, r.soft_km, r.flat, r.weights):
        build_table(r.weights, degree, r.table, r.total)


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
def draw_hop(g, i, here, u, table, nbr, node_country, degree):
    """The first hop group `i` at `here` takes for the uniform `u`: the route table's draw,
    except that a group turned back in the last days avoids the hops into the countries that
    refused it (bits of ``refused``) and draws among the others in proportion to their
    weights; with no other hop, it waits (-1)."""
    row = here * degree
    if g.refused_left[i] > 0:
        allowed = 0.0
        for s in range(degree):
            if nbr[here, s] >= 0 and not (g.refused[i] >> node_country[nbr[here, s]]) & 1:
                allowed += table[row + s] - here - (table[row + s - 1] - here if s > 0 else 0.0)
        if allowed <= 0.0:
            return -1
        v = u * allowed
        last = -1
        for s in range(degree):
            if nbr[here, s] >= 0 and not (g.refused[i] >> node_country[nbr[here, s]]) & 1:
                p = table[row + s] - here - (table[row + s - 1] - here if s > 0 else 0.0)
                if p > 0.0:
                    last = s
                    if v < p:
                        return s
                    v -= p
        return last  # rounding left v at the end of the row
    lo = _first_above(table, row, row + degree, here + u)  # within the row
    return min(lo - row, degree - 1)
