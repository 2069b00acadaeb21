"""Futures: the parameter draws an ensemble runs in (config group ``uncertainty``).

A run is ``futures`` x ``replicates``. A *future* is one value of every uncertain parameter;
a *replicate* one stream of chance within it. ``uncertainty.source`` says where futures come
from:

- ``none``: one future, the config as composed (the defaults and the experiment's changes);
- ``ranges``: every model and scenario parameter with a declared range is drawn from its
  distribution (:func:`distribution`), over a scrambled Sobol' sequence (below);
  ``uncertainty.only`` keeps the parameters under the given prefixes, ``uncertainty.fixed``
  holds some at their config value;
- ``posterior``: future f takes row f of a parameter-set file (columns = dotted parameter
  names, one row per draw) that carries a description beside it (``<file>.json``, naming how
  it was made in ``made_by``): the calibration writes one.

A parameter the composed config sets away from its default (an experiment's change, or a
command-line override) is held at that value in every future: the experiment is that change.
To hold a parameter at its default, list it in ``uncertainty.fixed``. Policy levers are
choices, not uncertainties, and are never drawn.

**Pairing.** Future f's values come from the root seed and f alone: the sequence is drawn by
a generator seeded from the root seed, and point f of a Sobol' sequence does not depend on how
many points follow it, so future f is the same world in every experiment, every sweep point and
every ensemble size (with the same ``uncertainty`` settings, which fix the parameter list). At
a power of two, 2^m futures are stratified like a Latin hypercube in every parameter (each of
2^m equal-probability strata holds exactly one future: a scrambled Sobol' sequence is a
(t, m, s)-net, whose one-dimensional projections are (0, m, 1)-nets); in between, the first N
points are as balanced as a prefix of the sequence can be. Replicate r of future f has the
same seed in every run (:func:`run_seeds`); future 0's replicates have the seeds a run without
futures has always had.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np
import pandas as pd

from sim.config import ConfigError, Source, UncertaintyConfig

if TYPE_CHECKING:
    from sim.config import Config

FUTURE = "future"
# Sections whose parameters are uncertainties (EMA Workbench's X); policy levers are L.
UNCERTAIN_SECTIONS = ("model.", "scenario.")
LOG_SPAN = 10.0  # a positive range this many times wide or more is drawn log-uniform
# Spawn keys of the root seed's streams (distinct from the replicate seeds' keys 0, 1, ...).
_FUTURE_SEEDS_KEY = 0xF0_7E
_DRAW_KEY = 0xD8_A3


class UncertaintyError(ConfigError):
    """Futures that cannot be drawn or read; the message is one line naming the key or file."""


# --------------------------------------------------------------------------- distributions
def distribution(name: str, info) -> str:
    """How parameter `name` (a :class:`sim.provenance.ParamInfo` or design Param with range,
    default and optional ``dist``) is drawn over its declared range.

    A parameter may declare its own (``dist=`` in :func:`sim.provenance.param`). Otherwise:
    integers are uniform over the whole numbers of the range; a range with a positive lower
    end spanning a factor of ``LOG_SPAN`` or more is log-uniform (its width is a statement
    about orders of magnitude); a scenario parameter is uniform (a deep uncertainty: the
    default is one case, not a best estimate); any other model parameter is triangular with
    its mode at the default (the default is the modeller's best estimate, sourced where it
    can be, and the range its plausible extent).
    """
    declared = getattr(info, "dist", None)
    if declared:
        return declared
    lo, hi = info.range
    if isinstance(info.value, int) and not isinstance(info.value, bool):
        return "uniform"
    if lo > 0 and hi / lo >= LOG_SPAN:
        return "loguniform"
    if name.startswith("scenario."):
        return "uniform"
    return "triangular"


def from_unit(u: np.ndarray, dist: str, lo: float, hi: float, mode: float, integer: bool) -> np.ndarray:
    """Values of a parameter at the uniforms `u` (inverse CDF of its distribution on [lo, hi])."""
    if integer:  # uniform over lo, ..., hi
        return np.minimum(np.floor(lo + u * (hi - lo + 1)), hi)
    if dist == "uniform":
        return lo + u * (hi - lo)
    if dist == "loguniform":
        return np.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
    c = (mode - lo) / (hi - lo)  # triangular: inverse CDF with the mode at c of the way
    left = lo + np.sqrt(u * (hi - lo) * (mode - lo))
    right = hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - mode))
    return np.where(u < c, left, right)


# --------------------------------------------------------------------------- which parameters
@dataclass(frozen=True)
class Uncertain:
    """A parameter a future may draw: dotted name, range, distribution, default, integer."""

    name: str
    range: tuple[float, float]
    dist: str
    default: float
    integer: bool
    unit: str = ""
    source: str = ""
    doc: str = ""


def uncertain_parameters() -> dict[str, Uncertain]:
    """Every model and scenario parameter with a declared range, by name, in name order."""
    from sim.config import Config
    from sim.provenance import is_run_setting, iter_params

    cfg = Config()
    out = {}
    for section in UNCERTAIN_SECTIONS:
        for p in iter_params(getattr(cfg, section.rstrip(".")), prefix=section):
            numeric = isinstance(p.value, (int, float)) and not isinstance(p.value, bool)
            if p.range is None or not numeric or is_run_setting(p) or p.range[0] == p.range[1]:
                continue
            out[p.name] = Uncertain(p.name, (float(p.range[0]), float(p.range[1])), distribution(p.name, p),
                                    float(p.value), isinstance(p.value, int), p.unit, p.source, p.doc)
    return dict(sorted(out.items()))


def _matches(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix.rstrip(".") + ".")


def drawn_parameters(u: UncertaintyConfig) -> list[Uncertain]:
    """The parameters ``uncertainty=ranges`` draws, in the fixed order of the sequence's
    dimensions (``only`` and ``fixed`` applied; what the config holds is applied later)."""
    table = uncertain_parameters()
    _check_names(u.fixed, "uncertainty.fixed", table)
    if u.only:
        _check_names(u.only, "uncertainty.only", table)
        chosen = [p for n, p in table.items() if any(_matches(n, k) for k in u.only)]
    else:
        chosen = list(table.values())
    return [p for p in chosen if not any(_matches(p.name, k) for k in u.fixed)]


def _check_names(keys: Sequence[str], where: str, table: dict[str, Uncertain]) -> None:
    from sim.design import parameters

    known = parameters()
    for key in keys:
        if any(_matches(n, key) for n in table):
            continue
        if key in known:
            raise UncertaintyError(f"{where}: {key} has no declared uncertainty range (sim-params shows the "
                                   "ranges); only parameters with a range can be drawn")
        raise UncertaintyError(f"{where}: '{key}' is not a model or scenario parameter with a declared range, "
                               "nor a prefix of one (e.g. model.refugees, scenario.collapse_depth)")


def held_by_config(cfg: "Config", names: Sequence[str]) -> dict[str, float]:
    """The parameters among `names` that `cfg` sets away from their defaults, with its values."""
    from sim.config import Config, get_value

    default = Config()
    out = {}
    for name in names:
        value = get_value(cfg, name)
        if value != get_value(default, name):
            out[name] = value
    return out


# --------------------------------------------------------------------------- futures
def _sobol_points(n: int, d: int, root_seed: int) -> np.ndarray:
    """The first `n` points of the scrambled Sobol' sequence in `d` dimensions seeded from the
    root seed (drawn as a power of two and cut, so point f is the same for every n > f)."""
    from scipy.stats import qmc

    rng = np.random.default_rng(np.random.SeedSequence(root_seed, spawn_key=(_DRAW_KEY,)))
    m = max(0, math.ceil(math.log2(max(n, 1))))
    return qmc.Sobol(d, scramble=True, seed=rng).random_base2(m)[:n]


def futures_table(cfg: "Config") -> tuple[pd.DataFrame, dict]:
    """The values of each future (``future`` then one column per parameter drawn or read), and
    a description for the manifest (source, parameters, distributions, what the config held).

    With ``uncertainty=none`` the table has one row and no parameter columns."""
    u = cfg.uncertainty
    n = cfg.futures
    if u.source is Source.none:
        if n != 1:
            raise UncertaintyError(f"futures = {n} needs futures drawn or read: add uncertainty=ranges or "
                                   "uncertainty=posterior (uncertainty=none runs one future, the config as composed)")
        if u.only or u.fixed or u.file:
            raise UncertaintyError("uncertainty.only, .fixed and .file need uncertainty=ranges or posterior")
        return pd.DataFrame({FUTURE: [0]}), {"source": "none", "futures": 1}
    if u.source is Source.ranges:
        if u.file:
            raise UncertaintyError("uncertainty.file is read with uncertainty=posterior; uncertainty=ranges "
                                   "draws the declared ranges")
        params = drawn_parameters(u)
        held = held_by_config(cfg, [p.name for p in params])
        if not params or len(held) == len(params):
            raise UncertaintyError("uncertainty=ranges has no parameter left to draw (uncertainty.only/fixed, or "
                                   "the config sets them all)")
        points = _sobol_points(n, len(params), cfg.seed)
        columns = {FUTURE: np.arange(n, dtype="int64")}
        for j, p in enumerate(params):
            if p.name not in held:
                x = from_unit(points[:, j], p.dist, *p.range, p.default, p.integer)
                columns[p.name] = x.astype("int64") if p.integer else x
        table = pd.DataFrame(columns)
        about = {"source": "ranges", "futures": n, "sampler": "scrambled Sobol' sequence (scipy.stats.qmc)",
                 "dimensions": [p.name for p in params],
                 "distributions": {p.name: p.dist for p in params if p.name not in held},
                 "held_by_config": held, "fixed": list(u.fixed), "only": list(u.only)}
        return table, about
    return _posterior(cfg)


def _posterior(cfg: "Config") -> tuple[pd.DataFrame, dict]:
    from sim.design import check_numbers, check_values, parameters

    from sim.posterior import POSTERIOR_FILE

    u, n = cfg.uncertainty, cfg.futures
    if not u.file and not POSTERIOR_FILE.is_file():
        raise UncertaintyError(f"uncertainty=posterior needs uncertainty.file=PATH (a parameter-set CSV); the "
                               f"shipped {POSTERIOR_FILE} is missing (sim-calibrate all --ship builds it)")
    if u.only:
        raise UncertaintyError("uncertainty.only selects ranges to draw; with uncertainty=posterior the file's "
                               "columns are the parameters")
    path = Path(u.file).expanduser() if u.file else POSTERIOR_FILE
    about_path = path.with_suffix(".json")
    try:
        raw = pd.read_csv(path)
    except FileNotFoundError:
        raise UncertaintyError(f"uncertainty.file {path} not found") from None
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise UncertaintyError(f"uncertainty.file {path}: cannot be read as CSV ({str(e).splitlines()[0]})") from None
    if not about_path.is_file():
        raise UncertaintyError(f"uncertainty.file {path}: no description {about_path.name} beside it (a JSON "
                               "object whose 'made_by' says how the draws were made)")
    try:
        about = json.loads(about_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UncertaintyError(f"{about_path}: malformed description ({e})") from None
    if not isinstance(about, dict) or not str(about.get("made_by", "")).strip():
        raise UncertaintyError(f"{about_path}: the description must say how the draws were made ('made_by')")
    check_versions(about, about_path)
    known = parameters()
    for name in raw.columns:
        if name not in known or not name.startswith(UNCERTAIN_SECTIONS):
            raise UncertaintyError(f"uncertainty.file {path}: column '{name}' is not a model or scenario parameter "
                                   "(sim-params lists them)")
    if len(raw) < n:
        raise UncertaintyError(f"futures = {n} but uncertainty.file {path} holds {len(raw)} draws; "
                               f"give futures <= {len(raw)}")
    table = raw.iloc[:n].reset_index(drop=True)
    check_numbers(table, f"uncertainty.file {path}", UncertaintyError)
    table.insert(0, FUTURE, np.arange(n, dtype="int64"))
    check_values(table, path, where="uncertainty.file", row="draw", error=UncertaintyError)
    dropped = [k for k in table.columns[1:] if any(_matches(k, f) for f in u.fixed)]
    held = held_by_config(cfg, list(table.columns[1:]))
    table = table.drop(columns=sorted(set(dropped) | set(held)))
    for name in table.columns[1:]:
        if known[name].integer:
            table[name] = np.round(table[name]).astype("int64")
    return table, {"source": "posterior", "futures": n, "file": str(path.resolve()), "description": about,
                   "held_by_config": held, "fixed": list(u.fixed)}


def check_versions(about: dict, about_path: Path) -> None:
    """A calibration's draws fit the model code and observations they were made with: refuse a
    description whose ``data_version`` or ``code_version`` is not this package's (a hand-made
    parameter file without them is taken as it is)."""
    from sim.posterior import version_mismatch

    if (why := version_mismatch(about)) is not None:
        raise UncertaintyError(f"{about_path}: {why}; rebuild them with sim-calibrate all (--ship for the "
                               "shipped file)")


def future_values(table: pd.DataFrame, future: int) -> dict[str, float | int]:
    """The parameter values of one future, by dotted name (ints as ints)."""
    row = table.iloc[future]
    return {name: (int(row[name]) if pd.api.types.is_integer_dtype(table[name]) else float(row[name]))
            for name in table.columns[1:]}


def apply_future(cfg: "Config", values: dict) -> "Config":
    """`cfg` with one future's values set (a copy; the original when there are none)."""
    import copy

    from sim.config import set_value

    if not values:
        return cfg
    out = copy.deepcopy(cfg)
    for name, value in values.items():
        set_value(out, name, value)
    return out


def check_futures(table: pd.DataFrame) -> None:
    """UncertaintyError naming the future and key of a value outside its parameter's bounds.

    Nothing else :func:`sim.config.validate` checks depends on a model or scenario number (it
    checks dates, codes and locations), so a future within bounds is a valid config."""
    from sim.design import check_values

    check_values(table, "(drawn)", where="futures", row=FUTURE, error=UncertaintyError)


# --------------------------------------------------------------------------- seeds
def run_seeds(root_seed: int, future: int, replicates: int) -> list[int]:
    """Seed of each replicate of `future`: future 0 has the seeds of
    :func:`sim.runner.replicate_seeds`; future f > 0 spawns its own from the root seed and f."""
    from sim.runner import replicate_seeds

    if future == 0:
        return replicate_seeds(root_seed, replicates)
    children = np.random.SeedSequence(root_seed, spawn_key=(_FUTURE_SEEDS_KEY, future)).spawn(replicates)
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]
