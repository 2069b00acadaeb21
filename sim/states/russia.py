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

from sim.calendar import DAYS_PER_YEAR
from sim.countries import SPILLOVER
from sim.states.agents import Decider, State, lowered_barrier
from sim.states.choice import QUARTERS, exp_decay, pick
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
    DRILLS_LEVELS = (0.2, 0.4, 0.6, 0.8, 1.0)
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
        self._totals_seen = (0.0, 0.0, 0.0, 0.0)
        self.collapse_seen = model.cfg.scenario.collapse_initial  # seen from the embassy in Kabul, without lag
        # What each review looks up, named once: its perceptions' and decisions' streams, the
        # decisions that exist in this world (no Taliban government to engage and no frozen
        # reserves without the withdrawal), and exp(-belief x level) of each objective, as numpy
        # computed it on the options at every review.
        self._perception_streams = tuple(f"perception:russia:{name}" for name in self.PERCEIVED)
        self._decided = tuple((name, f"decision:{name}") for name in self.DECISIONS
                              if model.cfg.scenario.withdrawal or name not in NOT_WITHOUT_WITHDRAWAL)
        self._decay = {
            "crackdown": exp_decay(params.crackdown_belief, self.CRACKDOWN_LEVELS),
            "drills": exp_decay(params.drills_belief, self.DRILLS_LEVELS),
            "pressure": exp_decay(params.pressure_belief, self.PRESSURE_LEVELS),
            "restriction": exp_decay(params.restriction_belief, self.RESTRICTION_LEVELS),
        }

    # -- perceptions --------------------------------------------------------------
    def perceive(self, attacks_rus: float, militants_rus: float, militants_ca: float, islamic_state: float,
                 refugees_ca: float, militant_refugees_ca: float, onward_rus: float, collapse: float, dt_years: float,
                 z) -> None:
        """A review's reports: the rates of attacks in Russia, of Afghans entering Central Asia, of
        militants among them and of Afghans moving on into Russia (from totals so far), and the
        militant stocks and IS activity; the Afghan collapse Moscow sees from its embassy in Kabul,
        without noise or lag. `z`: one standard normal per :attr:`PERCEIVED`."""
        self.collapse_seen = collapse
        totals = (attacks_rus, refugees_ca, militant_refugees_ca, onward_rus)
        attacks, refugees, militant_refugees, onward = [(x - seen) / dt_years
                                                        for x, seen in zip(totals, self._totals_seen)]
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
    # Each objective below is a list over the options, each option's value computed with the same
    # operations in the same order as the array expression it replaced (threat x exp(-belief x
    # level) - cost x level, the scalar products first), so that the numbers are the same.
    def crackdown_utilities(self) -> list[float]:
        """Moscow's objective for each crackdown level: the threat it expects at home after it,
        and its cost (sim.states.choice)."""
        p, g = self.params, self.params.goals
        threat, cost = -g.security * self.threat_home(), g.economy * p.crackdown_cost
        return [threat * decay - cost * c for c, decay in zip(self.CRACKDOWN_LEVELS, self._decay["crackdown"])]

    def drills_utilities(self) -> list[float]:
        """Moscow's objective for each drills level: the threat it expects in Central Asia after
        them, their cost, and what they do for its standing as guarantor."""
        p, g = self.params, self.params.goals
        threat, cost = -g.security * self.threat_central_asia(), g.economy * p.drills_cost
        standing = g.influence * p.drills_influence
        return [threat * decay - cost * d + standing * d for d, decay in zip(self.DRILLS_LEVELS, self._decay["drills"])]

    def pressure_utilities(self) -> list[float]:
        """Moscow's objective for each level of pressure on Central Asian admissions: the threat it
        expects from the Afghans who still get in, and the goodwill in Central Asia pressing costs."""
        p, g = self.params, self.params.goals
        threat, goodwill = -g.security * self.threat_refugees(), g.influence * p.pressure_goodwill_cost
        return [threat * decay - goodwill * r for r, decay in zip(self.PRESSURE_LEVELS, self._decay["pressure"])]

    def restriction_utilities(self) -> list[float]:
        """Moscow's objective for each level of restriction on Afghan migrant workers: the threat it
        sees in Afghans reaching Russia through Central Asia, and the labour its economy forgoes."""
        p, g = self.params, self.params.goals
        threat, labour = -g.security * self.seen["onward_rus"].relative(), g.economy * p.restriction_labour_cost
        return [threat * decay - labour * r for r, decay in zip(self.RESTRICTION_LEVELS, self._decay["restriction"])]

    PUSH_LEVELS = QUARTERS
    ENGAGEMENT_LEVELS = QUARTERS
    RECOGNITION_LEVELS = (0.0, 1.0)

    def engagement_utilities(self) -> list[float]:
        """Moscow's objective for each level of engagement with the Taliban (aid, arms,
        diplomacy): standing as the power that can "talk with any of the forces", and the Islamic
        State threat it expects the Taliban to hold down, against the cost."""
        p, g = self.params, self.params.goals
        is_threat = self.seen["islamic_state"].relative()
        standing, security = g.standing * p.engagement_standing, g.security * p.engagement_security * is_threat
        cost = g.economy * p.engagement_cost
        return [standing * e + security * e - cost * e * e for e in self.ENGAGEMENT_LEVELS]

    def recognition_utilities(self, west_leverage: float, seeking: float = 0.0) -> list[float]:
        """Not recognising (0) against recognising (1): standing net of the West's reaction, the
        partnership engagement has built, and the cost of lifting the terrorist designation, which
        the Taliban's concessions (`seeking`, 0-1) lower."""
        p, g = self.params, self.params.goals
        barrier = lowered_barrier(self.model, p.recognition_barrier, seeking)
        gain = (g.standing * (p.recognition_standing - p.recognition_west_cost * west_leverage)
                + g.security * p.recognition_security * self.engagement - barrier)
        return [0.0, gain]

    def decide_recognition(self, rule, west_leverage: float, u: float, seeking: float = 0.0) -> bool:
        """Whether Moscow recognises the Taliban at this review (recognition is for good)."""
        return pick(self.RECOGNITION_LEVELS, self.recognition_utilities(west_leverage, seeking), 0.0,
                    rule.temperature, rule.switching_cost, u) == 1.0

    def push_utilities(self) -> list[float]:
        """Moscow's objective for each level of its campaign for the reserves' release and for the
        West to carry the cost: standing, and the stability a release would buy as Afghanistan
        collapses (which Moscow perceives without lag: it keeps its embassy in Kabul)."""
        p, g = self.params, self.params.goals
        standing, security = g.standing * p.push_standing, g.security * p.push_security * self.collapse_seen
        cost = g.economy * p.push_cost
        return [standing * x + security * x - cost * x * x for x in self.PUSH_LEVELS]

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
        draws, k = model.state_draws, model.review_number  # as Decider.draw, without a call per stream
        z = [draws[name][k] for name in self._perception_streams]
        # Per-country counts as Python floats; the Central Asian totals summed left to right, as
        # numpy sums fewer than 8 values (numpy's call overhead on these short rows dominated).
        attacks, militants, entered = c.attacks.tolist(), c.militants.tolist(), c.militants_entered.tolist()
        self.perceive(attacks[RUS], militants[RUS], sum(militants[:RUS]), model.taliban.islamic_state,
                      c.admitted_ca, sum(entered[:RUS]), c.onward_to_rus, model.taliban.collapse, dt_years, z)
        if not deciding:
            return
        rule = model.cfg.model.states.choice
        for name, stream in self._decided:
            if self.free(name):  # a forced decision stays as its lever sets it
                self.decide(name, rule, self.draw(stream))

    def decide(self, name: str, rule, u: float) -> None:
        """Review decision `name` by the logit choice with inertia, with the uniform `u`."""
        attr, levels, utilities = self.DECISIONS[name]
        setattr(self, attr, pick(levels, getattr(self, utilities)(), getattr(self, attr), rule.temperature,
                                 rule.switching_cost, u))
