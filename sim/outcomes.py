"""Outcome registry: every outcome is declared once with name, unit and label.

Naming: snake_case; ``n_`` for stocks, ``new_`` for flows, ``cum_`` for totals; indexes
and dates say what they are (``russia_influence_ca``, ``month_russia_recognizes``).

An outcome is recorded monthly as a time series (``series=True``) and reduced to one
scalar per replicate by ``reduce``: ``final`` (value at the end of the horizon), ``mean``
(over the monthly values), ``max`` or ``sum`` (the total of a monthly flow). Outcomes with ``series=False`` are scalars set by
the submodel at the end of a run (event dates; NaN when the event never happens).

Each submodel declares its ``OUTCOMES`` in ``sim.<name>.outcomes``; :func:`registry` gathers
them in phase order without importing any behaviour.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass

_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
REDUCTIONS = ("final", "mean", "max", "sum")


@dataclass(frozen=True)
class Outcome:
    name: str
    unit: str
    label: str
    series: bool = True
    reduce: str = "final"

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"outcome name {self.name!r} is not snake_case")
        if self.series and self.reduce not in REDUCTIONS:
            raise ValueError(f"outcome {self.name}: reduce must be one of {REDUCTIONS}")


def registry(phases=None, scorecard: bool = True) -> dict[str, Outcome]:
    """All outcomes of the phases (modules with ``OUTCOMES``; default: the model's, from
    ``sim.<name>.outcomes`` in :data:`sim.phase.ORDER`), by name, in phase order, then
    Moscow's scorecard (:mod:`sim.scorecard`, scored on the phases' outcomes) unless not
    `scorecard`."""
    if phases is None:
        from sim.phase import ORDER

        phases = [importlib.import_module(f"sim.{name}.outcomes") for name in ORDER]
    sources = list(phases)
    if scorecard:
        sources.append(importlib.import_module("sim.scorecard"))
    out: dict[str, Outcome] = {}
    for phase in sources:
        for o in phase.OUTCOMES:
            if o.name in out:
                raise ValueError(f"outcome {o.name} is registered twice")
            out[o.name] = o
    return out
