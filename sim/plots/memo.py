"""From loaded runs to figure files, CSV tables and ``memo.md``.

Each ``*_figures`` function draws one kind of figure, saves it (PNG and SVG) into an
output folder and returns what it made with a one-line caption; :func:`write_memo`
makes all of them for a set of key outcomes and writes ``memo.md`` around them. The
first run is the baseline of every comparison. Writing into a fresh folder and moving
it into place is the caller's job (see :mod:`sim.plots.cli`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import sim
from sim.analysis import RUN
from sim.network import load_network
from sim.plots import PlotError, Run, check_outcome, check_paired, figures, manifest_or_none, outcome_info, stats
from sim.plots.futures import futures_section
from sim.plots.style import human, save, source_line

DEFAULT_OUTCOMES = (
    "russia_influence_ca", "n_hosted_ca", "cum_entered_ca", "cum_onward_to_rus", "cum_militants_infiltrated",
    "cum_supply_rus_tonnes", "cum_supply_eur_tonnes", "northern_route_seizure_share", "taliban_drug_revenue_usd",
    "n_states_recognizing_taliban", "afghan_collapse_index", "attack_risk_rus", "radicalization_index_rus",
    "p_major_attack_rus",
)
QUANTITIES = ("people_moved", "opiates_tonnes")
MEMO = "memo.md"
COMPARE_CSV = "compare.csv"
KEY_CSV = "key_outcomes.csv"


@dataclass
class Made:
    """One saved figure (or table): its file stem, files and a one-line caption."""

    stem: str
    paths: list[Path]
    caption: str


def slug(text: str) -> str:
    """A file-name-safe version of a label."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "x"


def _replicates(runs: list[Run]) -> str:
    counts = sorted({len(r.outcomes) for r in runs})
    return "/".join(str(c) for c in counts)


def _source(runs: list[Run]) -> str:
    return source_line([r.manifest for r in runs], replicates=_replicates(runs))


# --------------------------------------------------------------------------- figures
def dist_figures(runs: list[Run], outcome: str, out_dir: Path, threshold: float | None = None) -> Made:
    """Distribution of `outcome` per run (box with points, ECDF, optional threshold)."""
    check_outcome(runs, outcome)
    first = runs[0]
    fig = figures.distribution_figure({r.label: r.outcomes[outcome].to_numpy() for r in runs},
                                      first.outcome_label(outcome), first.unit(outcome), _source(runs), threshold)
    stem = f"dist_{outcome}"
    above = f"; the legend gives P(X > {human(threshold)})" if threshold is not None else ""
    caption = (f"{first.outcome_label(outcome)}, in {first.unit(outcome)}, {_replicates(runs)} replicates per "
               f"scenario: box (median and quartiles, whiskers to the 5th-95th percentiles) with one point per "
               f"replicate, and the cumulative share of replicates{above}.")
    return Made(stem, save(fig, out_dir, stem), caption)


def fan_figures(runs: list[Run], outcome: str, out_dir: Path) -> Made:
    """Fan chart of `outcome`'s monthly series per run, with policy start dates marked."""
    check_outcome(runs, outcome, series=True)
    first = runs[0]
    bands = {r.label: stats.quantile_bands(r.timeseries, outcome) for r in runs}
    events = {r.label: r.manifest.get("lever_events", []) for r in runs}
    start = (first.manifest.get("calendar") or {}).get("start")
    start = dt.date.fromisoformat(start) if start else None
    observed = _observed(outcome, bands, start)
    fig = figures.fan_figure(bands, first.outcome_label(outcome), first.unit(outcome), _source(runs), events, start,
                             observed)
    from_start = sorted({e["lever"] for evs in events.values() for e in evs
                         if figures.acts_from_start(e["start"], start)})
    note = f" Levers acting from the start, not marked: {', '.join(from_start)}." if from_start else ""
    stem = f"fan_{outcome}"
    if not observed.empty:
        note += (" Points: published figures of what the model counts here (sim/data/observations), as published: "
                 + "; ".join(f"{name.replace('_', ' ')}, recorded share {c[0]:g}-{c[1]:g} of it" if c != (1.0, 1.0)
                             else name.replace("_", " ")
                             for name, c in observed.groupby("series")["coverage"].first().items()) + ".")
    caption = (f"{figures.series_label(first.outcome_label(outcome))}, in {first.unit(outcome)}, by month: median "
               f"with the middle 50% and 90% of {_replicates(runs)} replicates; dashed lines mark the start of "
               f"policy levers.{note}")
    return Made(stem, save(fig, out_dir, stem), caption)


