"""Plain functions from tables to memo-style matplotlib figures.

Each function takes the numbers to draw (arrays, tables from :mod:`sim.plots.stats`),
the outcome's label and unit, and the source line, and returns a
:class:`matplotlib.figure.Figure`; :func:`sim.plots.style.save` writes it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import textwrap

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import blended_transform_factory

from sim.analysis import RUN, with_future
from sim.plots import stats
from sim.plots.style import GREY, colour, human, memo_style, new_figure, value_axis

TITLE_WRAP = 44
TICK_WRAP = 18
LINESTYLES = ("-", "--", "-.", ":")  # overlapping lines stay apart, also in greyscale
JITTER_SEED = 0  # the replicate points' vertical scatter, fixed so figures are reproducible


def wrap(text: str, width: int) -> str:
    """Wrap at spaces, and after underscores so that scenario names break between words."""
    lines = textwrap.wrap(text.replace("_", "_ "), width)
    return "\n".join(line.replace("_ ", "_") for line in lines) or text


def series_label(label: str) -> str:
    """The label of an outcome's monthly series, from the label of its end-of-run value.

    ``X (end of horizon)`` and ``X (mean over horizon)`` become ``X``; ``(total`` becomes
    ``(cumulative`` since the series of a total is its running sum.
    """
    label = re.sub(r"\s*\((end of horizon|mean over (the )?horizon)\)$", "", label)
    return label.replace("(total", "(cumulative")


def axis_label(unit: str, what: str = "") -> str:
    return f"{what}, {unit}" if what and unit else (what or unit)


def _title(fig: Figure, text: str) -> None:
    """Left-aligned figure title, wrapped to the memo column."""
    fig.suptitle(wrap(text, TITLE_WRAP), x=0.02, ha="left")


def _legend_above(ax, handles=None, ncols: int = 2, title: str | None = None) -> None:
    """Legend between the title and the axes, from the figure's left edge, where it hides no data."""
    kw = {"handles": handles} if handles is not None else {}
    ax.legend(**kw, loc="lower left", bbox_to_anchor=(0.02, 1.02), ncols=ncols, borderaxespad=0,
              bbox_transform=blended_transform_factory(ax.figure.transFigure, ax.transAxes),
              handlelength=1.6, columnspacing=1.0, title=title, alignment="left")


def _count(x: float) -> str:
    """Legend numbers: 1,000 or 500,000 in full, millions and more as 2 M."""
    return human(x) if x >= 1e6 else f"{x:,.0f}"


def _nice(x: float) -> float:
    """1, 2 or 5 times a power of ten, at most `x` (legend reference values)."""
    if x <= 0:
        return 0.0
    p = 10 ** math.floor(math.log10(x))
    return max(m * p for m in (1, 2, 5) if m * p <= x)


# --------------------------------------------------------------------------- distributions
def distribution_figure(groups: dict[str, np.ndarray], label: str, unit: str, source: str,
                        threshold: float | None = None) -> Figure:
    """Box plots with the replicate points (top) and ECDFs (bottom) of one outcome per group.

    Boxes span the quartiles around the median; whiskers reach the 5th and 95th percentiles.

    With `threshold`, both panels mark it and the legend gives P(X > t) per group. NaN
    (event never happened) is left out of the box, counts as above every threshold and
    keeps the ECDF below 1; the share of NaN is noted under the group name.
    """
    names = list(groups)
    k = len(names)
    with memo_style():
        fig = new_figure(3.1 + 0.4 * k, source)
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[0.3 + 0.4 * k, 2.0])
        rng = np.random.default_rng(JITTER_SEED)
        ticks = []
        for i, name in enumerate(names):
            x = np.asarray(groups[name], dtype=float)
            ok = x[~np.isnan(x)]
            y = k - 1 - i  # first group on top
            if ok.size:
                top.boxplot(ok, positions=[y], orientation="horizontal", widths=0.6, whis=(5, 95), showfliers=False,
                            medianprops={"color": "black", "linewidth": 1.2}, boxprops={"linewidth": 0.8},
                            whiskerprops={"linewidth": 0.8}, capprops={"linewidth": 0.8}, manage_ticks=False)
                top.scatter(ok, y + rng.uniform(-0.22, 0.22, ok.size), s=5, color=colour(i), alpha=0.6,
                            linewidths=0, zorder=3)
            nan_note = f"\n({x.size - ok.size}/{x.size} never)" if ok.size < x.size else ""
            ticks.append(wrap(name, TICK_WRAP) + nan_note)
            values, f = stats.ecdf(x)
            key = name if threshold is None else f"{name}: {stats.prob_exceeds(x, threshold):.2f}"
            if values.size:  # starts from 0 at the smallest value
                bottom.step(np.r_[values[:1], values], np.r_[0.0, f], where="post", color=colour(i),
                            linestyle=LINESTYLES[i % len(LINESTYLES)])
            top.plot([], [], color=colour(i), linestyle=LINESTYLES[i % len(LINESTYLES)], label=key)
        top.set_yticks(range(k - 1, -1, -1), ticks)
        top.set_ylim(-0.6, k - 0.4)
        top.grid(axis="y", visible=False)
        _title(fig, re.sub(r"\s*\(NaN: [^)]*\)", "", label))  # the group names say how often "never"
        bottom.set_ylabel("Share of replicates ≤ x")
        bottom.set_ylim(0, 1.02)
        bottom.set_xlabel(unit)
        value_axis(bottom.xaxis, nbins=4)
        if threshold is not None:
            for ax in (top, bottom):
                ax.axvline(threshold, color=GREY, linestyle="--", linewidth=0.9)
        if threshold is not None:
            _legend_above(top, ncols=1, title=f"P(X > {human(threshold)}) (dashed line)")
        elif k > 1:
            _legend_above(top)
    return fig


# --------------------------------------------------------------------------- fan charts
def fan_figure(bands: dict[str, pd.DataFrame], label: str, unit: str, source: str,
               events: dict[str, list[dict]] | None = None, start: dt.date | None = None,
               observed: pd.DataFrame | None = None) -> Figure:
    """Median with 50% and 90% bands over replicates, per group, with policy start dates.

    `bands` maps group to :func:`sim.plots.stats.quantile_bands` output (columns 0.05 ...
    0.95). `events` maps group to its manifest ``lever_events``; events on or before
    `start` (levers acting from the first day) are not marked. `observed` (date, value,
    series: :func:`sim.hindcast.observed_points`) is drawn as points, one marker per series.
    """
    with memo_style():
        fig = new_figure(3.2 + 0.17 * len(bands), source)
        ax = fig.subplots()
        for i, (name, b) in enumerate(bands.items()):
            x = b.index.to_numpy()
            ax.fill_between(x, b[0.05], b[0.95], color=colour(i), alpha=0.15, linewidth=0)
            ax.fill_between(x, b[0.25], b[0.75], color=colour(i), alpha=0.35, linewidth=0)
            ax.plot(x, b[0.5], color=colour(i), linestyle=LINESTYLES[i % len(LINESTYLES)])
        _mark_events(ax, events or {}, list(bands), start)
        obs_handles = []
        if observed is not None and not observed.empty:
            for k, (name, pts) in enumerate(observed.groupby("series", sort=True)):
                marker = "osD^v"[k % 5]
                ax.plot(pts["date"], pts["value"], marker, color="black", markersize=4, linestyle="")
                obs_handles.append(Line2D([], [], marker=marker, color="black", linestyle="",
                                          label=name.replace("_", " ")))
        _title(fig, series_label(label))
        ax.set_ylabel(unit)
        value_axis(ax.yaxis)
        locator = mdates.AutoDateLocator(maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        handles = [Line2D([], [], color=colour(i), linestyle=LINESTYLES[i % len(LINESTYLES)], label=name)
                   for i, name in enumerate(bands)]
        handles += [Patch(color=GREY, alpha=0.55, label="50%"), Patch(color=GREY, alpha=0.2, label="90%")]
        handles += obs_handles
        _legend_above(ax, handles, ncols=2, title="Median and middle 50% / 90% of replicates"
                      + ("; published figures" if obs_handles else ""))
    return fig


def acts_from_start(begin: str, start: dt.date | None) -> bool:
    """A lever starting on or before the run's first day: the fan chart does not mark it."""
    return start is not None and dt.date.fromisoformat(begin) <= start


def _mark_events(ax, events: dict[str, list[dict]], names: list[str], start: dt.date | None) -> None:
    """Dashed line (and label) at each lever's start, shaded span for closures with an end.

    A lever in one group only takes that group's colour; one shared by several is grey.
    """
    where: dict[tuple, list[int]] = {}
    for i, name in enumerate(names):
        for e in events.get(name, []):
            key = (e["lever"], e["start"], e.get("end"))
            where.setdefault(key, []).append(i)
    for (lever, begin, end), groups in sorted(where.items(), key=lambda kv: kv[0][1]):
        if acts_from_start(begin, start):
            continue
        day = dt.date.fromisoformat(begin)
        c = colour(groups[0]) if len(groups) == 1 and len(names) > 1 else GREY
        ax.axvline(day, color=c, linestyle="--", linewidth=0.9)
        if end:
            ax.axvspan(day, dt.date.fromisoformat(end), color=c, alpha=0.1, linewidth=0)
        ax.annotate(lever.replace("_", " "), xy=(day, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(-2, -3), textcoords="offset points", rotation=90, ha="right", va="top", color=c,
                    bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "alpha": 0.7, "linewidth": 0})


# --------------------------------------------------------------------------- comparisons
def comparison_figure(diffs: dict[str, np.ndarray], table: pd.DataFrame, label: str, unit: str,
                      base: str, source: str) -> Figure:
    """Paired differences (scenario - base) per replicate, with mean, bootstrap CI and P(A > B).

    `diffs` maps scenario to its per-replicate differences; `table` holds one row per
    scenario from :func:`sim.plots.stats.comparison_table` (mean_diff, ci_low, ci_high,
    ci_level, p_scenario_gt_baseline).
    """
    names = list(diffs)
    k = len(names)
    rows = table.set_index("scenario")
    with memo_style():
        fig = new_figure(1.9 + 0.45 * k, source)
        ax = fig.subplots()
        rng = np.random.default_rng(JITTER_SEED)
        ticks = []
        for i, name in enumerate(names):
            d = np.asarray(diffs[name], dtype=float)
            d = d[~np.isnan(d)]
            y = k - 1 - i
            r = rows.loc[name]
            ax.scatter(d, y + rng.uniform(-0.25, 0.25, d.size), s=5, color=colour(i + 1), alpha=0.5,
                       linewidths=0, zorder=2)
            ax.errorbar([r["mean_diff"]], [y], xerr=[[r["mean_diff"] - r["ci_low"]], [r["ci_high"] - r["mean_diff"]]],
                        fmt="D", color="black", markersize=4, capsize=3, linewidth=1.2, zorder=3)
            ticks.append(f"{wrap(name, TICK_WRAP)}\nP(> {base}) = {r['p_scenario_gt_baseline']:.2f}")
        ax.axvline(0, color=GREY, linewidth=0.9)
        ax.set_yticks(range(k - 1, -1, -1), ticks)
        ax.set_ylim(-0.6, k - 0.4)
        ax.grid(axis="y", visible=False)
        value_axis(ax.xaxis, nbins=4)
        level = float(table["ci_level"].iloc[0])
        ax.set_xlabel(axis_label(unit, f"Difference from {base}"))
        _title(fig, label)
        handles = [Line2D([], [], marker="o", linestyle="", color=GREY, alpha=0.6, markersize=3,
                          label="one replicate"),
                   Line2D([], [], marker="D", color="black", markersize=4,
                          label=f"mean, {level:.0%} bootstrap CI")]
        _legend_above(ax, handles)
    return fig


# --------------------------------------------------------------------------- sensitivity
SENSITIVITY_COLUMNS = {"sobol": ("S1", "S1_conf", "ST", "ST_conf"), "morris": ("mu_star", "mu_star_conf", "sigma")}


def parameter_label(name: str) -> str:
    """``policy.russia_refugee_pressure.level`` -> ``russia refugee pressure level`` (wrapped)."""
    parts = name.split(".")
    if len(parts) > 2 and parts[0] in ("model", "scenario", "policy"):
        parts = parts[1:]
    return wrap(" ".join(parts).replace("_", " "), 22)


def sensitivity_figure(table: pd.DataFrame, label: str, unit: str, method: str, source: str) -> Figure:
    """Horizontal bars with confidence whiskers, largest effect on top.

    Sobol: total (ST) and first-order (S1) indices, sorted by ST. Morris: mu_star (mean
    absolute elementary effect) with its interval and sigma (spread), sorted by mu_star.
    """
    key = "ST" if method == "sobol" else "mu_star"
    t = table.sort_values(key, ascending=True).reset_index(drop=True)
    y = np.arange(len(t))
    with memo_style():
        fig = new_figure(1.7 + 0.32 * len(t), source)
        ax = fig.subplots()
        if method == "sobol":
            h = 0.38
            ax.barh(y + h / 2, t["ST"], h, xerr=t["ST_conf"], color=colour(0), label="total (ST)",
                    error_kw={"linewidth": 0.8, "capsize": 2})
            ax.barh(y - h / 2, t["S1"], h, xerr=t["S1_conf"], color=colour(1), label="first-order (S1)",
                    error_kw={"linewidth": 0.8, "capsize": 2})
            ax.set_xlabel("Sobol index (share of output variance)")
        else:
            bars = ax.barh(y, t["mu_star"], 0.6, xerr=t["mu_star_conf"], color=colour(0), label="μ* (mean |effect|)",
                           error_kw={"linewidth": 0.8, "capsize": 2})
            dots = ax.scatter(t["sigma"], y, marker="o", facecolors="none", edgecolors="black", s=14, zorder=3,
                              label="σ (spread of effects)")
            ax.set_xlabel(axis_label(unit, "Elementary effect"))
            value_axis(ax.xaxis, nbins=4)
        ax.axvline(0, color=GREY, linewidth=0.8)
        ax.set_yticks(y, [parameter_label(p) for p in t["parameter"]])
        ax.grid(axis="y", visible=False)
        _title(fig, f"{label}: what drives it ({method})")
        _legend_above(ax, None if method == "sobol" else [bars, dots])
    return fig


# --------------------------------------------------------------------------- maps
KIND_STYLE = {  # kind -> (label, colour, marker); flows are drawn in blue (people) and vermillion (opiates)
    "afghan_region": ("Afghan region", colour(4), "o"),
    "border_crossing": ("border crossing", "black", "|"),
    "host": ("host city", colour(5), "o"),
    "hub": ("transit hub", GREY, "s"),
    "port": ("port", colour(2), "v"),
    "market": ("drug market", "black", "D"),
}
QUANTITY_LABEL = {"people_moved": ("People moved along each link", "people"),
                  "opiates_tonnes": ("Opiates moved along each link", "tonnes")}
MAX_WIDTH = 4.5
MAX_SIZE = 120
ZOOM = (57.5, 78.0, 28.8, 44.3)  # lon0, lon1, lat0, lat1: Afghanistan and Central Asia


def mean_flows(flows: pd.DataFrame, quantity: str) -> pd.DataFrame:
    """Mean over replicates of one quantity per (source, target); link flows summed over both directions."""
    f = flows[flows["quantity"] == quantity]
    n = max(len(with_future(flows)[RUN].drop_duplicates()), 1)
    if quantity == "people_hosted":
        return f.groupby("source", as_index=False)["value"].sum().assign(value=lambda d: d["value"] / n)
    pair = [tuple(sorted(p)) for p in zip(f["source"], f["target"])]
    f = f.assign(a=[p[0] for p in pair], b=[p[1] for p in pair])
    return f.groupby(["a", "b"], as_index=False)["value"].sum().assign(value=lambda d: d["value"] / n)


def map_figure(network, flows: pd.DataFrame | None, quantity: str, source: str,
               n_replicates: int | None = None) -> Figure:
    """The regional network from lat/lon; link width ~ `quantity` moved, node size ~ people hosted.

    Two panels: the whole network (top, with the zoomed area outlined) and Afghanistan
    with Central Asia (bottom), where most locations are. `network` is a
    :class:`sim.network.Network`; `flows` a flows table, or None for the network alone
    (said in the title). Widths and sizes are means over replicates.
    """
    link_flow: dict[tuple, float] = {}
    hosted: dict[str, float] = {}
    if flows is not None:
        link_flow = {(r.a, r.b): r.value for r in mean_flows(flows, quantity).itertuples()}
        hosted = dict(zip(*mean_flows(flows, "people_hosted")[["source", "value"]].to_numpy().T))
    vmax = max(link_flow.values(), default=0.0)
    hmax = max(hosted.values(), default=0.0)
    line_colour = colour(0) if quantity == "people_moved" else colour(3)
    what, unit = QUANTITY_LABEL[quantity]
    with memo_style():
        fig = new_figure(5.4, source)
        whole, zoom = fig.subplots(2, 1, height_ratios=[1.0, 1.45])
        for ax, extent in ((whole, None), (zoom, ZOOM)):
            _draw_network(ax, network, link_flow, vmax, hosted, hmax, line_colour)
            _label_countries(ax, network, inside=extent is not None)
            lats = [loc.lat for loc in network.locations.values()]
            ax.set_aspect(1 / math.cos(math.radians(np.mean(lats))))
            ax.set_xticks([])
            ax.set_yticks([])
            for side in ("top", "right"):
                ax.spines[side].set_visible(True)
        lon0, lon1, lat0, lat1 = ZOOM
        whole.add_patch(Rectangle((lon0, lat0), lon1 - lon0, lat1 - lat0, fill=False, edgecolor="black",
                                  linewidth=0.6, linestyle="--"))
        zoom.set_xlim(lon0, lon1)
        zoom.set_ylim(lat0, lat1)
        reps = f", mean of {n_replicates} replicates" if n_replicates else ""
        if vmax > 0:
            title = f"{what} over the run ({unit}{reps})"
        elif flows is None:
            title = "Regional network (this run has no flows.parquet: no flows drawn)"
        else:
            title = f"Regional network (no {quantity} in flows.parquet)"
        _title(fig, title)
        handles = [Line2D([], [], linestyle="", marker=m, color=c, label=n) for n, c, m in KIND_STYLE.values()]
        handles.append(Line2D([], [], color=GREY, linestyle=":", label="sea link"))
        if vmax > 0:
            for ref in sorted({_nice(vmax), _nice(vmax / 5)}, reverse=True):
                handles.append(Line2D([], [], color=line_colour, alpha=0.75, linewidth=0.4 + MAX_WIDTH * ref / vmax,
                                      label=f"{_count(ref)} {unit}"))
        if hmax > 0:
            handles.append(Line2D([], [], linestyle="", marker="o", color=KIND_STYLE["host"][1], alpha=0.7,
                                  markersize=math.sqrt(8 + MAX_SIZE * _nice(hmax) / hmax),
                                  label=f"{_count(_nice(hmax))} hosted"))
        zoom.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncols=3,
                    handlelength=1.6, columnspacing=0.8, borderaxespad=0)
    return fig


def _draw_network(ax, network, link_flow: dict, vmax: float, hosted: dict, hmax: float, line_colour: str) -> None:
    locs = network.locations
    for link in network.links:
        a, b = locs[link.from_id], locs[link.to_id]
        v = link_flow.get(tuple(sorted((a.id, b.id))), 0.0)
        sea = link.mode == "sea"
        if vmax > 0 and v > 0:
            ax.plot([a.lon, b.lon], [a.lat, b.lat], color=line_colour, alpha=0.75, linestyle="--" if sea else "-",
                    linewidth=0.4 + MAX_WIDTH * v / vmax, solid_capstyle="round", zorder=2)
        ax.plot([a.lon, b.lon], [a.lat, b.lat], color=GREY, linewidth=0.4, linestyle=":" if sea else "-", zorder=1)
    for kind, (name, c, marker) in KIND_STYLE.items():
        pts = [loc for loc in locs.values() if loc.kind == kind]
        sizes = [8 + (MAX_SIZE * hosted.get(p.id, 0.0) / hmax if hmax > 0 else 0) for p in pts]
        ax.scatter([p.lon for p in pts], [p.lat for p in pts], s=sizes, color=c, marker=marker,
                   alpha=0.7 if hmax > 0 else 0.9, linewidths=0.8 if marker == "|" else 0, zorder=3)


def _in_zoom(loc) -> bool:
    lon0, lon1, lat0, lat1 = ZOOM
    return lon0 <= loc.lon <= lon1 and lat0 <= loc.lat <= lat1


def _label_countries(ax, network, inside: bool) -> None:
    """Country codes at the mean position of their locations inside (or outside) the zoomed area."""
    for country in sorted({loc.country for loc in network.locations.values()}):
        pts = [loc for loc in network.locations.values() if loc.country == country and _in_zoom(loc) == inside]
        if pts:
            ax.annotate(country, (np.mean([p.lon for p in pts]), np.mean([p.lat for p in pts])),
                        xytext=(0, 5), textcoords="offset points", ha="center", va="bottom", fontweight="bold",
                        color="#404040", zorder=4,
                        bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "alpha": 0.6, "linewidth": 0})
