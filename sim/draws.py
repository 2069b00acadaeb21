"""Draws and event probabilities the submodels share.

Counts are drawn by inverting the Poisson CDF at one uniform each, so that the same uniform
gives the same count in every scenario and a higher rate never gives a lower count: paired
comparisons stay paired (numpy's sampler consumes a variable number of draws).
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

from sim.jit import njit


def named_stream(seeds: np.random.SeedSequence, name: str) -> np.random.Generator:
    """The random stream called `name` of a replicate whose seed sequence is `seeds`: its child
    keyed by a hash of the name (not by a position), the same whatever other streams exist."""
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:16], "little")
    child = np.random.SeedSequence(seeds.entropy, spawn_key=(*seeds.spawn_key, key), pool_size=seeds.pool_size)
    return np.random.Generator(np.random.PCG64(child))


def event_prob(rate_per_year: float, dt_years: float) -> float:
    """Probability of at least one event of a Poisson process with this rate in dt."""
    return 1.0 - math.exp(-max(rate_per_year, 0.0) * dt_years)


@njit(cache=True)
def poisson_inverse(u, mean):
    """The Poisson(`mean`) count at uniform `u`: the first count whose CDF exceeds `u`
    (numpy's ``searchsorted(cdf, u, side="right")``). Keep `mean` below a few hundred
    (``exp(-mean)`` underflows near 745); split larger means into chunks."""
    p = math.exp(-mean)
    cdf = p
    count = 0
    while u >= cdf and p > 0.0:
        count += 1
        p *= mean / count
        cdf += p
    return count


@njit(cache=True)
def poisson_inverse_each(u, lam):
    """:func:`poisson_inverse` of each (uniform, mean) pair."""
    out = np.zeros(u.size, dtype=np.int64)
    for i in range(u.size):
        out[i] = poisson_inverse(u[i], lam[i])
    return out
