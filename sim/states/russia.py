"""Russia: the protagonist of the source article, a Mesa agent that perceives and decides.

Moscow perceives (sim.states.perception) the attacks at home, its intelligence estimates of the
militant networks in Russia and Central Asia and of Islamic State, and the Afghans (and the
militants among them) entering Central Asia and moving on into Russia. Every
``choice.every_reviews`` reviews it chooses, by its weighted goals (``model.states.rus.goals``)
and the logit choice with inertia (sim.states.choice): its domestic crackdown, its drills in
Central Asia, its pressure on Central Asian admissions, its restriction of Afghan migrant
workers, its campaign for the reserves' release, its engagement with the Taliban, and whether
to recognise them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import DAYS_PER_YEAR
from sim.countries import SPILLOVER
from sim.states.agents import Decider, State, lowered_barrier
from sim.states.choice import QUARTERS, choose
from sim.states.goals import RussiaParams
from sim.states.perception import Perceived

if TYPE_CHECKING:
    from sim.model import SpilloverModel


RUS = SPILLOVER.index("RUS")
# Decisions that do not exist without the withdrawal: no Taliban government to engage, no
# frozen reserves to campaign for.
NOT_WITHOUT_WITHDRAWAL = ("russia_engagement", "russia_reserves_push")


class Russia(Decider, State):
    """Russia: security guarantor of Central Asia, pressing on refugees and on exercises with the US.

    It perceives (sim.states.perception) the attacks at home, its intelligence estimates of the
    militant networks in Russia and Central Asia and of Islamic State activity, and chooses its
    domestic crackdown and its drills in Central Asia by its objective (sim.states.choice).
    """

    CRACKDOWN_LEVELS = QUARTERS
    DRILLS_LEVELS = np.array([0.2, 0.4, 0.6, 0.8, 1.0])
    PRESSURE_LEVELS = QUARTERS
    RESTRICTION_LEVELS = QUARTERS
    # One noise draw each, each review, each from a stream of its own. Rates (per year) are
    # counted from cumulative totals.
    PERCEIVED = ("attacks", "militants_rus", "militants_ca", "islamic_state", "refugees_ca", "militant_refugees_ca",
                 "onward_rus")

    def __init__(self, model: "SpilloverModel", params: RussiaParams) -> None:
        super().__init__(model, "RUS", "Russia", 0.0)  # Russia's recognition is a choice (decide_recognition)
        self.params = params
        self.drills = params.drills_2021
        self.crackdown = 0.0
        self.refugee_pressure = params.refugee_pressure_2021
        self.worker_restriction = 0.0
        self.reserves_push = 0.0
        self.engagement = params.engagement_2021
        sp = model.cfg.model.states
        pp, dt_years = sp.perception, sp.review_days / DAYS_PER_YEAR
        intel = (pp.intel_lag_reviews, pp.intel_memory, pp.intel_noise_sd)
        self.seen = {
            "attacks": Perceived(0, min(1.0, dt_years / pp.attack_memory_years), 0.0,
                                 prior=params.attacks_expected_per_year),
            "militants_rus": Perceived(*intel),
            "militants_ca": Perceived(*intel),
            "islamic_state": Perceived(*intel, prior=params.islamic_state_expected),
            "refugees_ca": Perceived(*intel, prior=params.refugees_expected_per_year),
            "militant_refugees_ca": Perceived(*intel, prior=params.militant_refugees_expected_per_year),
            "onward_rus": Perceived(*intel, prior=params.onward_expected_per_year),
        }
        # attacks in Russia, Afghans into Central Asia, militants among them, Afghans on into Russia
        self._totals_seen = np.zeros(4)
        self.collapse_seen = model.cfg.scenario.collapse_initial  # seen from the embassy in Kabul, without lag

    # -- perceptions --------------------------------------------------------------
    def perceive(self, attacks_rus: float, militants_rus: float, militants_ca: float, islamic_state: float,
                 refugees_ca: float, militant_refugees_ca: float, onward_rus: float, collapse: float, dt_years: float,
                 z) -> None:
        """A review's reports: the rates of attacks in Russia, of Afghans entering Central Asia, of
        militants among them and of Afghans moving on into Russia (from totals so far), and the
        militant stocks and IS activity; the Afghan collapse Moscow sees from its embassy in Kabul,
        without noise or lag. `z`: one standard normal per :attr:`PERCEIVED`."""
        self.collapse_seen = collapse
        totals = np.array([attacks_rus, refugees_ca, militant_refugees_ca, onward_rus])
        attacks, refugees, militant_refugees, onward = (totals - self._totals_seen) / dt_years
        self._totals_seen = totals
        reports = (attacks, militants_rus, militants_ca, islamic_state, refugees, militant_refugees, onward)
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

    def restriction_utilities(self) -> np.ndarray:
        """Moscow's objective for each level of restriction on Afghan migrant workers: the threat it
        sees in Afghans reaching Russia through Central Asia, and the labour its economy forgoes."""
        p, g = self.params, self.params.goals
        r = self.RESTRICTION_LEVELS
        return (-g.security * self.seen["onward_rus"].relative() * np.exp(-p.restriction_belief * r)
                - g.economy * p.restriction_labour_cost * r)

    PUSH_LEVELS = QUARTERS
    ENGAGEMENT_LEVELS = QUARTERS
    RECOGNITION_LEVELS = np.array([0.0, 1.0])

    def engagement_utilities(self) -> np.ndarray:
        """Moscow's objective for each level of engagement with the Taliban (aid, arms,
        diplomacy): standing as the power that can "talk with any of the forces", and the Islamic
        State threat it expects the Taliban to hold down, against the cost."""
        p, g = self.params, self.params.goals
        e = self.ENGAGEMENT_LEVELS
        is_threat = self.seen["islamic_state"].relative()
        return (g.standing * p.engagement_standing * e + g.security * p.engagement_security * is_threat * e
                - g.economy * p.engagement_cost * e * e)

    def recognition_utilities(self, west_leverage: float, seeking: float = 0.0) -> np.ndarray:
        """Not recognising (0) against recognising (1): standing net of the West's reaction, the
        partnership engagement has built, and the cost of lifting the terrorist designation, which
        the Taliban's concessions (`seeking`, 0-1) lower."""
        p, g = self.params, self.params.goals
        barrier = lowered_barrier(self.model, p.recognition_barrier, seeking)
        gain = (g.standing * (p.recognition_standing - p.recognition_west_cost * west_leverage)
                + g.security * p.recognition_security * self.engagement - barrier)
        return np.array([0.0, gain])

    def decide_recognition(self, rule, west_leverage: float, u: float, seeking: float = 0.0) -> bool:
        """Whether Moscow recognises the Taliban at this review (recognition is for good)."""
        return choose(self.RECOGNITION_LEVELS, self.recognition_utilities(west_leverage, seeking), 0.0,
                      rule.temperature, rule.switching_cost, u) == 1.0

    def push_utilities(self) -> np.ndarray:
        """Moscow's objective for each level of its campaign for the reserves' release and for the
        West to carry the cost: standing, and the stability a release would buy as Afghanistan
        collapses (which Moscow perceives without lag: it keeps its embassy in Kabul)."""
        p, g = self.params, self.params.goals
        x = self.PUSH_LEVELS
        collapse = self.collapse_seen
        return (g.standing * p.push_standing * x + g.security * p.push_security * collapse * x
                - g.economy * p.push_cost * x * x)

    DECISIONS = {  # decision -> (attribute, options, utilities)
        "russia_crackdown": ("crackdown", CRACKDOWN_LEVELS, "crackdown_utilities"),
        "russia_drills": ("drills", DRILLS_LEVELS, "drills_utilities"),
        "russia_refugee_pressure": ("refugee_pressure", PRESSURE_LEVELS, "pressure_utilities"),
        "russia_migrant_restriction": ("worker_restriction", RESTRICTION_LEVELS, "restriction_utilities"),
        "russia_reserves_push": ("reserves_push", PUSH_LEVELS, "push_utilities"),
        "russia_engagement": ("engagement", ENGAGEMENT_LEVELS, "engagement_utilities"),
    }

    RECOGNITION_STREAM = "decision:russia_recognition"

    def review(self, dt_years: float, deciding: bool) -> None:
        """Perceive (from the coupling and the Afghan state); when `deciding`, choose each decision
        no lever forces."""
        model = self.model
        c = model.coupling
        z = [self.draw(f"perception:russia:{name}") for name in self.PERCEIVED]
        u = {name: self.draw(f"decision:{name}") for name in self.DECISIONS}
        self.perceive(c.attacks[RUS], c.militants[RUS], float(c.militants[:RUS].sum()), model.taliban.islamic_state,
                      c.admitted_ca, float(c.militants_entered[:RUS].sum()), c.onward_to_rus, model.taliban.collapse,
                      dt_years, z)
        if not deciding:
            return
        for name in self.DECISIONS:
            if not model.cfg.scenario.withdrawal and name in NOT_WITHOUT_WITHDRAWAL:
                continue
            if self.free(name):  # a forced decision stays as its lever sets it
                self.decide(name, model.cfg.model.states.choice, u[name])

    def decide(self, name: str, rule, u: float) -> None:
        """Review decision `name` by the logit choice with inertia, with the uniform `u`."""
        attr, levels, utilities = self.DECISIONS[name]
        setattr(self, attr, choose(levels, getattr(self, utilities)(), getattr(self, attr), rule.temperature,
                                   rule.switching_cost, u))
