"""Moscow's scorecard: the value of Russia's objective, month by month, as things turn out.

Russia chooses its policies by weighted goals (``model.states.rus.goals``) against what it
perceives (sim.states). The scorecard scores the same goals on what actually happens, each
month, from the outcomes the phases record; it answers the source article's question — is
Moscow's joy over the withdrawal premature? — when a run is paired with the counterfactual
without it (experiment ``no_withdrawal``, ``experiments/moscow.py``).

Each component is a monthly value in objective units (higher is better for Moscow):

- influence: Russian influence in Central Asia (``russia_influence_ca``, index 0-1);
- security: minus the attack hazard in Russia and, weighted by ``southern_weight``, in
  Central Asia, each relative to its 2021 rate (-1 at the 2021 level in both);
- drugs: minus the opiates reaching Russia in the month, in units of ``drugs_tonnes_per_unit``;
- economy: minus what Moscow's drills and crackdown cost (``rus.drills_cost``,
  ``rus.crackdown_cost`` per unit level, per year, as Moscow weighs them when choosing);
- standing: Moscow's standing against the West, 1 minus Western leverage.

With the security or narcotics submodel off, its part is 0. Each record counts as one month,
also the first and the last, which cover part of a month (the run starts on 15 August 2021):
the levels are scored once per record and the drug part counts the opiates since the last.

The component outcomes ``moscow_payoff_<component>`` are these values times the goal's weight,
so that ``moscow_net_payoff`` is their sum; each series is reduced to its total over the
horizon, in objective units x months.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.outcomes import Outcome
from sim.provenance import ASSUMPTION, nonneg, param

if TYPE_CHECKING:
    from sim.config import Config

COMPONENTS = ("influence", "security", "drugs", "economy", "standing")
UNIT = "objective units x months"

OUTCOMES = (
    Outcome("moscow_net_payoff", UNIT, "Moscow's net payoff: its goals' weighted value (total over horizon)",
            reduce="sum"),
    Outcome("moscow_payoff_influence", UNIT, "Moscow's payoff from influence in Central Asia (total over horizon)",
            reduce="sum"),
    Outcome("moscow_payoff_security", UNIT, "Moscow's payoff from security, minus attack risk at home and to the "
            "south (total over horizon)", reduce="sum"),
    Outcome("moscow_payoff_drugs", UNIT, "Moscow's payoff from drugs, minus opiates reaching Russia (total over "
            "horizon)", reduce="sum"),
    Outcome("moscow_payoff_economy", UNIT, "Moscow's payoff from the economy, minus the cost of its drills and "
            "crackdown (total over horizon)", reduce="sum"),
    Outcome("moscow_payoff_standing", UNIT, "Moscow's payoff from standing against the West (total over horizon)",
            reduce="sum"),
)


@dataclass
class ScorecardParams:
    """How the scorecard scales what happens into Moscow's objective units."""

    southern_weight: float = nonneg(0.5, unit="weight of Central Asian attack risk against Russia's",
                                    source=ASSUMPTION, range=(0.2, 1.0),
                                    doc="security on the southern border, against security at home")
    drugs_tonnes_per_unit: float = param(3.0, unit="tonnes of opiates reaching Russia per month per objective unit",
                                         source=ASSUMPTION, bounds=(0.01, math.inf), range=(1.0, 10.0),
                                         doc="about the monthly supply to Russia in the baseline's first year, so "
                                             "that the drug component is -1 near that level")


def _hazard(risk: float) -> float:
    """The annual hazard whose one-year probability is `risk`."""
    return -math.log1p(-min(risk, 1.0 - 1e-12))


class Scorecard:
    """Computes the monthly components from a month's recorded outcomes."""

    def __init__(self, cfg: "Config") -> None:
        self.cfg = cfg
        self._supply_seen = 0.0

    def observe(self, values: dict[str, float]) -> dict[str, float]:
        m = self.cfg.model
        sc, rus, goals = m.scorecard, m.states.rus, m.states.rus.goals
        attacks = m.security.attacks
        h_rus = _hazard(values["attack_risk_rus"]) / attacks.major_attacks_per_year_rus_2021
        h_ca = _hazard(values["attack_risk_ca"]) / attacks.major_attacks_per_year_ca_2021
        if math.isnan(h_rus + h_ca):  # security off: the part is not scored
            h_rus = h_ca = 0.0
        supply = values["cum_supply_rus_tonnes"]
        if math.isnan(supply):  # narcotics off
            month_supply = 0.0
        else:
            month_supply, self._supply_seen = supply - self._supply_seen, supply
        part = {
            "influence": values["russia_influence_ca"],
            "security": -(h_rus + sc.southern_weight * h_ca) / (1.0 + sc.southern_weight),
            "drugs": -month_supply / sc.drugs_tonnes_per_unit,
            "economy": -(rus.drills_cost * values["decision_russia_drills"]
                         + rus.crackdown_cost * values["decision_russia_crackdown"]),
            "standing": 1.0 - values["west_leverage"],
        }
        out = {f"moscow_payoff_{k}": getattr(goals, k) * v for k, v in part.items()}
        out["moscow_net_payoff"] = sum(out.values())
        return out
