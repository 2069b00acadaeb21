"""``sim-discover``: scenario discovery, the futures in which a condition holds, stated as a box.

Reads a ``sim-explore`` folder. One row per future: the uncertainties are the future's drawn
parameter values (``futures.parquet``; parameters that do not vary are left out), the condition
is evaluated on the future's mean over replicates of one policy (``--policy``), from terms joined
by ``and``:

- ``OUTCOME op NUMBER``: the policy's outcome (``n_hosted_ca > 100000``);
- ``diff(OUTCOME) op NUMBER``: the policy minus ``--against`` another policy, paired by future
  (``diff(cum_militants_infiltrated) > 0``: the policy lets more militants in);
- ``regret(OUTCOME) op NUMBER``: the policy's regret on a declared measure for the stakeholder
  ``--for`` (:mod:`sim.robust`).

Three views of the same question:

1. **PRIM** (Friedman & Fisher 1999; Bryant & Lempert 2010), from the ``prim`` package
   (Project-Platypus PRIM 1.0), on the ``--dims`` uncertainties with the highest feature scores:
   its peeling trajectory (coverage against density), the box chosen (the largest coverage with
   density at least ``--density``; the densest box when none reaches it), its limits in words and
   the quasi-p-value of each restricted dimension;
2. **CART** (scikit-learn's decision tree, depth 3): the rules that lead to the condition;
3. **feature scores** (scikit-learn's extra trees, as EMA Workbench's ``feature_scoring``): which
   uncertainties matter for the condition.

Output (``<exploration>/discover/<name>/``): ``trajectory.csv``, ``box.csv``, ``cart.txt``,
``feature_scores.csv``, ``discover.md`` and the figures.
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

FUTURE = "future"
MIN_ROWS = 20  # below this PRIM's boxes and the trees' scores mean little
_TERM = re.compile(r"^\s*(?:(diff|regret)\(\s*([a-z][a-z0-9_]*)\s*\)|([a-z][a-z0-9_]*))\s*(<=|>=|<|>)\s*"
                   r"([-+0-9.eE]+)\s*$")


class Term(NamedTuple):
    kind: str  # "value", "diff" or "regret"
    outcome: str
    op: str
    value: float

    def __str__(self) -> str:
        name = self.outcome if self.kind == "value" else f"{self.kind}({self.outcome})"
        return f"{name} {self.op} {self.value:g}"


def parse_condition(text: str, known: Sequence[str]) -> list[Term]:
    """Terms joined by 'and'; ExploreError names a bad term or an unknown outcome."""
    if not text or not text.strip():
        raise ExploreError("--condition: give a condition, e.g. 'diff(n_hosted_ca) < 0'")
    terms = []
    for part in re.split(r"\s+and\s+", text.strip()):
        m = _TERM.match(part)
        if not m:
            raise ExploreError(f"--condition term {part!r}: expected OUTCOME, diff(OUTCOME) or regret(OUTCOME), "
                               f"then <=, >=, < or >, then a number; terms joined by 'and'")
        kind, inner, plain, op, value = m.groups()
        name = inner or plain
        if name not in known:
            raise ExploreError(f"--condition term {part!r}: unknown outcome {name}")
        try:
            terms.append(Term(kind or "value", name, op, float(value)))
        except ValueError:
            raise ExploreError(f"--condition term {part!r}: {value} is not a number") from None
    return terms


def condition_rows(ex: Exploration, policy: str, terms: list[Term], against: str | None,
                   stakeholder: str | None) -> pd.Series:
    """Per future, whether the condition holds (the policy's future means)."""
    from sim.robust import check_paired, compare, future_means, regret
    from sim.xlrm import measures

    policies = list(dict.fromkeys(ex.outcomes[POLICY]))
    for name, flag in ((policy, "--policy"), (against, "--against")):
        if name is not None and name not in policies:
            raise ExploreError(f"{flag} {name}: not a policy of {ex.path}; its policies: {', '.join(policies)}")
    if any(t.kind == "diff" for t in terms) and against is None:
        raise ExploreError("diff(...) compares two policies: give --against POLICY")
    if against == policy:
        raise ExploreError(f"--against {against}: the same policy as --policy")
    declared = measures()
    for t in terms:
        if t.kind == "regret":
            if t.outcome not in declared:
                raise ExploreError(f"regret({t.outcome}): not a declared measure (sim-explore --list)")
            if stakeholder is None or not declared[t.outcome].sense(stakeholder):
                raise ExploreError(f"regret({t.outcome}): give --for a stakeholder who judges by it "
                                   f"({', '.join(declared[t.outcome].stakes)})")
    check_paired(ex)
    fm = future_means(ex, sorted({t.outcome for t in terms}))
    ok = None
    for t in terms:
        if t.kind == "value":
            x = fm.loc[policy, t.outcome]
        elif t.kind == "diff":
            x = fm.loc[policy, t.outcome] - fm.loc[against, t.outcome]
        else:
            x = regret(fm, t.outcome, declared[t.outcome].sense(stakeholder)).loc[policy]
        met = compare(x, t.op, t.value) & x.notna()
        ok = met if ok is None else ok & met
    return ok.astype(bool).rename("condition")


def uncertainties(ex: Exploration, rows: pd.Index) -> pd.DataFrame:
    """The futures' drawn values that vary, one row per future in `rows`."""
    f = ex.futures.set_index(FUTURE).loc[rows]
    f = f.select_dtypes(include=[np.number])
    varying = [c for c in f.columns if f[c].nunique() > 1]
    if not varying:
        raise ExploreError(f"{ex.path}: the futures draw no uncertain parameter (uncertainty=none?); scenario "
                           f"discovery needs futures that differ (uncertainty=ranges or posterior)")
    return f[varying].astype(float)


# --------------------------------------------------------------------------- the three views
def feature_scores(x: pd.DataFrame, y: np.ndarray, seed: int = 0) -> pd.Series:
    """Extra-trees feature scores (mean decrease in impurity), largest first."""
    from sklearn.ensemble import ExtraTreesClassifier

    leaf = max(1, len(y) // 1000)
    et = ExtraTreesClassifier(n_estimators=100, max_features="sqrt", min_samples_leaf=leaf, random_state=seed,
                              n_jobs=1).fit(x.to_numpy(), y)
    return pd.Series(et.feature_importances_, index=x.columns).sort_values(ascending=False, kind="stable")


def cart_rules(x: pd.DataFrame, y: np.ndarray, depth: int = 3, seed: int = 0) -> str:
    """A depth-limited classification tree's rules, as text."""
    from sklearn.tree import DecisionTreeClassifier, export_text

    leaf = max(5, len(y) // 50)
    tree = DecisionTreeClassifier(max_depth=depth, min_samples_leaf=leaf, random_state=seed).fit(x.to_numpy(), y)
    return export_text(tree, feature_names=list(x.columns), show_weights=True, decimals=3)


class Box(NamedTuple):
    trajectory: pd.DataFrame  # coverage, density, mean, res dim, mass per peel/paste step
    chosen: int
    limits: pd.DataFrame      # restricted dimension -> min, max, qp values
    initial: pd.DataFrame     # every dimension -> min, max over the data


def prim_box(x: pd.DataFrame, y: np.ndarray, density: float = 0.8, peel_alpha: float = 0.05,
             mass_min: float = 0.05) -> Box:
    """PRIM's first box: the trajectory, the box chosen on it and its limits with quasi-p-values."""
    import prim

    p = prim.Prim(x.reset_index(drop=True), np.asarray(y, dtype=bool), peel_alpha=peel_alpha, mass_min=mass_min)
    box = p.find_box()
    traj = box.peeling_trajectory.astype(float).reset_index(drop=True)
    ok = traj.index[traj["density"] >= density]
    chosen = int(traj.loc[ok, "coverage"].idxmax()) if len(ok) else int(traj["density"].idxmax())
    box.select(chosen)
    limits = box.limits.astype(float)
    initial = pd.DataFrame({"min": x.min(), "max": x.max()})
    return Box(traj, chosen, limits, initial)


def in_words(b: Box, units: dict[str, str]) -> list[str]:
    """Each restricted dimension of the chosen box as a phrase."""
    from sim.plots.style import human

    out = []
    for name, row in b.limits.iterrows():
        lo0, hi0 = b.initial.loc[name, "min"], b.initial.loc[name, "max"]
        unit = f" {units[name]}" if units.get(name) else ""
        lo_cut, hi_cut = row["min"] > lo0, row["max"] < hi0
        if lo_cut and hi_cut:
            what = f"between {human(row['min'])} and {human(row['max'])}{unit}"
        elif lo_cut:
            what = f"at least {human(row['min'])}{unit}"
        else:
            what = f"at most {human(row['max'])}{unit}"
        out.append(f"{name} {what} (of {human(lo0)} to {human(hi0)}; quasi-p {row['qp values']:.2g})")
    return out


def units_of(names: Sequence[str]) -> dict[str, str]:
    from sim.uncertainty import uncertain_parameters

    table = uncertain_parameters()
    return {n: table[n].unit if n in table else "" for n in names}


class Discovery(NamedTuple):
    condition: str
    policy: str
    n: int
    n_interest: int
    scores: pd.Series
    box: Box
    dims: list[str]
    words: list[str]
    cart: str
    interest: pd.Series      # per future, whether the condition holds
    plot_x: pd.DataFrame     # per future, the values of the two uncertainties drawn with the box


def discover(ex: Exploration, policy: str, condition: str, against: str | None = None,
             stakeholder: str | None = None, density: float = 0.8, dims: int = 20, seed: int = 0) -> Discovery:
    """Scenario discovery of `condition` for `policy` across the exploration's futures."""
    known = [c for c in ex.outcomes.columns if c not in (POLICY, FUTURE, "replicate", "seed")]
    terms = parse_condition(condition, known)
    if not 0 < density <= 1:
        raise ExploreError(f"--density {density}: must be in (0, 1]")
    if dims < 2:
        raise ExploreError(f"--dims {dims}: PRIM needs at least 2 uncertainties")
    y = condition_rows(ex, policy, terms, against, stakeholder)
    if len(y) < MIN_ROWS:
        raise ExploreError(f"{ex.path}: {len(y)} futures; scenario discovery needs at least {MIN_ROWS} "
                           f"(sim-explore ... futures=200)")
    n_int = int(y.sum())
    text = " and ".join(str(t) for t in terms)
    if n_int == 0 or n_int == len(y):
        which = "no" if n_int == 0 else "every"
        raise ExploreError(f"the condition '{text}' holds in {which} future of policy {policy} ({len(y)} futures): "
                           f"PRIM has nothing to find")
    x = uncertainties(ex, y.index)
    yv = y.to_numpy()
    scores = feature_scores(x, yv, seed)
    top = list(scores.index[: min(dims, len(scores))])
    b = prim_box(x[top], yv, density)
    ranked = [d for d in scores.index if d in b.limits.index]
    plot_dims = (ranked + [d for d in top if d not in ranked])[:2]
    return Discovery(text, policy, len(y), n_int, scores, b, plot_dims, in_words(b, units_of(list(b.limits.index))),
                     cart_rules(x, yv, seed=seed), y, x[plot_dims])


def markdown(d: Discovery, ex: Exploration, against: str | None, figures: Sequence[Path]) -> str:
    traj = d.box.trajectory.iloc[d.box.chosen]
    vs = f" against {against}" if against else ""
    lines = [f"# Where '{d.condition}' holds: policy {d.policy}{vs}", "",
             f"{d.n_interest} of {d.n} futures meet the condition ({d.n_interest / d.n:.0%}).", "",
             f"**PRIM box** (step {d.box.chosen} of {len(d.box.trajectory) - 1}): density {traj['density']:.2f}, "
             f"coverage {traj['coverage']:.2f}, mass {traj['mass']:.2f} — the condition holds in "
             f"{traj['density']:.0%} of the futures inside the box, and the box holds {traj['coverage']:.0%} of "
             f"the futures where it holds, when:", ""]
    lines += [f"- {w}" for w in d.words] or ["- (no dimension restricted)"]
    lines += ["", "A quasi-p-value above 0.05 marks a restriction that may be chance.", "",
              "**Feature scores** (extra trees):", "", "| uncertainty | score |", "|---|---|"]
    lines += [f"| {n} | {s:.3f} |" for n, s in d.scores.head(10).items()]
    lines += ["", "**CART** (depth 3; class weights [no, yes] per leaf):", "", "```", d.cart.rstrip(), "```", ""]
    lines += [f"![{Path(f).stem}]({Path(f).name})" for f in figures if str(f).endswith(".png")]
    return "\n".join(lines) + "\n"


def write(d: Discovery, ex: Exploration, name: str, against: str | None = None, out: Path | None = None) -> Path:
    from sim.plots.robust import box_figure, scores_figure, source, trajectory_figure
    from sim.store import staged

    out = Path(out) if out else ex.path / "discover" / name
    src = source(ex)
    with staged(out, last="discover.md", replace=True) as st:
        d.box.trajectory.to_csv(st / "trajectory.csv", index_label="step")
        limits = d.box.limits.assign(**{"in words": d.words})
        limits.to_csv(st / "box.csv", index_label="uncertainty")
        d.scores.rename("score").to_csv(st / "feature_scores.csv", index_label="uncertainty")
        (st / "cart.txt").write_text(d.cart, encoding="utf-8")
        title = f"{d.policy}: {d.condition}"
        figs = trajectory_figure(d.box.trajectory, d.box.chosen, f"PRIM peeling trajectory, {title}", src, st)
        figs += box_figure(d.plot_x, d.interest.to_numpy(), d.box.limits, d.dims, f"PRIM box, {title}", src, st)
        figs += scores_figure(d.scores, f"What matters for {title}", src, st)
        (st / "discover.md").write_text(markdown(d, ex, against, figs), encoding="utf-8")
    return out


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="sim-discover", description=__doc__.split("\n\n")[0])
    ap.add_argument("exploration", type=Path, help="a sim-explore folder")
    ap.add_argument("--policy", required=True, help="the policy whose futures are classified")
    ap.add_argument("--condition", required=True, help="e.g. 'diff(cum_militants_infiltrated) > 0'")
    ap.add_argument("--against", default=None, help="the other policy of diff(...)")
    ap.add_argument("--for", dest="who", default=None, help="stakeholder of regret(...)")
    ap.add_argument("--density", type=float, default=0.8, help="least density of the box chosen (default 0.8)")
    ap.add_argument("--dims", type=int, default=20, help="uncertainties PRIM peels, by feature score (default 20)")
    ap.add_argument("--name", default=None, help="output subfolder (default from the policy and condition)")
    args = ap.parse_args(argv)
    try:
        ex = read_exploration(args.exploration)
        d = discover(ex, args.policy, args.condition, args.against, args.who, args.density, args.dims)
        name = args.name or re.sub(r"[^a-z0-9]+", "_", f"{args.policy} {d.condition}".lower()).strip("_")[:60]
        out = write(d, ex, name, args.against)
    except input_errors() as e:
        fail("sim-discover", one_line(e))
    from sim.pipeline import report

    traj = d.box.trajectory.iloc[d.box.chosen]
    report(f"'{d.condition}' for {d.policy}: {d.n_interest} of {d.n} futures; PRIM box density "
           f"{traj['density']:.2f}, coverage {traj['coverage']:.2f}:\n  " + "\n  ".join(d.words)
           + f"\nscenario discovery: {out}")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
