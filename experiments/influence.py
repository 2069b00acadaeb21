"""Memo: does Russia gain or lose influence in Central Asia, and do recognition and the
reserves change the Afghan crisis?

Compares the baseline with a recognition cascade and with the reserves released.
Usage: python experiments/influence.py [--run]
"""

from _memo import main

if __name__ == "__main__":
    main("influence", ["baseline", "recognition_cascade", "reserves_released"],
         ["russia_influence_ca", "alignment_ca", "n_states_recognizing_taliban", "afghan_collapse_index",
          "cum_displaced", "admit_share_ca", "decision_russia_refugee_pressure"])
