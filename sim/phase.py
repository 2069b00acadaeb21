"""The interface every submodel module provides to the model's ordered step.

A phase is a module with:

- ``OUTCOMES``: the outcomes it registers (:class:`sim.outcomes.Outcome`);
- ``setup(model)``: create its agents and arrays when the model is built;
- ``step(model)``: advance one day (``model.day``, ``model.date``, and its own random stream
  ``model.streams[<phase name>]``);
- ``observe(model) -> dict``: monthly values of its series outcomes, by name;
- ``final(model) -> dict``: its scalar-only outcomes at the end of the run;
- optionally ``flows(model) -> list``: rows (source, target, quantity, value) of what moved
  along each link over the run (target "" for a quantity at a location), for maps.

Phases talk through the model: the states phase sets each Central Asian state's
``admit_share`` and ``screening`` for the refugee phase to read, for example.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sim.model import SpilloverModel
    from sim.outcomes import Outcome


class Phase(Protocol):
    OUTCOMES: tuple["Outcome", ...]

    def setup(self, model: "SpilloverModel") -> None: ...
    def step(self, model: "SpilloverModel") -> None: ...
    def observe(self, model: "SpilloverModel") -> dict[str, float]: ...
    def final(self, model: "SpilloverModel") -> dict[str, float]: ...
