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
from sim.countries import DEPORTERS, NAMES
from sim.draws import event_prob
from sim.states.choice import QUARTERS, choose
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
    return sum(s.recognises for s in states) / len(states)


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
        return model.state_draws[name][model.day // model.cfg.model.states.review_days]

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


class Taliban(Decider, mesa.Agent):
    """The Taliban government and the Afghan crisis it presides over.

    It chooses its opium ban (the share of cultivation banned and enforced) by its objective
    (sim.states.choice): the share of its budget the ban would cost, the farmers' livelihoods and
    the enforcement it takes, against what a ban promises towards recognition. It knows its own
    economy and who recognises it; its opium tax it perceives as a running average.
    """

    BAN_LEVELS = QUARTERS

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
        self.iskp_suppression = sp.tal.suppression_2021
        self.recognition_seeking = 0.0
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
        revenue = -tax * b / max(budget, 1e-9)
        control = -p.farm_income_share * self.collapse * b - p.enforcement_cost * b * b
        recognition = (1.0 - share_recognising) * p.ban_legitimacy * b
        return g.revenue * revenue + g.control * control + g.recognition * recognition

    SUPPRESSION_LEVELS = QUARTERS

    def review(self, dt_years: float, deciding: bool) -> None:
        """Perceive the opium tax; when `deciding`, choose the ban and the effort against IS (the
        Republic governs without the withdrawal: no Taliban decision to make)."""
        model = self.model
        u_ban, u_effort = self.draw("decision:taliban_opium_ban"), self.draw("decision:taliban_iskp_suppression")
        u_seek = self.draw("decision:taliban_recognition_seeking")
        self.perceive(model.coupling.opium_revenue, dt_years)
        if not (deciding and model.cfg.scenario.withdrawal):
            return
        rule = model.cfg.model.states.choice
        if self.free("opium_ban", "compliance"):
            self.decide_ban(rule, share_recognising(model.recognisers), u_ban)
        if self.free("taliban_iskp_suppression"):
            self.decide_suppression(rule, model.russia.engagement, u_effort)
        if self.free("taliban_recognition_seeking"):
            self.recognition_seeking = choose(self.SEEKING_LEVELS, self.seeking_utilities(share_recognising(
                model.recognisers)), self.recognition_seeking, rule.temperature, rule.switching_cost, u_seek)

    SEEKING_LEVELS = QUARTERS

    def seeking_utilities(self, share_recognising: float) -> np.ndarray:
        """The Taliban's objective for each level of concessions made to win recognition (a
        broader government, guarantees against terrorism to their neighbours): recognition and
        aid, worth more the deeper the collapse and the fewer states have recognised, against
        what concessions cost them with their own ranks (rising as the level squared)."""
        p, g = self.params, self.params.goals
        c = self.SEEKING_LEVELS
        recognition = (1.0 - share_recognising) * p.concession_legitimacy * (1.0 + p.aid_need * self.collapse) * c
        return g.recognition * recognition - g.control * p.concession_cost * c * c

    def suppression_utilities(self, russian_engagement: float) -> np.ndarray:
        """The Taliban's objective for each level of effort against Islamic State: the threat they
        expect after it (1 = the scenario's 2021 activity), against its cost, which Russian
        support lowers."""
        p, g = self.params, self.params.goals
        s = self.SUPPRESSION_LEVELS
        threat = self.islamic_state / max(self.model.cfg.scenario.islamic_state_activity, 1e-9)
        cost = p.suppression_cost * (1.0 - p.russian_support * russian_engagement)
        return -g.islamic_state * threat * np.exp(-p.suppression_belief * s) - g.revenue * cost * s

    def decide_suppression(self, rule, russian_engagement: float, u: float) -> None:
        self.iskp_suppression = choose(self.SUPPRESSION_LEVELS, self.suppression_utilities(russian_engagement),
                                       self.iskp_suppression, rule.temperature, rule.switching_cost, u)

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
               us_returned: bool, russian_engagement: float, chinese_engagement: float, z_collapse: float,
               z_conflict: float) -> None:
        """Economy moves to a collapse target that released reserves, recognition and Moscow's aid
        lower; Islamic State to a target the Taliban's effort against it lowers."""
        model = self.model
        p = model.cfg.model.states
        sc = model.cfg.scenario
        a = p.afghanistan
        target = clip01(sc.collapse_depth - a.reserves_relief_per_bn * released_bn
                        - a.recognition_relief * share_recognising - a.engagement_aid * russian_engagement
                        - p.chn.aid_relief * chinese_engagement)
        noise = a.noise_sd * math.sqrt(dt_months)
        self.collapse = clip01(relax(self.collapse, target, dt_months, a.collapse_adjust_months)
                               + noise * z_collapse)
        # Islamic State grows with the collapse (relative to where it started) and a US
        # return cuts it back; it moves to that level over months.
        cut = p.us_return.islamic_state_cut if us_returned else 0.0
        growth = max(0.0, 1.0 + a.islamic_state_collapse_gain * (self.collapse - sc.collapse_initial))
        effort = max(0.0, 1.0 - a.suppression_effect * (self.iskp_suppression - p.tal.suppression_2021))
        is_target = clip01(sc.islamic_state_activity * growth * (1.0 - cut) * effort)
        self.islamic_state = relax(self.islamic_state, is_target, dt_months, a.islamic_state_adjust_months)
        conflict_target = clip01(sc.conflict_intensity + a.islamic_state_conflict * self.islamic_state)
        self.conflict = clip01(relax(self.conflict, conflict_target, dt_months, a.conflict_adjust_months)
                               + noise * z_conflict)
        self.crisis = self.crisis_index()


