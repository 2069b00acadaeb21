"""State agents: one Mesa agent per state, holding the article's attributes and rules.

Each method is one rule, applied by :mod:`sim.states.phase` in a fixed order every policy
review. Random numbers are passed in (drawn in fixed-size blocks by the phase) so that
the same replicate seed gives the same draws whatever the levers: differences between
scenarios are paired.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.calendar import DAYS_PER_YEAR
from sim.draws import event_prob
from sim.states.choice import choose
from sim.states.perception import Perceived

from sim.states.params import (
    CentralAsianStateParams,
    RussiaParams,
    StatesParams,
    WestParams,
)

if TYPE_CHECKING:
    from sim.model import SpilloverModel


def clip01(x: float) -> float:
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def relax(value: float, target: float, dt: float, tau: float) -> float:
    """Move `value` towards `target` by the share dt/tau of the gap (all of it if dt >= tau)."""
    k = 1.0 if tau <= dt else dt / tau
    return value + (target - value) * k


class State(mesa.Agent):
    """A state that may recognise the Taliban government."""

    def __init__(self, model: "SpilloverModel", code: str, name: str, recognition_rate: float) -> None:
        super().__init__(model)
        self.code = code
        self.name = name
        self.recognition_rate = recognition_rate
        self.recognised_day: int | None = None

    @property
    def recognises(self) -> bool:
        return self.recognised_day is not None

    def recognition_hazard(self, share_recognising: float, p: StatesParams) -> float:
        """Hazard (1/year) of recognising now: own propensity raised by peers that have."""
        return self.recognition_rate * (1.0 + p.recognition.peer_effect * share_recognising)


class Taliban(mesa.Agent):
    """The Taliban government and the Afghan crisis it presides over.

    It chooses its opium ban (the share of cultivation banned and enforced) by its objective
    (sim.states.choice): the share of its budget the ban would cost, the farmers' livelihoods and
    the enforcement it takes, against what a ban promises towards recognition. It knows its own
    economy and who recognises it; its opium tax it perceives as a running average.
    """

    BAN_LEVELS = np.array([0.0, 0.25, 0.5, 0.75, 1.0])

    def __init__(self, model: "SpilloverModel") -> None:
        super().__init__(model)
        sc = model.cfg.scenario
        self.collapse = sc.collapse_initial
        self.conflict = sc.conflict_intensity
        self.islamic_state = sc.islamic_state_activity
        self.crisis = self.crisis_index()
        sp = model.cfg.model.states
        self.params = sp.tal
        self.opium_ban = 0.0
        self.opium_revenue = Perceived(0, min(1.0, sp.review_days / DAYS_PER_YEAR / sp.tal.revenue_memory_years),
                                       0.0, prior=sp.tal.opium_revenue_expected_usd_bn)
        self._revenue_seen = 0.0

    def perceive(self, revenue_usd: float, dt_years: float) -> None:
        """A review's opium tax (from the total so far), as a rate in USD bn/year."""
        self.opium_revenue.report((revenue_usd - self._revenue_seen) / 1e9 / dt_years, 0.0)
        self._revenue_seen = revenue_usd

    def ban_utilities(self, share_recognising: float) -> np.ndarray:
        """The Taliban's objective for each ban level."""
        p, g = self.params, self.params.goals
        b = self.BAN_LEVELS
        tax = self.opium_revenue.value
        budget = p.budget_usd_bn * (1.0 - self.collapse) + tax
        revenue = -tax * b / budget
        control = -p.farm_income_share * self.collapse * b - p.enforcement_cost * b * b
        recognition = (1.0 - share_recognising) * p.ban_legitimacy * b
        return g.revenue * revenue + g.control * control + g.recognition * recognition

    def decide_ban(self, rule, share_recognising: float, u: float) -> None:
        self.opium_ban = choose(self.BAN_LEVELS, self.ban_utilities(share_recognising), self.opium_ban,
                                rule.temperature, rule.switching_cost, u)

    def crisis_index(self) -> float:
        p = self.model.cfg.model.states.afghanistan
        w = p.weight_collapse + p.weight_conflict + p.weight_drought
        if w == 0:
            return 0.0
        drought = self.model.cfg.scenario.drought_severity
        return (p.weight_collapse * self.collapse + p.weight_conflict * self.conflict
                + p.weight_drought * drought) / w

    def update(self, dt_months: float, released_bn: float, share_recognising: float,
               us_returned: bool, z_collapse: float, z_conflict: float) -> None:
        """Economy moves to a collapse target that released reserves and recognition lower."""
        model = self.model
        p = model.cfg.model.states
        sc = model.cfg.scenario
        a = p.afghanistan
        target = clip01(sc.collapse_depth - a.reserves_relief_per_bn * released_bn
                        - a.recognition_relief * share_recognising)
        noise = a.noise_sd * math.sqrt(dt_months)
        self.collapse = clip01(relax(self.collapse, target, dt_months, a.collapse_adjust_months)
                               + noise * z_collapse)
        # Islamic State grows with the collapse (relative to where it started) and a US
        # return cuts it back; it moves to that level over months.
        cut = p.us_return.islamic_state_cut if us_returned else 0.0
        growth = max(0.0, 1.0 + a.islamic_state_collapse_gain * (self.collapse - sc.collapse_initial))
        is_target = clip01(sc.islamic_state_activity * growth * (1.0 - cut))
        self.islamic_state = relax(self.islamic_state, is_target, dt_months, a.islamic_state_adjust_months)
        conflict_target = clip01(sc.conflict_intensity + a.islamic_state_conflict * self.islamic_state)
        self.conflict = clip01(relax(self.conflict, conflict_target, dt_months, a.conflict_adjust_months)
                               + noise * z_conflict)
        self.crisis = self.crisis_index()


