"""Robust-decision memo: Moscow's pressure on Central Asian admissions against Western hosting
funds and Western-funded screening, across futures.

Eight policies, every combination of Moscow pressing Central Asia to keep Afghans out (level 1)
or not (0), the West paying USD 200m a year per state to host them (or nothing), and the West
paying USD 100m a year per state for screening (or nothing), plus the status quo in which every
state decides. Which combination holds up for Moscow, for Central Asia, for Afghans and for
Europe, across the futures the declared ranges leave open, and in which futures does Moscow's
pressure backfire (more militants or more irregular crossings than without it)?
Usage: python experiments/robust_borders.py --run [--futures N] [--replicates R] [--horizon M]
"""

from _robust import main

PRESS = "policy.russia_refugee_pressure.level"
HOST = "policy.western_hosting.usd_m_per_year"
SCREEN = "policy.western_screening.usd_m_per_year"

POLICIES = {"status_quo": []}
for press in (0, 1):
    for host in (0, 200):
        for screen in (0, 100):
            name = "_".join(["press" if press else "calm"] + (["host"] if host else []) + (["screen"] if screen else []))
            POLICIES[name] = [f"{PRESS}={press}", f"{HOST}={host}", f"{SCREEN}={screen}"]

if __name__ == "__main__":
    main("robust_borders",
         "Should Moscow press Central Asia to keep Afghans out, and can Western money for hosting and screening "
         "hold up against it?",
         POLICIES, ["Moscow", "Central Asia", "Afghans", "Europe"],
         "n_hosted_ca >= 50000 and cum_militants_infiltrated <= 300",
         [{"why": "Pressure backfires on militants", "policy": "press", "against": "calm",
           "condition": "diff(cum_militants_infiltrated) > 0"},
          {"why": "Pressure pushes people into irregular crossings", "policy": "press", "against": "calm",
           "condition": "diff(cum_irregular_ca) > 5000"},
          {"why": "Western hosting money fails to keep people in the region under pressure", "policy": "press_host",
           "against": "press", "condition": "diff(n_hosted_ca) < 20000"}])
