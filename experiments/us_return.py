"""Memo: if Afghanistan deteriorates, what does a US return change?

Compares the deep collapse without a return (the reference) with the same collapse and US
forces back on 2023-01-01, so the differences are the return's alone.
Usage: python experiments/us_return.py [--run]
"""

from _memo import main

if __name__ == "__main__":
    main("us_return", ["deep_collapse", "us_returns"],
         ["islamic_state_index", "n_militants_ca", "attack_risk_ca", "p_major_attack_rus", "alignment_ca",
          "russia_influence_ca"])
