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

import numpy as np


# The options most decisions choose among: none, a quarter, half, three quarters, all.
QUARTERS = np.array([0.0, 0.25, 0.5, 0.75, 1.0])


def _probabilities(levels, utilities, current: float, temperature: float, switching_cost: float) -> list[float]:
    """P(option) as a list, in plain Python: a decision has five options or so, where numpy's
    per-call overhead is most of the cost."""
    v = [u - switching_cost * abs(x - current) for x, u in zip(levels, utilities)]
    top = max(v)
    if temperature <= 0:  # strict maximisation: the best options share the probability
        best = [1.0 if x == top else 0.0 for x in v]
    else:
        best = [math.exp((x - top) / temperature) for x in v]
    total = sum(best)
    return [b / total for b in best]


def choice_probabilities(levels: np.ndarray, utilities: np.ndarray, current: float, temperature: float,
                         switching_cost: float) -> np.ndarray:
    """P(option) of the logit choice with inertia (see the module docstring)."""
    return np.array(_probabilities(np.asarray(levels, dtype=float).tolist(),
                                   np.asarray(utilities, dtype=float).tolist(), current, temperature, switching_cost))


def choose(levels: np.ndarray, utilities: np.ndarray, current: float, temperature: float, switching_cost: float,
           u: float) -> float:
    """The option the uniform `u` picks under :func:`choice_probabilities`: the first whose
    cumulative probability exceeds `u`."""
    xs = levels.tolist()
    cumulative = 0.0
    for x, p in zip(xs, _probabilities(xs, utilities.tolist(), current, temperature, switching_cost)):
        cumulative += p
        if u < cumulative:
            return float(x)
    return float(xs[-1])
