"""The compiled weekly kernel of the narcotics submodel: export, transit, learning and markets.

The kernel reads and updates three records: :class:`WeekTables` (fixed per replicate),
:class:`WeekState` (the arrays that carry the submodel from week to week, updated in place)
and :class:`WeekParams` (the behavioural parameters). numba takes NamedTuples of arrays and
scalars as arguments; the classes live at module level so numba's on-disk cache can pickle
their types. Each step is its own compiled function; :func:`_week` calls them in order.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.jit import njit


class WeekTables(NamedTuple):
    """Fixed per replicate: organisations, paths, seizing countries and markets."""
    weights: np.ndarray        # (orgs,) each organisation's share of the exported volume
    dest_market: np.ndarray    # (paths,) int, the market at the end of each path
    route_cost: np.ndarray     # (paths,) cost per kg of using each path
    path_route: np.ndarray     # (paths,) int, the route each path belongs to
    route_weeks: np.ndarray    # (paths,) int, the weeks each path takes
    exposure: np.ndarray       # (paths, max weeks, countries) share of each stretch's km in each country
    market: np.ndarray         # (paths, max weeks) int, the transit market at each stretch (-1: none)
    on_route: np.ndarray       # (countries, routes) bool, whether a route crosses a country
    target_share: np.ndarray   # (countries,) the seizure share each state aims at
    ref_price: np.ndarray      # (markets,) reference prices
    weekly_demand: np.ndarray  # (markets,) weekly demand at reference price
    rus: int                   # the Russian market's index


class WeekState(NamedTuple):
    """The arrays carried from week to week; the kernel updates them in place."""
    risk: np.ndarray               # (orgs, paths) perceived loss per trip
    active: np.ndarray             # (orgs, paths) bool, the paths each organisation uses
    expected_price: np.ndarray     # (markets,) what organisations plan on
    pipes: np.ndarray              # (paths, orgs, max weeks) mass in transit on each stretch
    effort: np.ndarray             # (countries,) interdiction effort
    seized_memory: np.ndarray      # (countries, routes) remembered seizures by route
    price: np.ndarray              # (markets,)
    consumed: np.ndarray           # (markets,) cumulative
    shipped: np.ndarray            # (paths,) cumulative
    seized_by_country: np.ndarray  # (countries,) cumulative
    seized_by_path: np.ndarray     # (paths,) cumulative
    passing: np.ndarray            # (countries,) this week's passage
    last_consumed: np.ndarray      # (markets,) consumed at the end of last week
    supply_avg: np.ndarray         # (markets,) moving average of weekly supply
    split: np.ndarray              # (orgs, paths) share of each organisation's volume on each path


class WeekParams(NamedTuple):
    """Behavioural parameters of traffickers, states and markets."""
    export_share: float        # share of the stock shipped per week
    sensitivity: float         # traffickers' profit sensitivity (logit)
    sales_share: float         # share of what passes that transit markets buy at reference price
    memory: float              # states' seizure memory
    adapt_rate: float          # states' effort adaptation rate
    risk_memory: float         # traffickers' loss memory
    loss_tolerance: float      # perceived loss past which a path is dropped
    explore_rate: float        # weekly chance of retrying a dropped path
    market_memory: float       # memory of the supply average
    price_exponent: float      # 1 / price elasticity
    price_memory: float        # memory of the expected price
    price_floor: float         # lowest price, x reference price
    price_cap: float           # highest price, x reference price
    retry_risk: float          # perceived loss of a retried path, x loss_tolerance
    switch_rate: float         # share of an organisation's volume it can move to other paths per week
    price_adjust: float        # share of the log gap to the market-clearing price closed per week
    storage_response: float    # elasticity of the export share to the expected price index


@njit(cache=True)
def _sum(a):
    """Sum of a 1-D array in numpy's order, so results match numpy's ``sum`` for up to 128
    values (numpy splits longer arrays in halves; here: paths x organisations, 16 x 8 = 128 by default).
    The eight partial sums are scalars, not an array, so that a call allocates nothing."""
    n = a.shape[0]
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[i]
        return res
    r0, r1, r2, r3, r4, r5, r6, r7 = a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]
    i = 8
    while i < n - n % 8:
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[i]
        i += 1
    return 0.0 + res


@njit(cache=True)
def _week(stock, tables, state, params, multipliers, rus_demand, u):
    """One week of export, transit, learning and markets; updates the state's arrays in place
    and returns the new stock. ``multipliers`` is each route's interdiction lever this week,
    ``rus_demand`` the factor on Russian demand and ``u`` the organisations' (orgs, paths)
    learning uniforms. Sums follow numpy's order (pairwise along a row, sequential down a
    column), as the array version of these steps did."""
    stock, new = _export(stock, tables, state, params)
    alloc = _allocate_effort(state.seized_memory, multipliers.shape[0])
    seized_or, exposed_or, seized_cr = _transit(tables, state, params, new, alloc, multipliers)
    _learn_interdiction(tables, state, params, seized_cr, alloc, multipliers)
    _learn_trafficking(tables, state, params, seized_or, exposed_or, u)
    _markets(tables, state, params, rus_demand)
    return stock


@njit(cache=True)
def _export(stock, tables, state, params):
    """Step 2; returns the new stock and the (orgs, paths) shipments that start this week."""
    risk, active, expected_price, shipped = state.risk, state.active, state.expected_price, state.shipped
    split, rate = state.split, params.switch_rate
    weights, dest_market, route_cost = tables.weights, tables.dest_market, tables.route_cost
    path_route, sensitivity = tables.path_route, params.sensitivity
    # 2. export: each organisation aims to split its volume over its active paths by the logit
    # of expected margin, each path's weight divided by the number of the organisation's
    # active paths of its route, so that a route weighs as its average path (nested logit).
    n_orgs, n_paths = risk.shape
    # Traders hold stock when prices are low and sell from it when they are high (storage
    # arbitrage): the export share scales with the expected prices over their references,
    # weighted by each market's demand, to the power `storage_response`.
    index = 0.0
    weight = 0.0
    for m in range(expected_price.shape[0]):
        index += tables.weekly_demand[m] * expected_price[m] / tables.ref_price[m]
        weight += tables.weekly_demand[m]
    index = index / weight if weight > 0.0 else 1.0
    volume = stock * min(1.0, params.export_share * index ** params.storage_response)
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
        # The split moves towards these target shares by `switch_rate` a week: contacts, stash
        # houses and bribed officials on a new path take time, so trade shifts gradually. A
        # dropped path is left at once and the rest of the split scaled up to the whole; an
        # organisation with nothing left on its paths (at the start, or having dropped all it
        # used) takes the target split at once.
        held = 0.0
        for j in range(n_paths):
            if active[i, j]:
                held += split[i, j]
        step = rate if held > 0.0 else 1.0
        kept = 0.0
        for j in range(n_paths):
            target = w[j] / total if total > 0 else 0.0
            old = split[i, j] / held if held > 0.0 else 0.0
            split[i, j] = (1.0 - step) * old + step * target if active[i, j] else 0.0
            kept += split[i, j]
        vw = volume * weights[i]
        for j in range(n_paths):
            if kept > 0.0:
                split[i, j] /= kept
            new[i, j] = vw * split[i, j]
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
    return stock, new


@njit(cache=True)
def _allocate_effort(seized_memory, n_r):
    """The (countries, routes) share of each state's effort on each route."""
    # 3. transit. A state splits its effort over the routes it lies on by its seizure
    # memory; every path of a route that crosses it meets the same effort there.
    n_c = seized_memory.shape[0]
    alloc = np.empty((n_c, n_r))
    for c in range(n_c):
        s = 0.0
        for r in range(n_r):
            s += seized_memory[c, r]
        d = max(s, 1e-12)
        for r in range(n_r):
            alloc[c, r] = seized_memory[c, r] / d
    return alloc


