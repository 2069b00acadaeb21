"""``sim-robust``: how each explored policy holds up across the futures, for each stakeholder.

Reads a ``sim-explore`` folder. A policy's value in a future is the mean of its replicates there
(the expected outcome in that world); across futures, per stakeholder and measure (the measure's
sign for that stakeholder from :mod:`sim.xlrm`):

- expected value (mean over futures) and the 10th, 50th and 90th percentiles;
- **regret**: how far the policy falls short of the best policy in the same future, in the
  measure's unit (0 for the best); its maximum and 90th percentile over futures, and the share of
  futures in which the policy is the best;
- **satisficing** (``--satisfice 'n_hosted_ca<=50000' ...``): the share of futures in which the
  policy meets every threshold;
- **ranking** per stakeholder: which policies are dominated (another is at least as good in
  expectation on every measure of that stakeholder and better on one), and the mean over measures
  of the 90th-percentile regret scaled by the measure's spread across policies and futures
  (0: never far from the best).

It refuses policies that were not run in the same futures and replicates (their comparison would
not be paired). Output (``<exploration>/robust/``): ``robustness.csv``, ``regret.csv``,
``ranking.csv``, ``satisficing.csv`` (with thresholds), ``robust.md`` and the figures.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd

from sim.errors import fail, input_errors, one_line
from sim.explore import POLICY, ExploreError, Exploration, read_exploration
from sim.xlrm import STAKEHOLDERS, Measure, measures

FUTURE = "future"
_TERM = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*(<=|>=|<|>)\s*([-+0-9.eE]+)\s*$")


def compare(x: pd.Series, op: str, value: float) -> pd.Series:
    """`x op value` elementwise, for the operators thresholds and conditions use."""
    return {"<=": x <= value, ">=": x >= value, "<": x < value, ">": x > value}[op]


class Threshold(NamedTuple):
    outcome: str
    op: str
    value: float

    def met(self, x: pd.Series) -> pd.Series:
        return compare(x, self.op, self.value)

    def __str__(self) -> str:
        return f"{self.outcome} {self.op} {self.value:g}"


def parse_thresholds(text: str | Sequence[str], known: Sequence[str]) -> list[Threshold]:
    """``a <= 1 and b > 2`` (or a list of terms) as thresholds; ExploreError names a bad term."""
    terms = text if not isinstance(text, str) else re.split(r"\s+and\s+", text.strip())
    out = []
    for term in terms:
        m = _TERM.match(term)
        if not m:
            raise ExploreError(f"threshold {term!r}: expected OUTCOME (<=|>=|<|>) NUMBER, joined by 'and'")
        name, op, value = m.groups()
        if name not in known:
            raise ExploreError(f"threshold {term!r}: unknown outcome {name}")
        try:
            out.append(Threshold(name, op, float(value)))
        except ValueError:
            raise ExploreError(f"threshold {term!r}: {value} is not a number") from None
    return out


# --------------------------------------------------------------------------- pairing and future means
def check_paired(ex: Exploration) -> None:
    """ExploreError unless every policy ran the same (future, replicate, seed) runs."""
    o = ex.outcomes
    keys = [c for c in (FUTURE, "replicate", "seed") if c in o.columns]
    if FUTURE not in keys:
        raise ExploreError(f"{ex.path}: outcomes have no 'future' column; robustness compares policies across "
                           f"futures")
    ref = None
    for name, g in o.groupby(POLICY, sort=False):
        runs = sorted(map(tuple, g[keys].to_numpy().tolist()))
        if ref is None:
            ref, first = runs, name
        elif runs != ref:
            raise ExploreError(f"{ex.path}: policies {first} and {name} were not run against the same futures and "
                               f"replicates; regret needs paired runs (run them with one sim-explore command)")
    if o[POLICY].nunique() < 2:
        raise ExploreError(f"{ex.path}: one policy only; robustness compares at least two")


def future_means(ex: Exploration, outcomes: Sequence[str]) -> pd.DataFrame:
    """(policy, future) x outcomes: the mean of the replicates, policies in exploration order."""
    order = list(dict.fromkeys(ex.outcomes[POLICY]))
    fm = ex.outcomes.groupby([POLICY, FUTURE], sort=False)[list(outcomes)].mean()
    return fm.reindex(pd.MultiIndex.from_product([order, sorted(ex.outcomes[FUTURE].unique())],
                                                 names=[POLICY, FUTURE]))


def regret(fm: pd.DataFrame, outcome: str, sense: int) -> pd.DataFrame:
    """policy x future regret on one outcome: best value in the future minus the policy's, oriented by
    `sense` (+1 more is better, -1 less is better); 0 for the best policy."""
    v = fm[outcome].unstack(FUTURE) * sense
    return v.max(axis=0) - v


# --------------------------------------------------------------------------- tables
def robustness(fm: pd.DataFrame, table: dict[str, Measure], who: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per stakeholder, measure and policy: expected value, percentiles, regret; and the long regret table."""
    rows, long = [], []
    for s in who:
        for name, m in table.items():
            sense = m.sense(s)
            if not sense:
                continue
            v = fm[name].unstack(FUTURE)
            r = regret(fm, name, sense)
            for policy in v.index:
                x, rr = v.loc[policy], r.loc[policy]
                rows.append({"stakeholder": s, "measure": name, "better": "higher" if sense > 0 else "lower",
                             POLICY: policy, "mean": x.mean(), "p10": x.quantile(0.1), "p50": x.median(),
                             "p90": x.quantile(0.9), "regret_max": rr.max(), "regret_p90": rr.quantile(0.9),
                             "best_share": float((rr <= 0).mean())})
            lr = r.stack().rename("regret").reset_index()
            lr.insert(0, "measure", name)
            lr.insert(0, "stakeholder", s)
            lr["value"] = v.stack().to_numpy()
            long.append(lr)
    return pd.DataFrame(rows), pd.concat(long, ignore_index=True)


