"""How every command reports bad input: one line on stderr, naming what is wrong, and exit code 2.

The error types that mean "bad input" (a value out of range, a malformed data or results
file) are ValueErrors whose message is already that line; :func:`one_line` also makes one
line of Hydra's and OmegaConf's errors (an unknown key, a wrong type).
"""

from __future__ import annotations

import dataclasses
import sys
from contextlib import contextmanager
from typing import Any, Iterator, NoReturn

INPUT_ERROR_EXIT = 2


def fail(prog: str, message: str) -> NoReturn:
    """Print ``prog: error: message`` on stderr and exit with code 2."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    sys.exit(INPUT_ERROR_EXIT)


@contextmanager
def reported(prog: str, *kinds: type[BaseException]) -> Iterator[None]:
    """Turn the errors of `kinds` raised in the block into :func:`fail` with their one line."""
    try:
        yield
    except kinds as e:
        fail(prog, one_line(e))


def _valid_keys(path: list[str]) -> list[str] | None:
    from sim.config import Config

    node: Any = Config
    for part in path:
        fields = {f.name: f for f in dataclasses.fields(node)} if dataclasses.is_dataclass(node) else {}
        if part not in fields:
            return None
        f = fields[part]
        node = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
    return [f.name for f in dataclasses.fields(node)] if dataclasses.is_dataclass(node) else None


def one_line(exc: BaseException) -> str:
    """A one-line message for an input error (ours, Hydra's or OmegaConf's)."""
    from hydra.errors import MissingConfigException
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

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


def input_errors() -> tuple[type[BaseException], ...]:
    """Our input errors (config, network data, results folders), Hydra's and OmegaConf's."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from sim.config import ConfigError
    from sim.network import NetworkDataError
    from sim.store import ResultsError

    return (ConfigError, NetworkDataError, ResultsError, HydraException, OmegaConfBaseException)
