"""Memo: should Central Asia take Afghans in, and what happens if Moscow stops it?

Compares the baseline with Russia blocking refugees and with Western-funded hosting.
Usage: python experiments/refugees.py [--run]
"""

from _memo import main

if __name__ == "__main__":
    main("refugees", ["baseline", "russia_blocks_refugees", "western_hosting"],
         ["n_hosted_ca", "cum_entered_ca", "cum_turned_back", "cum_onward_to_rus",
          "cum_militants_infiltrated", "ca_remittance_loss_usd"])
