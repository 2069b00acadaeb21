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

from sim.countries import DEPORTERS, NAMES
from sim.draws import event_prob
from sim.states.choice import QUARTERS, exp_decay, pick
from sim.states.perception import Perceived

from sim.states.params import CentralAsianStateParams, StatesParams, WestParams

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


def share_recognising(states) -> float:
    """The share of `states` that recognise the Taliban government."""
    return sum(s.recognised_day is not None for s in states) / len(states)


def lowered_barrier(model: "SpilloverModel", barrier: float, seeking: float) -> float:
    """What breaking ranks with non-recognition costs a state once the Taliban seek recognition
    with concessions `seeking` (0-1): they cut it by ``recognition.seeking_barrier_cut`` at most."""
    return barrier * (1.0 - model.cfg.model.states.recognition.seeking_barrier_cut * seeking)


class Decider:
    """A state that perceives and chooses at every review: the phase activates the deciders
    through a Mesa AgentSet (``model.deciders.do("review", ...)``), in a fixed order."""

    def draw(self, name: str) -> float:
        """This review's draw from the stream `name` (sim.states.phase.DRAWS)."""
        model = self.model
        return model.state_draws[name][model.review_number]

    def free(self, lever: str, field: str = "level") -> bool:
        """Whether the decision the lever can force is the state's to make today."""
        return getattr(self.model.lever(lever), field) is None


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


class West(Decider, State):
    """The United States and its allies: leverage, humanitarian pressure, a possible return.

    It chooses its funds for Central Asian hosting and the share of the frozen reserves to
    release by its objective (sim.states.choice), against the Afghan crisis, the Afghans it sees
    entering Central Asia and Moscow's campaign for the reserves. Its return to the region follows
    an aspiration rule: once the crisis is worse than it will tolerate, it returns at a hazard.
    """

    HOSTING_LEVELS = (0.0, 50.0, 100.0, 200.0, 400.0)  # USD m/year per Central Asian state
    # The choice runs on USD 100m units; log(1 + units) by numpy, as the array expression computed it.
    HOSTING_UNITS = tuple(x / 100.0 for x in HOSTING_LEVELS)
    _HOSTING_LOG1P = np.log1p(np.array(HOSTING_UNITS)).tolist()
    RESERVES_LEVELS = (0.0, 0.5, 1.0)

    def __init__(self, model: "SpilloverModel", params: WestParams) -> None:
        super().__init__(model, "USA", "United States / West", params.recognition_rate)
        self.params = params
        self.returned_day: int | None = None
        self.stays = not model.cfg.scenario.withdrawal  # the counterfactual: US forces never left
        self.engagement = params.us_engagement_2021
        self.leverage = params.leverage_2021
        self.hosting_funds = 0.0
        self.reserves_release = 0.0 if model.cfg.scenario.withdrawal else 1.0  # never frozen without it
        pp = model.cfg.model.states.perception
        self.refugees_ca = Perceived(pp.intel_lag_reviews, pp.intel_memory, pp.intel_noise_sd,
                                     prior=params.refugees_expected_per_year)
        self._entered_seen = 0.0

    def perceive(self, entered_ca: float, dt_years: float, z: float) -> None:
        self.refugees_ca.report((entered_ca - self._entered_seen) / dt_years, z)
        self._entered_seen = entered_ca

    def hosting_utilities(self, crisis: float) -> list[float]:
        p, g = self.params, self.params.goals
        need = crisis * self.refugees_ca.relative()
        value, cost = g.allies * p.hosting_value * need, g.cost * p.hosting_cost
        return [value * log1p - cost * f for f, log1p in zip(self.HOSTING_UNITS, self._HOSTING_LOG1P)]

    def reserves_utilities(self, collapse: float, share_recognising: float, push: float) -> list[float]:
        p, g = self.params, self.params.goals
        value = g.allies * (p.reserves_value * collapse + p.reserves_push_effect * push)
        cost = g.cost * p.reserves_cost * (1.0 - share_recognising)
        return [value * r - cost * r for r in self.RESERVES_LEVELS]

    def review(self, dt_years: float, deciding: bool) -> None:
        """Perceive the Afghans entering Central Asia; when `deciding`, choose the hosting funds and
        the reserves' release (Moscow's campaign as it stood before Moscow's review)."""
        model = self.model
        self.perceive(model.coupling.admitted_ca, dt_years, self.draw("perception:west:refugees_ca"))
        if not deciding:
            return
        u_hosting, u_reserves = self.draw("decision:western_hosting"), self.draw("decision:reserves_release")
        rule, t = model.cfg.model.states.choice, model.taliban
        if self.free("western_hosting", "usd_m_per_year"):
            self.decide_hosting(rule, t.crisis, u_hosting)
        if self.free("reserves_release", "share") and model.cfg.scenario.withdrawal:
            self.decide_reserves(rule, t.collapse, share_recognising(model.recognisers), model.russia.reserves_push,
                                 u_reserves)

    def decide_hosting(self, rule, crisis: float, u: float) -> None:
        """Choose the hosting funds (the choice runs on USD 100m units, so that the switching
        cost is per USD 100m changed)."""
        self.hosting_funds = 100.0 * pick(self.HOSTING_UNITS, self.hosting_utilities(crisis),
                                          self.hosting_funds / 100.0, rule.temperature, rule.switching_cost, u)

    def decide_reserves(self, rule, collapse: float, share_recognising: float, push: float, u: float) -> None:
        self.reserves_release = pick(self.RESERVES_LEVELS, self.reserves_utilities(collapse, share_recognising, push),
                                     self.reserves_release, rule.temperature, rule.switching_cost, u)

    @property
    def returned(self) -> bool:
        return self.returned_day is not None

    @property
    def present(self) -> bool:
        """US forces are in the region: they stayed (no withdrawal) or returned."""
        return self.stays or self.returned

    def return_now(self) -> None:
        """The US returns today (a forced return, or a conditional one that fired)."""
        if not self.present:
            self.returned_day = self.model.day

    def consider_return(self, crisis: float, u: float, dt_years: float) -> None:
        """The aspiration rule (Simon 1955; Cyert and March 1963): while the Afghan crisis is
        worse than the US will tolerate (``us_return.crisis_threshold``), it looks for a way back
        and returns at the hazard ``us_return.rate``."""
        r = self.model.cfg.model.states.us_return
        if not self.present and crisis > r.crisis_threshold and u < event_prob(r.rate, dt_years):
            self.return_now()

    def update(self, share_others_recognising: float) -> None:
        p = self.params
        self.engagement = p.us_engagement_return if self.present else p.us_engagement_2021
        gain = p.leverage_return_gain if self.present else 0.0
        self.leverage = clip01(p.leverage_2021 * (1.0 - p.leverage_loss * share_others_recognising) + gain)


