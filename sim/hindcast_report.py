"""``sim-hindcast``: run the baseline from August 2021 through the last observation and score it
against every observation the observation model can compare (:mod:`sim.hindcast`).

Writes a report folder: ``hindcast.csv`` (one row per compared observation: the predicted
quantiles, inside the 50% / 90% intervals, ARD, the naive forecast), ``summary.csv`` (per
series and period), ``not_compared.csv`` (every other observation with the reason), a chart per
series (prediction intervals per observed period, the observation on them, training and
validation periods marked; PNG 300 dpi and SVG) and ``hindcast.md``. It prints the summary.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from pathlib import Path
from typing import Sequence

import pandas as pd

from sim import hindcast as hc
from sim.calendar import add_months
from sim.errors import reported
from sim.observations import ObservationDataError, load_observations

MD = "hindcast.md"


def chart(table: pd.DataFrame, series: str, country: str, out_dir: Path, source: str,
          span: tuple[dt.date, dt.date]) -> list[Path]:
    """Prediction intervals (50%, 90%, median) over each observed period, the observations on them,
    and the end of the training period."""
    import matplotlib.dates as mdates
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from sim.plots.style import GREY, colour, memo_style, new_figure, save, value_axis

    rows = table[(table["series"] == series) & (table["country"] == country)].sort_values("period_end")
    with memo_style():
        fig = new_figure(3.4, source)
        ax = fig.subplots()
        for _, r in rows.iterrows():
            lo, hi = pd.Timestamp(r["period_start"]), pd.Timestamp(r["period_end"])
            if (hi - lo).days < 20:  # a level: a band a month wide around the date
                lo, hi = hi - pd.Timedelta(days=15), hi + pd.Timedelta(days=15)
            ax.fill_between([lo, hi], r["p05"], r["p95"], color=colour(0), alpha=0.15, linewidth=0)
            ax.fill_between([lo, hi], r["p25"], r["p75"], color=colour(0), alpha=0.35, linewidth=0)
            ax.plot([lo, hi], [r["median"]] * 2, color=colour(0))
            ax.plot([lo + (hi - lo) / 2], [r["value"]], "o", color="black", markersize=4)
        ax.axvline(pd.Timestamp(hc.TRAIN_END), color=GREY, linestyle="--", linewidth=0.8)
        ax.text(pd.Timestamp(hc.TRAIN_END), 1.0, " validation", transform=ax.get_xaxis_transform(), va="top",
                ha="left", color=GREY)
        ax.text(pd.Timestamp(hc.TRAIN_END), 1.0, "training ", transform=ax.get_xaxis_transform(), va="top",
                ha="right", color=GREY)
        ax.set_xlim(pd.Timestamp(span[0]), pd.Timestamp(span[1]))  # every chart spans the whole run
        ax.set_ylabel(rows["unit"].iloc[0])
        value_axis(ax.yaxis)
        locator = mdates.YearLocator()  # the run spans a few years
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        where = f" ({country})" if country else ""
        fig.suptitle(f"{series.replace('_', ' ')}{where}: predicted and observed", fontsize=9, ha="left", x=0.02)
        ax.legend(handles=[Line2D([], [], color=colour(0), label="median"),
                           Patch(color=colour(0), alpha=0.5, label="50%"), Patch(color=colour(0), alpha=0.2,
                                                                                 label="90%"),
                           Line2D([], [], marker="o", color="black", linestyle="", label="observed")],
                  ncols=2, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False)
    return save(fig, out_dir, f"hindcast_{series}{'_' + country.lower() if country else ''}")


def _pct(x: float) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f}%"


def markdown(table: pd.DataFrame, summ: pd.DataFrame, skipped: pd.DataFrame, setup: str) -> str:
    val = table[table["period"] == "validation"]
    lines = ["# Hindcast", "", setup, "",
             f"Training period: observations ending on or before {hc.TRAIN_END}; validation: the later ones.",
             "", "## Out of sample (validation)", ""]
    if val.empty:
        lines.append("No validation observation could be compared.")
    else:
        beat = val["beats_naive"].dropna()
        lines.append(f"{len(val)} observed points: {_pct(val['in_90'].mean())} inside the 90% interval "
                     f"(target at least 70%), {_pct(val['in_50'].mean())} inside the 50% interval; the median "
                     f"is closer than the naive forecast (last training value carried forward) on "
                     f"{int(beat.sum())} of {len(beat)} points with a naive forecast.")
    lines += ["", "## By series", "", "| series | country | period | points | in 50% | in 90% | ARD | naive ARD "
              "| beats naive |", "|---|---|---|---|---|---|---|---|---|"]
    for _, r in summ.iterrows():
        lines.append(f"| {r['series']} | {r['country'] or '-'} | {r['period']} | {r['points']} | {_pct(r['in_50'])} "
                     f"| {_pct(r['in_90'])} | {_pct(r['ard'])} | {_pct(r['naive_ard'])} | {_pct(r['beats_naive'])} |")
    lines += ["", "## Observation model", ""]
    for o in hc.OBSERVABLES.values():
        lines.append(f"- `{o.series}`: {o.note}; log-normal error sd {o.error_sd}"
                     + (f"; recorded share {o.coverage[0]}-{o.coverage[1]}" if o.coverage != (1.0, 1.0) else ""))
    reasons = skipped.groupby("why_not").size().sort_values(ascending=False)
    lines += ["", "## Not compared", "", f"{len(skipped)} observations (listed in not_compared.csv):"]
    lines += [f"- {why}: {n}" for why, n in reasons.items()]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="sim-hindcast", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("overrides", nargs="*", help="Hydra overrides, as for sim-run (default: the baseline)")
    ap.add_argument("--out", type=Path, default=None, help="report folder (default results/hindcast/<time>)")
    ap.add_argument("--observations", type=Path, default=None, help="folder of observation CSVs (default: shipped)")
    ap.add_argument("--force", action="store_true", help="replace files already in --out")
    args = ap.parse_args(argv)
    with reported("sim-hindcast", *_errors()):
        run(args)


def _errors():
    from sim.errors import input_errors
    return (*input_errors(), ObservationDataError, hc.HindcastError)


def run(args) -> Path:
    from sim.compose import compose
    from sim.store import FolderClash, staged
    from sim.runner import run_batch
    from sim.uncertainty import futures_table

    obs = load_observations(args.observations)
    cfg = compose(args.overrides)
    start = dt.date.fromisoformat(cfg.model.calendar.start)
    if any(o.startswith("model.calendar.horizon_months=") for o in args.overrides):
        # the horizon is the analyst's: every observation must end within it
        end = add_months(start, cfg.model.calendar.horizon_months)
        late = obs[obs["period_end"] > end]
        if not late.empty:
            r = late.iloc[0]
            raise hc.HindcastError(f"{r['file']}, row {r['row']}: period_end = {r['period_end']} is after the run's "
                                   f"end {end} (model.calendar.horizon_months={cfg.model.calendar.horizon_months}); "
                                   "leave the horizon to sim-hindcast or give observations within it")
    else:
        cfg.model.calendar.horizon_months = hc.months_spanned(start, obs["period_end"].max())
    futures, _ = futures_table(cfg)
    batch = run_batch(cfg, futures=futures)
    last = pd.Timestamp(batch.timeseries["date"].max()).date()
    rows = hc.comparable(obs, start, last)
    index = pd.MultiIndex.from_frame(batch.outcomes[hc.RUN]).sort_values()
    table = hc.predict(rows, batch.timeseries, hc.run_params(cfg, futures, index), cfg.seed)
    summ = hc.summary(table)
    skipped = rows[rows["why_not"] != ""][["series", "country", "route", "period_start", "period_end", "value",
                                           "unit", "file", "row", "why_not"]]
    n_runs = len(batch.outcomes)
    setup = (f"{n_runs} runs ({cfg.futures} futures x {cfg.replicates} replicates, uncertainty "
             f"{cfg.uncertainty.source.value}), {start} to {last}, root seed {cfg.seed}; overrides: "
             f"{' '.join(args.overrides) or 'none'}.")
    out = args.out or Path("results") / "hindcast" / dt.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    source = f"Source: sim-hindcast, {n_runs} runs; observations: sim/data/observations."
    try:
        with staged(out, last=MD, replace=args.force) as staging:
            table.to_csv(staging / "hindcast.csv", index=False)
            summ.to_csv(staging / "summary.csv", index=False)
            skipped.to_csv(staging / "not_compared.csv", index=False)
            for (series, country), _ in table.groupby(["series", "country"]):
                chart(table, series, country, staging, source, (start, last))
            (staging / MD).write_text(markdown(table, summ, skipped, setup))
    except FolderClash as e:
        raise hc.HindcastError(f"{e}; use --force to replace, or --out to write elsewhere") from None
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(summ.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    print(f"\nreport: {out / MD}")
    return out