@njit(cache=True)
def _transit(tables, state, params, new, alloc, multipliers):
    """Step 3 along every path: arrivals, seizures and transit sales, given the (countries,
    routes) effort allocation. Returns the (orgs, paths) mass seized and exposed and the
    (countries, paths) mass seized. The three parts stay in one loop over paths: a compiled
    helper per part and path costs about as much again as the part (numba counts references
    to every array it is passed)."""
    pipes, effort, passing, consumed, price = state.pipes, state.effort, state.passing, state.consumed, state.price
    route_weeks, dest_market, path_route = tables.route_weeks, tables.dest_market, tables.path_route
    exposure, market, ref_price, sales_share = tables.exposure, tables.market, tables.ref_price, params.sales_share
    n_orgs, n_paths = new.shape
    n_c = effort.shape[0]
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
    return seized_or, exposed_or, seized_cr


@njit(cache=True)
def _learn_interdiction(tables, state, params, seized_cr, alloc, multipliers):
    """States book the week's seizures, move effort and scale it (end of step 3)."""
    effort, passing, seized_memory = state.effort, state.passing, state.seized_memory
    seized_by_country, seized_by_path = state.seized_by_country, state.seized_by_path
    path_route, target_share, on_route = tables.path_route, tables.target_share, tables.on_route
    memory, adapt_rate = params.memory, params.adapt_rate
    n_c, n_paths = seized_cr.shape
    n_r = multipliers.shape[0]
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


@njit(cache=True)
def _learn_trafficking(tables, state, params, seized_or, exposed_or, u):
    """Step 4, given the (orgs, paths) mass seized and exposed this week and the uniforms."""
    risk, active, route_weeks = state.risk, state.active, tables.route_weeks
    risk_memory, loss_tolerance, explore_rate = params.risk_memory, params.loss_tolerance, params.explore_rate
    retry = params.retry_risk * loss_tolerance
    n_orgs, n_paths = risk.shape
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
                risk[i, j] = retry
                active[i, j] = True


@njit(cache=True)
def _markets(tables, state, params, rus_demand):
    """Step 5, with ``rus_demand`` the week's factor on Russian demand."""
    consumed, last_consumed, supply_avg = state.consumed, state.last_consumed, state.supply_avg
    price, expected_price = state.price, state.expected_price
    ref_price, weekly_demand, rus = tables.ref_price, tables.weekly_demand, tables.rus
    market_memory, price_exponent, price_memory = params.market_memory, params.price_exponent, params.price_memory
    floor, cap = params.price_floor, params.price_cap
    # 5. markets
    for m in range(consumed.shape[0]):
        supply = consumed[m] - last_consumed[m]
        last_consumed[m] = consumed[m]
        supply_avg[m] = (1 - market_memory) * supply_avg[m] + market_memory * supply
        demand = weekly_demand[m] * rus_demand if m == rus else weekly_demand[m]
        ratio = demand / max(supply_avg[m], 1e-9)
        # The price closes a share of its (log) gap to the market-clearing price each week:
        # wholesale prices move over months, not from week to week.
        clearing = ref_price[m] * min(max(ratio ** price_exponent, floor), cap)
        price[m] = price[m] * (clearing / price[m]) ** params.price_adjust
        expected_price[m] = (1 - price_memory) * expected_price[m] + price_memory * price[m]