def _observed(outcome: str, bands: dict, start: dt.date | None) -> pd.DataFrame:
    """Published figures matching `outcome` within the charted dates (sim.hindcast)."""
    from sim.hindcast import observed_points

    dates = [d for b in bands.values() for d in b.index]
    if start is None or not dates:
        return pd.DataFrame(columns=["date", "value", "series", "counted", "coverage", "period"])
    return observed_points(outcome, start, pd.Timestamp(max(dates)).date())


def compare_figures(runs: list[Run], outcomes: list[str], out_dir: Path, level: float = stats.CI_LEVEL,
                    n_resamples: int = stats.N_RESAMPLES) -> tuple[pd.DataFrame, list[Made]]:
    """Each later run against the first, per outcome: one figure each, and the table as ``compare.csv``."""
    if len(runs) < 2:
        raise PlotError("a comparison needs a baseline folder and at least one other folder")
    base, others = runs[0], runs[1:]
    for other in others:
        check_paired(base, other)
    for outcome in outcomes:
        check_outcome(runs, outcome)
    units = {o: base.unit(o) for o in outcomes}
    table = stats.comparison_table(base.outcomes, {r.label: r.outcomes for r in others}, outcomes, units,
                                   level, n_resamples)
    made = []
    for outcome in outcomes:
        diffs = {r.label: stats.paired_differences(r.outcomes, base.outcomes, outcome)["diff"].to_numpy()
                 for r in others}
        rows = table[table["outcome"] == outcome]
        fig = figures.comparison_figure(diffs, rows, base.outcome_label(outcome), units[outcome], base.label,
                                        _source(runs))
        stem = f"compare_{outcome}"
        caption = (f"{base.outcome_label(outcome)}: difference from {base.label} in each replicate, in "
                   f"{units[outcome]} (same random numbers), mean with {level:.0%} bootstrap interval "
                   f"({n_resamples} resamples), and P(scenario > {base.label}), ties counted half.")
        made.append(Made(stem, save(fig, out_dir, stem), caption))
    table.to_csv(out_dir / COMPARE_CSV, index=False)
    return table, made


def read_sensitivity(path: Path, outcome: str, method: str | None) -> tuple[pd.DataFrame, str]:
    """Rows of a sensitivity table for one outcome and method (default: sobol if present, else morris)."""
    path = Path(path)
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as e:
        raise PlotError(f"{path}: not a readable sensitivity table ({e})") from None
    missing = [c for c in ("outcome", "parameter", "method") if c not in table.columns]
    if missing:
        raise PlotError(f"{path}: missing column(s) {', '.join(missing)}; expected outcome, parameter, method, ...")
    valid = list(dict.fromkeys(table["outcome"]))
    if outcome not in valid:
        raise PlotError(f"unknown outcome '{outcome}' in {path}; valid: {', '.join(map(str, valid))}")
    rows = table[table["outcome"] == outcome]
    methods = list(dict.fromkeys(rows["method"]))
    method = method or ("sobol" if "sobol" in methods else methods[0])
    if method not in figures.SENSITIVITY_COLUMNS or method not in methods:
        raise PlotError(f"{path}: no '{method}' rows for {outcome}; methods present: {', '.join(methods)}")
    rows = rows[rows["method"] == method]
    need = [c for c in figures.SENSITIVITY_COLUMNS[method] if c not in rows.columns or rows[c].isna().all()]
    if need:
        raise PlotError(f"{path}: {method} rows lack column(s) {', '.join(need)}")
    return rows, method


