"""Policy: the levers a memo compares. Each lever is an object with a start date.

A lever's ``start`` is an ISO date inside the run's horizon, or None for the start of the
run. A lever at its neutral setting (level 0, nothing listed, ``never``) does nothing;
:func:`lever_events` lists the levers that act, with the date they begin, so plots can
mark them.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field, fields
from typing import List, Optional

from sim.calendar import Calendar, parse_date
from sim.provenance import article, external, nonneg, share, sub


@dataclass
class Lever:
    start: Optional[str] = None

    def start_date(self, calendar: Calendar, key: str) -> dt.date:
        return calendar.start if self.start is None else parse_date(self.start, f"{key}.start")

    def is_active(self) -> bool:
        """True when the lever is set away from its neutral value."""
        raise NotImplementedError


@dataclass
class RussianRefugeePressure(Lever):
    level: float = share(0.5, unit="index 0-1", source=article(
        "Putin has the means to pressure Central Asian countries to limit the number of refugees they receive"),
        range=(0.0, 1.0), doc="Moscow's pressure on Central Asia to limit Afghan admissions")

    def is_active(self) -> bool:
        return self.level > 0


@dataclass
class RussianExercisePressure(Lever):
    level: float = share(0.5, unit="index 0-1", source=article(
        "if Central Asian countries decide to hold exercises with the U.S., Moscow (not to mention Beijing "
        "and Tehran) will pressure them against it"), range=(0.0, 1.0),
        doc="Moscow's pressure on Central Asia against military exercises with the US")

    def is_active(self) -> bool:
        return self.level > 0


@dataclass
class WesternHosting(Lever):
    usd_m_per_year: float = nonneg(0.0, unit="USD m/year per Central Asian state", source=article(
        "temporarily hosting Afghan refugees in Central Asia"), range=(0.0, 500.0),
        doc="Western funds paid to each Central Asian state for hosting Afghans")

    def is_active(self) -> bool:
        return self.usd_m_per_year > 0


@dataclass
class ReservesRelease(Lever):
    share: float = share(0.0, source=article("9.5 billion in former Afghan government reserves"),
                         range=(0.0, 1.0), doc="share of the frozen reserves released to Afghanistan")

    def is_active(self) -> bool:
        return self.share > 0


@dataclass
class Recognition(Lever):
    early: List[str] = field(default_factory=list, metadata={
        "doc": "ISO3 codes of the states that recognise the Taliban on the lever's start date, whatever their "
               "hazard"})

    def is_active(self) -> bool:
        return len(self.early) > 0


class USReturnMode(enum.Enum):
    never = "never"
    conditional = "conditional"
    forced = "forced"


@dataclass
class USReturn(Lever):
    mode: USReturnMode = field(default=USReturnMode.conditional, metadata={
        "doc": "never; conditional (the US returns at a hazard while the Afghan crisis is past a threshold); "
               "forced (on the lever's start date)"})

    def is_active(self) -> bool:
        return self.mode is USReturnMode.forced


@dataclass
class RussianMigrantRestriction(Lever):
    level: float = share(0.0, unit="index 0-1", source=article(
        "If Central Asian countries accept many Afghan refugees, they may then find their way to Russia as "
        "migrant workers"), range=(0.0, 1.0),
        doc="Russian restriction on Afghan migrant workers: cuts their entry and their setting out")

    def is_active(self) -> bool:
        return self.level > 0


@dataclass
class OpiumBan(Lever):
    compliance: float = share(0.0, unit="share of production stopped", source=external(
        "Taliban decree banning poppy cultivation, April 2022; UNODC found cultivation down about 95% in 2023",
        2023), range=(0.0, 1.0), doc="a Taliban ban on opium: the share of production it stops")

    def is_active(self) -> bool:
        return self.compliance > 0


@dataclass
class Interdiction(Lever):
    multiplier: float = nonneg(1.0, unit="x interdiction effort on the route", source=article(
        "The UN explains this shift in part by an increase in border seizures"), range=(0.5, 3.0),
        doc="interdiction effort on the route's stretches, times the states' own adaptive effort")

    def is_active(self) -> bool:
        return self.multiplier != 1.0


@dataclass
class RussianCrackdown(Lever):
    level: float = share(0.0, unit="index 0-1", source=article(
        "if Moscow starts to further clamp down on Russia's own Muslims"), range=(0.0, 1.0),
        doc="a harsher domestic crackdown on Russia's Muslims: more arrests, more grievance")

    def is_active(self) -> bool:
        return self.level > 0


@dataclass
class Closure:
    """A location (border crossing, host, hub) closed to refugees from ``start`` to ``end``."""

    location: str = ""
    start: Optional[str] = None
    end: Optional[str] = None


@dataclass
class PolicyConfig:
    russia_refugee_pressure: RussianRefugeePressure = sub(RussianRefugeePressure)
    russia_exercise_pressure: RussianExercisePressure = sub(RussianExercisePressure)
    western_hosting: WesternHosting = sub(WesternHosting)
    reserves_release: ReservesRelease = sub(ReservesRelease)
    recognition: Recognition = sub(Recognition)
    us_return: USReturn = sub(USReturn)
    russia_migrant_restriction: RussianMigrantRestriction = sub(RussianMigrantRestriction)
    closures: List[Closure] = field(default_factory=list)
    opium_ban: OpiumBan = sub(OpiumBan)
    interdiction_northern: Interdiction = sub(Interdiction)
    interdiction_balkan: Interdiction = sub(Interdiction)
    interdiction_southern: Interdiction = sub(Interdiction)
    russia_crackdown: RussianCrackdown = sub(RussianCrackdown)


# The levers as they stood after the withdrawal: what every lever reads before its start date.
# Read only (the model never writes to it).
STATUS_QUO = PolicyConfig()


def iter_levers(policy: PolicyConfig):
    """(name, lever) for every lever with a start date (closures are listed separately)."""
    for f in fields(policy):
        value = getattr(policy, f.name)
        if isinstance(value, Lever):
            yield f.name, value


def closure_days(closure: Closure, calendar: Calendar, key: str) -> tuple[int, int]:
    """First and last day (inclusive) of a closure; open-ended sides run to the horizon's ends."""
    start = calendar.start if closure.start is None else parse_date(closure.start, f"{key}.start")
    end = calendar.end if closure.end is None else parse_date(closure.end, f"{key}.end")
    return calendar.day_of(start), calendar.day_of(end)


def lever_events(policy: PolicyConfig, calendar: Calendar) -> list[dict]:
    """Levers that act in this run, with the date each begins (for manifests and plots)."""
    events = [
        {"lever": name, "start": lever.start_date(calendar, f"policy.{name}").isoformat()}
        for name, lever in iter_levers(policy)
        if lever.is_active()
    ]
    for i, c in enumerate(policy.closures):
        first, last = closure_days(c, calendar, f"policy.closures[{i}]")
        events.append({"lever": f"closure:{c.location}", "start": calendar.date(first).isoformat(),
                       "end": calendar.date(last).isoformat()})
    return events

