"""Moscow's scorecard in a memo: the paired difference between two runs, over time and by part.

:func:`scorecard_section` compares a run (the withdrawal: the baseline) with a reference (the
counterfactual without it) on ``moscow_net_payoff`` and its components (:mod:`sim.scorecard`),
paired by replicate: their totals in the first year, in the years after and over the whole
horizon, and the net payoff's cumulative difference month by month. It returns the memo's
lines; the figures and a CSV go into the memo folder.

:func:`weight_sensitivity` asks whether the verdict survives other weights: it rescores the same
paired outcomes with Moscow's goal weights drawn over their declared ranges (a Latin hypercube),
keeping what happened fixed, and reports in how many weightings the withdrawal is better for
Moscow and which weight decides it.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from scipy.stats import qmc, spearmanr

from sim.analysis import paired_series, window_totals
from sim.plots import PlotError, Run, check_paired
from sim.plots import stats
from sim.plots.memo import _md_table, _signed, _source
from sim.plots.figures import _legend_above, _title
from sim.plots.style import GREY, colour, memo_style, new_figure, save
from sim.provenance import iter_params
from sim.scorecard import COMPONENTS
from sim.states.goals import RussiaGoals

NET = "moscow_net_payoff"
PARTS = tuple(f"moscow_payoff_{c}" for c in COMPONENTS)
CSV = "scorecard.csv"
WEIGHTS_CSV = "scorecard_weights.csv"
N_WEIGHTINGS = 1000
FIRST_YEAR = 12  # months


def scorecard_table(run: Run, reference: Run, level: float = stats.CI_LEVEL,
                    n_resamples: int = stats.N_RESAMPLES) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table, cumulative): per series and window, the mean paired difference run - reference
    of its total with a bootstrap interval and P(difference > 0); and the net payoff's
    cumulative difference (dates x replicates)."""
    check_paired(reference, run)
    for r in (run, reference):
        if r.timeseries is None:
            raise PlotError(f"{r.path} holds no time series; the scorecard needs them")
    rows, cumulative = [], None
    for name in (NET, *PARTS):
        try:
            diff = paired_series(run.timeseries, reference.timeseries, name)
        except ValueError as e:
            raise PlotError(f"scorecard: {e} ({run.path}, {reference.path})") from None
        n = len(diff)
        windows = {"all months": (1, n)}
        if n > FIRST_YEAR:
            windows = {f"months 1-{FIRST_YEAR}": (1, FIRST_YEAR), f"months {FIRST_YEAR + 1}-{n}": (FIRST_YEAR + 1, n),
                       **windows}
        totals = window_totals(diff, windows)
        for window in totals.columns:
            x = totals[window].to_numpy(dtype=float)
            lo, hi = stats.bootstrap_ci(x, level, n_resamples)
            rows.append({"series": name, "window": window, "mean_diff": float(x.mean()), "ci_low": lo, "ci_high": hi,
                         "p_better": float(np.mean((x > 0) + 0.5 * (x == 0))), "n_pairs": int(x.size)})
        if name == NET:
            cumulative = diff.cumsum()
    return pd.DataFrame(rows), cumulative


def _goal_weights(run: Run) -> dict[str, float]:
    """Moscow's goal weights the run was scored with (from its manifest's config)."""
    try:
        goals = run.manifest["config"]["model"]["states"]["rus"]["goals"]
        return {c: float(goals[c]) for c in COMPONENTS}
    except (KeyError, TypeError):
        raise PlotError(f"{run.path}: the manifest's config holds no model.states.rus.goals") from None