class West(State):
    """The United States and its allies: leverage, humanitarian pressure, a possible return."""

    def __init__(self, model: "SpilloverModel", params: WestParams) -> None:
        super().__init__(model, "USA", "United States / West", params.recognition_rate)
        self.params = params
        self.returned_day: int | None = None
        self.engagement = params.us_engagement_2021
        self.leverage = params.leverage_2021

    @property
    def returned(self) -> bool:
        return self.returned_day is not None

    def return_now(self) -> None:
        """The US returns today (a forced return, or a conditional one that fired)."""
        if not self.returned:
            self.returned_day = self.model.day

    def consider_return(self, crisis: float, u: float, dt_years: float) -> None:
        """Return at a hazard once the Afghan crisis is worse than the threshold."""
        r = self.model.cfg.model.states.us_return
        if crisis > r.crisis_threshold and u < event_prob(r.rate, dt_years):
            self.return_now()

    def update(self, share_others_recognising: float) -> None:
        p = self.params
        self.engagement = p.us_engagement_return if self.returned else p.us_engagement_2021
        gain = p.leverage_return_gain if self.returned else 0.0
        self.leverage = clip01(p.leverage_2021 * (1.0 - p.leverage_loss * share_others_recognising) + gain)


class Russia(State):
    """Russia: security guarantor of Central Asia, pressing on refugees and on exercises with the US.

    It perceives (sim.states.perception) the attacks at home, its intelligence estimates of the
    militant networks in Russia and Central Asia and of Islamic State activity, and chooses its
    domestic crackdown and its drills in Central Asia by its objective (sim.states.choice).
    """

    CRACKDOWN_LEVELS = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    DRILLS_LEVELS = np.array([0.2, 0.4, 0.6, 0.8, 1.0])
    PRESSURE_LEVELS = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    # One noise draw each, each review. Rates (per year) are counted from cumulative totals.
    PERCEIVED = ("attacks", "militants_rus", "militants_ca", "islamic_state", "refugees_ca", "militant_refugees_ca")

    def __init__(self, model: "SpilloverModel", params: RussiaParams) -> None:
        super().__init__(model, "RUS", "Russia", params.recognition_rate)
        self.params = params
        self.drills = params.drills_2021
        self.crackdown = 0.0
        self.refugee_pressure = params.refugee_pressure_2021
        sp = model.cfg.model.states
        pp, dt_years = sp.perception, sp.review_days / DAYS_PER_YEAR
        intel = (pp.intel_lag_reviews, pp.intel_memory, pp.intel_noise_sd)
        self.seen = {
            "attacks": Perceived(0, min(1.0, dt_years / pp.attack_memory_years), 0.0,
                                 prior=params.attacks_expected_per_year),
            "militants_rus": Perceived(*intel),
            "militants_ca": Perceived(*intel),
            "islamic_state": Perceived(*intel),
            "refugees_ca": Perceived(*intel, prior=params.refugees_expected_per_year),
            "militant_refugees_ca": Perceived(*intel, prior=params.militant_refugees_expected_per_year),
        }
        self._totals_seen = np.zeros(3)  # attacks in Russia, Afghans into Central Asia, militants among them

    # -- perceptions --------------------------------------------------------------
    def perceive(self, attacks_rus: float, militants_rus: float, militants_ca: float, islamic_state: float,
                 refugees_ca: float, militant_refugees_ca: float, dt_years: float, z) -> None:
        """A review's reports: the rates of attacks in Russia, of Afghans entering Central Asia and of
        militants among them (from totals so far), and the militant stocks and IS activity."""
        totals = np.array([attacks_rus, refugees_ca, militant_refugees_ca])
        attacks, refugees, militant_refugees = (totals - self._totals_seen) / dt_years
        self._totals_seen = totals
        reports = (attacks, militants_rus, militants_ca, islamic_state, refugees, militant_refugees)
        for p, x, zi in zip(self.seen.values(), reports, z):
            p.report(x, zi)

    def threat_home(self) -> float:
        """The threat Moscow sees at home, 1 at what it took as normal: attacks and militant networks."""
        a = self.params.attack_share_of_threat
        return a * self.seen["attacks"].relative() + (1.0 - a) * self.seen["militants_rus"].relative()

    def threat_central_asia(self) -> float:
        """The threat Moscow sees in Central Asia, 1 at what it took as normal: militants and IS."""
        return 0.5 * (self.seen["militants_ca"].relative() + self.seen["islamic_state"].relative())

    def threat_refugees(self) -> float:
        """The threat Moscow sees in the Afghans entering Central Asia, 1 at what it took as normal:
        their number, and the militants "under the guise of refugees" among them."""
        a = self.params.refugee_share_of_threat
        return a * self.seen["refugees_ca"].relative() + (1.0 - a) * self.seen["militant_refugees_ca"].relative()

    # -- choices ------------------------------------------------------------------
    def crackdown_utilities(self) -> np.ndarray:
        """Moscow's objective for each crackdown level: the threat it expects at home after it,
        and its cost (sim.states.choice)."""
        p, g = self.params, self.params.goals
        c = self.CRACKDOWN_LEVELS
        return -g.security * self.threat_home() * np.exp(-p.crackdown_belief * c) - g.economy * p.crackdown_cost * c

    def drills_utilities(self) -> np.ndarray:
        """Moscow's objective for each drills level: the threat it expects in Central Asia after
        them, their cost, and what they do for its standing as guarantor."""
        p, g = self.params, self.params.goals
        d = self.DRILLS_LEVELS
        return (-g.security * self.threat_central_asia() * np.exp(-p.drills_belief * d)
                - g.economy * p.drills_cost * d + g.influence * p.drills_influence * d)

    def pressure_utilities(self) -> np.ndarray:
        """Moscow's objective for each level of pressure on Central Asian admissions: the threat it
        expects from the Afghans who still get in, and the goodwill in Central Asia pressing costs."""
        p, g = self.params, self.params.goals
        r = self.PRESSURE_LEVELS
        return (-g.security * self.threat_refugees() * np.exp(-p.pressure_belief * r)
                - g.influence * p.pressure_goodwill_cost * r)

    DECISIONS = {  # decision -> (attribute, options, utilities)
        "russia_crackdown": ("crackdown", CRACKDOWN_LEVELS, "crackdown_utilities"),
        "russia_drills": ("drills", DRILLS_LEVELS, "drills_utilities"),
        "russia_refugee_pressure": ("refugee_pressure", PRESSURE_LEVELS, "pressure_utilities"),
    }

    def decide(self, name: str, rule, u: float) -> None:
        """Review decision `name` by the logit choice with inertia, with the uniform `u`."""
        attr, levels, utilities = self.DECISIONS[name]
        setattr(self, attr, choose(levels, getattr(self, utilities)(), getattr(self, attr), rule.temperature,
                                   rule.switching_cost, u))


