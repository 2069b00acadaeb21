"""Memo: does the withdrawal bring more Afghan opiates to Russia, and what do a ban and a
CSTO crackdown on the northern route do?

Compares the baseline with the Taliban opium ban and the CSTO northern-route crackdown.
Usage: python experiments/drugs.py [--run]
"""

from _memo import main

if __name__ == "__main__":
    main("drugs", ["baseline", "taliban_opium_ban", "csto_northern_crackdown"],
         ["cum_supply_rus_tonnes", "cum_supply_eur_tonnes", "cum_opiates_tonnes_northern",
          "northern_route_seizure_share", "price_heroin_rus_usd_kg", "new_production_tonnes",
          "taliban_drug_revenue_usd", "afghan_collapse_index"])
