"""From Hydra overrides to the typed, validated config a run uses.

:func:`prepare` applies a design point (``design.file``, ``design.point``) to a composed
config and validates it; :func:`compose` composes ``conf/`` as ``sim-run`` would, for the
commands that are not Hydra apps (``sim-params``, the tests, the dashboard).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

from omegaconf import DictConfig

from sim.config import Config, register_configs, to_config, validate

CONF_DIR = Path(__file__).resolve().parent.parent / "conf"


def prepare(cfg: DictConfig | Config) -> tuple[Config, dict]:
    """The typed config with its design point applied, validated; and the values the design
    point set (empty without a design)."""
    from sim.design import apply_design

    config, values = apply_design(to_config(cfg))
    return validate(config), values


def compose(overrides: Sequence[str] = ()) -> Config:
    """The validated config for these overrides, composed as ``sim-run`` would."""
    return compose_all([overrides])[0]


def compose_all(override_sets: Iterable[Sequence[str]]) -> list[Config]:
    """:func:`compose` of each set of overrides, with Hydra initialised once for all of them."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return [prepare(hydra_compose(config_name="config", overrides=list(o)))[0] for o in override_sets]