TIE = 0.01  # expected values closer than this share of the measure's spread count as equal in the dominance test


def ranking(rob: pd.DataFrame, spread: dict[str, float]) -> pd.DataFrame:
    """Per stakeholder: each policy's dominators (on expected values, differences under TIE of the
    measure's spread counting as equal) and its mean scaled p90 regret."""
    rows = []
    for s, g in rob.groupby("stakeholder", sort=False):
        sense = {m: (1 if b == "higher" else -1) for m, b in zip(g["measure"], g["better"])}
        mean = g.pivot(index=POLICY, columns="measure", values="mean")
        oriented = mean * pd.Series(sense)
        p90 = g.pivot(index=POLICY, columns="measure", values="regret_p90")
        scale = pd.Series({m: spread[m] if spread[m] > 0 else 1.0 for m in p90.columns})
        scaled = p90 / scale
        tol = TIE * scale[oriented.columns]
        policies = list(dict.fromkeys(g[POLICY]))
        for p in policies:
            by = [q for q in policies if q != p and (oriented.loc[q] >= oriented.loc[p] - tol).all()
                  and (oriented.loc[q] > oriented.loc[p] + tol).any()]
            rows.append({"stakeholder": s, POLICY: p, "dominated_by": " ".join(by), "dominated": bool(by),
                         "scaled_regret_p90": float(scaled.loc[p].mean())})
    out = pd.DataFrame(rows)
    out["rank"] = out.groupby("stakeholder")["scaled_regret_p90"].rank(method="min").astype(int)
    return out.sort_values(["stakeholder", "dominated", "scaled_regret_p90"], kind="stable").reset_index(drop=True)


def satisficing(fm: pd.DataFrame, thresholds: list[Threshold]) -> pd.DataFrame:
    """Per policy, the share of futures meeting every threshold (and each one)."""
    ok = pd.Series(True, index=fm.index)
    cols = {}
    for t in thresholds:
        met = t.met(fm[t.outcome])
        cols[str(t)] = met.groupby(level=POLICY, sort=False).mean()
        ok &= met
    table = pd.DataFrame({"all": ok.groupby(level=POLICY, sort=False).mean(), **cols})
    return table.rename_axis(POLICY).reset_index()


class Robustness(NamedTuple):
    robustness: pd.DataFrame
    regret: pd.DataFrame
    ranking: pd.DataFrame
    satisficing: pd.DataFrame | None
    thresholds: list[Threshold]
    futures: int


def analyse(ex: Exploration, who: Sequence[str] = STAKEHOLDERS, names: Sequence[str] | None = None,
            thresholds: str | Sequence[str] = ()) -> Robustness:
    """Every robustness table of an exploration (see the module's doc)."""
    check_paired(ex)
    unknown = [s for s in who if s not in STAKEHOLDERS]
    if unknown:
        raise ExploreError(f"--for {unknown[0]}: unknown stakeholder; valid: {', '.join(STAKEHOLDERS)}")
    declared = measures()
    if names:
        bad = [n for n in names if n not in declared]
        if bad:
            raise ExploreError(f"--measures {bad[0]}: not a declared measure; valid: {', '.join(declared)}")
    table = {n: m for n, m in declared.items() if (not names or n in names) and n in ex.outcomes.columns}
    if not any(m.sense(s) for m in table.values() for s in who):
        raise ExploreError("no measure for the chosen stakeholders; sim-explore --list shows who judges by what")
    thr = parse_thresholds(thresholds, [c for c in ex.outcomes.columns if c not in (POLICY, FUTURE)]) \
        if thresholds else []
    fm = future_means(ex, sorted(set(table) | {t.outcome for t in thr}))
    if fm.isna().all(axis=0).any():
        empty = fm.columns[fm.isna().all(axis=0)][0]
        raise ExploreError(f"{ex.path}: outcome {empty} has no values (an event that never happens?)")
    rob, long = robustness(fm, table, who)
    spread = {n: float(np.nanquantile(fm[n], 0.95) - np.nanquantile(fm[n], 0.05)) for n in table}
    return Robustness(rob, long, ranking(rob, spread), satisficing(fm, thr) if thr else None, thr,
                      fm.index.get_level_values(FUTURE).nunique())


