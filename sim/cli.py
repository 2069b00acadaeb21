"""``sim-run``: the Hydra app that runs the configured experiment (``-m`` for sweeps). It only wires:
Hydra's config -> :func:`sim.pipeline.run` for each job, with :mod:`sim.resume` deciding which
sweep points to skip.

Errors in the input (a value out of range, an unknown key, a bad data file, a results folder
that already holds results, a sweep point holding results of other code or data) end the
command with one line on stderr and exit code 2, before any results folder is created.
"""

from __future__ import annotations

import os
import shutil
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.compose import CONF_DIR, prepare
from sim.config import register_configs, to_config, validate
from sim.errors import fail, input_errors, one_line
from sim.resume import check_sweep, hydra_file, resume_point

# conf/hydra/launcher/submitit_{slurm,local}.yaml share their names with the plugin's presets
# on purpose: Hydra then checks them against the plugin's schema, and says so each time.
warnings.filterwarnings("ignore", message=r"\s*'hydra/launcher/submitit_(slurm|local)' is validated against "
                        "ConfigStore schema", category=UserWarning)
# Arguments after which sim-run runs no replicates (it prints help or the config).
NO_RUN = ("-h", "--help", "--hydra-help", "--info", "-i", "--cfg", "-c", "--shell-completion", "-sc")


class ValidateOnStart(Callback):
    """Check the config, data files and output folder before Hydra creates any folder.

    Hydra turns exceptions raised in callbacks into warnings and carries on, so an input
    error here prints its line and exits (SystemExit is not an Exception).
    """

    @staticmethod
    def _check(config: DictConfig, run_dir: str | None) -> None:
        from sim.config import check_network_refs
        from sim.network import load_network
        from sim.store import check_writable

        try:
            cfg = to_config(config)
            if run_dir is None and cfg.design.file and cfg.design.point == -1:
                cfg = validate(cfg)  # a sweep over design.point: check_sweep checks the design file
            else:
                cfg = prepare(cfg)[0]
                from sim.uncertainty import check_futures, futures_table

                check_futures(futures_table(cfg)[0])
                from sim.ensemble import check_executor

                check_executor(cfg)
            network = load_network(cfg.model.network.locations_file, cfg.model.network.links_file)
            check_network_refs(cfg, network)
            if run_dir is not None:
                check_writable(Path(run_dir))
        except input_errors() as e:
            fail("sim-run", one_line(e))
        except Exception:  # a bug: Hydra would only warn and carry on
            traceback.print_exc()
            raise SystemExit(1) from None

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        HydraConfig.instance().set_config(config)  # run_job sets it too; needed to resolve the run dir
        self._check(config, config.hydra.run.dir)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._check(config, None)
        try:
            check_sweep(config)
        except input_errors() as e:
            fail("sim-run", one_line(e))
        except Exception:  # a bug: Hydra would only warn and start the jobs
            traceback.print_exc()
            raise SystemExit(1) from None


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    from sim.pipeline import run

    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    try:
        if hc.mode == RunMode.MULTIRUN and resume_point(cfg, out_dir, hc.job.num):
            return
        run(cfg, out_dir, experiment=hc.runtime.choices.get("experiment") or "custom",
            overrides=list(hc.overrides.task))
    except input_errors():
        # A sweep point with a bad value: leave no folder behind that looks like a run.
        if out_dir.is_dir() and all(hydra_file(p) for p in out_dir.iterdir()):
            shutil.rmtree(out_dir, ignore_errors=True)
        raise


def _will_run(argv: list[str]) -> bool:
    """Whether these arguments run replicates on more than one worker in this process (as far as
    they say: not with help or config printing, one worker or replicate, or a launcher that runs
    the jobs in other processes)."""
    return not any(a in NO_RUN or a.startswith(("--cfg=", "hydra/launcher=")) for a in argv) and \
        not any(a in ("workers=1", "replicates=1") for a in argv)


def run_cli() -> None:
    """``sim-run``: run an experiment (or ``-m`` a sweep) from the Hydra config."""
    os.environ["HYDRA_FULL_ERROR"] = "1"  # exceptions reach us; we print one line
    if _will_run(sys.argv[1:]):
        from sim.workers import start_server

        start_server()  # the workers' server warms up while Hydra composes the config
    register_configs()
    try:
        _hydra_main()
    except input_errors() as e:
        fail("sim-run", one_line(e))
