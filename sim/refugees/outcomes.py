"""Outcomes of the refugee submodel (registered by name, unit and label)."""

from __future__ import annotations

from sim.outcomes import Outcome

# Countries whose Afghans hosted (displaced since 2021) are outcomes.
HOSTED = ("IRN", "PAK", "TJK", "UZB", "TKM", "KGZ", "KAZ", "RUS", "TUR", "WEU")


OUTCOMES = (
    Outcome("cum_displaced", "people", "People displaced from Afghan regions (total)"),
    Outcome("new_displaced", "people/month", "People newly displaced per month (mean over horizon)",
            reduce="mean"),
    *(Outcome(f"n_hosted_{c.lower()}", "people", f"Afghans displaced since 2021 present in {c} (end of horizon)")
      for c in HOSTED),
    Outcome("n_hosted_ca", "people", "Afghans displaced since 2021 present in the five Central Asian states "
            "(end of horizon)"),
    Outcome("cum_entered_ca", "people", "People entering Central Asia from outside it, admitted or irregular "
            "(total)"),
    Outcome("cum_irregular_ca", "people", "Entries into a Central Asian state by people refused admission who "
            "crossed irregularly (total, counting each country entered)"),
    Outcome("n_moving_afg", "people", "Displaced people on the move inside Afghanistan (end of horizon)"),
    Outcome("n_in_transit", "people", "People travelling between countries (end of horizon)"),
    Outcome("cum_returned", "people", "People who went home or were deported (total)"),
    Outcome("cum_turned_back", "people", "People turned back at borders (total, counting each attempt)"),
    Outcome("cum_onward_to_rus", "people", "Afghans who moved on from Central Asia into Russia (total)"),
    Outcome("cum_militants_infiltrated", "militants", "Militants who entered a country undetected (total, "
            "counting each country entered)"),
    *(Outcome(f"cum_militants_infiltrated_{c.lower()}", "militants", f"Militants who entered {c} undetected (total)")
      for c in HOSTED),
    Outcome("cum_militants_detained", "militants", "Militants caught by screening (total)"),
    Outcome("ca_remittance_loss_usd", "USD", "Remittances lost by Central Asia to Afghan competition in Russia "
            "(total)"),
)
