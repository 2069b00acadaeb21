"""Designs over the uncertain parameters: sample their declared ranges, run one point per job.

``sim-design`` samples the ``range`` each parameter declares (see ``sim-params``) with
SALib: a Latin hypercube (``lhs``, N rows), Saltelli's scheme for Sobol' indices
(``sobol``, N*(2D+2) rows) or Morris trajectories (``morris``, N*(D+1) rows). It writes

- ``design.csv``: one row per point, ``point`` (0, 1, ...) then one column per parameter,
  named by its dotted key (``scenario.drought_severity``); integer parameters rounded;
- ``design.json`` beside it: the SALib problem, method, N, seed and sampler options, so
  the same design can be drawn again and indices computed (``sim-sensitivity``).

A design runs as one Hydra sweep, every point with the same root seed (paired
replicates)::

    sim-run -m design.file=design.csv 'design.point=range(0,80)' replicates=20

Each job applies row ``design.point`` on top of the composed config before validation
and hashing (:func:`apply_design`), so its manifest and config hash show the values run.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import hashlib
import json
import sys
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from sim.errors import reported
from sim.config import Config, ConfigError, set_value
from sim.provenance import is_run_setting, iter_params
from sim.store import atomic_file

METHODS = ("lhs", "sobol", "morris")
SECTIONS = ("model", "scenario", "policy")
POINT = "point"


class DesignError(ConfigError):
    """A design that cannot be drawn, read or applied; the message is one line."""


# --------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class Param:
    """A parameter a design can set: dotted name, declared range and hard bounds."""

    name: str
    range: tuple[float, float] | None
    bounds: tuple[float, float] | None
    integer: bool
    numeric: bool
    run_setting: bool = False  # how a run is made (horizon, resolution): never part of a design


@lru_cache(maxsize=1)
def parameters() -> dict[str, Param]:
    """Every model, scenario and policy parameter, by dotted name (the ``sim-params`` table)."""
    cfg = Config()
    out = {}
    for s in SECTIONS:
        for p in iter_params(getattr(cfg, s), prefix=f"{s}."):
            is_bool = isinstance(p.value, bool)
            out[p.name] = Param(p.name, p.range, p.bounds, not is_bool and isinstance(p.value, int), not is_bool,
                                is_run_setting(p))
    return out


def _hint(name: str) -> str:
    close = difflib.get_close_matches(name, list(parameters()), n=1)
    return f" (did you mean {close[0]}?)" if close else "; sim-params lists the parameters"


def select(names: Sequence[str] = (), groups: Sequence[str] = ()) -> list[Param]:
    """The parameters named, plus every parameter with a range under each group prefix."""
    table = parameters()
    chosen: dict[str, Param] = {}
    for name in names:
        if name not in table:
            raise DesignError(f"unknown parameter '{name}'{_hint(name)}")
        _refuse_run_setting(table[name], "a design")
        chosen[name] = table[name]
    for group in groups:
        prefix = group.rstrip(".") + "."
        members = [p for n, p in table.items() if n.startswith(prefix) and p.range is not None and p.numeric]
        if not members:
            raise DesignError(f"group '{group}' holds no parameter with a declared range "
                              f"(groups are dotted prefixes: {', '.join(SECTIONS)}, model.refugees, ...)")
        for p in members:
            chosen.setdefault(p.name, p)
    if not chosen:
        raise DesignError("no parameters: give --params NAME[,NAME...] or --group PREFIX")
    params = list(chosen.values())
    no_range = [p.name for p in params if p.range is None or not p.numeric]
    if no_range:
        raise DesignError(f"no uncertainty range declared for {', '.join(no_range)}; "
                          "a design samples declared ranges only (sim-params shows them)")
    flat = [p.name for p in params if p.range[0] == p.range[1]]
    if flat:
        raise DesignError(f"range of {', '.join(flat)} is a single value; nothing to sample")
    return params


def _refuse_run_setting(p: Param, where: str) -> None:
    if p.run_setting:
        raise DesignError(f"{p.name} is a run setting (how a run is made), not an uncertainty, so it cannot "
                          f"be part of {where}; set it for the whole sweep with {p.name}=VALUE")


def problem_of(params: Sequence[Param]) -> dict:
    """The SALib problem for these parameters: their names and declared ranges."""
    return {"num_vars": len(params), "names": [p.name for p in params],
            "bounds": [[float(p.range[0]), float(p.range[1])] for p in params]}


# --------------------------------------------------------------------------- sampling
def n_rows(method: str, n: int, d: int) -> int:
    return {"lhs": n, "sobol": n * (2 * d + 2), "morris": n * (d + 1)}[method]


def sample(problem: dict, method: str, n: int, seed: int, *, num_levels: int = 4) -> np.ndarray:
    """The design matrix (rows x parameters) SALib draws for `method` over `problem`'s bounds.

    ``sobol`` is Saltelli's scheme with second-order terms (N*(2D+2) rows), the layout
    ``SALib.analyze.sobol`` expects; ``morris`` draws N trajectories of D+1 rows on a
    grid of `num_levels` levels. The same arguments give the same matrix.
    """
    if method not in METHODS:
        raise DesignError(f"unknown method '{method}'; choose one of {', '.join(METHODS)}")
    if n < 1:
        raise DesignError(f"N = {n}; give N >= 1")
    problem = copy.deepcopy(problem)  # SALib marks the dict it is given
    if method == "lhs":
        from SALib.sample import latin

        return latin.sample(problem, n, seed=seed)
    if method == "sobol":
        from SALib.sample import sobol

        with warnings.catch_warnings():  # N not a power of 2: said once by the CLI, not by scipy
            warnings.simplefilter("ignore", UserWarning)
            return sobol.sample(problem, n, calc_second_order=True, seed=seed)
    from SALib.sample import morris

    if num_levels < 2 or num_levels % 2:
        raise DesignError(f"--levels {num_levels}: Morris needs an even number of levels >= 2")
    return morris.sample(problem, n, num_levels=num_levels, seed=seed)


def rounded(matrix: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The matrix with the columns of integer parameters rounded to whole numbers."""
    table = parameters()
    out = np.array(matrix, dtype=float, copy=True)
    for j, name in enumerate(names):
        if name in table and table[name].integer:
            out[:, j] = np.round(out[:, j])
    return out


