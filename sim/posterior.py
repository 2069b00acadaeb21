"""The calibrated posterior that ships with the package, and the versions a posterior must match.

``sim-calibrate all`` (:mod:`sim.calibrate_all`) writes the draws with the digests below;
``uncertainty=posterior`` (:mod:`sim.uncertainty`) refuses draws made for other model code or
other observations. The digests are computed once per process (the files do not change while
it runs).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import sim

PACKAGE = Path(sim.__file__).resolve().parent
POSTERIOR_DIR = PACKAGE / "data" / "posterior"
POSTERIOR_FILE = POSTERIOR_DIR / "posterior.csv"
# Model code and input data a posterior depends on (the observations are its data version).
CODE_PARTS = ("model.py", "coupling.py", "config.py", "calendar.py", "countries.py", "network.py", "draws.py",
              "phase.py", "states", "refugees", "narcotics", "security", "data")


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p.relative_to(PACKAGE)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def data_version() -> str:
    """Digest of the shipped observation files."""
    return _digest(list((PACKAGE / "data" / "observations").glob("*.csv")))


@lru_cache(maxsize=1)
def code_version() -> str:
    """The package version and a digest of the model's code and input data (not the observations)."""
    files = []
    for part in CODE_PARTS:
        p = PACKAGE / part
        found = [p] if p.is_file() else [f for f in p.rglob("*") if f.is_file() and f.suffix in (".py", ".csv")]
        files += [f for f in found if "observations" not in f.parts and "posterior" not in f.parts]
    return f"{sim.__version__}+{_digest(files)}"


def version_mismatch(about: dict) -> str | None:
    """The first of ``data_version`` and ``code_version`` in a posterior's description that is not
    this package's, as 'key = theirs but this package's is ours: ... fitted to other WHAT'; None
    when both match or are absent (a hand-made parameter file)."""
    for key, current, what in (("data_version", data_version, "observations (sim/data/observations)"),
                               ("code_version", code_version, "model code and input data")):
        if key in about and str(about[key]) != (now := current()):
            return f"{key} = {about[key]} but this package's is {now}: the draws were fitted to other {what}"
    return None
