"""Typed configuration: the Hydra schema, its validation, and its hash.

Defaults live in the dataclasses (one definition per parameter, with provenance). The
YAML files under ``conf/`` only hold named changes: scenarios, policies, experiments.
Hydra rejects unknown keys and wrong types when it composes; :func:`validate` then
checks value ranges and dates and raises :class:`ConfigError` with one line that names
the key and its valid range.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any, List, Optional

from omegaconf import DictConfig, OmegaConf

from sim.calendar import Calendar, parse_date
from sim.policy import PolicyConfig, Recognition, closure_days, iter_levers
from sim.provenance import fmt_interval, iter_params, run_setting, sub
from sim.scenario import ScenarioConfig
from sim.scorecard import ScorecardParams
from sim.narcotics.params import NarcoticsParams
from sim.refugees.params import RefugeeParams
from sim.security.params import SecurityParams
from sim.states.params import RECOGNISER_CODES, StatesParams


class ConfigError(ValueError):
    """An invalid configuration value; the message is one line naming the key."""


class Source(str, enum.Enum):
    none = "none"
    ranges = "ranges"
    posterior = "posterior"


@dataclass
class UncertaintyConfig:
    source: Source = Source.none
    """Where futures come from: none (the config as composed), ranges, posterior."""
    only: List[str] = field(default_factory=list)
    """With ranges: draw only the parameters under these dotted prefixes."""
    fixed: List[str] = field(default_factory=list)
    """Parameters (or prefixes) held at their config value in every future."""
    file: Optional[str] = None
    """With posterior: the parameter-set CSV (a description <file>.json beside it)."""


class ExecutorKind(str, enum.Enum):
    local = "local"
    dask = "dask"


@dataclass
class ExecutorConfig:
    kind: ExecutorKind = ExecutorKind.local
    """Where chunks of runs execute: local (a process pool here) or dask (Dask distributed)."""
    address: Optional[str] = None
    """With dask: the scheduler of an existing cluster (tcp://HOST:8786); None starts a LocalCluster."""
    chunk_runs: int = run_setting(200, unit="runs per task", bounds=(1, 100_000),
                                  doc="at most this many runs per task (fewer when that leaves a worker idle)")
    connect_timeout_s: float = run_setting(10.0, unit="seconds", bounds=(0.1, 600.0),
                                           doc="how long to wait for the Dask scheduler at executor.address")


@dataclass
class CalendarConfig:
    start: str = "2021-08-15"
    """First day of the run (ISO date). Kabul fell to the Taliban on 15 August 2021."""
    horizon_months: int = run_setting(60, unit="months", bounds=(1, 240),
                                      doc="length of the run; five years by default")


@dataclass
class NetworkConfig:
    locations_file: Optional[str] = None
    """CSV of locations; None uses the file shipped in sim/data."""
    links_file: Optional[str] = None
    """CSV of links; None uses the file shipped in sim/data."""


@dataclass
class ModelConfig:
    calendar: CalendarConfig = sub(CalendarConfig)
    network: NetworkConfig = sub(NetworkConfig)
    states: StatesParams = sub(StatesParams)
    refugees: RefugeeParams = sub(RefugeeParams)
    narcotics: NarcoticsParams = sub(NarcoticsParams)
    security: SecurityParams = sub(SecurityParams)
    scorecard: ScorecardParams = sub(ScorecardParams)


@dataclass
class DesignConfig:
    file: Optional[str] = None
    """CSV of design points from ``sim-design``; None runs the config as composed."""
    point: int = -1
    """Row (``point`` column) of the design file to apply on top of the config."""


@dataclass
class Config:
    model: ModelConfig = sub(ModelConfig)
    scenario: ScenarioConfig = sub(ScenarioConfig)
    policy: PolicyConfig = sub(PolicyConfig)
    replicates: int = run_setting(100, unit="replicates", bounds=(1, 1_000_000))
    futures: int = run_setting(1, unit="futures (parameter draws; sim.uncertainty)", bounds=(1, 1_000_000))
    uncertainty: UncertaintyConfig = sub(UncertaintyConfig)
    executor: ExecutorConfig = sub(ExecutorConfig)
    seed: int = run_setting(20210815, unit="root seed", bounds=(0, 2**63 - 1))
    workers: int = run_setting(0, unit="processes (0 = one per available core)", bounds=(0, 4096))
    progress: bool = True
    description: str = ""
    design: DesignConfig = sub(DesignConfig)


# Keys that change how a run is executed but not a single number it produces.
EXECUTION_ONLY = ("workers", "progress", "executor")
# Left out of the hash as well: where the values came from. A design point's values are
# applied to the config before hashing, so the hash already covers them.
NOT_HASHED = (*EXECUTION_ONLY, "design")


def get_value(cfg: Any, key: str) -> Any:
    """The value at a dotted key (``model.narcotics.demand_scale_rus``) of a config object."""
    for part in key.split("."):
        cfg = getattr(cfg, part)
    return cfg


def set_value(cfg: Any, key: str, value: Any) -> None:
    """Set the value at a dotted key of a config object (no validation: call validate). A string
    given for an enum field is converted to the enum (ConfigError naming the valid values)."""
    parent, _, leaf = key.rpartition(".")
    node = get_value(cfg, parent) if parent else cfg
    current = getattr(node, leaf)
    if isinstance(current, enum.Enum) and isinstance(value, str):
        kind = type(current)
        try:
            value = kind(value)
        except ValueError:
            raise ConfigError(f"{key} = {value!r} is not one of {[m.value for m in kind]}") from None
    setattr(node, leaf, value)


def register_configs() -> None:
    """Register the schema with Hydra's ConfigStore (called by the CLI, not at import)."""
    from hydra.core.config_store import ConfigStore

    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    cs.store(group="model", name="default", node=ModelConfig)


def to_config(cfg: DictConfig | Config) -> Config:
    """A typed Config object from a composed Hydra config (the ``hydra`` node is dropped)."""
    if isinstance(cfg, Config):
        return cfg
    data = {}
    for key in cfg.keys():
        if key == "hydra":
            continue
        value = cfg[key]
        data[key] = OmegaConf.to_container(value, resolve=True) if OmegaConf.is_config(value) else value
    merged = OmegaConf.merge(OmegaConf.structured(Config), data)
    return OmegaConf.to_object(merged)


def _check_bounds(name: str, value: Any, bounds: tuple[float, float], unit: str) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    lo, hi = bounds
    if isinstance(value, float) and math.isnan(value) or not (lo <= value <= hi):
        return f"{name} = {value!r} is outside its valid range {fmt_interval(bounds)} ({unit})"
    return None


def _iter_checked(cfg: Config):
    """Every field with bounds in the whole config, top-level run settings included."""
    for f in dataclasses.fields(cfg):
        if "bounds" in f.metadata and f.metadata["bounds"] is not None:
            yield f.name, getattr(cfg, f.name), f.metadata["bounds"], f.metadata["unit"]
    for section in ("model", "scenario", "policy"):
        for p in iter_params(getattr(cfg, section), prefix=f"{section}."):
            if p.bounds is not None:
                yield p.name, p.value, p.bounds, p.unit


def validate(cfg: Config) -> Config:
    """Check ranges, dates and codes; raise ConfigError naming the first bad key."""
    errors: list[str] = []
    for name, value, bounds, unit in _iter_checked(cfg):
        msg = _check_bounds(name, value, bounds, unit)
        if msg:
            errors.append(msg)
    if errors:  # range errors first: nothing below may be built from an out-of-range value
        _raise(errors)
    try:
        cal = Calendar.from_config(cfg.model.calendar.start, cfg.model.calendar.horizon_months)
    except ValueError as e:
        raise ConfigError(f"model.calendar: {e}") from None
    for name, lever in iter_levers(cfg.policy):
        key = f"policy.{name}.start"
        if lever.start is None:
            continue
        try:
            d = parse_date(lever.start, key)
        except ValueError as e:
            errors.append(str(e))
            continue
        if not (cal.start <= d <= cal.end):
            errors.append(f"{key} = {lever.start} is outside the run's horizon [{cal.start}, {cal.end}]")
    errors += _check_recognition(cfg.policy.recognition)
    errors += _check_closures(cfg, cal)
    if errors:
        _raise(errors)
    return cfg


def _raise(errors: list[str]) -> None:
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    raise ConfigError(errors[0] + more)


def _check_closures(cfg: Config, cal: Calendar) -> list[str]:
    errors = []
    for i, c in enumerate(cfg.policy.closures):
        key = f"policy.closures[{i}]"
        if not c.location:
            errors.append(f"{key}.location is empty; give a location id from the network")
        try:
            first, last = closure_days(c, cal, key)
        except ValueError as e:
            errors.append(str(e))
            continue
        if not (0 <= first <= cal.n_days and 0 <= last <= cal.n_days):
            errors.append(f"{key} dates are outside the run's horizon [{cal.start}, {cal.end}]")
        elif last < first:
            errors.append(f"{key}.end is before its start")
    return errors


def check_network_refs(cfg: Config, network) -> None:
    """Raise ConfigError if the config names a location the network does not have."""
    for i, c in enumerate(cfg.policy.closures):
        if c.location not in network.locations:
            raise ConfigError(f"policy.closures[{i}].location = {c.location!r} is not a location in the network "
                              f"(e.g. {', '.join(sorted(network.locations)[:4])}, ...)")


def _check_recognition(rec: Recognition) -> list[str]:
    bad = [c for c in rec.early if c not in RECOGNISER_CODES]
    if bad:
        return [f"policy.recognition.early has unknown state code(s) {bad}; valid: {list(RECOGNISER_CODES)}"]
    if len(set(rec.early)) != len(rec.early):
        return [f"policy.recognition.early lists a state twice: {list(rec.early)}"]
    return []


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    return obj


def config_dict(cfg: Config) -> dict:
    """The config as plain JSON-able data."""
    return _jsonable(dataclasses.asdict(cfg))


def config_hash(cfg: Config) -> str:
    """SHA-256 of everything that can change a number in the results (execution keys excluded)."""
    data = {k: v for k, v in config_dict(cfg).items() if k not in NOT_HASHED}
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()

