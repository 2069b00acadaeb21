"""The compiled weekly kernel of the narcotics submodel: export, transit, learning and markets."""

from __future__ import annotations

import numpy as np

from sim.jit import njit


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
