"""Figures of robust decisions: trade-offs across measures (parallel coordinates, the
non-dominated policies in colour), regret by policy, and scenario discovery (PRIM's peeling
trajectory, its box on the two most important uncertainties, feature scores). Memo style:
3.5 in wide, PNG 300 dpi and SVG, with a source line (:mod:`sim.plots.style`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from sim.plots.style import GREY, colour, human, memo_style, new_figure, save
from sim.plots.figures import _legend_above, _title, wrap


def source(ex) -> str:
    import sim

    rec = ex.record
    return (f"Source: afghan-spillover-sim {sim.__version__}, exploration {Path(ex.path).name}, "
            f"{rec.get('futures')} futures ({rec.get('uncertainty')}) x {rec.get('replicates')} replicates, "
            f"seed {rec.get('root_seed')}, run {str(rec.get('created', ''))[:10]}")


def _slug(s: str) -> str:
    return s.lower().replace(" ", "_")


def _short(names) -> list[str]:
    from sim.xlrm import measures

    table = measures()
    return [table[n].short if n in table and table[n].short else n for n in names]


def _cell(v: float) -> str:
    """A regret for a heat-map cell: 0, two significant digits, or thousands as k."""
    if not np.isfinite(v) or v == 0:
        return "0" if v == 0 else "n/a"
    return human(v, 3).replace(" ", "") if abs(v) >= 1000 else f"{v:.2g}"


def _measure_axis(ax, measures) -> None:
    ax.set_xticks(range(len(measures)), _short(measures), rotation=40, ha="right", rotation_mode="anchor",
                  fontsize=6)


def tradeoff_figure(r, stakeholder: str, ex, out_dir: Path) -> list[Path]:
    """Parallel coordinates: each policy's expected value on each of the stakeholder's measures, scaled so
    that up is better (1 the best policy, 0 the worst); dominated policies grey and dashed."""
    g = r.robustness[r.robustness["stakeholder"] == stakeholder]
    mean = g.pivot(index="policy", columns="measure", values="mean")
    measures = list(dict.fromkeys(g["measure"]))
    mean = mean.loc[list(dict.fromkeys(g["policy"])), measures]
    sense = {m: 1 if b == "higher" else -1 for m, b in zip(g["measure"], g["better"])}
    oriented = mean * pd.Series(sense)
    lo, hi = oriented.min(), oriented.max()
    scaled = (oriented - lo) / (hi - lo).replace(0, 1.0)
    rk = r.ranking[r.ranking["stakeholder"] == stakeholder].set_index("policy")
    with memo_style():
        fig = new_figure(3.0 + 0.17 * len(scaled), source(ex))
        ax = fig.add_subplot()
        x = np.arange(len(measures))
        handles = []
        for i, (p, row) in enumerate(scaled.iterrows()):
            dominated = bool(rk.loc[p, "dominated"])
            kw = dict(color=GREY, ls="--", lw=0.8, alpha=0.8) if dominated else dict(color=colour(i), lw=1.4)
            ax.plot(x, row.to_numpy(), marker="o", ms=2.5, **kw)
            handles.append(Line2D([], [], label=f"{p}{' (dominated)' if dominated else ''}", **kw))
        _measure_axis(ax, measures)
        ax.set_ylim(-0.05, 1.05)
        ax.set_ylabel("expected value, scaled\n(1 = best policy, 0 = worst)")
        _legend_above(ax, handles, ncols=1 if max(len(h.get_label()) for h in handles) > 18 else 2)
        _title(fig, f"Trade-offs for {stakeholder}: expected value of each measure across "
                    f"{r.futures} futures")
    return save(fig, out_dir, f"tradeoffs_{_slug(stakeholder)}")


def regret_figure(r, stakeholder: str, ex, out_dir: Path) -> list[Path]:
    """Regret by policy: the 90th-percentile regret on each measure as a share of the measure's spread
    (policy x measure heat map, numbers in the cells)."""
    g = r.robustness[r.robustness["stakeholder"] == stakeholder]
    policies = list(dict.fromkeys(g["policy"]))
    measures = list(dict.fromkeys(g["measure"]))
    p90 = g.pivot(index="policy", columns="measure", values="regret_p90").loc[policies, measures]
    spread = g.groupby("measure")["p90"].max() - g.groupby("measure")["p10"].min()
    scaled = p90 / spread.reindex(measures).replace(0, 1.0)
    with memo_style():
        fig = new_figure(2.0 + 0.28 * len(policies), source(ex))
        ax = fig.add_subplot()
        im = ax.imshow(scaled.to_numpy(dtype=float), cmap="Oranges", vmin=0, vmax=max(1.0, float(np.nanmax(scaled))),
                       aspect="auto")
        for (i, j), v in np.ndenumerate(p90.to_numpy(dtype=float)):
            ax.text(j, i, _cell(v), ha="center", va="center", fontsize=5.5)
        _measure_axis(ax, measures)
        ax.set_yticks(range(len(policies)), policies, fontsize=6)
        ax.grid(False)
        fig.colorbar(im, ax=ax, shrink=0.8, label="p90 regret / spread")
        _title(fig, f"Regret for {stakeholder}: how far each policy falls short of the best, 90th percentile "
                    f"over futures (in the measure's unit)")
    return save(fig, out_dir, f"regret_{_slug(stakeholder)}")


# --------------------------------------------------------------------------- scenario discovery
def trajectory_figure(traj: pd.DataFrame, chosen: int, title: str, src: str, out_dir: Path) -> list[Path]:
    """PRIM's peeling trajectory: density against coverage, coloured by restricted dimensions."""
    with memo_style():
        fig = new_figure(3.0, src)
        ax = fig.add_subplot()
        sc = ax.scatter(traj["coverage"], traj["density"], c=traj["res dim"], cmap="viridis", s=8)
        ax.scatter([traj["coverage"].iloc[chosen]], [traj["density"].iloc[chosen]], s=60, facecolors="none",
                   edgecolors="#D55E00", linewidths=1.2, label=f"chosen box ({chosen})")
        ax.set_xlabel("coverage (share of the cases of interest in the box)")
        ax.set_ylabel("density (share of the box that is of interest)")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        fig.colorbar(sc, ax=ax, shrink=0.8, label="restricted dimensions")
        ax.legend(loc="lower left")
        _title(fig, title)
    return save(fig, out_dir, "prim_trajectory")


