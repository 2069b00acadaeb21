"""Outcomes of the security submodel (registered by name, unit and label)."""

from __future__ import annotations

from sim.countries import SPILLOVER as COUNTRIES
from sim.outcomes import Outcome


OUTCOMES = (
    Outcome("n_militants_afg", "militants", "ISKP fighters in Afghanistan (end of horizon)"),
    *(Outcome(f"n_militants_{c.lower()}", "militants", f"Militants in jihadist networks in {c} (end of horizon)")
      for c in COUNTRIES),
    Outcome("n_militants_ca", "militants", "Militants in the five Central Asian states (end of horizon)"),
    Outcome("cum_militants_from_refugees", "militants", "Militants added by refugee infiltration, net of those "
            "whose group moved on or went home (total)"),
    Outcome("cum_militants_from_trafficking", "militants", "Militants recruited by trafficking networks (total)"),
    Outcome("cum_militants_from_islamic_state", "militants", "Militants sent by ISKP (total)"),
    Outcome("cum_militants_home_grown_rus", "militants", "Militants recruited inside Russia (total)"),
    Outcome("muslim_share_rus", "share", "Muslim share of Russia's population (end of horizon)"),
    Outcome("radicalization_index_rus", "index 0-1", "Radicalization among Russia's Muslims (end of horizon)"),
    Outcome("attack_risk_rus", "probability/year", "Annual probability of a major attack in Russia "
            "(mean over the horizon)", reduce="mean"),
    Outcome("attack_risk_ca", "probability/year", "Annual probability of a major attack in Central Asia "
            "(mean over the horizon)", reduce="mean"),
    Outcome("p_major_attack_rus", "probability", "Probability of at least one major attack in Russia "
            "(over the horizon so far)"),
    Outcome("cum_major_attacks_rus", "attacks", "Major attacks in Russia drawn in this replicate (total)"),
    Outcome("cum_major_attacks_ca", "attacks", "Major attacks in Central Asia drawn in this replicate (total)"),
)
