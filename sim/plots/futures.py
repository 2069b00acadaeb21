"""What the assumptions leave open: the memo's section for runs of several futures.

For runs made with ``futures`` > 1 (``uncertainty=ranges`` or ``posterior``), every key outcome
gets the share of its variance that comes from the assumptions (between futures) rather than
from chance (within a future), and the parameters that drive its per-future mean; every
paired comparison gets the effect in each future (the mean over its replicates), its spread
across futures, the interval of its mean (bootstrapped over futures, the unit that carries
the parameter uncertainty), the share of futures in which the effect has the opposite sign
(the policy backfires there), and the parameters that drive the effect. The attribution is
SALib's RBD-FAST on the ensemble itself (:func:`sim.analysis.drivers`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import MIN_FUTURES, drivers, future_effects, opposite_share, variance_split
from sim.plots import PlotError, Run, stats

SPLIT_CSV = "uncertainty.csv"
EFFECTS_CSV = "effects_across_futures.csv"
SIGN_SHARE = 0.05  # a sign "depends on the assumptions" when more than this share of futures reverse it


def n_futures(run: Run) -> int:
    return int(run.outcomes["future"].nunique()) if "future" in run.outcomes.columns else 1


def _drivers_text(table: pd.DataFrame, n: int) -> str:
    if n < MIN_FUTURES:
        return f"n/a (fewer than {MIN_FUTURES} futures)"
    if table.empty:
        return "none stands out from chance"
    return "; ".join(f"{r.parameter} ({r.S1:.2f})" for r in table.itertuples())


def split_table(runs: list[Run], outcomes: list[str]) -> pd.DataFrame:
    """Per scenario and outcome: the variance split and the three parameters that drive the
    per-future mean (columns scenario, outcome, futures, runs, within, between,
    share_assumptions, drivers)."""
    rows = []
    for r in runs:
        for o in outcomes:
            split = variance_split(r.outcomes, o)
            means = r.outcomes.groupby("future")[o].mean()
            top = drivers(r.futures, means) if r.futures is not None else pd.DataFrame()
            rows.append({"scenario": r.label, "outcome": o, **split, "drivers": _drivers_text(top, len(means))})
    return pd.DataFrame(rows)


def effects_table(base: Run, others: list[Run], outcomes: list[str], level: float = stats.CI_LEVEL,
                  n_resamples: int = stats.N_RESAMPLES) -> pd.DataFrame:
    """Per other scenario and outcome, the paired effect scenario - base across futures."""
    rows = []
    for r in others:
        for o in outcomes:
            effects = future_effects(stats.paired_differences(r.outcomes, base.outcomes, o)).dropna()
            lo, hi = stats.bootstrap_ci(effects.to_numpy(), level, n_resamples)
            q5, q95 = (float(np.quantile(effects, q)) if len(effects) else np.nan for q in (0.05, 0.95))
            top = drivers(base.futures, effects) if base.futures is not None else pd.DataFrame()
            rows.append({"scenario": r.label, "outcome": o, "futures": len(effects), "mean_effect": float(effects.mean()),
                         "ci_low": lo, "ci_high": hi, "p5_futures": q5, "p95_futures": q95,
                         "share_opposite": opposite_share(effects), "drivers": _drivers_text(top, len(effects))})
    return pd.DataFrame(rows)


def futures_section(runs: list[Run], outcomes: list[str], out_dir: Path, label, level: float = stats.CI_LEVEL,
                    n_resamples: int = stats.N_RESAMPLES) -> list[str]:
    """The memo's lines on the futures (empty when every run has one future); writes the two
    tables as CSV into `out_dir`. `label(outcome)` names an outcome in words."""
    from sim.plots.memo import _md_table, _signed

    counts = {n_futures(r) for r in runs}
    if counts == {1}:
        return []
    if len(counts) > 1:
        raise PlotError("the runs hold different numbers of futures; run every scenario with the same futures=...")
    for r in runs:
        if r.futures is None:
            raise PlotError(f"{r.path} holds several futures but no futures.parquet (their drawn values)")
    base, others = runs[0], runs[1:]
    for r in others:
        # A parameter an experiment sets is held in all its futures (its column dropped): the
        # futures are the same worlds when every value both tables draw agrees.
        common = [c for c in base.futures.columns if c in r.futures.columns]
        if len(r.futures) != len(base.futures) or not r.futures[common].reset_index(drop=True).equals(
                base.futures[common].reset_index(drop=True)):
            raise PlotError(f"{r.path} and {base.path} ran different futures (their futures.parquet differ); "
                            "paired futures need the same seed, futures=... and uncertainty settings")
    f = counts.pop()
    reps = len(base.outcomes) // f
    split = split_table(runs, outcomes)
    split.to_csv(Path(out_dir) / SPLIT_CSV, index=False)
    lines = ["", "## What the assumptions leave open", "",
             (f"Each scenario ran in the same {f} futures (one draw of every uncertain parameter each, "
              f"`{base.manifest.get('futures', {}).get('source', '?')}`; values in `futures.parquet`) with {reps} "
              f"replicates each. The key outcomes' intervals above are over all {f * reps} runs. Here: the share of "
              f"each outcome's variance that comes from the assumptions (between futures) rather than from chance "
              f"(within a future; one-way random-effects analysis of variance), and the parameters that drive its "
              f"mean in a future (RBD-FAST first-order index S1 from SALib, computed on the ensemble itself; a "
              f"parameter is listed only if its S1 beats the largest any parameter reaches when the outcome is "
              f"shuffled across futures, and only with {MIN_FUTURES} futures or more; from fewer than about 200 "
              f"futures the indices are rough, so read only a driver that stands well clear of the others). "
              f"Table as CSV: [{SPLIT_CSV}]({SPLIT_CSV})."), ""]
    lines += _md_table(["Outcome", "Scenario", "From the assumptions", "From chance", "Driven most by (S1)"],
                       [[label(r.outcome), r.scenario, _share(r.share_assumptions), _share(1 - r.share_assumptions),
                         r.drivers] for r in split.itertuples()])
    if not others:
        return lines
    effects = effects_table(base, others, outcomes, level, n_resamples)
    effects.to_csv(Path(out_dir) / EFFECTS_CSV, index=False)
    lines += ["", f"### Effects across futures, against {base.label}", "",
              (f"The paired effect scenario - {base.label} in each future (mean over its {reps} replicates): its "
               f"mean with a {level:.0%} bootstrap interval over futures, its spread across futures (5th-95th "
               f"percentile), the share of futures in which it has the opposite sign to its mean (where the "
               f"policy backfires), and the parameters that drive it. With few replicates per future, chance "
               f"alone reverses some signs. Table as CSV: [{EFFECTS_CSV}]({EFFECTS_CSV})."), ""]
    lines += _md_table(
        ["Outcome", "Scenario", f"Mean effect [{level:.0%} CI]", "Across futures (5-95%)", "Opposite sign in",
         "Driven most by (S1)"],
        [[label(r.outcome), r.scenario, f"{_signed(r.mean_effect)} [{_signed(r.ci_low)}, {_signed(r.ci_high)}]",
          f"{_signed(r.p5_futures)} to {_signed(r.p95_futures)}", _share(r.share_opposite), r.drivers]
         for r in effects.itertuples()])
    depends = effects[effects["share_opposite"] > SIGN_SHARE]
    lines += [""]
    if depends.empty:
        lines += [f"No effect's sign depends on the assumptions: in each, at most {SIGN_SHARE:.0%} of futures "
                  "reverse it."]
    else:
        lines += ["**The sign of these results depends on the assumptions:** " + "; ".join(
            f"{r.scenario} on {label(r.outcome)} (mean {_signed(r.mean_effect)}, opposite in "
            f"{_share(r.share_opposite)} of futures{_driven(r.drivers)})" for r in depends.itertuples()) + "."]
    return lines


def _driven(text: str) -> str:
    return "" if text.startswith(("none", "n/a")) else f"; driven by {text}"


def _share(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.0%}"

