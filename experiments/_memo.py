"""Shared by the memo scripts: find each experiment's latest results and call sim-memo.

A memo script names the experiments it compares (the first is the reference, usually the
baseline) and the outcomes it shows; it holds no parameters. The runs hold them: each
results folder's manifest.json records the full config. With ``--run`` the script first runs any
experiment that has no results yet (``sim-run experiment=NAME``, same seed, so the
replicates are paired; the futures are draws of the calibrated posterior, the same in every
experiment (``--futures N`` sets how many, ``--ranges`` draws them from every declared range
instead), so that the memo says what the assumptions leave open).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "results"


def latest_run(experiment: str, results: Path = RESULTS) -> Path | None:
    """The newest complete results folder of `experiment` (one with a manifest.json)."""
    runs = sorted(p.parent for p in (results / experiment).glob("*/manifest.json"))
    return runs[-1] if runs else None


def parser(name: str, experiments: list[str]) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=f"experiments/{name}.py",
                                 description=f"Memo '{name}': {', '.join(experiments)} (first = reference).")
    ap.add_argument("--run", action="store_true", help="run experiments that have no results yet")
    ap.add_argument("--replicates", type=int, default=None,
                    help="replicates per experiment with --run (default: sim-run's)")
    ap.add_argument("--futures", type=int, default=None,
                    help="with --run: run each experiment in this many futures, the same futures for every "
                         "experiment (default: sim-run's, 10 draws of the calibrated posterior)")
    ap.add_argument("--ranges", action="store_true",
                    help="with --run: draw the futures from every declared range (uncertainty=ranges) instead of "
                         "the calibrated posterior")
    ap.add_argument("--results", type=Path, default=RESULTS, help="results root (default results/)")
    ap.add_argument("--out", type=Path, default=None, help=f"memo folder (default results/memos/{name})")
    return ap


def folders(name: str, experiments: list[str], args: argparse.Namespace) -> list[Path]:
    """The newest results folder of each experiment, running it first if it has none and --run."""
    sim_run = Path(sys.executable).parent / "sim-run"
    found = []
    for exp in experiments:
        run = latest_run(exp, args.results)
        if run is None and args.run:
            # A timestamped folder, as sim-run names its own, so that later runs sort after it.
            folder = args.results / exp / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
            reps = [] if args.replicates is None else [f"replicates={args.replicates}"]
            if args.ranges:
                reps += ["uncertainty=ranges", f"futures={args.futures or 10}"]
            elif args.futures is not None:
                reps += [f"futures={args.futures}"]
            subprocess.run([str(sim_run), f"experiment={exp}", *reps, f"hydra.run.dir={folder}"],
                           check=True, cwd=ROOT)
            run = latest_run(exp, args.results)
        if run is None:
            sys.exit(f"{name}: no results for experiment {exp} under {args.results}; "
                     f"run `sim-run experiment={exp}` or pass --run")
        found.append(run)
    return found


def write(name: str, runs: list[Path], outcomes: list[str], args: argparse.Namespace) -> Path:
    """sim-memo on the runs (the first is the reference); returns the memo folder."""
    from sim.plots.cli import memo_main

    out = args.out or args.results / "memos" / name
    memo_main([*map(str, runs), "--out", str(out), "--outcomes", ",".join(outcomes), "--force"])
    return out


def main(name: str, experiments: list[str], outcomes: list[str], argv: list[str] | None = None) -> None:
    args = parser(name, experiments).parse_args(argv)
    write(name, folders(name, experiments, args), outcomes, args)