class West(Decider, State):
    """The United States and its allies: leverage, humanitarian pressure, a possible return.

    It chooses its funds for Central Asian hosting and the share of the frozen reserves to
    release by its objective (sim.states.choice), against the Afghan crisis, the Afghans it sees
    entering Central Asia and Moscow's campaign for the reserves. Its return to the region follows
    an aspiration rule: once the crisis is worse than it will tolerate, it returns at a hazard.
    """

    HOSTING_LEVELS = np.array([0.0, 50.0, 100.0, 200.0, 400.0])  # USD m/year per Central Asian state
    RESERVES_LEVELS = np.array([0.0, 0.5, 1.0])

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

    def hosting_utilities(self, crisis: float) -> np.ndarray:
        p, g = self.params, self.params.goals
        f = self.HOSTING_LEVELS / 100.0
        need = crisis * self.refugees_ca.relative()
        return g.allies * p.hosting_value * need * np.log1p(f) - g.cost * p.hosting_cost * f

    def reserves_utilities(self, collapse: float, share_recognising: float, push: float) -> np.ndarray:
        p, g = self.params, self.params.goals
        r = self.RESERVES_LEVELS
        return (g.allies * (p.reserves_value * collapse + p.reserves_push_effect * push) * r
                - g.cost * p.reserves_cost * (1.0 - share_recognising) * r)

    def review(self, dt_years: float, deciding: bool) -> None:
        """Perceive the Afghans entering Central Asia; when `deciding`, choose the hosting funds and
        the reserves' release (Moscow's campaign as it stood before Moscow's review)."""
        model = self.model
        z = self.draw("perception:west:refugees_ca")
        u_hosting, u_reserves = self.draw("decision:western_hosting"), self.draw("decision:reserves_release")
        self.perceive(model.coupling.admitted_ca, dt_years, z)
        if not deciding:
            return
        rule, t = model.cfg.model.states.choice, model.taliban
        if self.free("western_hosting", "usd_m_per_year"):
            self.decide_hosting(rule, t.crisis, u_hosting)
        if self.free("reserves_release", "share") and model.cfg.scenario.withdrawal:
            self.decide_reserves(rule, t.collapse, share_recognising(model.recognisers), model.russia.reserves_push,
                                 u_reserves)

    def decide_hosting(self, rule, crisis: float, u: float) -> None:
        """Choose the hosting funds (the choice runs on USD 100m units, so that the switching
        cost is per USD 100m changed)."""
        self.hosting_funds = 100.0 * choose(self.HOSTING_LEVELS / 100.0, self.hosting_utilities(crisis),
                                            self.hosting_funds / 100.0, rule.temperature, rule.switching_cost, u)

    def decide_reserves(self, rule, collapse: float, share_recognising: float, push: float, u: float) -> None:
        self.reserves_release = choose(self.RESERVES_LEVELS, self.reserves_utilities(collapse, share_recognising, push),
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
    RECOGNITION_LEVELS = np.array([0.0, 1.0])

    def __init__(self, model: "SpilloverModel", params) -> None:
        super().__init__(model, "CHN", NAMES["CHN"], 0.0)  # its recognition is a choice
        self.params = params
        self.engagement = params.engagement_2021

    def engagement_utilities(self, conflict: float, islamic_state: float) -> np.ndarray:
        p = self.params
        e = self.LEVELS
        return (p.economic_value * (1.0 - conflict) * e - p.islamic_state_risk * islamic_state * e
                - p.engagement_cost * e * e)

    RECOGNITION_STREAM = "decision:china_recognition"

    def review(self, dt_years: float, deciding: bool) -> None:
        """When `deciding`, choose the engagement (with or without the withdrawal: China traded with
        the Republic too)."""
        u = self.draw("decision:china_engagement")
        if deciding and self.free("china_engagement"):
            t = self.model.taliban
            self.decide_engagement(self.model.cfg.model.states.choice, t.conflict, t.islamic_state, u)

    def decide_engagement(self, rule, conflict: float, islamic_state: float, u: float) -> None:
        self.engagement = choose(self.LEVELS, self.engagement_utilities(conflict, islamic_state), self.engagement,
                                 rule.temperature, rule.switching_cost, u)

    def recognition_utilities(self, west_leverage: float, seeking: float = 0.0) -> np.ndarray:
        p = self.params
        barrier = lowered_barrier(self.model, p.recognition_barrier, seeking)
        gain = (p.recognition_standing - p.recognition_west_cost * west_leverage
                + p.recognition_economy * self.engagement - barrier)
        return np.array([0.0, gain])

    def decide_recognition(self, rule, west_leverage: float, u: float, seeking: float = 0.0) -> bool:
        return choose(self.RECOGNITION_LEVELS, self.recognition_utilities(west_leverage, seeking), 0.0,
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

    def review(self, dt_years: float, deciding: bool) -> None:
        """Perceive the Afghans hosted; when `deciding`, choose the deportation campaign."""
        model, name = self.model, self.code.lower()
        z, u = self.draw(f"perception:{name}:hosted"), self.draw(f"decision:{name}_deportation")
        self.hosted.report(self.params.afghans_2021 + model.coupling.hosted[DEPORTERS.index(self.code)], z)
        if deciding and self.free(f"{name}_deportation"):
            self.decide(model.cfg.model.states.choice, model.taliban.islamic_state, u)

    def burden(self, islamic_state: float) -> float:
        p = self.params
        return (p.strain + p.security_strain * islamic_state) * self.hosted.value / p.afghans_2021

    def utilities(self, islamic_state: float) -> np.ndarray:
        p = self.params
        d = self.LEVELS
        return -self.burden(islamic_state) * np.exp(-p.deportation_belief * d) - p.deportation_cost * d

    def decide(self, rule, islamic_state: float, u: float) -> None:
        self.deportation = choose(self.LEVELS, self.utilities(islamic_state), self.deportation, rule.temperature,
                                  rule.switching_cost, u)


class CentralAsianState(Decider, State):
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
        self.exercise_posture = 1.0  # the 2021 exercise rate, until the first review of it
        self.exercises = 0

    # -- rules ------------------------------------------------------------------
    def update_fear(self, conflict: float, islamic_state: float) -> None:
        f = self.model.cfg.model.states.fear
        border = f.border_conflict * conflict if self.params.borders_afghanistan else 0.0
        self.fear = clip01(f.base + border + f.islamic_state * islamic_state)

    POSTURE_LEVELS = np.array([0.0, 0.5, 1.0])

    def posture_utilities(self, pressure: float) -> np.ndarray:
        """The state's objective for each exercise posture: security against its fear, sovereignty
        as far as it is independent of Moscow, against what the pressure (weighted by its
        dependence) puts at risk."""
        e, d = self.model.cfg.model.states.exercises, self.params.dependence
        x = self.POSTURE_LEVELS
        return (e.security_value * self.fear + e.sovereignty_value * (1.0 - d) - e.pressure_cost * pressure * d) * x

    def decide_posture(self, rule, pressure: float, u: float) -> None:
        self.exercise_posture = choose(self.POSTURE_LEVELS, self.posture_utilities(pressure), self.exercise_posture,
                                       rule.temperature, rule.switching_cost, u)

    def exercise_rate(self, us_engagement: float) -> float:
        """US exercises per year: the 2021 rate, scaled by US engagement and by the posture chosen."""
        sp = self.model.cfg.model.states
        rel_engagement = us_engagement / max(sp.usa.us_engagement_2021, 1e-9)
        return self.params.us_exercise_rate * rel_engagement * self.exercise_posture

    def hold_exercise(self, us_engagement: float, u: float, dt_years: float) -> None:
        if u < event_prob(self.exercise_rate(us_engagement), dt_years):
            self.exercises += 1
            self.alignment = clip01(self.alignment - self.model.cfg.model.states.alignment.exercise_loss)

    def update_alignment(self, years: float, us_engagement: float, dt_years: float, russian_pressure: float,
                         western_funds: float) -> None:
        """Alignment drifts to an anchor set by its 2015-2021 history, security need, China and the
        US; Moscow's pressure pulls it towards Moscow (as far as the state depends on Russia), and
        Western hosting funds (USD m/year) pull it away."""
        sp = self.model.cfg.model.states
        al = sp.alignment
        target = clip01(self.alignment_anchor + al.security_gain * self.fear * self.guarantee
                        - al.china_drag_per_year * years
                        - al.us_engagement_drag * max(0.0, us_engagement - sp.usa.us_engagement_2021)
                        + al.pressure_pull * russian_pressure * self.params.dependence
                        - al.aid_pull * western_funds / 100.0)
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
