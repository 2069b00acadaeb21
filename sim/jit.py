"""numba's ``njit`` for the model's kernels, with an on-disk cache that notices every kernel file.

numba caches a compiled function under a stamp of its own source file only: a kernel that
calls a helper or reads a constant from another file (``sim.draws``, ``sim.refugees.tables``)
would keep running the old code after that file changes. Kernel modules import ``njit`` from
here, and importing this module points numba's cache at a folder named by a hash of every
file in :data:`KERNEL_FILES` (a test checks the list holds every file that defines a kernel
and every package module such a file imports), so a change to any of them recompiles all
kernels once. The folder is in the package's ``__pycache__``, or, where that cannot be
written (an installed package), in the user's cache folder; ``make clean`` removes old ones.
A ``NUMBA_CACHE_DIR`` set by the user is left alone.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba
from numba import njit  # noqa: F401 - the decorator kernel modules use

PACKAGE = Path(__file__).resolve().parent
# Every file that holds a compiled kernel, or a helper or constant one compiles in.
KERNEL_FILES = ("jit.py", "calendar.py", "draws.py", "refugees/tables.py", "refugees/routing.py", "refugees/kernels.py",
                "narcotics/week.py")


def kernel_hash() -> str:
    """SHA-256 (first 16 hex digits) of the kernel files' contents, in KERNEL_FILES order."""
    h = hashlib.sha256()
    for name in KERNEL_FILES:
        h.update(name.encode() + b"\0" + (PACKAGE / name).read_bytes())
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    """``numba-<kernel hash>`` in the package's ``__pycache__`` if it can be written, else in
    the user's cache folder."""
    name = f"numba-{kernel_hash()}"
    here = PACKAGE / "__pycache__"
    if os.access(here if here.exists() else PACKAGE, os.W_OK):
        return here / name
    user = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return user / "afghan-spillover-sim" / name


if not os.environ.get("NUMBA_CACHE_DIR"):  # if set, the user's choice
    # Both: numba reads the variable again when it reloads its config.
    os.environ["NUMBA_CACHE_DIR"] = numba.config.CACHE_DIR = str(cache_dir())
