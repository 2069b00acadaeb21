"""How states choose: expected utility with bounded rationality, a logit choice with inertia.

A decision has a few options (levels of a policy). When the state reviews it, it scores each
option o by its objective as it perceives the world, U(o) = sum over goals g of w_g * u_g(o),
takes off a switching cost kappa * |o - current| (policies have inertia: changing course costs
credibility and effort), and picks option o with probability

    P(o) = exp(V(o) / tau) / sum over o' of exp(V(o') / tau),   V(o) = U(o) - kappa * |o - current|,

the conditional logit of random-utility theory (McFadden 1974) that quantal-response models
use for bounded-rational players (McKelvey & Palfrey 1995): tau measures how far the state
errs from its best option; tau -> 0 is strict maximisation. The option is drawn by inverting
one uniform over the cumulative probabilities, so the same uniform picks the same option
whenever the probabilities agree, and a higher option when utility shifts towards higher ones
(paired comparisons stay paired).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


# The options most decisions choose among: none, a quarter, half, three quarters, all. Options
# are tuples of floats and utilities lists of floats, not arrays: a decision has five options or
# so, where numpy's per-call overhead was most of the cost of a review.
QUARTERS = (0.0, 0.25, 0.5, 0.75, 1.0)


def exp_decay(rate: float, levels: Sequence[float]) -> list[float]:
    """exp(-rate x level) for each level, by numpy's exp (which may differ from math.exp in the last
    bit): the factor of an objective that a parameter fixes, computed once rather than at every review."""
    return np.exp(-rate * np.array(levels, dtype=float)).tolist()


def _weights(levels: Sequence[float], utilities: Sequence[float], current: float, temperature: float,
             switching_cost: float) -> list[float]:
    """Each option's exp(V / tau), taken relative to the best option's (so that it cannot overflow)."""
    v = [u - switching_cost * abs(x - current) for x, u in zip(levels, utilities)]
    top = max(v)
    if temperature <= 0:  # strict maximisation: the best options share the probability
        return [1.0 if x == top else 0.0 for x in v]
    return [math.exp((x - top) / temperature) for x in v]


def choice_probabilities(levels: np.ndarray, utilities: np.ndarray, current: float, temperature: float,
                         switching_cost: float) -> np.ndarray:
    """P(option) of the logit choice with inertia (see the module docstring)."""
    best = _weights(np.asarray(levels, dtype=float).tolist(), np.asarray(utilities, dtype=float).tolist(), current,
                    temperature, switching_cost)
    total = sum(best)
    return np.array([b / total for b in best])


def pick(levels: Sequence[float], utilities: Sequence[float], current: float, temperature: float,
         switching_cost: float, u: float) -> float:
    """:func:`choose` for options and utilities given as Python floats (the agents' reviews)."""
    best = _weights(levels, utilities, current, temperature, switching_cost)
    total = sum(best)
    cumulative = 0.0
    for x, b in zip(levels, best):
        cumulative += b / total
        if u < cumulative:
            return x
    return levels[-1]


def choose(levels: np.ndarray, utilities: np.ndarray, current: float, temperature: float, switching_cost: float,
           u: float) -> float:
    """The option the uniform `u` picks under :func:`choice_probabilities`: the first whose
    cumulative probability exceeds `u`."""
    return pick(np.asarray(levels, dtype=float).tolist(), np.asarray(utilities, dtype=float).tolist(), current,
                temperature, switching_cost, u)
