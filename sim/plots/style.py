"""Memo style: one look for every figure, legible at a single memo column.

Figures are 3.5 in wide with fonts of at least 8 pt, use the Okabe-Ito colour-blind-safe
palette, carry a source line at the bottom, and are saved as PNG (300 dpi) and SVG.
Figures are drawn on matplotlib's Agg canvas without pyplot, so nothing needs a screen
and no global backend is changed.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

import sim

WIDTH_IN = 3.5
FONT_PT = 8
DPI = 300
FORMATS = ("png", "svg")

# Okabe & Ito (2008), "Color Universal Design": the eight colours, reordered so that the first
# ones contrast most with each other and with white (yellow and black come last).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
GREY = "#7F7F7F"

MEMO_RC = {
    "font.size": FONT_PT,
    "axes.titlesize": FONT_PT + 1,
    "axes.labelsize": FONT_PT,
    "xtick.labelsize": FONT_PT,
    "ytick.labelsize": FONT_PT,
    "legend.fontsize": FONT_PT,
    "legend.title_fontsize": FONT_PT,
    "figure.titlesize": FONT_PT + 1,
    "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.5,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.2,
    "legend.frameon": False,
    "svg.fonttype": "none",  # text stays text in the SVG, editable in a memo
}

SOURCE_WRAP = 56  # characters per line of the source line at 8 pt across 3.5 in (62 ran off the edge)


def colour(i: int) -> str:
    """The i-th colour of the palette (cycling)."""
    return OKABE_ITO[i % len(OKABE_ITO)]


@contextmanager
def memo_style() -> Iterator[None]:
    """Apply the memo rcParams while a figure is built (fonts are fixed at creation)."""
    with matplotlib.rc_context(MEMO_RC):
        yield


def new_figure(height_in: float, source: str) -> Figure:
    """A memo-width figure on an Agg canvas, with `source` as its bottom line.

    Call inside :func:`memo_style`. The constrained layout keeps the axes clear of the
    source line.
    """
    fig = Figure(figsize=(WIDTH_IN, height_in), layout="constrained")
    FigureCanvasAgg(fig)
    lines = textwrap.wrap(source, SOURCE_WRAP) or [""]
    fig.text(0.02, 0.01, "\n".join(lines), ha="left", va="bottom", fontsize=FONT_PT, color="#404040")
    reserved_in = (len(lines) * FONT_PT * 1.3 + 6) / 72
    fig.get_layout_engine().set(rect=(0, reserved_in / height_in, 1, 1 - reserved_in / height_in))
    return fig


def source_line(manifests: list[dict], replicates: int | None = None) -> str:
    """``Source: afghan-spillover-sim <version>, experiment <name>, <N> replicates, seed <s>, run <date>``.

    Several manifests (one per scenario) are joined; values they share are given once.
    """
    def joined(values) -> str:
        seen = list(dict.fromkeys(str(v) for v in values if v not in (None, "")))
        return "/".join(seen) if seen else "?"

    names = [m.get("experiment") or "?" for m in manifests]
    n = replicates if replicates is not None else joined(m.get("replicates") for m in manifests)
    return (f"Source: afghan-spillover-sim {joined(m.get('version', sim.__version__) for m in manifests)}, "
            f"experiment{'s' if len(set(names)) > 1 else ''} {', '.join(dict.fromkeys(names))}, "
            f"{n} replicates, seed {joined(m.get('root_seed') for m in manifests)}, "
            f"run {joined(str(m.get('created', ''))[:10] for m in manifests)}")


def human(x: float, digits: int = 3) -> str:
    """A number for a reader: 3 significant digits, thousands as k, millions as M, billions as bn."""
    if x is None or not math.isfinite(x):
        return "n/a"
    for size, suffix in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
        if abs(x) >= size:
            return f"{x / size:.{digits}g}{suffix}"
    return f"{x:.{digits}g}"


def value_axis(axis, nbins: int = 5) -> None:
    """At most `nbins` ticks on a value axis, labelled with k / M / bn instead of an offset or exponent."""
    axis.set_major_locator(MaxNLocator(nbins=nbins))
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: human(x, 3).replace(" ", "")))


def save(fig: Figure, out_dir: Path, stem: str) -> list[Path]:
    """Save `fig` as ``<stem>.png`` (300 dpi) and ``<stem>.svg`` in `out_dir`; return the paths."""
    paths = []
    with memo_style():
        for fmt in FORMATS:
            path = Path(out_dir) / f"{stem}.{fmt}"
            fig.savefig(path, dpi=DPI, format=fmt)
            paths.append(path)
    return paths