class RegionalPower(State):
    """China, Iran, Pakistan: here, their recognition of the Taliban."""


class CentralAsianState(State):
    """A Central Asian state balancing Moscow, the West, security and its economy."""

    def __init__(self, model: "SpilloverModel", code: str, name: str,
                 params: CentralAsianStateParams) -> None:
        super().__init__(model, code, name, params.recognition_rate)
        self.params = params
        sp = model.cfg.model.states
        al = sp.alignment
        self.guarantee = clip01(al.guarantee_arms + al.guarantee_csto * params.csto_member
                                + al.guarantee_troops * min(1.0, params.russian_troops / al.troops_full_guarantee))
        trend = params.alignment_2021 - params.alignment_2015
        self.alignment_anchor = clip01(params.alignment_2021 + al.history_carryover * trend)
        self.alignment = params.alignment_2021
        self.fear = sp.fear.base
        self.admit_share = 0.0
        self.screening = sp.fear.base
        self.exercises = 0

    # -- rules ------------------------------------------------------------------
    def update_fear(self, conflict: float, islamic_state: float) -> None:
        f = self.model.cfg.model.states.fear
        border = f.border_conflict * conflict if self.params.borders_afghanistan else 0.0
        self.fear = clip01(f.base + border + f.islamic_state * islamic_state)

    def exercise_rate(self, pressure: float, us_engagement: float) -> float:
        """US exercises per year: more with US engagement, fewer under pressure weighted by dependence."""
        sp = self.model.cfg.model.states
        rel_engagement = us_engagement / max(sp.usa.us_engagement_2021, 1e-9)
        cut = clip01(sp.exercises.pressure_effect * pressure * self.params.dependence)
        return self.params.us_exercise_rate * rel_engagement * (1.0 - cut)

    def hold_exercise(self, pressure: float, us_engagement: float, u: float, dt_years: float) -> None:
        if u < event_prob(self.exercise_rate(pressure, us_engagement), dt_years):
            self.exercises += 1
            self.alignment = clip01(self.alignment - self.model.cfg.model.states.alignment.exercise_loss)

    def update_alignment(self, years: float, us_engagement: float, dt_years: float) -> None:
        """Alignment drifts to an anchor set by its 2015-2021 history, security need, China and the US."""
        sp = self.model.cfg.model.states
        al = sp.alignment
        target = clip01(self.alignment_anchor + al.security_gain * self.fear * self.guarantee
                        - al.china_drag_per_year * years
                        - al.us_engagement_drag * max(0.0, us_engagement - sp.usa.us_engagement_2021))
        self.alignment = relax(self.alignment, target, dt_years, al.adjust_years)

    def admission_target(self, humanitarian: float, russian_pressure: float, onward_share: float) -> float:
        """Share of arriving Afghans the state wants to admit: a logistic trade-off of four forces.
        `onward_share` is the share of admitted Afghans it expects to move on to compete for jobs
        in Russia (:func:`sim.states.phase.onward_belief`)."""
        a = self.model.cfg.model.states.admission
        exposure = self.params.remittances_gdp * onward_share
        logit = (a.intercept + a.humanitarian * humanitarian
                 - a.russian_pressure * russian_pressure * self.params.dependence
                 - a.security_fear * self.fear
                 - a.economic_cost * exposure)
        return sigmoid(logit)

    def update_admission(self, humanitarian: float, russian_pressure: float, onward_share: float,
                         dt_months: float | None) -> None:
        """Move policy towards the target (at once when dt_months is None: the initial policy)."""
        a = self.model.cfg.model.states.admission
        target = self.admission_target(humanitarian, russian_pressure, onward_share)
        if dt_months is None:
            self.admit_share = target
        else:
            self.admit_share = relax(self.admit_share, target, dt_months, a.adjust_months)
        self.screening = clip01(a.screening_base + a.screening_fear * self.fear
                                + a.screening_pressure * russian_pressure * self.params.dependence)

    def influence(self, drills: float) -> float:
        """Russia's influence over this state: alignment, security presence, economic dependence."""
        w = self.model.cfg.model.states.influence
        total = w.weight_alignment + w.weight_security + w.weight_economic
        if total == 0:
            return 0.0
        floor = w.security_without_drills
        security = self.guarantee * (floor + (1.0 - floor) * drills)
        return (w.weight_alignment * self.alignment + w.weight_security * security
                + w.weight_economic * self.params.dependence) / total