class RegionalPower(State):
    """China, Iran, Pakistan: here, their recognition of the Taliban."""


class China(Decider, RegionalPower):
    """China: chooses its economic engagement in Afghanistan, against the conflict and Islamic
    State it knows, and whether to recognise the Taliban (sim.states.choice)."""

    LEVELS = QUARTERS
    RECOGNITION_LEVELS = (0.0, 1.0)

    def __init__(self, model: "SpilloverModel", params) -> None:
        super().__init__(model, "CHN", NAMES["CHN"], 0.0)  # its recognition is a choice
        self.params = params
        self.engagement = params.engagement_2021

    def engagement_utilities(self, conflict: float, islamic_state: float) -> list[float]:
        p = self.params
        value, risk, cost = p.economic_value * (1.0 - conflict), p.islamic_state_risk * islamic_state, p.engagement_cost
        return [value * e - risk * e - cost * e * e for e in self.LEVELS]

    RECOGNITION_STREAM = "decision:china_recognition"

    def review(self, dt_years: float, deciding: bool) -> None:
        """When `deciding`, choose the engagement (with or without the withdrawal: China traded with
        the Republic too)."""
        if deciding and self.free("china_engagement"):
            t = self.model.taliban
            self.decide_engagement(self.model.cfg.model.states.choice, t.conflict, t.islamic_state,
                                   self.draw("decision:china_engagement"))

    def decide_engagement(self, rule, conflict: float, islamic_state: float, u: float) -> None:
        self.engagement = pick(self.LEVELS, self.engagement_utilities(conflict, islamic_state), self.engagement,
                               rule.temperature, rule.switching_cost, u)

    def recognition_utilities(self, west_leverage: float, seeking: float = 0.0) -> list[float]:
        p = self.params
        barrier = lowered_barrier(self.model, p.recognition_barrier, seeking)
        gain = (p.recognition_standing - p.recognition_west_cost * west_leverage
                + p.recognition_economy * self.engagement - barrier)
        return [0.0, gain]

    def decide_recognition(self, rule, west_leverage: float, u: float, seeking: float = 0.0) -> bool:
        return pick(self.RECOGNITION_LEVELS, self.recognition_utilities(west_leverage, seeking), 0.0,
                    rule.temperature, rule.switching_cost, u) == 1.0


