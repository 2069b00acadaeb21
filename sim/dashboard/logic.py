"""What the dashboard does, without the web framework: the experiments and their questions, the
controls (every lever setting and every uncertain parameter, with unit, range and source), the
overrides a page's values make and their validation (the same one-line message as ``sim-run``),
the per-run budget, runs on a warm pool of workers that fill in chunk by chunk and can be
cancelled, figures as bytes, and read-only browsing of the results folders.

Nothing here executes or opens a path or an expression from the page: experiments are chosen from
the names under ``conf/experiment``, controls by key from the declared parameters, and results
folders by name from a listing of the results root.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import copy
import functools
import io
import multiprocessing
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pandas as pd

from sim.compose import CONF_DIR

BUDGET = 2000       # runs (futures x replicates) one press of Run may ask for; sim-dashboard --budget
MAX_WORKERS = 2     # the warm pool's processes
SOURCES = ("none", "posterior", "ranges")
SCREEN_DPI = 100    # figures on the page; downloads are 300 dpi PNG and SVG


class DashboardError(ValueError):
    """An input the dashboard refuses; the message is one line for the page."""


# --------------------------------------------------------------------------- experiments and controls
def experiments() -> list[str]:
    """The named experiments, baseline first."""
    names = sorted(p.stem for p in (CONF_DIR / "experiment").glob("*.yaml"))
    return sorted(names, key=lambda n: n != "baseline")


def question(experiment: str) -> str:
    """The memo question an experiment file states (its comment lines), or its description."""
    if experiment not in experiments():
        raise DashboardError(f"experiment '{experiment}': not one of {', '.join(experiments())}")
    text = (CONF_DIR / "experiment" / f"{experiment}.yaml").read_text(encoding="utf-8")
    comments = [ln[1:].strip() for ln in text.splitlines() if ln.startswith("#") and "@package" not in ln]
    joined = " ".join(comments)
    m = re.search(r"Memo question:\s*(.*)", joined)
    return m.group(1).strip() if m else (joined or experiment)


@dataclass(frozen=True)
class Control:
    """One value the page can set: dotted key, label, unit, range, default, source, doc."""

    key: str
    label: str
    unit: str
    lo: float
    hi: float
    default: float | None  # None: a decision lever the state decides unless set
    source: str
    doc: str
    lever: bool


def lever_controls() -> list[Control]:
    """Every lever setting with a range (:func:`sim.xlrm.levers`)."""
    from sim.xlrm import levers

    return [Control(lv.key, lv.key.split(".")[1].replace("_", " "), lv.unit, float(lv.range[0]), float(lv.range[1]),
                    lv.default, lv.source, lv.doc, True) for lv in levers() if lv.range is not None]


def parameter_controls() -> list[Control]:
    """Every model and scenario parameter with a declared range (those a future may draw)."""
    from sim.uncertainty import uncertain_parameters

    return [Control(name, name.split(".", 1)[1], u.unit, u.range[0], u.range[1], u.default, u.source, u.doc, False)
            for name, u in uncertain_parameters().items()]


def controls() -> dict[str, Control]:
    return {c.key: c for c in lever_controls() + parameter_controls()}


def check_value(control: Control, value) -> float | None:
    """The value as a number (None for 'the state decides'), checked by the same validation as
    ``sim-run`` (its hard bounds; the control's range is the declared uncertainty, a hint), with
    sim-run's one-line message when it fails."""
    from sim.config import ConfigError, validate as validate_config
    from sim.errors import one_line

    x = _parse(control, value)
    if x is None:
        return None
    cfg = copy.deepcopy(_composed(tuple(Request().overrides())))
    _set(cfg, control.key, x)
    try:
        validate_config(cfg)
    except ConfigError as e:
        raise DashboardError(one_line(e)) from None
    return x


def _parse(control: Control, value) -> float | None:
    """The value as a number, or None (empty) for a lever its state decides; one line otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if control.default is None:
            return None
        raise DashboardError(f"{control.key}: give a number (declared range {control.lo:g} to {control.hi:g} "
                             f"{control.unit})")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DashboardError(f"{control.key} = {value!r}: not a number (declared range {control.lo:g} to "
                             f"{control.hi:g} {control.unit})") from None


def _set(cfg, key: str, value: float | None) -> None:
    """Set a page's value on a config, as a whole number where the parameter is one."""
    from sim.config import get_value, set_value

    current = get_value(cfg, key)
    whole = isinstance(current, int) and not isinstance(current, bool) and value is not None
    set_value(cfg, key, int(round(value)) if whole else value)


@dataclass(frozen=True)
class Request:
    """What one press of Run asks for."""

    experiment: str = "baseline"
    values: tuple[tuple[str, float | None], ...] = ()  # control key -> value set on the page
    replicates: int = 20
    futures: int = 1
    source: str = "none"
    horizon_months: int | None = None
    seed: int | None = None

    def overrides(self) -> list[str]:
        """The Hydra overrides of the request, the page's values aside (applied on the composed config)."""
        out = [f"experiment={self.experiment}", f"replicates={self.replicates}", "progress=false"]
        out += [f"uncertainty={self.source}", f"futures={self.futures}"]
        if self.horizon_months is not None:
            out.append(f"model.calendar.horizon_months={self.horizon_months}")
        if self.seed is not None:
            out.append(f"seed={self.seed}")
        return out


@functools.lru_cache(maxsize=32)
def _composed(overrides: tuple[str, ...]):
    """The composed config of these overrides (Hydra takes about a second; a page asks for the same few)."""
    from sim.compose import compose

    return compose(list(overrides))


def validate(req: Request, budget: int = BUDGET):
    """The validated config of a request and its futures; DashboardError with the one line sim-run
    would print for the same values."""
    from sim.config import validate as validate_config
    from sim.errors import input_errors, one_line
    from sim.uncertainty import check_futures, futures_table

    if req.experiment not in experiments():
        raise DashboardError(f"experiment '{req.experiment}': not one of {', '.join(experiments())}")
    if req.source not in SOURCES:
        raise DashboardError(f"uncertainty '{req.source}': one of {', '.join(SOURCES)}")
    table = controls()
    for key, value in req.values:
        if key not in table:
            raise DashboardError(f"'{key}': not a lever or a parameter with a declared range")
        _parse(table[key], value)  # the values' ranges: by the config's validation below, once
    for what, n in (("replicates", req.replicates), ("futures", req.futures)):
        if not isinstance(n, int) or n < 1:
            raise DashboardError(f"{what} = {n}: must be a whole number of at least 1")
    if req.futures * req.replicates > budget:
        raise DashboardError(f"futures x replicates = {req.futures * req.replicates} runs: over this dashboard's "
                             f"budget of {budget} per run (sim-dashboard --budget N)")
    try:
        cfg = copy.deepcopy(_composed(tuple(req.overrides())))
        for key, value in req.values:
            _set(cfg, key, value)
        cfg = validate_config(cfg)
        futures = futures_table(cfg)[0]
        check_futures(futures)
    except input_errors() as e:
        raise DashboardError(one_line(e)) from None
    return cfg, futures


# --------------------------------------------------------------------------- the warm pool
_POOL: cf.ProcessPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def warm_pool(workers: int = MAX_WORKERS) -> cf.ProcessPoolExecutor:
    """The process pool every session shares, its workers forked from the warm server (the compiled
    kernels loaded once, not per request); started on first use."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            from sim.workers import METHOD, start_server, worker_env

            start_server()
            with worker_env():
                _POOL = cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(METHOD))
                atexit.register(shutdown_pool)  # before the interpreter tears its modules down
                list(_POOL.map(_warm, range(workers)))  # start the workers now
            validate(Request())  # and compose the baseline and import the model here
        return _POOL


def _warm(_: int) -> int:
    import os

    return os.getpid()


def shutdown_pool() -> None:
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None:
            _POOL.shutdown(cancel_futures=True)
            _POOL = None


@dataclass
class Partial:
    """The runs finished so far, in run order, for each scenario (the experiment and its reference)."""

    done: int
    total: int
    outcomes: dict[str, pd.DataFrame]
    timeseries: dict[str, pd.DataFrame]
    flows: dict[str, pd.DataFrame]


class Job:
    """One press of Run: the experiment's runs and, paired with them, its reference's, cut into small
    chunks on the warm pool. :meth:`results` yields what is done as chunks finish; :meth:`cancel`
    drops the chunks not yet started. A job belongs to one browser session."""

    def __init__(self, scenarios: dict[str, tuple], chunk_runs: int | None = None) -> None:
        from sim.network import load_network
        from sim.runner import ensemble_chunks, with_values

        self.scenarios = scenarios  # label -> (config, futures table)
        first_cfg = next(iter(scenarios.values()))[0]
        self.network = load_network(first_cfg.model.network.locations_file, first_cfg.model.network.links_file)
        n = first_cfg.futures * first_cfg.replicates
        size = chunk_runs or max(2, min(10, n // 10))
        # One run in each of the first chunks, so that the first chart comes after one run's time.
        first = 0 if chunk_runs else min(MAX_WORKERS, n)
        bounds = [(a, a + 1) for a in range(first)] + [(a, min(a + size, n)) for a in range(first, n, size)]
        self.items = []  # (label, k, chunk): the scenarios' chunks interleaved, so both fill in together
        per = {label: [with_values(c, fut) for c in ensemble_chunks(cfg, MAX_WORKERS, bounds)]
               for label, (cfg, fut) in scenarios.items()}
        for k in range(len(bounds)):
            for label in scenarios:
                self.items.append((label, k, per[label][k]))
        self.total = n * len(scenarios)
        self._futures: list[cf.Future] = []
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()
        for f in self._futures:
            f.cancel()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def results(self) -> Iterator[Partial]:
        from sim.ensemble import tables_task

        pool = warm_pool()
        index = {}
        for label, k, chunk in self.items:
            cfg = self.scenarios[label][0]
            fut = pool.submit(tables_task, cfg, (k, chunk), self.network)
            index[fut] = (label, k)
            self._futures.append(fut)
        parts: dict[str, dict[int, tuple]] = {label: {} for label in self.scenarios}
        done = 0
        for fut in cf.as_completed(index):
            if self.cancelled:
                break
            if fut.cancelled():
                continue
            label, k = index[fut]
            parts[label][k] = fut.result()
            done += len(parts[label][k][0])
            yield self._partial(parts, done)

    def _partial(self, parts, done: int) -> Partial:
        tables = [{}, {}, {}]
        for label, got in parts.items():
            if not got:
                continue
            ordered = [got[k] for k in sorted(got)]
            for i in range(3):
                tables[i][label] = pd.concat([p[i] for p in ordered], ignore_index=True)
        return Partial(done, self.total, *tables)


def paired(partial: Partial, a: str, b: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs both scenarios have finished, in the same order (paired by future and replicate)."""
    oa, ob = partial.outcomes.get(a), partial.outcomes.get(b)
    if oa is None or ob is None:
        return pd.DataFrame(), pd.DataFrame()
    keys = ["future", "replicate"]
    common = oa[keys].merge(ob[keys])
    pick = lambda o: o.merge(common, on=keys).sort_values(keys, kind="stable").reset_index(drop=True)  # noqa: E731
    return pick(oa), pick(ob)


# --------------------------------------------------------------------------- figures
def figure_bytes(fig, fmt: str = "png", dpi: int = SCREEN_DPI) -> bytes:
    from sim.plots.style import memo_style

    buf = io.BytesIO()
    with memo_style():
        fig.savefig(buf, format=fmt, dpi=dpi)
    return buf.getvalue()


def fan(partial: Partial, outcome: str, source: str):
    from sim.outcomes import registry
    from sim.plots import figures, stats

    o = registry()[outcome]
    bands = {label: stats.quantile_bands(ts, outcome) for label, ts in partial.timeseries.items()}
    return figures.fan_figure(bands, o.label, o.unit, source)


def distribution(partial: Partial, outcome: str, source: str):
    from sim.outcomes import registry
    from sim.plots import figures

    o = registry()[outcome]
    return figures.distribution_figure({label: t[outcome].to_numpy() for label, t in partial.outcomes.items()},
                                       o.label, o.unit, source)


def comparison(partial: Partial, reference: str, outcomes: list[str]) -> pd.DataFrame:
    """Each other scenario against the reference, paired: medians, mean difference and its interval."""
    from sim.outcomes import registry
    from sim.plots import stats

    reg = registry()
    others = [label for label in partial.outcomes if label != reference]
    if not others or reference not in partial.outcomes:
        return pd.DataFrame()
    base, other = paired(partial, reference, others[0])
    if base.empty:
        return pd.DataFrame()
    return stats.comparison_table(base, {others[0]: other}, outcomes, {o: reg[o].unit for o in outcomes},
                                  n_resamples=1000)


# --------------------------------------------------------------------------- saved results (read only)
def results_folders(root: Path) -> list[str]:
    """Complete results folders under `root`, as paths relative to it (experiment/run)."""
    root = Path(root).resolve()
    if not root.is_dir():
        return []
    found = [p.parent for p in root.glob("*/*/manifest.json") if (p.parent / "outcomes.parquet").is_file()]
    return sorted((str(p.relative_to(root)) for p in found), reverse=True)


def open_folder(root: Path, name: str) -> Path:
    """The folder `name` only if it is one listed by :func:`results_folders` (nothing else is opened)."""
    if name not in results_folders(root):
        raise DashboardError(f"'{name}': not a results folder under {root}")
    return (Path(root).resolve() / name)


def saved_comparison(root: Path, a: str, b: str, outcomes: list[str]) -> str:
    """Markdown table of folder `b` against folder `a` (paired), or the one-line reason they cannot be."""
    from sim.plots import PlotError, check_paired, load_run
    from sim.plots import stats
    from sim.plots.style import human

    try:
        ra, rb = load_run(open_folder(root, a))[0], load_run(open_folder(root, b))[0]
        check_paired(ra, rb)
    except (PlotError, DashboardError, ValueError) as e:
        return f"Cannot compare: {e}"
    names = [o for o in outcomes if o in ra.outcome_names() and o in rb.outcome_names()]
    t = stats.comparison_table(ra.outcomes, {b: rb.outcomes}, names, {o: ra.unit(o) for o in names}, n_resamples=1000)
    rows = [f"| outcome | {a} | {b} | difference (90% interval) |", "|---|---|---|---|"]
    rows += [f"| {r['outcome']} | {human(r['baseline_median'])} | {human(r['scenario_median'])} | "
             f"{human(r['mean_diff'])} ({human(r['ci_low'])} to {human(r['ci_high'])}) |" for _, r in t.iterrows()]
    return "\n".join(rows)


def outcomes_csv(partial: Partial) -> str:
    """Every finished run's outcomes, one row each, with its scenario first."""
    table = pd.concat([pd.concat([pd.DataFrame({"scenario": [label] * len(t)}), t.reset_index(drop=True)], axis=1)
                       for label, t in partial.outcomes.items()], ignore_index=True)
    return table.to_csv(index=False)
