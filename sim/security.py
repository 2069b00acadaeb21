"""Security spillover (issue 5): militant stocks per country, radicalization in Russia,
attack risk.

Not built yet: this module is the submodel's place in the model's ordered step, with the
entry points every phase provides. It declares no outcomes and changes nothing, so the
runs of the foundation issue measure the states submodel alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.outcomes import Outcome

if TYPE_CHECKING:
    from sim.model import SpilloverModel

OUTCOMES: tuple[Outcome, ...] = ()


def setup(model: "SpilloverModel") -> None:
    """Create this submodel's agents and arrays."""


def step(model: "SpilloverModel") -> None:
    """Advance this submodel by one day."""


def observe(model: "SpilloverModel") -> dict[str, float]:
    """Monthly values of this submodel's series outcomes."""
    return {}


def final(model: "SpilloverModel") -> dict[str, float]:
    """End-of-run scalar outcomes."""
    return {}
