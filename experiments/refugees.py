"""Memo: should Central Asia take Afghans in, and what happens if Moscow stops it?

Compares the baseline with Russia blocking refugees and with Western-funded hosting: how many
Afghans Central Asia hosts, where the others go instead (Iran, Pakistan, irregular crossings,
home), how many militants get through, what happens to the attack risk in Russia, and what
Central Asia loses in remittances.
Usage: python experiments/refugees.py [--run]
"""

from _memo import main

if __name__ == "__main__":
    main("refugees", ["baseline", "russia_blocks_refugees", "western_hosting"],
         ["n_hosted_ca", "cum_entered_ca", "cum_irregular_ca", "cum_turned_back", "n_hosted_irn", "n_hosted_pak",
          "cum_returned", "cum_onward_to_rus", "cum_militants_infiltrated", "p_major_attack_rus",
          "ca_remittance_loss_usd"])
