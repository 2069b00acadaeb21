"""What crosses between phases: one typed record, each field with its writer, readers and unit.

The model holds one :class:`Coupling` as ``model.coupling``. It is the only thing phases
share: a phase reads the model's calendar, config, levers and random stream, its own state,
and the fields of the coupling it is declared to read; it writes only the fields it is
declared to write. A field written by a phase that runs later in the day is read as it stood
at the end of the previous day. ``tests/test_coupling.py`` checks these rules against the
source of every phase, and that no phase module imports another.

Per-country arrays are in :data:`sim.countries.CENTRAL_ASIA` order (``admit_share``,
``screening``) or :data:`sim.countries.SPILLOVER` order (the others); a country absent from
the network stays at 0.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from sim.countries import CENTRAL_ASIA, SPILLOVER
from sim.phase import ORDER


def shared(*, writer: str, readers: tuple[str, ...], unit: str, doc: str, size: int | None = None) -> Any:
    """A field of the coupling: 0.0, or zeros of `size` (a per-country array)."""
    meta = {"writer": writer, "readers": readers, "unit": unit, "doc": doc}
    if size is None:
        return dataclasses.field(default=0.0, metadata=meta)
    return dataclasses.field(default_factory=lambda: np.zeros(size), metadata=meta)


@dataclass
class Coupling:
    # states -> refugees
    crisis: float = shared(writer="states", readers=("refugees",), unit="index 0-1",
                           doc="Afghan crisis index (collapse, conflict, drought) as of the last review; "
                               "drives displacement")
    admit_share: np.ndarray = shared(writer="states", readers=("refugees",), unit="share", size=len(CENTRAL_ASIA),
                                     doc="share of arriving Afghans each Central Asian state admits")
    screening: np.ndarray = shared(writer="states", readers=("refugees",), unit="share", size=len(CENTRAL_ASIA),
                                   doc="share of admitted Afghans each Central Asian state screens")
    worker_restriction: float = shared(writer="states", readers=("refugees",), unit="index 0-1",
                                       doc="Russia's restriction on Afghan migrant workers, as Moscow chose it or a "
                                           "lever forces it")
    deportation: np.ndarray = shared(writer="states", readers=("refugees",), unit="index 0-1", size=2,
                                     doc="Pakistan's and Iran's deportation campaigns (in that order), as each chose "
                                         "it or a lever forces it")
    # refugees -> states
    hosted: np.ndarray = shared(writer="refugees", readers=("states",), unit="people", size=2,
                                doc="Afghans displaced since the start hosted in Pakistan and Iran (in that order), at "
                                    "the end of the previous day")
    onward_to_rus: float = shared(writer="refugees", readers=("states",), unit="people",
                                  doc="Afghans who moved on from Central Asia into Russia so far (what Central "
                                      "Asian governments learn of onward migration)")
    admitted_ca: float = shared(writer="refugees", readers=("states",), unit="people",
                                doc="entries of Afghans into a Central Asian state so far, admitted or irregular "
                                    "(a group moving from one Central Asian state to another counts again)")
    # states -> security
    islamic_state: float = shared(writer="states", readers=("security",), unit="index 0-1",
                                  doc="Islamic State (ISKP) activity in Afghanistan as of the last review")
    drills: float = shared(writer="states", readers=("security",), unit="index 0-1",
                           doc="Russian-led security drills in Central Asia as of the last review")
    drills_2021: float = shared(writer="states", readers=("security",), unit="index 0-1",
                                doc="the drills of 2021, against which Central Asian security effort is measured")
    crackdown: float = shared(writer="states", readers=("security",), unit="index 0-1",
                              doc="Russia's domestic crackdown on its Muslims, as Moscow chose it or a lever forces it")
    # states -> narcotics
    opium_ban: float = shared(writer="states", readers=("narcotics",), unit="share",
                              doc="share of opium cultivation banned and enforced, as the Taliban chose it or a "
                                  "lever forces it")
    collapse: float = shared(writer="states", readers=("narcotics",), unit="index 0-1",
                             doc="Afghan economic collapse as of the last review (farmers sow more poppy the "
                                 "deeper it is)")
    # narcotics -> states
    opium_revenue: float = shared(writer="narcotics", readers=("states",), unit="USD",
                                  doc="the Taliban's opium tax so far (what they know of their opium revenue)")
    # refugees -> states, security
    militants_entered: np.ndarray = shared(writer="refugees", readers=("states", "security"), unit="militants",
                                           size=len(SPILLOVER),
                                           doc="militants who entered each country undetected with refugees so far "
                                               "(what Moscow's intelligence estimates of militants among refugees)")
    militants_left: np.ndarray = shared(writer="refugees", readers=("security",), unit="militants",
                                        size=len(SPILLOVER),
                                        doc="of those, militants whose group left the country again (onward or "
                                            "home) so far")
    # security -> states
    attacks: np.ndarray = shared(writer="security", readers=("states",), unit="attacks", size=len(SPILLOVER),
                                 doc="major attacks in each country so far")
    militants: np.ndarray = shared(writer="security", readers=("states",), unit="militants", size=len(SPILLOVER),
                                   doc="militants in jihadist networks in each country (what intelligence estimates)")
    # narcotics -> security
    opiates_passing: np.ndarray = shared(writer="narcotics", readers=("security",), unit="tonnes/week",
                                         size=len(SPILLOVER),
                                         doc="opiates (heroin eq.) passing through each country in the last week "
                                             "(0 when the narcotics submodel is off)")


@dataclass(frozen=True)
class FieldInfo:
    name: str
    writer: str
    readers: tuple[str, ...]
    unit: str
    doc: str


def fields() -> Iterator[FieldInfo]:
    """The declared fields, in order."""
    for f in dataclasses.fields(Coupling):
        m = f.metadata
        yield FieldInfo(f.name, m["writer"], m["readers"], m["unit"], m["doc"])


def check_declarations() -> None:
    """ValueError if a field names a phase that does not exist or reads what it writes."""
    for f in fields():
        unknown = {f.writer, *f.readers} - set(ORDER)
        if unknown:
            raise ValueError(f"coupling field {f.name} names unknown phase(s) {sorted(unknown)}")
        if f.writer in f.readers:
            raise ValueError(f"coupling field {f.name}: its writer {f.writer} is listed as a reader")
