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

from sim.draws import event_prob

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
    """The Taliban government and the Afghan crisis it presides over."""

    def __init__(self, model: "SpilloverModel") -> None:
        super().__init__(model)
        sc = model.cfg.scenario
        self.collapse = sc.collapse_initial
        self.conflict = sc.conflict_intensity
        self.islamic_state = sc.islamic_state_activity
        self.crisis = self.crisis_index()

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
    """Russia: security guarantor of Central Asia, pressing on refugees and on exercises with the US."""

    def __init__(self, model: "SpilloverModel", params: RussiaParams) -> None:
        super().__init__(model, "RUS", "Russia", params.recognition_rate)
        self.params = params
        self.drills = params.drills_2021

    def update(self, mean_fear_ca: float) -> None:
        """Drills rise with the security fear of the Central Asian states."""
        p = self.params
        self.drills = clip01(p.drills_2021 + p.drills_fear_response * mean_fear_ca)


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