def sensitivity_figures(path: Path, outcome: str, out_dir: Path, method: str | None = None) -> Made:
    """Sobol or Morris bar chart of one outcome from a sensitivity table CSV."""
    path = Path(path)
    rows, method = read_sensitivity(path, outcome, method)
    manifest = manifest_or_none(path.parent)
    source = (source_line([manifest]) if manifest else
              f"Source: afghan-spillover-sim {sim.__version__}, sensitivity table {path.name}")
    info = outcome_info(manifest or {}, outcome)
    fig = figures.sensitivity_figure(rows, info["label"], info["unit"], method, source)
    stem = f"sensitivity_{method}_{outcome}"
    what = ("total (ST) and first-order (S1) Sobol indices" if method == "sobol" else
            "Morris mean absolute elementary effect (mu*) and its spread (sigma)")
    caption = f"What drives {info['label']}: {what} per parameter, with confidence intervals."
    return Made(stem, save(fig, out_dir, stem), caption)


def run_network(run: Run):
    """The network `run` ran on: the copies of its data files in its folder (sim.manifest), or
    for a folder made before runs kept them, the files its config names."""
    data = run.manifest.get("data") or {}
    copies = [run.path / (data.get(role) or {}).get("copy", "") for role in ("locations", "links")]
    if all(p.is_file() for p in copies):
        return load_network(*copies)
    net_cfg = ((run.manifest.get("config") or {}).get("model") or {}).get("network") or {}
    return load_network(net_cfg.get("locations_file"), net_cfg.get("links_file"))


def map_figures(run: Run, out_dir: Path, quantities=QUANTITIES) -> list[Made]:
    """Maps of the run's network: one per flow quantity, or the bare network without flows."""
    if run.collected:
        raise PlotError(f"{run.path} is a collected sweep; maps take a run folder")
    network = run_network(run)
    source = source_line([run.manifest], replicates=str(len(run.outcomes)))
    n = len(run.flows[RUN].drop_duplicates()) if run.flows is not None else None
    made = []
    for quantity in (quantities if run.flows is not None else quantities[:1]):
        fig = figures.map_figure(network, run.flows, quantity, source, n)
        what, unit = figures.QUANTITY_LABEL[quantity]
        if run.flows is None:
            stem = f"map_network_{slug(run.label)}"
            caption = f"The regional network of {run.label}: this run has no flows.parquet, so no flows are drawn."
        else:
            stem = f"map_{quantity}_{slug(run.label)}"
            caption = (f"{run.label}: {what.lower()} over the run (line width, {unit}, both directions, mean of "
                       f"{n} replicates) and people hosted at the end (circle size); lower panel zooms on "
                       f"Afghanistan and Central Asia.")
        made.append(Made(stem, save(fig, out_dir, stem), caption))
    return made


# --------------------------------------------------------------------------- tables
def key_outcomes_table(runs: list[Run], outcomes: list[str]) -> pd.DataFrame:
    """Long table: scenario, outcome, unit, n, n_nan, median, p5, p95."""
    return pd.DataFrame([{"scenario": r.label, "outcome": o, "unit": r.unit(o), **stats.median_interval(r.outcomes[o])}
                         for o in outcomes for r in runs])


def _cell(row) -> str:
    if row["n"] == 0:
        return f"never ({row['n_nan']}/{row['n_nan']})"
    text = f"{human(row['median'])} [{human(row['p5'])}, {human(row['p95'])}]"
    return text + (f"; never in {row['n_nan']}/{row['n'] + row['n_nan']}" if row["n_nan"] else "")


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    esc = [[str(c).replace("|", "\\|") for c in r] for r in rows]
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *("| " + " | ".join(r) + " |" for r in esc)]


def default_outcomes(runs: list[Run]) -> list[str]:
    """The key outcomes present in every run, in the memo's order."""
    return [o for o in DEFAULT_OUTCOMES if all(o in r.outcome_names() for r in runs)]


