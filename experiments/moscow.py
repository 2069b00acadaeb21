"""Memo: is Moscow's joy over the US withdrawal premature? (the source article's question)

Compares the baseline (the withdrawal as it happened, every state deciding by its rules) with
the counterfactual without it (experiment no_withdrawal, the reference), paired by replicate,
on Moscow's scorecard: the value of its objective (sim/scorecard.py) month by month and its
parts, influence, security, drugs, economy and standing. Joy now and cost later shows as a
cumulative difference that starts above zero and turns down.
Usage: python experiments/moscow.py [--run] [--replicates N]
"""

import sys

from _memo import folders, parser, write

EXPERIMENTS = ["no_withdrawal", "baseline"]
OUTCOMES = ["moscow_net_payoff", "moscow_payoff_influence", "moscow_payoff_security", "moscow_payoff_drugs",
            "moscow_payoff_economy", "moscow_payoff_standing", "russia_influence_ca", "p_major_attack_rus",
            "cum_supply_rus_tonnes", "decision_russia_refugee_pressure", "decision_russia_crackdown"]


def main(argv=None) -> None:
    from sim.plots import PlotError, load_runs
    from sim.plots.memo import MEMO
    from sim.plots.scorecard import scorecard_section

    args = parser("moscow", EXPERIMENTS).parse_args(argv)
    runs = folders("moscow", EXPERIMENTS, args)
    out = write("moscow", runs, OUTCOMES, args)
    reference, run = load_runs(runs)
    try:
        lines = scorecard_section(run, reference, out)
    except PlotError as e:
        sys.exit(f"experiments/moscow.py: {e}")
    memo = out / MEMO
    memo.write_text(memo.read_text(encoding="utf-8") + "\n".join(lines) + "\n", encoding="utf-8")
    print(memo)


if __name__ == "__main__":
    main()