class Host(Decider, RegionalPower):
    """Iran or Pakistan: hosts millions of Afghans and chooses a deportation campaign (0-1)
    against the strain of hosting them (sim.states.choice). It perceives the Afghans it hosts
    (its 2021 stock plus the new arrivals the refugee submodel reports) and Islamic State."""

    LEVELS = QUARTERS

    def __init__(self, model: "SpilloverModel", code: str, params) -> None:
        super().__init__(model, code, NAMES[code], params.recognition_rate)
        self.params = params
        pp = model.cfg.model.states.perception
        self.hosted = Perceived(pp.intel_lag_reviews, pp.intel_memory, pp.intel_noise_sd, prior=params.afghans_2021)
        self.deportation = 0.0
        # Its lever, streams and place in the coupling, named once rather than at every review
        name = code.lower()
        self._lever, self._index = f"{name}_deportation", DEPORTERS.index(code)
        self._perception, self._decision = f"perception:{name}:hosted", f"decision:{name}_deportation"
        # exp(-belief x level), as numpy computed it on the options at every review
        self._decay = exp_decay(params.deportation_belief, self.LEVELS)

    def review(self, dt_years: float, deciding: bool) -> None:
        """Perceive the Afghans hosted; when `deciding`, choose the deportation campaign."""
        model = self.model
        self.hosted.report(self.params.afghans_2021 + float(model.coupling.hosted[self._index]),
                           self.draw(self._perception))
        if deciding and self.free(self._lever):
            self.decide(model.cfg.model.states.choice, model.taliban.islamic_state, self.draw(self._decision))

    def burden(self, islamic_state: float) -> float:
        p = self.params
        return (p.strain + p.security_strain * islamic_state) * self.hosted.value / p.afghans_2021

    def utilities(self, islamic_state: float) -> list[float]:
        burden, cost = -self.burden(islamic_state), self.params.deportation_cost
        return [burden * decay - cost * d for d, decay in zip(self.LEVELS, self._decay)]

    def decide(self, rule, islamic_state: float, u: float) -> None:
        self.deportation = pick(self.LEVELS, self.utilities(islamic_state), self.deportation, rule.temperature,
                                rule.switching_cost, u)


