"""``sim-params``: the parameter table (name, value, unit, source, range, and the distribution
futures draw it from with ``uncertainty=ranges``), as a run would see it.

Run settings (horizon, resolution) are listed with the source ``run setting`` and no range;
policy levers have ranges for sweeps but are choices, not uncertainties, so no distribution.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from typing import Sequence

from sim.compose import compose
from sim.config import Config
from sim.errors import input_errors, reported
from sim.provenance import fmt_interval, iter_params

PARAM_COLUMNS = ("name", "value", "unit", "source", "range", "dist")
SECTIONS = ("model", "scenario", "policy")


def param_rows(cfg: Config) -> list[dict[str, str]]:
    """One row per model, scenario and policy parameter."""
    from sim.uncertainty import uncertain_parameters

    drawn = uncertain_parameters()
    rows = []
    for section in SECTIONS:
        for p in iter_params(getattr(cfg, section), prefix=f"{section}."):
            rows.append({"name": p.name, "value": f"{p.value:g}" if isinstance(p.value, float) else str(p.value),
                         "unit": p.unit, "source": p.source, "range": fmt_interval(p.range),
                         "dist": drawn[p.name].dist if p.name in drawn else ""})
    return rows


def format_params(rows: list[dict[str, str]], fmt: str) -> str:
    """The rows as ``csv``, Markdown (``md``) or a fixed-width ``text`` table."""
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=PARAM_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        return buf.getvalue()
    if fmt == "md":
        esc = [{k: v.replace("|", "\\|") for k, v in r.items()} for r in rows]
        lines = ["| " + " | ".join(PARAM_COLUMNS) + " |", "|" + "---|" * len(PARAM_COLUMNS)]
        lines += ["| " + " | ".join(r[c] for c in PARAM_COLUMNS) + " |" for r in esc]
        return "\n".join(lines) + "\n"
    widths = {c: max([len(c), *(len(r[c]) for r in rows)]) for c in PARAM_COLUMNS if c != "source"}
    head = "  ".join(c.ljust(widths[c]) for c in widths) + "  source"
    body = ["  ".join(r[c].ljust(widths[c]) for c in widths) + "  " + r["source"] for r in rows]
    return "\n".join([head, *body]) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    """``sim-params [--format text|md|csv] [overrides...]``: the parameter table."""
    ap = argparse.ArgumentParser(prog="sim-params", description=main.__doc__)
    ap.add_argument("--format", choices=("text", "md", "csv"), default="text")
    ap.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. experiment=baseline policy.x=0.5")
    args = ap.parse_args(argv)
    with reported("sim-params", *input_errors()):
        cfg = compose(args.overrides)
    sys.stdout.write(format_params(param_rows(cfg), args.format))
