"""Policy: the levers a memo compares. Each lever is an object with a start date.

A lever's ``start`` is an ISO date inside the run's horizon, or None for the start of the
run; before it the lever reads its status-quo setting (:data:`STATUS_QUO`, the defaults).
:func:`lever_events` lists the levers a run sets away from the status quo, with the date they
do so, so plots can mark them.
"""

from __future__ import annotations

import datetime as dt
import math
import enum
from dataclasses import dataclass, field, fields
from typing import List, Optional

from sim.calendar import Calendar, parse_date
from sim.provenance import article, decision, external, nonneg, share, sub


@dataclass
class Lever:
    start: Optional[str] = None

    def start_date(self, calendar: Calendar, key: str) -> dt.date:
        return calendar.start if self.start is None else parse_date(self.start, f"{key}.start")

    def setting(self) -> dict:
        """What the lever sets, by field (its start date aside)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "start"}



@dataclass
class RussianRefugeePressure(Lever):
    level: Optional[float] = decision(unit="index 0-1", source=article(
        "Putin has the means to pressure Central Asian countries to limit the number of refugees they receive"),
        range=(0.0, 1.0), doc="forces Moscow's pressure on Central Asia to limit Afghan admissions; None: Russia "
                              "decides it")



@dataclass
class RussianExercisePressure(Lever):
    level: float = share(0.5, unit="index 0-1", source=article(
        "if Central Asian countries decide to hold exercises with the U.S., Moscow (not to mention Beijing "
        "and Tehran) will pressure them against it"), range=(0.0, 1.0),
        doc="Moscow's pressure on Central Asia against military exercises with the US")



@dataclass
class WesternHosting(Lever):
    usd_m_per_year: Optional[float] = decision(unit="USD m/year per Central Asian state", source=article(
        "temporarily hosting Afghan refugees in Central Asia"), bounds=(0.0, math.inf), range=(0.0, 500.0),
        doc="forces the Western funds paid to each Central Asian state for hosting Afghans; None: the West decides")



@dataclass
class WesternScreening(Lever):
    usd_m_per_year: float = nonneg(0.0, unit="USD m/year per Central Asian state", source=article(
        "militants appearing [in Russia] again under the guise of refugees"), range=(0.0, 100.0),
        doc="Western funds for screening the Afghans each Central Asian state admits (equipment, vetting, "
            "biometrics): raises the share of admitted Afghans screened")



@dataclass
class ReservesRelease(Lever):
    share: Optional[float] = decision(unit="share", source=article("9.5 billion in former Afghan government reserves"),
                                      range=(0.0, 1.0), doc="forces the share of the frozen reserves released to "
                                                            "Afghanistan; None: the West decides")



@dataclass
class Recognition(Lever):
    early: List[str] = field(default_factory=list, metadata={
        "doc": "ISO3 codes of the states that recognise the Taliban on the lever's start date, whatever their "
               "hazard"})



class USReturnMode(enum.Enum):
    never = "never"
    conditional = "conditional"
    forced = "forced"


@dataclass
class USReturn(Lever):
    mode: USReturnMode = field(default=USReturnMode.conditional, metadata={
        "doc": "never; conditional (the US returns at a hazard while the Afghan crisis is past a threshold); "
               "forced (on the lever's start date)"})



@dataclass
class RussianMigrantRestriction(Lever):
    level: Optional[float] = decision(unit="index 0-1", source=article(
        "If Central Asian countries accept many Afghan refugees, they may then find their way to Russia as "
        "migrant workers"), range=(0.0, 1.0),
        doc="forces Russia's restriction on Afghan migrant workers (cuts their entry and their setting out); None: "
            "Russia decides it")



@dataclass
class OpiumBan(Lever):
    compliance: Optional[float] = decision(unit="share of production stopped", source=external(
        "Taliban decree banning poppy cultivation, April 2022; UNODC found cultivation down about 95% in 2023",
        2023), range=(0.0, 1.0), doc="forces a Taliban ban on opium: the share of the poppy sown from then on "
                                     "that it stops (the crop already sown only through eradication); None: the "
                                     "Taliban decide it")



@dataclass
class Interdiction(Lever):
    multiplier: float = nonneg(1.0, unit="x interdiction effort on the route", source=article(
        "The UN explains this shift in part by an increase in border seizures"), range=(0.5, 3.0),
        doc="interdiction effort on the route's stretches, times the states' own adaptive effort")



@dataclass
class RussianCrackdown(Lever):
    level: Optional[float] = decision(unit="index 0-1", source=article(
        "if Moscow starts to further clamp down on Russia's own Muslims"), range=(0.0, 1.0),
        doc="forces Russia's domestic crackdown on its Muslims (more arrests, more grievance); None: Russia "
            "decides it")


@dataclass
class RussianDrills(Lever):
    level: Optional[float] = decision(unit="index 0-1", source=article(
        "The Kremlin has increased regional security drills, both bilaterally and through the Collective "
        "Security Treaty Organization (CSTO)"), range=(0.0, 1.0),
        doc="forces the intensity of Russian-led security drills in Central Asia; None: Russia decides it")


@dataclass
class RussianReservesPush(Lever):
    level: Optional[float] = decision(unit="index 0-1", source=article(
        "in former Afghan government reserves and for them to go to the Taliban"), range=(0.0, 1.0),
        doc="forces Moscow's campaign for the reserves' release and for the West to carry the cost; None: Russia "
            "decides it")


@dataclass
class RussianEngagement(Lever):
    level: Optional[float] = decision(unit="index 0-1", source=article(
        "Moscow's support for the Taliban went beyond diplomacy to arms provision and other assistance"),
        range=(0.0, 1.0), doc="forces Moscow's engagement with the Taliban (aid, arms, diplomacy); None: Russia "
                              "decides it")


@dataclass
class IslamicStateSuppression(Lever):
    level: Optional[float] = decision(unit="index 0-1", source=article(
        "the Taliban's purported perception of ISIS as its chief enemy is rather tenuous"), range=(0.0, 1.0),
        doc="forces the Taliban's effort against Islamic State; None: the Taliban decide it")


@dataclass
class RecognitionSeeking(Lever):
    level: Optional[float] = decision(unit="index 0-1", source=article(
        "recognition of the Taliban may be forthcoming in the near future, and not only from Moscow"),
        range=(0.0, 1.0), doc="forces the concessions the Taliban make to seek recognition; None: the Taliban "
                              "decide them")


@dataclass
class ChineseEngagement(Lever):
    level: Optional[float] = decision(unit="index 0-1", source=article(
        "China has increased its economic footprint and boosted arms sales in Central Asia"), range=(0.0, 1.0),
        doc="forces China's economic engagement in Afghanistan; None: China decides it")


@dataclass
class Deportation(Lever):
    level: Optional[float] = decision(unit="index 0-1", source=external(
        "Iran and Pakistan deport and push back Afghans in campaigns (IOM return monitoring)", 2021),
        range=(0.0, 1.0), doc="forces the host's campaign deporting Afghans: raises their return and cuts admission; "
                              "None: the host decides it")


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
    western_screening: WesternScreening = sub(WesternScreening)
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
    russia_drills: RussianDrills = sub(RussianDrills)
    russia_reserves_push: RussianReservesPush = sub(RussianReservesPush)
    russia_engagement: RussianEngagement = sub(RussianEngagement)
    taliban_iskp_suppression: IslamicStateSuppression = sub(IslamicStateSuppression)
    taliban_recognition_seeking: RecognitionSeeking = sub(RecognitionSeeking)
    china_engagement: ChineseEngagement = sub(ChineseEngagement)
    pak_deportation: Deportation = sub(Deportation)
    irn_deportation: Deportation = sub(Deportation)


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


def changed_levers(policy: PolicyConfig) -> list[tuple[str, Lever]]:
    """(name, lever) of every lever set away from its status-quo setting (its start aside)."""
    return [(name, lever) for name, lever in iter_levers(policy)
            if lever.setting() != getattr(STATUS_QUO, name).setting()]


def lever_events(policy: PolicyConfig, calendar: Calendar) -> list[dict]:
    """Levers this run sets away from the status quo, with the date each does so, and the
    closures (for manifests and plots)."""
    events = [
        {"lever": name, "start": lever.start_date(calendar, f"policy.{name}").isoformat()}
        for name, lever in changed_levers(policy)
    ]
    for i, c in enumerate(policy.closures):
        first, last = closure_days(c, calendar, f"policy.closures[{i}]")
        events.append({"lever": f"closure:{c.location}", "start": calendar.date(first).isoformat(),
                       "end": calendar.date(last).isoformat()})
    return events

