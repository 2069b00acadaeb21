"""Parameter provenance: every numeric parameter is declared once, with unit, source and range.

A parameter is a dataclass field made by :func:`param`. Its metadata carries

- ``unit``: what the number counts ("share", "1/year", "troops", ...);
- ``source``: one of ``article("exact words")`` (a verbatim quote from the source
  article, checked by the tests), ``external("who, what", year)``, ``calibrated("command", date)`` (fitted
  by a re-runnable command to targets it declares) or ``ASSUMPTION``;
- ``bounds``: the hard valid interval, checked when a run starts (a probability
  outside [0, 1] is an error, not a scenario);
- ``range``: the plausible interval for sweeps and sensitivity analysis, given where
  the value is uncertain;
- ``dist``: how futures draw it over its range (``uniform``, ``triangular`` around the
  default, ``loguniform``); None leaves it to the rule of :func:`sim.uncertainty.distribution`.

The parameter table (``sim-params``) and config validation both read this metadata,
so there is one place where a parameter is defined.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

ASSUMPTION = "assumption"
# Source of a setting that says how a run is made (its length, resolution, replicates), not
# what the world is like: never an uncertainty, so never sampled by a design.
RUN_SETTING = "run setting"
ARTICLE_PREFIX = 'article: "'

ARTICLE_FILE = Path(__file__).parent / "data" / "source_article.txt"


def article(quote: str) -> str:
    """Source that is a verbatim quote from the source article."""
    return f'{ARTICLE_PREFIX}{quote}"'


def external(what: str, year: int | str) -> str:
    """Source outside the article, with its year."""
    return f"external: {what} ({year})"


CALIBRATED_PREFIX = "calibrated: "


def calibrated(command: str, date: str) -> str:
    """Source of a value fitted by a calibration command anyone can re-run."""
    return f"{CALIBRATED_PREFIX}{command} ({date})"


def quote_of(source: str) -> str | None:
    """The quoted words of an article source, or None for other sources."""
    if source.startswith(ARTICLE_PREFIX) and source.endswith('"'):
        return source[len(ARTICLE_PREFIX) : -1]
    return None


DISTRIBUTIONS = ("uniform", "triangular", "loguniform")
# Hard bounds by kind of quantity.
UNIT_INTERVAL = (0.0, 1.0)
NON_NEGATIVE = (0.0, math.inf)


def param(
    default: Any,
    *,
    unit: str,
    source: str,
    bounds: tuple[float, float] | None = None,
    range: tuple[float, float] | None = None,  # noqa: A002 - the word users know
    doc: str = "",
    dist: str | None = None,
) -> Any:
    """A dataclass field for a model parameter, carrying its provenance."""
    if not source or not source.strip():
        raise ValueError("every parameter needs a source (article, external or assumption)")
    if source == RUN_SETTING and range is not None:
        raise ValueError("a run setting has no uncertainty range: it is chosen, not uncertain")
    if bounds is not None:
        if bounds[0] > bounds[1]:
            raise ValueError(f"bounds {bounds} run from high to low")
        if default is not None and not (bounds[0] <= default <= bounds[1]):
            raise ValueError(f"default {default} lies outside its bounds {bounds}")
    if range is not None and bounds is not None:
        lo, hi = bounds
        if not (lo <= range[0] <= range[1] <= hi):
            raise ValueError(f"range {range} lies outside bounds {bounds}")
    if range is not None and default is not None and not (range[0] <= default <= range[1]):
        raise ValueError(f"default {default} lies outside its range {range}")
    if dist is not None:
        if dist not in DISTRIBUTIONS:
            raise ValueError(f"dist {dist!r} is not one of {DISTRIBUTIONS}")
        if range is None:
            raise ValueError("a distribution needs a range to draw over")
        if dist == "loguniform" and range[0] <= 0:
            raise ValueError(f"a log-uniform range must start above 0, not {range}")
    meta = {"unit": unit, "source": source, "bounds": bounds, "range": range, "doc": doc, "dist": dist}
    return field(default=default, metadata=meta)


def share(default: float, *, source: str, range: tuple[float, float] | None = None,
          unit: str = "share", doc: str = "", dist: str | None = None) -> Any:
    """A parameter in [0, 1]: probability, share or normalised index."""
    return param(default, unit=unit, source=source, bounds=UNIT_INTERVAL, range=range, doc=doc, dist=dist)


def nonneg(default: float, *, unit: str, source: str,
           range: tuple[float, float] | None = None, doc: str = "", dist: str | None = None) -> Any:
    """A parameter that is zero or more (counts, rates, durations, weights)."""
    return param(default, unit=unit, source=source, bounds=NON_NEGATIVE, range=range, doc=doc, dist=dist)


def run_setting(default: Any, *, unit: str, bounds: tuple[float, float], doc: str = "") -> Any:
    """A setting of how a run is made (horizon, resolution): bounded, listed, never sampled."""
    return param(default, unit=unit, source=RUN_SETTING, bounds=bounds, doc=doc)


def is_run_setting(p: "ParamInfo") -> bool:
    return p.source == RUN_SETTING


def decision(*, unit: str, source: str, bounds: tuple[float, float] = UNIT_INTERVAL,
             range: tuple[float, float] | None = None, doc: str = "") -> Any:  # noqa: A002
    """A lever that can force a state's decision: None (the default, the status quo) leaves the
    decision to the state's agent; a value forces it from the lever's start date."""
    return param(None, unit=unit, source=source, bounds=bounds, range=range, doc=doc)


def sub(factory: Any) -> Any:
    """A nested config section."""
    return field(default_factory=factory)


@dataclass(frozen=True)
class ParamInfo:
    """One row of the parameter table."""

    name: str
    value: Any
    unit: str
    source: str
    bounds: tuple[float, float] | None
    range: tuple[float, float] | None
    doc: str
    dist: str | None = None


def iter_params(obj: Any, prefix: str = "") -> Iterator[ParamInfo]:
    """Walk a config dataclass instance and yield every declared parameter with its value."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        name = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            yield from iter_params(value, prefix=name + ".")
        elif "unit" in f.metadata:
            m = f.metadata
            yield ParamInfo(name, value, m["unit"], m["source"], m["bounds"], m["range"], m["doc"], m.get("dist"))


def fmt_interval(interval: tuple[float, float] | None) -> str:
    if interval is None:
        return ""
    lo, hi = interval

    def f(x: float) -> str:
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return f"{x:g}"

    return f"[{f(lo)}, {f(hi)}]"
