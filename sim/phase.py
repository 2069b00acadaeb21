"""The model's ordered step: which submodels (phases) run each day, in what order, and the
interface each provides.

The order is declared here by name, apart from the behaviour, so that what only reads results
(the outcome registry, ``sim-plot``) need not import the model; :data:`sim.model.PHASES` holds
the modules ``sim.<name>.phase`` in this order, and each phase's outcomes are in
``sim.<name>.outcomes``.

A phase is a module with:

- ``NAME``: its name (one of :data:`ORDER`; it keys its random stream);
- ``OUTCOMES``: the outcomes it registers (:class:`sim.outcomes.Outcome`);
- ``setup(model)``: create its agents and arrays when the model is built;
- ``step(model)``: advance one day (``model.day``, ``model.date``, and its own random stream
  ``model.streams[<phase name>]``);
- ``observe(model) -> dict``: monthly values of its series outcomes, by name;
- ``final(model) -> dict``: its scalar-only outcomes at the end of the run;
- optionally ``flows(model) -> list``: rows (source, target, quantity, value) of what moved
  along each link over the run (target "" for a quantity at a location), for maps;
- optionally ``next_busy_day(model, day) -> int``: the first day from `day` on which its
  ``step`` does anything (the weekly phases: the next day divisible by 7);
- optionally ``advance(model, days)``: days ``model.day + 1`` .. ``model.day + days`` at once, for
  days on which no other phase acts, with the numbers of stepping each (the refugee phase).

When every phase has ``next_busy_day`` and one has ``advance``, ``SpilloverModel.run`` lets that
phase run the quiet days between busy days in one call; otherwise it steps every day.

Phases share only the record ``model.coupling`` (:mod:`sim.coupling`: each field with its writer,
readers and unit), and read the model's calendar, config, levers and their own random stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

ORDER = ("states", "refugees", "narcotics", "security")

if TYPE_CHECKING:
    from sim.model import SpilloverModel
    from sim.outcomes import Outcome


class Phase(Protocol):
    NAME: str
    OUTCOMES: tuple["Outcome", ...]

    def setup(self, model: "SpilloverModel") -> None: ...
    def step(self, model: "SpilloverModel") -> None: ...
    def observe(self, model: "SpilloverModel") -> dict[str, float]: ...
    def final(self, model: "SpilloverModel") -> dict[str, float]: ...
