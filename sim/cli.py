"""Command-line entry points. They only wire: config -> batch -> results store.

``sim-run``   runs the configured experiment (Hydra app; ``-m`` for sweeps).
``sim-params`` prints the parameter table (name, value, unit, source, range).

Errors in the input (a value out of range, an unknown key, a bad data file, a results
folder that already holds results) end the command with one line on stderr and exit
code 2, before any results folder is created.

Sweeps resume: a sweep run again into the same ``hydra.sweep.dir`` skips each point whose
folder holds complete results (``manifest.json``) of the same config hash, redoes points
left incomplete, and stops with an error at a point whose results come from another config.
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
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.analysis import format_summary, summarize
from sim.calendar import Calendar
from sim.config import Config, ConfigError, check_network_refs, config_dict, config_hash, register_configs, to_config, validate
from sim.design import apply_design, check_design, check_point
from sim.design import provenance as design_provenance
from sim.network import NetworkDataError, load_network
from sim.outcomes import registry
from sim.policy import lever_events
from sim.provenance import fmt_interval, iter_params
from sim.runner import n_workers, run_batch
from sim.workers import start_server
from sim.store import MANIFEST, ResultsError, check_writable, environment, read_manifest, write_results

CONF_DIR = Path(__file__).resolve().parent.parent / "conf"
INPUT_ERRORS = (ConfigError, NetworkDataError, ResultsError)
log = logging.getLogger(__name__)

# conf/hydra/launcher/submitit_{slurm,local}.yaml share their names with the plugin's presets
# on purpose: Hydra then checks them against the plugin's schema, and says so each time.
warnings.filterwarnings("ignore", message=r"\s*'hydra/launcher/submitit_(slurm|local)' is validated against "
                        "ConfigStore schema", category=UserWarning)


# --------------------------------------------------------------------------- the run
def prepare(cfg: DictConfig | Config) -> tuple[Config, dict]:
    """The typed config with its design point applied (``design.file``), validated; and the
    values the design point set (empty without a design)."""
    config, values = apply_design(to_config(cfg))
    return validate(config), values


def run(cfg: DictConfig | Config, out_dir: Path, *, experiment: str = "custom",
        overrides: Sequence[str] = ()) -> Path:
    """Run a batch of replicates for `cfg` and write its results into `out_dir`."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    config, design_values = prepare(cfg)
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
        **({"design_values": design_values, "design": design_provenance(config)} if config.design.file else {}),
        "calendar": {"start": cal.start.isoformat(), "end": cal.end.isoformat()},
        "lever_events": lever_events(config.policy, cal),
        "outcomes": {n: {"unit": o.unit, "label": o.label} for n, o in outcomes.items()},
        "config": config_dict(config),
    }
    write_results(out_dir, batch.outcomes, batch.timeseries, summary, manifest, flows=batch.flows)
    _report(f"\n{experiment}: {config.replicates} replicates, seed {config.seed}, {wall:.1f} s\n\n"
            f"{format_summary(summary)}\n\nresults: {out_dir}")
    return out_dir


def _report(text: str) -> None:
    """Print the run's report; a reader that closed the pipe (``| head``) is not an error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _hydra_file(p: Path) -> bool:
    """Hydra's own record of a job (``.hydra/`` and the log), as opposed to results."""
    return p.name == ".hydra" or p.suffix == ".log"


def _only_hydra_files(folder: Path) -> bool:
    return all(_hydra_file(p) for p in folder.iterdir())


def _stored_hash(folder: Path, num: int) -> str:
    """The config hash in a sweep point's manifest; ResultsError if it cannot be read."""
    try:
        return read_manifest(folder)["config_hash"]
    except (ResultsError, KeyError, TypeError):
        raise ResultsError(f"point {num}: {folder / MANIFEST} is unreadable; "
                           f"delete {folder} to run the point again") from None


def _check_same_config(folder: Path, num: int, cfg: Config, this: str, hint: str) -> None:
    """ResultsError unless the results in a sweep point's `folder` come from `cfg`."""
    old, new = _stored_hash(folder, num), config_hash(cfg)
    if old != new:
        raise ResultsError(f"point {num}: {folder} holds results of another config (config_hash {old[:12]}, "
                           f"{this} {new[:12]}); {hint}")


