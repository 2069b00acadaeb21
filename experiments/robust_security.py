"""Robust-decision memo: does a harder line at home make Russia safer across futures?

The article warns that if Moscow "starts to further clamp down on Russia's own Muslims, this
approach will breed resentment and radicalization". Six policies, Moscow's domestic crackdown at
0, 0.5 or 1 and its Central Asian security drills at 0 or 1, plus the status quo in which Moscow
decides both. Which holds up for Moscow (attack risk, influence, drugs, its scorecard) and for
Central Asia across the futures, and in which futures does the crackdown backfire (a higher
chance of a major attack in Russia than without it)?
Usage: python experiments/robust_security.py --run [--futures N] [--replicates R] [--horizon M]
"""

from _robust import main

CRACK = "policy.russia_crackdown.level"
DRILLS = "policy.russia_drills.level"

POLICIES = {"status_quo": []}
for crack in (0, 0.5, 1):
    for drills in (0, 1):
        POLICIES[f"crackdown{crack:g}_drills{drills}"] = [f"{CRACK}={crack}", f"{DRILLS}={drills}"]

if __name__ == "__main__":
    main("robust_security", "Does a harder line at home and in Central Asia make Russia safer, whatever the future?",
         POLICIES, ["Moscow", "Central Asia"], "p_major_attack_rus <= 0.5",
         [{"why": "The crackdown backfires", "policy": "crackdown1_drills0", "against": "crackdown0_drills0",
           "condition": "diff(p_major_attack_rus) > 0"},
          {"why": "Drills fail to keep militants out of Central Asia", "policy": "crackdown0_drills1",
           "against": "crackdown0_drills0", "condition": "diff(cum_militants_infiltrated) >= 0"}],
         futures=100, replicates=2, horizon=60)