def build(params: Sequence[Param], method: str, n: int, seed: int, *,
          num_levels: int = 4) -> tuple[pd.DataFrame, dict]:
    """The design table (``point`` then one column per parameter) and its description."""
    problem = problem_of(params)
    matrix = rounded(sample(problem, method, n, seed, num_levels=num_levels), problem["names"])
    table = pd.DataFrame(matrix, columns=problem["names"])
    for p in params:
        if p.integer:
            table[p.name] = table[p.name].astype("int64")
    table.insert(0, POINT, np.arange(len(table), dtype="int64"))
    spec = {"method": method, "n": n, "seed": seed, "rows": len(table), "problem": problem,
            "integer": [p.name for p in params if p.integer]}
    if method == "sobol":
        spec["calc_second_order"] = True
    if method == "morris":
        spec["num_levels"] = num_levels
    return table, spec


def spec_matrix(spec: dict) -> np.ndarray:
    """The design matrix described by a ``design.json``, drawn again (ints rounded)."""
    names = spec["problem"]["names"]
    raw = sample(spec["problem"], spec["method"], int(spec["n"]), int(spec["seed"]),
                 num_levels=int(spec.get("num_levels", 4)))
    return rounded(raw, names)


# --------------------------------------------------------------------------- files
def spec_path(design_file: str | Path) -> Path:
    """``design.json`` for ``design.csv``: same folder, same stem."""
    return Path(design_file).with_suffix(".json")


