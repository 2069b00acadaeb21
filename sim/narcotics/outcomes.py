"""Outcomes of the narcotics submodel (registered by name, unit and label)."""

from __future__ import annotations

from sim.narcotics.routes import ROUTES, SEIZING
from sim.outcomes import Outcome

OUTCOMES = (
    *(Outcome(f"cum_opiates_tonnes_{r}", "tonnes", f"Opiates shipped on the {r} route (total, heroin eq.)")
      for r in ROUTES),
    Outcome("cum_seized_tonnes", "tonnes", "Opiates seized on the Afghan routes (total, heroin eq.)"),
    *(Outcome(f"cum_seized_tonnes_{c.lower()}", "tonnes", f"Opiates seized by {c} (total, heroin eq.)")
      for c in SEIZING),
    *(Outcome(f"cum_seized_tonnes_{r}", "tonnes", f"Opiates seized on the {r} route (total, heroin eq.)")
      for r in ROUTES),
    Outcome("northern_route_seizure_share", "share", "Northern route's share of global heroin and morphine "
            "seizures (over the horizon)"),
    Outcome("northern_route_shipment_share", "share", "Northern route's share of Afghan opiate exports "
            "(over the horizon)"),
    Outcome("afghan_opium_share_global", "share", "Afghanistan's share of global opium production "
            "(over the horizon)"),
    Outcome("cum_supply_rus_tonnes", "tonnes", "Opiates reaching the Russian market (total, heroin eq.)"),
    Outcome("cum_supply_eur_tonnes", "tonnes", "Opiates reaching Western Europe (total, heroin eq.)"),
    Outcome("taliban_drug_revenue_usd", "USD", "Taliban tax on opium (total)"),
    Outcome("n_stock_tonnes", "tonnes", "Opiate stock held in Afghanistan (end of horizon)"),
    Outcome("new_production_tonnes", "tonnes/month", "Afghan opiate production per month (mean over horizon)",
            reduce="mean"),
    Outcome("price_heroin_rus_usd_kg", "USD/kg", "Wholesale heroin price in Russia (end of horizon)"),
    Outcome("price_heroin_eur_usd_kg", "USD/kg", "Wholesale heroin price in Western Europe (end of horizon)"),
)
