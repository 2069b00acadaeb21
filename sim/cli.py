"""Command-line entry points. They only wire: config -> batch -> results store.

``sim-run``   runs the configured experiment (Hydra app; ``-m`` for sweeps).
``sim-params`` prints the parameter table (name, value, unit, source, range).

Errors in the input (a value out of range, an unknown key, a bad data file, a results
folder that already holds results) end the command with one line on stderr and exit
code 2, before any results folder is created.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import logging
import os
import shutil
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from sim.analysis import format_summary, summarize
from sim.calendar import Calendar
from sim.config import Config, ConfigError, check_network_refs, config_dict, config_hash, register_configs, to_config, validate
from sim.network import NetworkDataError, load_network
from sim.outcomes import registry
from sim.policy import lever_events
from sim.provenance import fmt_interval, iter_params
from sim.runner import n_workers, run_batch
from sim.store import ResultsError, check_writable, environment, write_results

CONF_DIR = Path(__file__).resolve().parent.parent / "conf"
INPUT_ERRORS = (ConfigError, NetworkDataError, ResultsError)
log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- the run
def run(cfg: DictConfig | Config, out_dir: Path, *, experiment: str = "custom",
        overrides: Sequence[str] = ()) -> Path:
    """Run a batch of replicates for `cfg` and write its results into `out_dir`."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    config = validate(to_config(cfg))
    out_dir = Path(out_dir)
    check_writable(out_dir)
    network = load_network(config.model.network.locations_file, config.model.network.links_file)
    workers = n_workers(config)
    log.info("experiment %s: %d replicates on %d worker(s)", experiment, config.replicates, workers)
    t0 = time.perf_counter()
    batch = run_batch(config, network)
    wall = time.perf_counter() - t0
    outcomes = registry()
    summary = summarize(batch.outcomes, outcomes)
    cal = Calendar.from_config(config.model.calendar.start, config.model.calendar.horizon_months)
    manifest = {
        "experiment": experiment,
        "description": config.description,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **environment(),
        "root_seed": config.seed,
        "replicates": config.replicates,
        "workers": workers,
        "wall_time_s": round(wall, 3),
        "config_hash": config_hash(config),
        "overrides": list(overrides),
        "calendar": {"start": cal.start.isoformat(), "end": cal.end.isoformat()},
        "lever_events": lever_events(config.policy, cal),
        "outcomes": {n: {"unit": o.unit, "label": o.label} for n, o in outcomes.items()},
        "config": config_dict(config),
    }
    write_results(out_dir, batch.outcomes, batch.timeseries, summary, manifest)
    _report(f"\n{experiment}: {config.replicates} replicates, seed {config.seed}, {wall:.1f} s\n\n"
            f"{format_summary(summary)}\n\nresults: {out_dir}")
    return out_dir


