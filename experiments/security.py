"""Memo: does a domestic crackdown make Russia safer, and what if the US comes back?

Compares the baseline with a Russian domestic crackdown and with a US return after a
deterioration.
Usage: python experiments/security.py [--run]
"""

from _memo import main

if __name__ == "__main__":
    main("security", ["baseline", "russia_domestic_crackdown", "us_returns"],
         ["radicalization_index_rus", "attack_risk_rus", "p_major_attack_rus", "cum_major_attacks_rus",
          "n_militants_rus", "n_militants_ca", "cum_militants_home_grown_rus", "decision_russia_crackdown"])