def write_design(table: pd.DataFrame, spec: dict, out: Path, *, force: bool = False) -> tuple[Path, Path]:
    """Write ``out`` (CSV) and its ``.json`` atomically; refuse to replace a design unless `force`."""
    out = Path(out)
    js = spec_path(out)
    if out.suffix.lower() != ".csv":
        raise DesignError(f"--out {out}: give a .csv file name (design.json goes beside it)")
    if not force:
        present = [str(p) for p in (out, js) if p.exists()]
        if present:
            raise DesignError(f"{', '.join(present)} already exist(s); a sweep may use it: "
                              "choose another --out, or pass --force to replace it")
    if not out.parent.is_dir():
        raise DesignError(f"--out {out}: folder {out.parent} does not exist")
    from importlib.metadata import version

    import sim

    text = table.to_csv(index=False)  # shortest round-trip repr
    full = {**spec, "design_file": out.name, "design_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "version": sim.__version__, "salib": version("SALib")}
    # Both written before either replaces its file (the design first, its description last).
    with atomic_file(js) as fj, atomic_file(out, newline="") as fc:
        fc.write(text)
        json.dump(full, fj, indent=2)
    return out, js


def read_spec(design_file: str | Path) -> dict | None:
    """The ``design.json`` beside a design file, or None when there is none."""
    path = spec_path(design_file)
    if not path.is_file():
        return None
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise DesignError(f"{path}: malformed design description ({e})") from None
    if not isinstance(spec, dict) or not {"method", "n", "seed", "problem"} <= set(spec):
        raise DesignError(f"{path}: not a design description from sim-design "
                          "(needs method, n, seed and problem)")
    return spec


def load_design(path: str | Path) -> pd.DataFrame:
    """Read and check a design file: ``point`` 0..N-1, then known parameters with numbers."""
    p = Path(path).expanduser().resolve()
    try:
        st = p.stat()
    except OSError:
        raise DesignError(f"design file {path} not found") from None
    return _load_design(str(p), st.st_mtime_ns, st.st_size).copy()


@lru_cache(maxsize=4)
def _load_design(path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise DesignError(f"design file {path}: cannot be read as CSV ({str(e).splitlines()[0]})") from None
    cols = list(table.columns)
    if not cols or cols[0] != POINT:
        raise DesignError(f"design file {path}: first column must be '{POINT}' "
                          f"(found {cols[0] if cols else 'no columns'})")
    if len(cols) < 2:
        raise DesignError(f"design file {path}: no parameter columns after '{POINT}'")
    if table.empty:
        raise DesignError(f"design file {path}: no rows")
    table_params = parameters()
    for name in cols[1:]:
        if name not in table_params:
            raise DesignError(f"design file {path}: column '{name}' is not a parameter{_hint(name)}")
        _refuse_run_setting(table_params[name], f"design file {path}")
        if not table_params[name].numeric:
            raise DesignError(f"design file {path}: column '{name}' is not a numeric parameter")
    check_numbers(table, f"design file {path}")
    points = table[POINT].to_numpy(dtype=float)
    if not np.array_equal(points, np.arange(len(table))):
        raise DesignError(f"design file {path}: '{POINT}' must run 0, 1, ..., {len(table) - 1} in order")
    table[POINT] = table[POINT].astype("int64")
    return table


def check_numbers(table: pd.DataFrame, where: str, error: type[ValueError] = DesignError) -> None:
    """Raise `error` (its line starting with `where`) unless every column holds finite numbers."""
    for name in table.columns:
        if not pd.api.types.is_numeric_dtype(table[name]) or table[name].isna().any():
            raise error(f"{where}: column '{name}' holds empty or non-numeric values")
        if not np.isfinite(table[name].to_numpy(dtype=float)).all():
            raise error(f"{where}: column '{name}' holds infinite values")


def check_values(table: pd.DataFrame, path: str | Path, *, where: str = "design file", row: str = POINT,
                 error: type[ValueError] = DesignError) -> None:
    """Raise DesignError (or `error`) if any value of the table (its first column the row key)
    lies outside its parameter's hard bounds."""
    params = parameters()
    for name in table.columns[1:]:
        bounds = params[name].bounds
        if bounds is None:
            continue
        values = table[name].to_numpy(dtype=float)
        bad = np.flatnonzero((values < bounds[0]) | (values > bounds[1]))
        if bad.size:
            from sim.provenance import fmt_interval

            i = int(bad[0])
            raise error(f"{where} {path}: {row} {int(table.iloc[i, 0])} sets {name} = "
                              f"{values[i]:g}, outside its valid range {fmt_interval(bounds)}"
                              + (f" (and {bad.size - 1} more)" if bad.size > 1 else ""))


def check_design(cfg: Config) -> int:
    """Check the whole design file a sweep names (columns, values within bounds); its row count."""
    table = load_design(cfg.design.file)
    check_values(table, cfg.design.file)
    return len(table)


# --------------------------------------------------------------------------- applying a point
def check_point(path: str | Path, point: int, n: int) -> None:
    """DesignError unless `point` is a row of the design of `n` rows at `path`."""
    if not 0 <= point < n:
        raise DesignError(f"design.point = {point} is outside the design {path} (points 0 to {n - 1}); "
                          f"sweep it with 'design.point=range(0,{n})'")


def design_values(path: str | Path, point: int) -> dict[str, int | float]:
    """Values of row `point` of a design file, ints rounded, by dotted parameter name."""
    table = load_design(path)
    check_point(path, point, len(table))
    row = table.iloc[point]
    params = parameters()
    out: dict[str, int | float] = {}
    for name in table.columns[1:]:
        v = float(row[name])
        out[name] = round(v) if params[name].integer else v
    return out


def apply_design(cfg: Config) -> tuple[Config, dict[str, int | float]]:
    """`cfg` with row ``design.point`` of ``design.file`` applied (a copy), and the values applied.

    Without a design file the config is returned as it is, with no values.
    """
    file, point = cfg.design.file, cfg.design.point
    if not file:
        if point != -1:
            raise DesignError(f"design.point = {point} is set but design.file is not; "
                              "give design.file=design.csv")
        return cfg, {}
    if point < 0:
        n = len(load_design(file))
        raise DesignError(f"design.file is set but design.point is not; run one point with design.point=K "
                          f"or the whole design with -m 'design.point=range(0,{n})'")
    values = design_values(file, point)
    out = copy.deepcopy(cfg)
    for name, value in values.items():
        set_value(out, name, value)
    return out, values


def provenance(cfg: Config) -> dict:
    """What a manifest records about the design a run applied (empty without one)."""
    from sim.manifest import file_sha256

    if not cfg.design.file:
        return {}
    path = Path(cfg.design.file).expanduser().resolve()
    return {"file": str(path), "point": cfg.design.point, "sha256": file_sha256(path), "spec": read_spec(path)}


# --------------------------------------------------------------------------- command line
def _names(values: Sequence[str]) -> list[str]:
    return [n.strip() for v in values for n in v.split(",") if n.strip()]


def main(argv: Sequence[str] | None = None) -> None:
    """``sim-design``: sample the declared ranges of some parameters into a design file."""
    ap = argparse.ArgumentParser(
        prog="sim-design", description=main.__doc__,
        epilog="Run the design as one sweep: sim-run -m design.file=design.csv 'design.point=range(0,ROWS)' "
               "replicates=R. Rows: lhs N, sobol N*(2D+2), morris N*(D+1).")
    ap.add_argument("--method", choices=METHODS, required=True)
    ap.add_argument("-n", type=int, required=True, metavar="N",
                    help="lhs: points; sobol: base samples (a power of 2); morris: trajectories")
    ap.add_argument("--params", action="append", default=[], metavar="NAME[,NAME...]",
                    help="dotted parameter names (sim-params lists them)")
    ap.add_argument("--group", action="append", default=[], metavar="PREFIX",
                    help="every parameter with a range under this prefix, e.g. scenario or model.refugees")
    ap.add_argument("--out", type=Path, default=Path("design.csv"), help="design file (design.json goes beside it)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the sampler (default 0)")
    ap.add_argument("--levels", type=int, default=4, help="Morris grid levels (default 4)")
    ap.add_argument("--force", action="store_true", help="replace an existing design file")
    args = ap.parse_args(argv)
    with reported("sim-design", DesignError):
        params = select(_names(args.params), _names(args.group))
        if args.method == "sobol" and args.n & (args.n - 1):
            print(f"sim-design: warning: N = {args.n} is not a power of 2; Sobol' sequences "
                  "balance best at powers of 2", file=sys.stderr)
        table, spec = build(params, args.method, args.n, args.seed, num_levels=args.levels)
        csv_path, js_path = write_design(table, spec, args.out, force=args.force)
    rows = len(table)
    print(f"{csv_path}: {rows} points over {len(params)} parameter(s) ({args.method}, N={args.n}, "
          f"seed {args.seed}); {js_path.name} beside it")
    for p in params:
        lo, hi = p.range
        print(f"  {p.name:<50} [{lo:g}, {hi:g}]{'  (integer)' if p.integer else ''}")
    print(f"run it: sim-run -m design.file={csv_path.resolve()} 'design.point=range(0,{rows})' replicates=R")


if __name__ == "__main__":  # pragma: no cover
    main()