class CentralAsianState(Decider, State):
    """A Central Asian state balancing Moscow, the West, security and its economy."""

    def __init__(self, model: "SpilloverModel", code: str, name: str,
                 params: CentralAsianStateParams) -> None:
        super().__init__(model, code, name, params.recognition_rate)
        self.params = params
        sp = model.cfg.model.states
        # The records the weekly rules read, looked up once (the config does not change during a run)
        self._fear, self._alignment, self._admission = sp.fear, sp.alignment, sp.admission
        self._exercises, self._us_engagement_2021 = sp.exercises, sp.usa.us_engagement_2021
        al = sp.alignment
        self.guarantee = clip01(al.guarantee_arms + al.guarantee_csto * params.csto_member
                                + al.guarantee_troops * min(1.0, params.russian_troops / al.troops_full_guarantee))
        trend = params.alignment_2021 - params.alignment_2015
        self.alignment_anchor = clip01(params.alignment_2021 + al.history_carryover * trend)
        self.alignment = params.alignment_2021
        self.fear = sp.fear.base
        self.admit_share = 0.0
        self.screening = sp.fear.base
        self.exercise_posture = 1.0  # the 2021 exercise rate, until the first review of it
        self.posture_stream = f"decision:{code.lower()}_exercises"  # the draws it chooses its posture by
        self.exercises = 0

    # -- rules ------------------------------------------------------------------
    def update_fear(self, conflict: float, islamic_state: float) -> None:
        f = self._fear
        border = f.border_conflict * conflict if self.params.borders_afghanistan else 0.0
        self.fear = clip01(f.base + border + f.islamic_state * islamic_state)

    POSTURE_LEVELS = (0.0, 0.5, 1.0)

    def posture_utilities(self, pressure: float) -> list[float]:
        """The state's objective for each exercise posture: security against its fear, sovereignty
        as far as it is independent of Moscow, against what the pressure (weighted by its
        dependence) puts at risk."""
        e, d = self._exercises, self.params.dependence
        net = e.security_value * self.fear + e.sovereignty_value * (1.0 - d) - e.pressure_cost * pressure * d
        return [net * x for x in self.POSTURE_LEVELS]

    def decide_posture(self, rule, pressure: float, u: float) -> None:
        self.exercise_posture = pick(self.POSTURE_LEVELS, self.posture_utilities(pressure), self.exercise_posture,
                                     rule.temperature, rule.switching_cost, u)

    def exercise_rate(self, us_engagement: float) -> float:
        """US exercises per year: the 2021 rate, scaled by US engagement and by the posture chosen."""
        rel_engagement = us_engagement / max(self._us_engagement_2021, 1e-9)
        return self.params.us_exercise_rate * rel_engagement * self.exercise_posture

    def hold_exercise(self, us_engagement: float, u: float, dt_years: float) -> None:
        if u < event_prob(self.exercise_rate(us_engagement), dt_years):
            self.exercises += 1
            self.alignment = clip01(self.alignment - self._alignment.exercise_loss)

    def update_alignment(self, years: float, us_engagement: float, dt_years: float, russian_pressure: float,
                         western_funds: float) -> None:
        """Alignment drifts to an anchor set by its 2015-2021 history, security need, China and the
        US; Moscow's pressure pulls it towards Moscow (as far as the state depends on Russia), and
        Western hosting funds (USD m/year) pull it away."""
        al = self._alignment
        target = clip01(self.alignment_anchor + al.security_gain * self.fear * self.guarantee
                        - al.china_drag_per_year * years
                        - al.us_engagement_drag * max(0.0, us_engagement - self._us_engagement_2021)
                        + al.pressure_pull * russian_pressure * self.params.dependence
                        - al.aid_pull * western_funds / 100.0)
        self.alignment = relax(self.alignment, target, dt_years, al.adjust_years)

    def admission_target(self, humanitarian: float, russian_pressure: float, onward_share: float) -> float:
        """Share of arriving Afghans the state wants to admit: a logistic trade-off of four forces.
        `onward_share` is the share of admitted Afghans it expects to move on to compete for jobs
        in Russia (:func:`sim.states.phase.onward_belief`)."""
        a = self._admission
        exposure = self.params.remittances_gdp * onward_share
        logit = (a.intercept + a.humanitarian * humanitarian
                 - a.russian_pressure * russian_pressure * self.params.dependence
                 - a.security_fear * self.fear
                 - a.economic_cost * exposure)
        return sigmoid(logit)

    def update_admission(self, humanitarian: float, russian_pressure: float, onward_share: float,
                         dt_months: float | None, screening_funds: float = 0.0) -> None:
        """Move policy towards the target (at once when dt_months is None: the initial policy);
        screen a share of those admitted that grows with fear, Moscow's pressure and Western
        screening funds (USD m/year)."""
        a = self._admission
        target = self.admission_target(humanitarian, russian_pressure, onward_share)
        if dt_months is None:
            self.admit_share = target
        else:
            self.admit_share = relax(self.admit_share, target, dt_months, a.adjust_months)
        self.screening = clip01(a.screening_base + a.screening_fear * self.fear
                                + a.screening_pressure * russian_pressure * self.params.dependence
                                + a.screening_funds_effect * screening_funds / 100.0)

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
