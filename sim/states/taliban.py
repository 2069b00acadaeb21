"""The Taliban government: a Mesa agent that chooses its opium ban, its effort against the Islamic
State and the concessions it makes for recognition, and the Afghan crisis it presides over.

Its rules are applied by :mod:`sim.states.phase` at every policy review, in the fixed order the
deciders are activated (sim.states.agents holds the other states).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

from sim.calendar import DAYS_PER_YEAR
from sim.states.agents import Decider, clip01, relax, share_recognising
from sim.states.choice import QUARTERS, exp_decay, pick
from sim.states.perception import Perceived

if TYPE_CHECKING:
    from sim.model import SpilloverModel


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
        sp = model.cfg.model.states
        # The records and constants the weekly update reads, looked up once (the config does not
        # change during a run).
        self._scenario, self._afghanistan, self._states = sc, sp.afghanistan, sp
        a = sp.afghanistan
        self._crisis_weight = a.weight_collapse + a.weight_conflict + a.weight_drought
        self.collapse = sc.collapse_initial
        self.conflict = sc.conflict_intensity
        self.islamic_state = sc.islamic_state_activity
        self.crisis = self.crisis_index()
        self.params = sp.tal
        # exp(-belief x level), as numpy computed it on the options at every review
        self._suppression_decay = exp_decay(sp.tal.suppression_belief, self.SUPPRESSION_LEVELS)
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

    def ban_utilities(self, share_recognising: float) -> list[float]:
        """The Taliban's objective for each ban level."""
        p, g = self.params, self.params.goals
        tax = self.opium_revenue.value
        budget = p.budget_usd_bn * (1.0 - self.collapse) + tax
        # Per level b, in the order the array expressions computed them:
        # revenue = -tax b / budget, control = -farm collapse b - enforcement b^2,
        # recognition = (1 - share) legitimacy b.
        neg_tax, scale = -tax, max(budget, 1e-9)
        farm, enforcement = -p.farm_income_share * self.collapse, p.enforcement_cost
        legitimacy = (1.0 - share_recognising) * p.ban_legitimacy
        return [g.revenue * (neg_tax * b / scale) + g.control * (farm * b - enforcement * b * b)
                + g.recognition * (legitimacy * b) for b in self.BAN_LEVELS]

    SUPPRESSION_LEVELS = QUARTERS

    def review(self, dt_years: float, deciding: bool) -> None:
        """Perceive the opium tax; when `deciding`, choose the ban and the effort against IS (the
        Republic governs without the withdrawal: no Taliban decision to make)."""
        model = self.model
        self.perceive(float(model.coupling.opium_revenue), dt_years)  # a Python float: numpy scalars are slow
        if not (deciding and self._scenario.withdrawal):
            return
        u_ban, u_effort = self.draw("decision:taliban_opium_ban"), self.draw("decision:taliban_iskp_suppression")
        u_seek = self.draw("decision:taliban_recognition_seeking")
        rule = self._states.choice
        share = share_recognising(model.recognisers)  # no state changes its recognition during the reviews
        if self.free("opium_ban", "compliance"):
            self.decide_ban(rule, share, u_ban)
        if self.free("taliban_iskp_suppression"):
            self.decide_suppression(rule, model.russia.engagement, u_effort)
        if self.free("taliban_recognition_seeking"):
            self.recognition_seeking = pick(self.SEEKING_LEVELS, self.seeking_utilities(share),
                                            self.recognition_seeking, rule.temperature, rule.switching_cost, u_seek)

    SEEKING_LEVELS = QUARTERS

    def seeking_utilities(self, share_recognising: float) -> list[float]:
        """The Taliban's objective for each level of concessions made to win recognition (a
        broader government, guarantees against terrorism to their neighbours): recognition and
        aid, worth more the deeper the collapse and the fewer states have recognised, against
        what concessions cost them with their own ranks (rising as the level squared)."""
        p, g = self.params, self.params.goals
        gain = (1.0 - share_recognising) * p.concession_legitimacy * (1.0 + p.aid_need * self.collapse)
        cost = g.control * p.concession_cost
        return [g.recognition * (gain * c) - cost * c * c for c in self.SEEKING_LEVELS]

    def suppression_utilities(self, russian_engagement: float) -> list[float]:
        """The Taliban's objective for each level of effort against Islamic State: the threat they
        expect after it (1 = the scenario's 2021 activity), against its cost, which Russian
        support lowers."""
        p, g = self.params, self.params.goals
        threat = self.islamic_state / max(self._scenario.islamic_state_activity, 1e-9)
        cost = p.suppression_cost * (1.0 - p.russian_support * russian_engagement)
        expected, spent = -g.islamic_state * threat, g.revenue * cost
        return [expected * decay - spent * s for s, decay in zip(self.SUPPRESSION_LEVELS, self._suppression_decay)]

    def decide_suppression(self, rule, russian_engagement: float, u: float) -> None:
        self.iskp_suppression = pick(self.SUPPRESSION_LEVELS, self.suppression_utilities(russian_engagement),
                                     self.iskp_suppression, rule.temperature, rule.switching_cost, u)

    def decide_ban(self, rule, share_recognising: float, u: float) -> None:
        self.opium_ban = pick(self.BAN_LEVELS, self.ban_utilities(share_recognising), self.opium_ban,
                              rule.temperature, rule.switching_cost, u)

    def crisis_index(self) -> float:
        p = self._afghanistan
        w = self._crisis_weight
        if w == 0:
            return 0.0
        drought = self._scenario.drought_severity
        return (p.weight_collapse * self.collapse + p.weight_conflict * self.conflict
                + p.weight_drought * drought) / w

    def update(self, dt_months: float, released_bn: float, share_recognising: float,
               us_returned: bool, russian_engagement: float, chinese_engagement: float, z_collapse: float,
               z_conflict: float) -> None:
        """Economy moves to a collapse target that released reserves, recognition and Moscow's aid
        lower; Islamic State to a target the Taliban's effort against it lowers."""
        p, sc, a = self._states, self._scenario, self._afghanistan
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
