"""Resuming a sweep: skip the points that hold results of this very config, code and data.

A sweep run again into the same ``hydra.sweep.dir`` skips each point whose folder holds
complete results (``manifest.json``) made by the same config, the same code and the same
data files, redoes points left incomplete (a killed job), and refuses, with one line naming
what changed, a point whose results came from another config, other code or another data
file: results of different origins are never mixed in one sweep, and none are deleted. Run
into a new ``hydra.sweep.dir`` (or delete the stale point folders) to redo them.

:func:`check_sweep` checks every finished point before the first job runs (under Hydra's
basic sweeper, whose job list it expands the same way through Hydra's public override
parser); :func:`resume_point` checks the point a job is about to run.
"""

from __future__ import annotations

import itertools
import logging
import shutil
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from sim.compose import prepare
from sim.config import Config
from sim.ensemble import STAGING
from sim.store import MANIFEST, ResultsError, read_manifest

log = logging.getLogger(__name__)


def hydra_file(p: Path) -> bool:
    """Hydra's own record of a job (``.hydra/`` and the log), as opposed to results."""
    return p.name == ".hydra" or p.suffix == ".log"


def check_point_results(folder: Path, num: int, cfg: Config, hint: str) -> None:
    """ResultsError unless the results in a sweep point's `folder` were made by `cfg` with
    this code and these data files."""
    from sim.manifest import stale

    try:
        manifest = read_manifest(folder)
        changed = stale(manifest, cfg) if isinstance(manifest, dict) else ["an unreadable manifest"]
    except ResultsError:
        raise ResultsError(f"point {num}: {folder / MANIFEST} is unreadable; "
                           f"delete {folder} to run the point again") from None
    if changed:
        raise ResultsError(f"point {num}: {folder} holds results of {'; '.join(changed)}; {hint}")


def sweep_jobs(config: DictConfig) -> list[list[str]] | None:
    """The overrides of every job of this sweep, in job-number order, expanded as Hydra's basic
    sweeper expands them (the cartesian product of the sweeps, in the order their keys first
    appear); None under another sweeper (each job then checks itself)."""
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    raw = OmegaConf.to_container(config.hydra.sweeper, resolve=False)
    if not str(raw.get("_target_", "")).endswith("BasicSweeper"):
        return None
    params = [f"{k}={v}" for k, v in (raw.get("params") or {}).items()]
    parser = OverridesParser.create(config_loader=GlobalHydra.instance().config_loader())
    choices: dict[str, list[str]] = {}
    for o in parser.parse_overrides(params + list(config.hydra.overrides.task)):
        key = o.get_key_element()
        if o.is_sweep_override():
            if not o.is_discrete_sweep():
                raise HydraException(f"the basic sweeper does not support sweep type {o.value_type.name}")
            choices[key] = [f"{key}={v}" for v in o.sweep_string_iterator()]
        else:
            choices[key] = [f"{key}={o.get_value_element_as_str()}"]
    return [list(job) for job in itertools.product(*choices.values())]


def _check_design_points(config: DictConfig, jobs: list[list[str]] | None) -> None:
    from sim.config import to_config
    from sim.design import check_design, check_point

    n = check_design(to_config(config))
    for job in jobs or ():
        for o in job:
            key, _, value = o.partition("=")
            if key.lstrip("+~") == "design.point" and value.lstrip("-").isdigit():
                check_point(config.design.file, int(value), n)


def check_sweep(config: DictConfig) -> None:
    """Before any job runs: design points inside the design, and finished job folders (resume)
    holding results of the config their job number has in this sweep; else an input error."""
    from hydra.core.global_hydra import GlobalHydra

    from sim.pipeline import report

    sweep_dir = Path(str(config.hydra.sweep.dir))
    resuming = sweep_dir.is_dir() and OmegaConf.to_container(config.hydra.sweep, resolve=False).get(
        "subdir") == "${hydra.job.num}"  # else a new sweep, or job folders named otherwise: each job checks its own
    done = sorted((int(d.name), d) for d in sweep_dir.iterdir()
                  if d.name.isdigit() and (d / MANIFEST).is_file()) if resuming else []
    jobs = sweep_jobs(config) if config.design.file or done else None
    if config.design.file:
        _check_design_points(config, jobs)
    if not done or jobs is None:
        return
    loader = GlobalHydra.instance().config_loader()
    beyond = [num for num, _ in done if num >= len(jobs)]
    for num, folder in done:
        if num < len(jobs):
            cfg = prepare(loader.load_sweep_config(config, jobs[num]))[0]
            check_point_results(folder, num, cfg, "resume with the same overrides, code and data, or use a new "
                                                  "hydra.sweep.dir")
    n = len(done) - len(beyond)
    if n:
        report(f"resuming sweep {config.hydra.sweep.dir}: {n} point(s) hold results and will be skipped")
    if beyond:
        log.warning("sweep folder %s holds finished points beyond this sweep's jobs: %s",
                    config.hydra.sweep.dir, ", ".join(map(str, beyond[:20])))


def resume_point(cfg: DictConfig | Config, out_dir: Path, num: int) -> bool:
    """For a sweep point: True if `out_dir` holds its complete results already (skip it).

    Complete results of another config, other code or another data file raise ResultsError.
    A folder left incomplete (no manifest: the job was killed) is emptied but for Hydra's
    ``.hydra`` and log files and the chunks already done (``.ensemble``, sim.ensemble: the point
    resumes from them once their plan is checked), and the point runs again.
    """
    from sim.pipeline import report

    out_dir = Path(out_dir)
    if (out_dir / MANIFEST).is_file():
        check_point_results(out_dir, num, prepare(cfg)[0], "use a new hydra.sweep.dir or delete that folder")
        log.info("point %d: results exist, skipped", num)
        report(f"point {num}: results exist, skipped ({out_dir})")
        return True
    for staging in out_dir.parent.glob(f".{out_dir.name}.writing-*"):  # a write the kill interrupted
        shutil.rmtree(staging, ignore_errors=True)
    if out_dir.is_dir():
        leftovers = [p for p in out_dir.iterdir() if not hydra_file(p) and p.name != STAGING]
        for p in leftovers:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
        if leftovers:
            log.info("point %d: incomplete results cleared (%s), running again", num,
                     ", ".join(sorted(p.name for p in leftovers)))
    return False
