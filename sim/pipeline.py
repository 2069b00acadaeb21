"""The run pipeline: a validated config -> a batch of replicates -> a complete results folder.

:func:`run` is what ``sim-run`` does for one job, as a plain function the tests and scripts
call: check the folder is free, load the network, run the replicates, summarise, and write
the tables, the copies of the data files read and the manifest (:mod:`sim.manifest`)
atomically (:mod:`sim.store`).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import Sequence

from omegaconf import DictConfig

from sim.analysis import format_summary, summary_table
from sim.calendar import Calendar
from sim.compose import prepare
from sim.config import Config
from sim.network import load_network
from sim.outcomes import registry
from sim.policy import lever_events
from sim.store import ResultsError, check_writable, write_results

log = logging.getLogger(__name__)


def run(cfg: DictConfig | Config, out_dir: Path, *, experiment: str = "custom",
        overrides: Sequence[str] = (), quiet: bool = False) -> Path:
    """Run a batch of replicates for `cfg` and write its results into `out_dir` (and print its
    summary unless `quiet`)."""
    from sim import manifest
    from sim.design import provenance as design_provenance
    from sim.ensemble import check_executor, run_ensemble
    from sim.runner import n_workers
    from sim.uncertainty import futures_table

    logging.getLogger("MESA").setLevel(logging.WARNING)
    config, design_values = prepare(cfg)
    out_dir = Path(out_dir)
    check_writable(out_dir)
    futures, about_futures = futures_table(config)  # drawn within the ranges, or a posterior checked as read
    check_executor(config)
    workers = n_workers(config)
    data, copies = manifest.snapshot(config)  # the data files as the run reads them
    network = load_network(config.model.network.locations_file, config.model.network.links_file)
    runs = f"{config.futures} futures x {config.replicates} replicates" if config.futures > 1 else \
        f"{config.replicates} replicates"
    log.info("experiment %s: %s on %d worker(s)", experiment, runs, workers)
    t0 = time.perf_counter()
    ens = run_ensemble(config, network, futures, out_dir, workers, progress=config.progress)
    wall = time.perf_counter() - t0
    # Each replicate reads the narcotics data files again: results are written only if every
    # file the run read is still what was hashed and copied at its start.
    changed = [role for role, path in manifest.data_files(config).items()
               if not path.is_file() or manifest.file_sha256(path) != data[role]["sha256"]]
    if changed:
        ens.discard()
        if out_dir.is_dir() and not any(out_dir.iterdir()):
            out_dir.rmdir()
        raise ResultsError(f"{', '.join(changed)} file(s) changed while the run read them "
                           f"({', '.join(data[r]['path'] for r in changed)}); nothing written: run again")
    outcomes = registry()
    summary = summary_table(ens.outcomes, outcomes)
    cal = Calendar.from_config(config.model.calendar.start, config.model.calendar.horizon_months)
    design = {"design_values": design_values, "design": design_provenance(config)} if config.design.file else None
    record = manifest.build(
        config, experiment=experiment, overrides=list(overrides), workers=workers, wall_time_s=wall, design=design,
        lever_events=lever_events(config.policy, cal),
        calendar={"start": cal.start.isoformat(), "end": cal.end.isoformat()},
        outcomes={n: {"unit": o.unit, "label": o.label} for n, o in outcomes.items()}, data=data,
        futures=about_futures)
    write_results(out_dir, ens.outcomes, ens.timeseries, summary, record, flows=ens.flows, copies=copies,
                  futures=futures)
    ens.discard()
    resumed = f", {ens.resumed} of {ens.chunks} chunks resumed from an interrupted run" if ens.resumed else ""
    rate = len(ens.outcomes) / wall if wall > 0 else float("nan")
    if quiet:
        log.info("%s: %s in %.1f s", experiment, runs, wall)
        return out_dir
    report(f"\n{experiment}: {runs}, seed {config.seed}, {wall:.1f} s ({rate:.1f} runs/s{resumed})\n\n"
           f"{format_summary(summary)}\n\nresults: {out_dir}")
    return out_dir


def report(text: str) -> None:
    """Print a command's report; a reader that closed the pipe (``| head``) is not an error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