# --------------------------------------------------------------------------- memo
def write_memo(runs: list[Run], out_dir: Path, outcomes: list[str] | None = None,
               level: float = stats.CI_LEVEL, n_resamples: int = stats.N_RESAMPLES) -> Path:
    """All figures for `outcomes` (default: the key outcomes present), maps, CSV tables and memo.md."""
    for r in runs:
        if r.collected:
            raise PlotError(f"{r.path} is a collected sweep; sim-memo takes run folders (try 'sim-plot dist')")
    outcomes = default_outcomes(runs) if outcomes is None else outcomes
    if not outcomes:
        raise PlotError(f"none of the key outcomes is in every folder; name some with --outcomes "
                        f"(valid: {', '.join(runs[0].outcome_names())})")
    for o in outcomes:
        check_outcome(runs, o)
    base, others = runs[0], runs[1:]
    for other in others:
        check_paired(base, other)
    out_dir = Path(out_dir)

    key = key_outcomes_table(runs, outcomes)
    key.to_csv(out_dir / KEY_CSV, index=False)
    per_outcome: dict[str, list[Made]] = {o: [dist_figures(runs, o, out_dir)] for o in outcomes}
    for o in outcomes:
        if all(o in r.series_names() for r in runs):
            per_outcome[o].append(fan_figures(runs, o, out_dir))
    compare = None
    if others:
        compare, made = compare_figures(runs, outcomes, out_dir, level, n_resamples)
        for o, m in zip(outcomes, made):
            per_outcome[o].append(m)
    maps = [m for r in runs for m in map_figures(r, out_dir)] if any(r.flows is not None for r in runs) \
        else map_figures(base, out_dir)

    names = [r.label for r in runs]
    lines = [f"# {' vs '.join(names)}: figures and tables", "", _source(runs) + ".", "", "## Scenarios", ""]
    for r in runs:
        lines.append(f"- **{r.label}**: {r.manifest.get('description') or 'no description'} Folder: `{r.path}`.")
    if others:
        lines += ["", f"Differences are taken from **{base.label}**, the first folder."]
    lines += ["", "## Key outcomes", "",
              (f"Median and 90% interval [5th, 95th percentile] over the replicates of each scenario "
               f"(k = thousand, M = million, bn = billion); \"never\" counts replicates where the event did not "
               f"happen. Table as CSV: [{KEY_CSV}]({KEY_CSV})."), ""]
    cells = {(row["outcome"], row["scenario"]): _cell(row) for _, row in key.iterrows()}
    lines += _md_table(["Outcome", "Unit", *names],
                       [[base.outcome_label(o), base.unit(o), *(cells[o, n] for n in names)] for o in outcomes])
    if compare is not None:
        lines += ["", f"## Differences from {base.label}", "",
                  (f"Paired by replicate (replicate i of every scenario shares its random numbers): mean of "
                   f"scenario - {base.label} with a {level:.0%} percentile bootstrap interval ({n_resamples} "
                   f"resamples), and P(scenario > {base.label}), the share of replicates where the scenario is "
                   f"higher (ties count half; \"never\" counts as later than any date). "
                   f"Table as CSV: [{COMPARE_CSV}]({COMPARE_CSV})."), ""]
        lines += _md_table(
            ["Outcome", "Unit", "Scenario", f"Mean difference [{level:.0%} CI]", f"P(scenario > {base.label})",
             "Pairs"],
            [[base.outcome_label(row["outcome"]), row["unit"], row["scenario"],
              f"{_signed(row['mean_diff'])} [{_signed(row['ci_low'])}, {_signed(row['ci_high'])}]",
              f"{row['p_scenario_gt_baseline']:.2f}", str(row["n_pairs"])] for _, row in compare.iterrows()])
    lines += futures_section(runs, outcomes, out_dir, base.outcome_label, level, n_resamples)
    lines += ["", "## Figures", "", "Each figure is a PNG (300 dpi) for pasting, with an SVG alongside for editing.",
              ""]
    number = 0
    for o in outcomes:
        lines += [f"### {base.outcome_label(o)}", ""]
        for m in per_outcome[o]:
            number += 1
            lines += _figure_md(number, m)
    lines += ["### Maps", ""]
    for m in maps:
        number += 1
        lines += _figure_md(number, m)
    memo = out_dir / MEMO
    memo.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return memo


def _signed(x: float) -> str:
    return "n/a" if not np.isfinite(x) else ("+" if x > 0 else "") + human(x)


def _figure_md(number: int, m: Made) -> list[str]:
    png, svg = f"{m.stem}.png", f"{m.stem}.svg"
    return [f"![Figure {number}]({png})", "", f"*Figure {number}. {m.caption}* ([SVG]({svg}))", ""]