class ValidateOnStart(Callback):
    """Check the config, data files and output folder before Hydra creates any folder.

    Hydra turns exceptions raised in callbacks into warnings and carries on, so an input
    error here prints its line and exits (SystemExit is not an Exception).
    """

    @staticmethod
    def _check(config: DictConfig, run_dir: str | None) -> None:
        try:
            cfg = to_config(config)
            if run_dir is None and cfg.design.file and cfg.design.point == -1:
                cfg = validate(cfg)  # a sweep over design.point: _check_sweep checks the design file
            else:
                cfg = prepare(cfg)[0]
            network = load_network(cfg.model.network.locations_file, cfg.model.network.links_file)
            check_network_refs(cfg, network)
            if run_dir is not None:
                check_writable(Path(run_dir))
            if n_workers(cfg) > 1:
                start_server()  # it warms up while Hydra sets up the job
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
        try:
            _check_sweep(config)
        except (*INPUT_ERRORS, *_known_hydra_errors()) as e:
            print(f"sim-run: error: {one_line(e)}", file=sys.stderr)
            raise SystemExit(2) from None


def _sweep_jobs(config: DictConfig) -> list[list[str]] | None:
    """The overrides of every job of this sweep, in job-number order, expanded as Hydra's
    basic sweeper does; None under another sweeper (each job then checks itself)."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf

    raw = OmegaConf.to_container(config.hydra.sweeper, resolve=False)
    if not str(raw.get("_target_", "")).endswith("BasicSweeper"):
        return None
    params = [f"{k}={v}" for k, v in (raw.get("params") or {}).items()]
    parser = OverridesParser.create(config_loader=GlobalHydra.instance().config_loader())
    parsed = parser.parse_overrides(params + list(config.hydra.overrides.task))
    return [job for batch in BasicSweeper.split_arguments(parsed, None) for job in batch]


def _check_sweep(config: DictConfig) -> None:
    """Before any job runs: design points inside the design, and finished job folders (resume)
    holding results of the config their job number has in this sweep; else an input error."""
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    sweep_dir = Path(str(config.hydra.sweep.dir))
    resuming = sweep_dir.is_dir() and OmegaConf.to_container(config.hydra.sweep, resolve=False).get(
        "subdir") == "${hydra.job.num}"  # else a new sweep, or job folders named otherwise: each job checks its own
    done = sorted((int(d.name), d) for d in sweep_dir.iterdir()
                  if d.name.isdigit() and (d / MANIFEST).is_file()) if resuming else []
    jobs = _sweep_jobs(config) if config.design.file or done else None
    if config.design.file:
        n = check_design(to_config(config))
        for job in jobs or ():
            for o in job:
                key, _, value = o.partition("=")
                if key.lstrip("+~") == "design.point" and value.lstrip("-").isdigit():
                    check_point(config.design.file, int(value), n)
    if not done or jobs is None:
        return
    points = [(num, d, jobs[num] if num < len(jobs) else None) for num, d in done]
    loader = GlobalHydra.instance().config_loader()
    beyond = []
    for num, folder, overrides in points:
        if overrides is None:
            beyond.append(num)
            continue
        _check_same_config(folder, num, prepare(loader.load_sweep_config(config, overrides))[0],
                           f"this sweep's point {num}:", "resume with the same overrides, or use a new hydra.sweep.dir")
    n = len(points) - len(beyond)
    if n:
        _report(f"resuming sweep {config.hydra.sweep.dir}: {n} point(s) hold results and will be skipped")
    if beyond:
        log.warning("sweep folder %s holds finished points beyond this sweep's jobs: %s",
                    config.hydra.sweep.dir, ", ".join(map(str, beyond[:20])))


def resume_point(cfg: DictConfig | Config, out_dir: Path, num: int) -> bool:
    """For a sweep point: True if `out_dir` holds its complete results already (skip it).

    Complete results of another config raise ResultsError. A folder left incomplete
    (no manifest: the job was killed) is emptied but for Hydra's ``.hydra`` and log files
    (staging folders, result files moved before the kill) and the point runs again.
    """
    out_dir = Path(out_dir)
    manifest = out_dir / MANIFEST
    if manifest.is_file():
        _check_same_config(out_dir, num, prepare(cfg)[0], "this point",
                           "use a new hydra.sweep.dir or delete that folder")
        log.info("point %d: results exist, skipped", num)
        _report(f"point {num}: results exist, skipped ({out_dir})")
        return True
    if out_dir.is_dir():
        # Everything but Hydra's own files: staging folders, result files moved before the kill.
        leftovers = [p for p in out_dir.iterdir() if not _hydra_file(p)]
        for p in leftovers:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
        if leftovers:
            log.info("point %d: incomplete results cleared (%s), running again", num,
                     ", ".join(sorted(p.name for p in leftovers)))
    return False


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    try:
        if hc.mode == RunMode.MULTIRUN and resume_point(cfg, out_dir, hc.job.num):
            return
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
    return prepare(cfg)[0]


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
