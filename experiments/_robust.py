"""Shared by the robust-decision memo scripts: explore named policies against the same futures
(``sim-explore``), measure their robustness (``sim-robust``), find the futures in which a policy
fails (``sim-discover``), and write memo.md with the XLRM table, the robustness tables, the
scenarios PRIM found stated in words, and the figures.

A script names its question, policies (lever settings on the baseline), stakeholders,
thresholds and the conditions to discover; it holds no model parameters. With ``--run`` it first
runs the exploration if there is none under ``results/explore/<name>/`` (``--futures``,
``--replicates``, ``--horizon`` size it; ``--smoke`` makes it tiny, for tests).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "results"
sys.path.insert(0, str(ROOT))


def latest_exploration(name: str, results: Path) -> Path | None:
    found = sorted(p.parent for p in (results / "explore" / name).glob("*/explore.json"))
    return found[-1] if found else None


def parser(name: str, futures: int, replicates: int, horizon: int) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=f"experiments/{name}.py", description=f"Robust-decision memo '{name}'.")
    ap.add_argument("--run", action="store_true", help="run the exploration if there is none yet")
    ap.add_argument("--futures", type=int, default=futures, help=f"futures drawn from the ranges (default {futures})")
    ap.add_argument("--replicates", type=int, default=replicates, help=f"replicates per future (default {replicates})")
    ap.add_argument("--horizon", type=int, default=horizon, help=f"months per run (default {horizon})")
    ap.add_argument("--smoke", action="store_true", help="a tiny exploration (tests): 24 futures, 1 replicate, "
                                                         "6 months")
    ap.add_argument("--results", type=Path, default=RESULTS, help="results root (default results/)")
    ap.add_argument("--out", type=Path, default=None, help=f"memo folder (default results/memos/{name})")
    return ap


def main(name: str, question: str, policies: dict[str, list[str]], stakeholders: list[str], satisfice: str,
         discoveries: list[dict], futures: int = 120, replicates: int = 2, horizon: int = 36,
         argv: list[str] | None = None) -> Path:
    from sim import discover, robust
    from sim.errors import fail, input_errors, one_line
    from sim.explore import Policy, explore, read_exploration

    args = parser(name, futures, replicates, horizon).parse_args(argv)
    if args.smoke:
        args.futures, args.replicates, args.horizon = 24, 1, 6
    try:
        folder = latest_exploration(name, args.results)
        if folder is None or args.smoke:
            if not args.run:
                sys.exit(f"{name}: no exploration under {args.results}/explore/{name}; pass --run")
            folder = args.results / "explore" / name / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
            common = ["uncertainty=ranges", f"futures={args.futures}", f"replicates={args.replicates}",
                      f"model.calendar.horizon_months={args.horizon}"]
            explore([Policy(p, ("experiment=baseline", *sets)) for p, sets in policies.items()], common, folder)
        ex = read_exploration(folder)
        out = args.out or args.results / "memos" / name
        r = robust.analyse(ex, stakeholders, None, satisfice)
        robust.write(r, ex, out / "robust")
        found = []
        for k, d in enumerate(discoveries):
            try:
                dd = discover.discover(ex, d["policy"], d["condition"], d.get("against"), d.get("for"))
            except discover.ExploreError as e:  # e.g. a condition no future meets: say so in the memo
                found.append((d, None, one_line(e)))
                continue
            sub = out / "discover" / f"{k}"
            discover.write(dd, ex, str(k), d.get("against"), sub)
            found.append((d, dd, sub))
        write_memo(out, name, question, ex, policies, r, found)
    except input_errors() as e:
        fail(f"experiments/{name}.py", one_line(e))
    print(f"memo: {out / 'memo.md'}")
    return out


def _stakes(m) -> str:
    return ", ".join(f"{who} {'+' if sign > 0 else '-'}" for who, sign in m.stakes.items())


def write_memo(out: Path, name: str, question: str, ex, policies: dict[str, list[str]], r, found) -> None:
    from sim.plots.style import human
    from sim.robust import markdown as robust_md
    from sim.store import atomic_file
    from sim.uncertainty import uncertain_parameters
    from sim.xlrm import measures

    rec = ex.record
    lines = [f"# {question}", "", f"Exploration `{ex.path.relative_to(ROOT) if ex.path.is_relative_to(ROOT) else ex.path}`"
             f" ({rec['runs']} runs in {rec['wall_time_s']:.0f} s).", "", "## The frame (XLRM)", "",
             "| | |", "|---|---|",
             f"| X uncertainties | {len(uncertain_parameters())} model and scenario parameters, each drawn from its "
             f"declared range (uncertainty={rec['uncertainty']}): {rec['futures']} futures, the same for every "
             f"policy; {rec['replicates']} replicate(s) of chance in each |",
             "| L levers | " + "; ".join(f"**{p}**: {', '.join(s) or 'every lever decided by its state'}"
                                         for p, s in policies.items()) + " |",
             f"| R relationships | the model ({' '.join(c for c in rec['common_overrides'] if 'horizon' in c)}) |",
             "| M measures | " + "; ".join(f"{n} ({_stakes(m)})" for n, m in measures().items()
                                         if n in set(r.robustness["measure"])) + " |",
             "", "## What the futures say", ""]
    for d, dd, where in found:
        vs = f" against {d['against']}" if d.get("against") else ""
        if dd is None:
            lines.append(f"- **{d['policy']}{vs}, {d['condition']}**: {where}")
            continue
        t = dd.box.trajectory.iloc[dd.box.chosen]
        qp = dd.box.limits["qp values"].to_numpy()
        strong = [w for w, q in zip(dd.words, qp) if q <= 0.05]
        weak = len(dd.words) - len(strong)
        where_text = "; ".join(strong) if strong else "no restriction with a quasi-p-value of 0.05 or less"
        more = f" (and {weak} weaker restriction{'s' if weak != 1 else ''}, quasi-p above 0.05)" if weak else ""
        dense = "" if t["density"] >= 0.8 else " — no box reaches density 0.8: a weak pattern"
        lines.append(f"- **{d['why']}** ({d['policy']}{vs}: {dd.condition}) in {dd.n_interest} of {dd.n} futures; "
                     f"PRIM finds it in the futures where {where_text}{more}: density {t['density']:.2f}, coverage "
                     f"{t['coverage']:.2f}{dense} ([details]({where.relative_to(out)}/discover.md)).")
    lines += ["", "## Robustness", ""]
    body = robust_md(r, ex).split("\n", 3)[3]  # without its title and exploration line
    body = body.replace("](", "](robust/")
    lines += [body, "", "Caveats: the futures span every declared range (most ranges are assumptions); a "
              "policy's value in a future averages few replicates, so small regrets are within chance; PRIM boxes "
              "with a quasi-p-value above 0.05 may be chance; the policies are fixed lever settings held over the "
              "whole horizon, while the states the levers do not fix keep deciding."]
    out.mkdir(parents=True, exist_ok=True)
    with atomic_file(out / "memo.md") as fh:
        fh.write("\n".join(lines) + "\n")