def _report(text: str) -> None:
    """Print the run's report; a reader that closed the pipe (``| head``) is not an error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _only_hydra_files(folder: Path) -> bool:
    return all(p.name == ".hydra" or p.suffix == ".log" for p in folder.iterdir())


class ValidateOnStart(Callback):
    """Check the config, data files and output folder before Hydra creates any folder.

    Hydra turns exceptions raised in callbacks into warnings and carries on, so an input
    error here prints its line and exits (SystemExit is not an Exception).
    """

    @staticmethod
    def _check(config: DictConfig, run_dir: str | None) -> None:
        try:
            cfg = validate(to_config(config))
            network = load_network(cfg.model.network.locations_file, cfg.model.network.links_file)
            check_network_refs(cfg, network)
            if run_dir is not None:
                check_writable(Path(run_dir))
        except INPUT_ERRORS as e:
            print(f"sim-run: error: {e}", file=sys.stderr)
            raise SystemExit(2) from None
        except Exception:  # a bug: Hydra would only warn and carry on
            traceback.print_exc()
            raise SystemExit(1) from None

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        HydraConfig.instance().set_config(config)  # run_job sets it too; needed to resolve the run dir
        self._check(config, config.hydra.run.dir)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._check(config, None)


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    try:
        run(cfg, out_dir, experiment=hc.runtime.choices.get("experiment") or "custom",
            overrides=list(hc.overrides.task))
    except INPUT_ERRORS:
        # A sweep point with a bad value: leave no folder behind that looks like a run.
        if out_dir.is_dir() and _only_hydra_files(out_dir):
            shutil.rmtree(out_dir, ignore_errors=True)
        raise


# --------------------------------------------------------------------------- errors
def _valid_keys(path: list[str]) -> list[str] | None:
    node: Any = Config
    for part in path:
        fields = {f.name: f for f in dataclasses.fields(node)} if dataclasses.is_dataclass(node) else {}
        if part not in fields:
            return None
        f = fields[part]
        node = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
    return [f.name for f in dataclasses.fields(node)] if dataclasses.is_dataclass(node) else None


def one_line(exc: BaseException) -> str:
    """A one-line message for a configuration or input error."""
    from hydra.errors import MissingConfigException
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

    if isinstance(exc, INPUT_ERRORS):
        return str(exc)
    cause = exc.__cause__ if isinstance(exc.__cause__, OmegaConfBaseException) else exc
    if isinstance(cause, OmegaConfBaseException):
        key = getattr(cause, "full_key", None) or ""
        msg = (getattr(cause, "msg", None) or str(cause)).strip().splitlines()[0]
        if isinstance(cause, (ConfigKeyError, ConfigAttributeError)):
            parent = key.split(".")[:-1]
            valid = _valid_keys(parent)
            where = ".".join(parent) or "the top level"
            hint = f"; valid keys in {where}: {', '.join(valid)}" if valid else ""
            return f"unknown key '{key}'{hint}"
        return f"{key}: {msg}" if key else msg
    text = str(exc)
    if isinstance(exc, MissingConfigException):  # e.g. experiment=typo: keep the available options
        text = text.split("Config search path")[0]
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return " ".join(lines) if lines else type(exc).__name__


def _known_hydra_errors() -> tuple[type[BaseException], ...]:
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    return (*INPUT_ERRORS, HydraException, OmegaConfBaseException)


def run_cli() -> None:
    """``sim-run``: run an experiment (or ``-m`` a sweep) from the Hydra config."""
    os.environ["HYDRA_FULL_ERROR"] = "1"  # exceptions reach us; we print one line
    register_configs()
    try:
        _hydra_main()
    except _known_hydra_errors() as e:
        print(f"sim-run: error: {one_line(e)}", file=sys.stderr)
        sys.exit(2)


# --------------------------------------------------------------------------- parameters
PARAM_COLUMNS = ("name", "value", "unit", "source", "range")


def param_rows(cfg: Config) -> list[dict[str, str]]:
    """One row per model, scenario and policy parameter."""
    rows = []
    for section in ("model", "scenario", "policy"):
        for p in iter_params(getattr(cfg, section), prefix=f"{section}."):
            rows.append({"name": p.name, "value": f"{p.value:g}" if isinstance(p.value, float) else str(p.value),
                         "unit": p.unit, "source": p.source, "range": fmt_interval(p.range)})
    return rows


def format_params(rows: list[dict[str, str]], fmt: str) -> str:
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


def compose(overrides: Sequence[str] = ()) -> Config:
    """The validated config for these overrides, composed as ``sim-run`` would."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = hydra_compose(config_name="config", overrides=list(overrides))
    return validate(to_config(cfg))


def params_cli(argv: Sequence[str] | None = None) -> None:
    """``sim-params [--format text|md|csv] [overrides...]``: the parameter table."""
    ap = argparse.ArgumentParser(prog="sim-params", description=params_cli.__doc__)
    ap.add_argument("--format", choices=("text", "md", "csv"), default="text")
    ap.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. experiment=baseline policy.x=0.5")
    args = ap.parse_args(argv)
    try:
        cfg = compose(args.overrides)
    except _known_hydra_errors() as e:
        print(f"sim-params: error: {one_line(e)}", file=sys.stderr)
        sys.exit(2)
    sys.stdout.write(format_params(param_rows(cfg), args.format))
