"""``sim-plot`` and ``sim-memo``: figures and tables for memos from results folders.

    sim-plot dist RUN_DIR [RUN_DIR ...] --outcome NAME [--threshold T]
    sim-plot fan RUN_DIR [RUN_DIR ...] --outcome NAME
    sim-plot compare BASE_DIR OTHER_DIR [OTHER_DIR ...] --outcome NAME
    sim-plot sensitivity TABLE.csv --outcome NAME [--method sobol|morris]
    sim-plot map RUN_DIR [--quantity people_moved|opiates_tonnes]
    sim-memo RUN_DIR [RUN_DIR ...] [--outcomes a,b,c]

``--outcome`` takes one name or several separated by commas (one figure each). Every
command takes ``--out DIR`` (default: ``plots/`` in the first input's folder, ``memo/``
for sim-memo) and ``--force``.

Input errors (missing or incomplete folder, unknown outcome, runs that cannot be paired,
files already in the output folder without ``--force``) print one line on stderr and exit
with code 2. Output is written to a hidden staging folder next to the output folder and
moved into place at the end: a failed command leaves nothing half-written, and nothing
already on disk is replaced unless ``--force`` is given.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sim.errors import reported
from sim.network import NetworkDataError
from sim.plots import PlotError, load_runs
from sim.plots import memo as m
from sim.plots.stats import CI_LEVEL, N_RESAMPLES, PairingError
from sim.store import FolderClash, ResultsError, staged

INPUT_ERRORS = (PlotError, PairingError, ResultsError, NetworkDataError)


# --------------------------------------------------------------------------- output
@contextmanager
def staged_output(out_dir: Path, force: bool) -> Iterator[Path]:
    """A fresh folder to write figures into, published into `out_dir` on success
    (:func:`sim.store.staged`; ``memo.md`` moves last, once every file it links to is there).
    Without `force`, files already in `out_dir` are never replaced: nothing moves."""
    try:
        with staged(out_dir, last=m.MEMO, replace=force) as staging:
            yield staging
    except FolderClash as e:
        raise PlotError(f"{e}; use --force to replace, or --out to write elsewhere") from None


# --------------------------------------------------------------------------- parsers
def _names(text: str) -> list[str]:
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give at least one outcome name")
    return names


def _level(text: str) -> float:
    x = float(text)
    if not 0 < x < 1:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return x


def _positive(text: str) -> int:
    x = int(text)
    if x < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive integer")
    return x


def _common(p: argparse.ArgumentParser, default_out: str) -> None:
    p.add_argument("--out", type=Path, metavar="DIR",
                   help=f"output folder (default: {default_out} in the first input's folder)")
    p.add_argument("--force", action="store_true", help="replace files already in the output folder")


def plot_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="sim-plot", description="Memo figures (PNG 300 dpi + SVG) from results folders.",
        epilog="Run 'sim-plot COMMAND --help' for a command's options.")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    outcome_help = "outcome name, or several separated by commas (one figure each)"

    p = sub.add_parser("dist", help="distribution per scenario: box with replicate points, ECDF, P(X > t)",
                       description="Distribution of an outcome per scenario (or per sweep point of a collected "
                                   "folder): box plot with one point per replicate, ECDF, and P(X > threshold).")
    p.add_argument("runs", nargs="+", type=Path, metavar="RUN_DIR", help="results or collected sweep folders")
    p.add_argument("--outcome", type=_names, required=True, metavar="NAME", help=outcome_help)
    p.add_argument("--threshold", type=float, metavar="T", help="mark T and give P(X > T) per scenario")
    _common(p, "plots/")

    p = sub.add_parser("fan", help="fan chart of a monthly series: median with 50%% and 90%% bands",
                       description="Median with 50% and 90% bands over replicates, per scenario, with the "
                                   "start dates of policy levers marked.")
    p.add_argument("runs", nargs="+", type=Path, metavar="RUN_DIR", help="results folders")
    p.add_argument("--outcome", type=_names, required=True, metavar="NAME", help=outcome_help)
    _common(p, "plots/")

    p = sub.add_parser("compare", help="paired differences from a baseline, bootstrap CI, P(A > B); figure + CSV",
                       description="Each OTHER_DIR against BASE_DIR, replicate by replicate (the runs must share "
                                   "root seed and replicates): mean difference with a percentile bootstrap "
                                   "interval and P(other > base), as figures and compare.csv.")
    p.add_argument("runs", nargs="+", type=Path, metavar="DIR",
                   help="the baseline results folder, then one or more to compare with it")
    p.add_argument("--outcome", type=_names, required=True, metavar="NAME", help=outcome_help)
    p.add_argument("--level", type=_level, default=CI_LEVEL, help=f"confidence level (default {CI_LEVEL})")
    p.add_argument("--resamples", type=_positive, default=N_RESAMPLES,
                   help=f"bootstrap resamples (default {N_RESAMPLES})")
    _common(p, "plots/")

    p = sub.add_parser("sensitivity", help="Sobol or Morris bar chart from a sensitivity table CSV",
                       description="Bars with confidence whiskers, largest effect on top: Sobol ST and S1, or "
                                   "Morris mu* and sigma, from the CSV written by sim-sensitivity.")
    p.add_argument("table", type=Path, metavar="TABLE.csv", help="table written by sim-sensitivity")
    p.add_argument("--outcome", type=_names, required=True, metavar="NAME", help=outcome_help)
    p.add_argument("--method", choices=("sobol", "morris"), help="default: sobol if the table has it")
    _common(p, "plots/ next to the table")

    p = sub.add_parser("map", help="the regional network with flows moved along its links",
                       description="The network drawn from lat/lon, line width ~ flow along each link and circle "
                                   "size ~ people hosted (means over replicates, from flows.parquet if the run has "
                                   "one; otherwise the network alone).")
    p.add_argument("runs", nargs=1, type=Path, metavar="RUN_DIR", help="a results folder")
    p.add_argument("--quantity", choices=m.QUANTITIES, default="people_moved")
    _common(p, "plots/")
    return ap


def memo_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="sim-memo",
        description="All memo figures for the key outcomes (distributions, fan charts, comparisons with the "
                    "first folder, maps), CSV tables and memo.md ready to paste into a memo.")
    ap.add_argument("runs", nargs="+", type=Path, metavar="RUN_DIR", help="the first one is the baseline")
    ap.add_argument("--outcomes", type=_names, metavar="a,b,c",
                    help=f"outcomes to show (default: those present among {', '.join(m.DEFAULT_OUTCOMES)})")
    ap.add_argument("--level", type=_level, default=CI_LEVEL, help=f"confidence level (default {CI_LEVEL})")
    ap.add_argument("--resamples", type=_positive, default=N_RESAMPLES,
                    help=f"bootstrap resamples (default {N_RESAMPLES})")
    _common(ap, "memo/")
    return ap


# --------------------------------------------------------------------------- commands
def _plot(args: argparse.Namespace, out: Path) -> list[Path]:
    if args.command == "sensitivity":
        return [p for o in args.outcome for p in m.sensitivity_figures(args.table, o, out, args.method).paths]
    runs = load_runs(args.runs)
    if args.command == "dist":
        return [p for o in args.outcome for p in m.dist_figures(runs, o, out, args.threshold).paths]
    if args.command == "fan":
        return [p for o in args.outcome for p in m.fan_figures(runs, o, out).paths]
    if args.command == "compare":
        _, made = m.compare_figures(runs, args.outcome, out, args.level, args.resamples)
        return [p for f in made for p in f.paths] + [out / m.COMPARE_CSV]
    return [p for f in m.map_figures(runs[0], out, (args.quantity,)) for p in f.paths]


def plot_main(argv: Sequence[str] | None = None) -> None:
    """``sim-plot``: one kind of memo figure from results folders (see ``sim-plot --help``)."""
    args = plot_parser().parse_args(argv)
    first = args.table.parent if args.command == "sensitivity" else args.runs[0]
    out = args.out or Path(first) / "plots"
    with reported("sim-plot", *INPUT_ERRORS):
        with staged_output(out, args.force) as staging:
            written = _plot(args, staging)
    for p in written:
        print(out / p.name)


def memo_main(argv: Sequence[str] | None = None) -> None:
    """``sim-memo``: all figures and memo.md for a baseline and other scenarios (see ``sim-memo --help``)."""
    args = memo_parser().parse_args(argv)
    out = args.out or args.runs[0] / "memo"
    with reported("sim-memo", *INPUT_ERRORS):
        if (out / m.MEMO).exists() and not args.force:
            raise PlotError(f"{out} already holds {m.MEMO}; use --force to replace it, or --out to write elsewhere")
        runs = load_runs(args.runs)
        with staged_output(out, args.force) as staging:
            m.write_memo(runs, staging, args.outcomes, args.level, args.resamples)
    print(out / m.MEMO)