def box_figure(x: pd.DataFrame, y: np.ndarray, limits: pd.DataFrame, dims: list[str], title: str, src: str,
               out_dir: Path) -> list[Path]:
    """The futures on the two most important uncertainties, cases of interest in colour, PRIM's box drawn."""
    a, b = dims
    with memo_style():
        fig = new_figure(3.6, src)
        ax = fig.add_subplot()
        ax.scatter(x.loc[~y, a], x.loc[~y, b], s=5, color=GREY, alpha=0.5, label="other futures", lw=0)
        ax.scatter(x.loc[y, a], x.loc[y, b], s=6, color=colour(3), label="case of interest", lw=0)
        lo_a, hi_a = (limits.loc[a, "min"], limits.loc[a, "max"]) if a in limits.index else (x[a].min(), x[a].max())
        lo_b, hi_b = (limits.loc[b, "min"], limits.loc[b, "max"]) if b in limits.index else (x[b].min(), x[b].max())
        ax.add_patch(Rectangle((lo_a, lo_b), hi_a - lo_a, hi_b - lo_b, fill=False, ec="#000000", lw=1.2,
                               label="PRIM box"))
        ax.set_xlabel(wrap(a, 40))
        ax.set_ylabel(wrap(b, 30))
        _legend_above(ax, ncols=3)
        _title(fig, title)
    return save(fig, out_dir, "prim_box")


def scores_figure(scores: pd.Series, title: str, src: str, out_dir: Path, top: int = 10) -> list[Path]:
    """Feature scores (extra trees) of the most important uncertainties, largest on top."""
    s = scores.head(top)[::-1]
    with memo_style():
        fig = new_figure(1.8 + 0.25 * len(s), src)
        ax = fig.add_subplot()
        ax.barh(range(len(s)), s.to_numpy(), color=colour(0))
        ax.set_yticks(range(len(s)), [wrap(n.split(".", 1)[-1], 38) for n in s.index], fontsize=6)
        ax.set_xlabel("feature score (extra trees, sums to 1)")
        _title(fig, title)
    return save(fig, out_dir, "feature_scores")