def weight_sensitivity(run: Run, reference: Run, n_draws: int = N_WEIGHTINGS, seed: int = 0) -> pd.DataFrame:
    """One row per weighting of Moscow's goals, drawn by Latin hypercube over each weight's declared
    range (``model.states.rus.goals``): the weights and the mean paired difference run - reference
    of the net payoff's total, the same outcomes rescored (a part scored with weight w counts
    w' / w times as much). What the states did stays as it was under the run's own weights."""
    check_paired(reference, run)
    weights = _goal_weights(run)
    if _goal_weights(reference) != weights:
        raise PlotError(f"{run.path} and {reference.path} were scored with different goal weights")
    zero = [c for c, w in weights.items() if w == 0]
    if zero:
        raise PlotError(f"model.states.rus.goals.{zero[0]} is 0 in {run.path}: a part scored with weight 0 "
                        "cannot be rescored")
    parts = np.column_stack([paired_series(run.timeseries, reference.timeseries, f"moscow_payoff_{c}").sum(axis=0)
                             for c in COMPONENTS])  # replicates x parts, totals over the horizon
    ranges = {p.name: p.range for p in iter_params(RussiaGoals())}
    lo, hi = (np.array([ranges[c][k] for c in COMPONENTS]) for k in (0, 1))
    drawn = qmc.scale(qmc.LatinHypercube(d=len(COMPONENTS), seed=seed).random(n_draws), lo, hi)
    scale = drawn / np.array([weights[c] for c in COMPONENTS])
    table = pd.DataFrame(drawn, columns=list(COMPONENTS))
    table["mean_diff"] = (parts.mean(axis=0) * scale).sum(axis=1)
    return table


def weight_lines(table: pd.DataFrame, run: Run, reference: Run) -> list[str]:
    """The memo's lines on the weightings (:func:`weight_sensitivity`)."""
    d = table["mean_diff"].to_numpy()
    better = float(np.mean(d > 0))
    rho = {c: float(spearmanr(table[c], d).statistic) for c in COMPONENTS}
    top = sorted(rho, key=lambda c: -abs(rho[c]))[:2]
    sign = ("does not depend on the weights" if better in (0.0, 1.0)
            else "**depends on the weights**")
    return [f"**Other weights.** Rescored with Moscow's goal weights drawn over their declared ranges "
            f"({len(table)} weightings, Latin hypercube; what the states did held fixed), {run.label} is better for "
            f"Moscow than {reference.label} over the whole horizon in {better:.0%} of weightings; the mean "
            f"difference spans {_signed(float(np.quantile(d, 0.05)))} to {_signed(float(np.quantile(d, 0.95)))} "
            f"(5-95%). The verdict's sign {sign}. The weights that decide it most (Spearman rank correlation with "
            f"the difference): " + ", ".join(f"{c} ({rho[c]:+.2f})" for c in top)
            + f". Table: [{WEIGHTS_CSV}]({WEIGHTS_CSV}).", ""]


