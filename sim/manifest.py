"""What a results folder records about what made it: the code, the data files it read, the config.

A run's ``manifest.json`` holds, besides the config and its hash:

- ``code``: the package version, the git commit and whether the tree had uncommitted changes
  (when git knows the source), and ``source_sha256``, a hash of every Python file of the
  package, which identifies the code whether or not git does;
- ``data``: for every data file the run read (the network's locations and links, the opium
  production and drug markets when the narcotics submodel is on), its path, its SHA-256 and
  the name of the copy kept in the results folder;
- ``environment``: Python and the numerical libraries.

:func:`stale` says what differs between the results a manifest describes and what a config
would make now with this code and these data: a resumed sweep reruns nothing whose results
are stale, and refuses instead (:mod:`sim.resume`).
"""

from __future__ import annotations

import functools
import hashlib
import platform
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sim
from sim.config import Config, config_dict, config_hash

PACKAGE = Path(sim.__file__).resolve().parent


# --------------------------------------------------------------------------- code
def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=PACKAGE, capture_output=True, text=True, timeout=5,
                          check=True).stdout.strip()


def source_sha256() -> str:
    """SHA-256 over the package's Python files (relative path and content, in path order)."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        h.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def code_version() -> dict:
    """Version, git commit and dirty flag (None where git does not know the source), source hash.
    Computed once per process: the code a process runs does not change under it."""
    try:
        commit = _git("rev-parse", "HEAD")
        dirty: bool | None = bool(_git("status", "--porcelain", "--untracked-files=no", "--", "."))
    except (OSError, subprocess.SubprocessError):
        commit, dirty = None, None
    return {"version": sim.__version__, "git_commit": commit, "git_dirty": dirty, "source_sha256": source_sha256()}


def environment() -> dict:
    import mesa
    import numba
    import numpy

    return {"python": platform.python_version(), "numpy": numpy.__version__, "numba": numba.__version__,
            "mesa": mesa.__version__}


# --------------------------------------------------------------------------- data
def data_files(cfg: Config) -> dict[str, Path]:
    """Every data file a run of `cfg` reads, by role, as absolute paths."""
    from sim.narcotics.data import MARKETS_FILE, PRODUCTION_FILE
    from sim.network import LINKS_FILE, LOCATIONS_FILE

    net = cfg.model.network
    files = {"locations": Path(net.locations_file) if net.locations_file else LOCATIONS_FILE,
             "links": Path(net.links_file) if net.links_file else LINKS_FILE}
    if cfg.model.narcotics.active:
        files |= {"opium_production": PRODUCTION_FILE, "drug_markets": MARKETS_FILE}
    return {role: path.expanduser().resolve() for role, path in files.items()}


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def copy_name(role: str) -> str:
    """Name of the copy of a data file kept in a results folder (``data_links.csv``)."""
    return f"data_{role}.csv"


def snapshot(cfg: Config) -> tuple[dict[str, dict], dict[str, bytes]]:
    """Every data file a run of `cfg` reads, read once: its record (path, SHA-256, copy name) by
    role, and its bytes by copy name, for the results folder."""
    record, contents = {}, {}
    for role, path in data_files(cfg).items():
        data = path.read_bytes()
        record[role] = {"path": str(path), "sha256": hashlib.sha256(data).hexdigest(), "copy": copy_name(role)}
        contents[copy_name(role)] = data
    return record, contents


# --------------------------------------------------------------------------- manifest
def build(config: Config, *, experiment: str, overrides: list[str], workers: int, wall_time_s: float,
          design: dict | None, lever_events: list[dict], calendar: dict, outcomes: dict,
          data: dict[str, dict], futures: dict | None = None) -> dict[str, Any]:
    """The manifest of a run of `config` (``design`` holds the design values and provenance)."""
    code = code_version()
    return {
        "experiment": experiment,
        "description": config.description,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "version": code["version"],
        "code": code,
        "environment": environment(),
        "data": data,
        "root_seed": config.seed,
        "replicates": config.replicates,
        "futures": futures or {"source": "none", "futures": 1},
        "workers": workers,
        "wall_time_s": round(wall_time_s, 3),
        "config_hash": config_hash(config),
        "overrides": list(overrides),
        **(design or {}),
        "calendar": calendar,
        "lever_events": lever_events,
        "outcomes": outcomes,
        "config": config_dict(config),
    }


def stale(manifest: dict, cfg: Config) -> list[str]:
    """What differs between the results `manifest` describes and what `cfg` would make now:
    the config, the code, or a data file (each as a short phrase); empty when nothing does."""
    out = []
    old_hash, new_hash = manifest.get("config_hash"), config_hash(cfg)
    if old_hash != new_hash:
        out.append(f"another config (config_hash {str(old_hash)[:12]}, now {new_hash[:12]})")
    old_code, code = manifest.get("code") or {}, code_version()
    if old_code.get("source_sha256") != code["source_sha256"]:
        was = old_code.get("git_commit") or "unknown"
        out.append(f"other code (commit {str(was)[:12]}{', uncommitted changes' if old_code.get('git_dirty') else ''}; "
                   f"now {str(code['git_commit'])[:12]}{', uncommitted changes' if code['git_dirty'] else ''})")
    old_data = manifest.get("data") or {}
    for role, path in data_files(cfg).items():
        was = (old_data.get(role) or {}).get("sha256")
        if not path.is_file():
            out.append(f"a {role} file that is no longer there ({path})")
            continue
        now = file_sha256(path)
        if was != now:
            out.append(f"another {role} file ({path}: sha256 {str(was)[:12]}, now {now[:12]})")
    return out
