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

import numpy as np


def choice_probabilities(levels: np.ndarray, utilities: np.ndarray, current: float, temperature: float,
                         switching_cost: float) -> np.ndarray:
    """P(option) of the logit choice with inertia (see the module docstring)."""
    v = np.asarray(utilities, dtype=float) - switching_cost * np.abs(np.asarray(levels, dtype=float) - current)
    if temperature <= 0:  # strict maximisation: the best options share the probability
        best = v == v.max()
        return best / best.sum()
    z = np.exp((v - v.max()) / temperature)
    return z / z.sum()


def choose(levels: np.ndarray, utilities: np.ndarray, current: float, temperature: float, switching_cost: float,
           u: float) -> float:
    """The option the uniform `u` picks under :func:`choice_probabilities`."""
    p = choice_probabilities(levels, utilities, current, temperature, switching_cost)
    k = int(np.searchsorted(np.cumsum(p), u, side="right"))
    return float(levels[min(k, len(levels) - 1)])