def cumulative_figure(cumulative: pd.DataFrame, run: Run, reference: Run, source: str) -> Figure:
    """Median and 50% / 90% bands over replicates of the cumulative paired difference."""
    with memo_style():
        fig = new_figure(3.6, source)
        ax = fig.subplots()
        dates = pd.to_datetime(cumulative.index)
        q = cumulative.quantile([0.05, 0.25, 0.5, 0.75, 0.95], axis=1).T.to_numpy()
        ax.fill_between(dates, q[:, 0], q[:, 4], color=colour(0), alpha=0.15, linewidth=0)
        ax.fill_between(dates, q[:, 1], q[:, 3], color=colour(0), alpha=0.35, linewidth=0)
        ax.plot(dates, q[:, 2], color=colour(0))
        ax.axhline(0.0, color=GREY, linewidth=0.8)
        _title(fig, f"Moscow's net payoff, {run.label} - {reference.label}, cumulative: above 0, Moscow gains")
        ax.set_ylabel("objective units x months")
        locator = mdates.AutoDateLocator(maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        handles = [Line2D([], [], color=colour(0), label="median"), Patch(color=colour(0), alpha=0.5, label="50%"),
                   Patch(color=colour(0), alpha=0.2, label="90%")]
        _legend_above(ax, handles, ncols=3, title="Paired replicates")
    return fig


def components_figure(table: pd.DataFrame, run: Run, reference: Run, source: str) -> Figure:
    """Mean paired difference of each component's total, per window, with its interval."""
    windows = list(dict.fromkeys(table["window"]))
    with memo_style():
        fig = new_figure(3.6, source)
        ax = fig.subplots()
        y = np.arange(len(PARTS))
        h = 0.8 / len(windows)
        for k, w in enumerate(windows):
            sub = table[table["window"] == w].set_index("series").loc[list(PARTS)]
            err = np.vstack([sub["mean_diff"] - sub["ci_low"], sub["ci_high"] - sub["mean_diff"]])
            ax.barh(y + (k - (len(windows) - 1) / 2) * h, sub["mean_diff"], height=h, xerr=err, label=w,
                    color=colour(k), error_kw={"linewidth": 0.8})
        ax.set_yticks(y, [p.removeprefix("moscow_payoff_") for p in PARTS])
        ax.invert_yaxis()
        ax.axvline(0.0, color=GREY, linewidth=0.8)
        ax.set_xlabel("objective units x months")
        _title(fig, f"Moscow's payoff by goal, {run.label} - {reference.label}: mean paired difference")
        _legend_above(ax, ncols=len(windows), title="Total over")
    return fig


def _verdict(row: pd.Series) -> str:
    better = "better" if row["mean_diff"] > 0 else "worse"
    return (f"{better} for Moscow by {_signed(row['mean_diff'])} [{_signed(row['ci_low'])}, {_signed(row['ci_high'])}]"
            f", better in {row['p_better']:.0%} of paired replicates")


def scorecard_section(run: Run, reference: Run, out_dir: Path, level: float = stats.CI_LEVEL,
                      n_resamples: int = stats.N_RESAMPLES) -> list[str]:
    """The memo's scorecard section (markdown lines); its figures and CSV are saved in `out_dir`."""
    table, cumulative = scorecard_table(run, reference, level, n_resamples)
    table.to_csv(Path(out_dir) / CSV, index=False)
    source = _source([reference, run])
    cum_paths = save(cumulative_figure(cumulative, run, reference, source), out_dir, "scorecard_cumulative")
    part_paths = save(components_figure(table, run, reference, source), out_dir, "scorecard_components")
    net = table[table["series"] == NET].set_index("window")
    windows = list(net.index)
    lines = ["", f"## Moscow's scorecard: {run.label} against {reference.label}", "",
             (f"The value of Moscow's objective (`{NET}`: influence, security, drugs, economy and standing, "
              f"weighted as Moscow weighs them when it decides; sim/scorecard.py), paired by replicate. "
              f"Mean difference {run.label} - {reference.label} of each total, with a {level:.0%} bootstrap "
              f"interval, and the share of replicates in which {run.label} is better for Moscow. "
              f"Table as CSV: [{CSV}]({CSV})."), ""]
    if len(windows) == 3:
        first, later, _ = windows
        lines += [f"**Joy now, cost later?** In {first}, {run.label} is {_verdict(net.loc[first])}; "
                  f"in {later}, it is {_verdict(net.loc[later])}.", ""]
    whole = table[(table["window"] == windows[-1]) & (table["series"] != NET)]
    top = whole.reindex(whole["mean_diff"].abs().sort_values(ascending=False).index).head(2)
    drivers = "; ".join(f"{r.series.removeprefix('moscow_payoff_')} ({_signed(r.mean_diff)})" for r in top.itertuples())
    lines += [f"Over the whole horizon {run.label} is {_verdict(net.loc[windows[-1]])}. The components that move it "
              f"most: {drivers}.", ""]
    lines += _md_table(
        ["Series", "Window", f"Mean difference [{level:.0%} CI]", f"P({run.label} better)", "Pairs"],
        [[r.series, r.window, f"{_signed(r.mean_diff)} [{_signed(r.ci_low)}, {_signed(r.ci_high)}]",
          f"{r.p_better:.2f}", str(r.n_pairs)] for r in table.itertuples()])
    weightings = weight_sensitivity(run, reference)
    weightings.to_csv(Path(out_dir) / WEIGHTS_CSV, index=False)
    lines += [""] + weight_lines(weightings, run, reference)
    lines += [f"![cumulative net payoff]({cum_paths[0].name})", "",
              f"Cumulative paired difference of `{NET}`, {run.label} - {reference.label}: median and 50% / 90% of "
              f"replicates. A curve that starts above zero and turns down is joy now and cost later.", "",
              f"![components]({part_paths[0].name})", "",
              "Mean paired difference of each component's total, per window, with its interval.", ""]
    return lines