# --------------------------------------------------------------------------- report
def markdown(r: Robustness, ex: Exploration, figures: Sequence[Path] = ()) -> str:
    from sim.plots.style import human

    rec = ex.record
    lines = [f"# Robustness of {ex.outcomes[POLICY].nunique()} policies across {r.futures} futures",
             "", f"Exploration `{ex.path}`: {rec.get('futures')} futures ({rec.get('uncertainty')}) x "
             f"{rec.get('replicates')} replicates per policy, root seed {rec.get('root_seed')}. A policy's value in a "
             "future is the mean of its replicates there; regret is its shortfall from the best policy in the "
             "same future.", ""]
    for s, g in r.ranking.groupby("stakeholder", sort=False):
        lines += [f"## For {s}", "", "| policy | dominated by | scaled p90 regret | rank |", "|---|---|---|---|"]
        for _, row in g.iterrows():
            lines.append(f"| {row[POLICY]} | {row['dominated_by'] or '-'} | {row['scaled_regret_p90']:.2f} | "
                         f"{row['rank']} |")
        lines += ["", "| measure (better) | policy | mean | 10-90% | max regret | p90 regret | best in |",
                  "|---|---|---|---|---|---|---|"]
        for _, row in r.robustness[r.robustness["stakeholder"] == s].iterrows():
            lines.append(f"| {row['measure']} ({row['better']}) | {row[POLICY]} | {human(row['mean'])} | "
                         f"{human(row['p10'])} to {human(row['p90'])} | {human(row['regret_max'])} | "
                         f"{human(row['regret_p90'])} | {row['best_share']:.0%} |")
        lines.append("")
    if r.satisficing is not None:
        lines += [f"## Satisficing: {' and '.join(str(t) for t in r.thresholds)}", "",
                  "| policy | share of futures meeting all |", "|---|---|"]
        lines += [f"| {row[POLICY]} | {row['all']:.0%} |" for _, row in r.satisficing.iterrows()]
        lines.append("")
    lines += [f"![{Path(f).stem}]({Path(f).name})" for f in figures if str(f).endswith(".png")]
    return "\n".join(lines) + "\n"


def write(r: Robustness, ex: Exploration, out: Path | None = None) -> Path:
    """The tables, figures and robust.md into `out` (default ``<exploration>/robust``), atomically."""
    from sim.plots.robust import regret_figure, tradeoff_figure
    from sim.store import staged

    out = Path(out) if out else ex.path / "robust"
    with staged(out, last="robust.md", replace=True) as st:
        r.robustness.to_csv(st / "robustness.csv", index=False)
        r.regret.to_csv(st / "regret.csv", index=False)
        r.ranking.to_csv(st / "ranking.csv", index=False)
        if r.satisficing is not None:
            r.satisficing.to_csv(st / "satisficing.csv", index=False)
        figs = []
        for s in dict.fromkeys(r.robustness["stakeholder"]):
            figs += tradeoff_figure(r, s, ex, st)
            figs += regret_figure(r, s, ex, st)
        (st / "robust.md").write_text(markdown(r, ex, figs), encoding="utf-8")
    return out


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="sim-robust", description=__doc__.split("\n\n")[0])
    ap.add_argument("exploration", type=Path, help="a sim-explore folder")
    ap.add_argument("--for", dest="who", nargs="*", default=list(STAKEHOLDERS),
                    help=f"stakeholders (default all: {', '.join(STAKEHOLDERS)})")
    ap.add_argument("--measures", nargs="*", default=None, help="declared measures to use (default all)")
    ap.add_argument("--satisfice", default="", help="thresholds, e.g. 'n_hosted_ca <= 50000 and "
                                                    "p_major_attack_rus <= 0.5'")
    ap.add_argument("--out", type=Path, default=None, help="output folder (default <exploration>/robust)")
    args = ap.parse_args(argv)
    try:
        ex = read_exploration(args.exploration)
        r = analyse(ex, args.who, args.measures, args.satisfice)
        out = write(r, ex, args.out)
    except input_errors() as e:
        fail("sim-robust", one_line(e))
    from sim.pipeline import report

    top = r.ranking.groupby("stakeholder", sort=False).head(1)
    report("\n".join(f"{row['stakeholder']}: most robust {row[POLICY]} (scaled p90 regret "
                     f"{row['scaled_regret_p90']:.2f})" for _, row in top.iterrows()) + f"\nrobustness: {out}")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
