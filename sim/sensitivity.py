"""Global sensitivity of outcomes to the parameters of a design (Sobol' or Morris).

``sim-sensitivity DIR --outcome NAME[,NAME] [--method sobol|morris] [--out table.csv]``
reads a collected sweep (``sim-collect``; DIR is the collected folder or the sweep folder)
that ran a ``sim-design`` design, reduces each point to the **mean of its replicates**
(all points share the same replicate seeds, so replicate noise is common to all points),
and computes with SALib

- ``sobol``: first-order and total indices with confidence intervals (columns
  ``outcome, parameter, method, S1, S1_conf, ST, ST_conf``);
- ``morris``: elementary effects (``outcome, parameter, method, mu_star, mu_star_conf, sigma``).

The table is written atomically (default ``DIR/sensitivity_<method>.csv``) and printed.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from sim.errors import reported
from sim.design import DesignError, spec_matrix
from sim.store import ResultsError, atomic_file

METHODS = ("sobol", "morris")
COLUMNS = {
    "sobol": ["outcome", "parameter", "method", "S1", "S1_conf", "ST", "ST_conf"],
    "morris": ["outcome", "parameter", "method", "mu_star", "mu_star_conf", "sigma"],
}
DESIGN_POINT = "design.point"


class SensitivityError(ValueError):
    """Input that gives no indices; the message is one line."""


def check_method(spec: dict, method: str | None) -> str:
    """The method to analyse the design `spec` with (default: the one it was drawn for);
    SensitivityError if it gives no indices or the design was drawn for another."""
    method = method or spec["method"]
    if method not in METHODS:
        if method == spec["method"]:
            raise SensitivityError(f"the design is {method}, which gives no indices; "
                                   "draw one with sim-design --method sobol or morris")
        raise SensitivityError(f"method '{method}': choose one of {', '.join(METHODS)}")
    if spec["method"] != method:
        raise SensitivityError(f"the design was drawn for {spec['method']}, not {method}: "
                               f"draw one with sim-design --method {method}")
    return method


def salib_seed(seed: int) -> int:
    """The seed handed to SALib's bootstrap for our `seed`: never 0, which SALib's Sobol
    analysis treats as no seed at all (``if seed:``), so its intervals would change each run."""
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) or 1


def analyze(spec: dict, X: np.ndarray | None, Y: Mapping[str, np.ndarray], method: str | None = None,
            *, seed: int = 0) -> pd.DataFrame:
    """Indices of each outcome in `Y` (one value per design row, in row order) for the design
    `spec` (a ``design.json``); `X` is the design matrix (needed by Morris; drawn again from
    `spec` when None)."""
    method = check_method(spec, method)
    problem = {k: spec["problem"][k] for k in ("num_vars", "names", "bounds")}
    rows = []
    for name, y in Y.items():
        y = np.asarray(y, dtype=float)
        if len(y) != int(spec["rows"]):
            raise SensitivityError(f"{name}: {len(y)} values for a design of {spec['rows']} points")
        nan = np.flatnonzero(~np.isfinite(y))
        if nan.size:
            raise SensitivityError(f"outcome {name} is NaN at {nan.size} of {len(y)} points (e.g. point {nan[0]}): "
                                   "an event that does not happen in every replicate has no mean; choose another outcome")
        if np.ptp(y) == 0:
            raise SensitivityError(f"outcome {name} is the same at every point ({y[0]:g}); its indices are undefined")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if method == "sobol":
                from SALib.analyze import sobol

                si = sobol.analyze(problem, y, calc_second_order=bool(spec.get("calc_second_order", True)),
                                   seed=salib_seed(seed))
                for j, p in enumerate(problem["names"]):
                    rows.append({"outcome": name, "parameter": p, "method": method,
                                 "S1": si["S1"][j], "S1_conf": si["S1_conf"][j],
                                 "ST": si["ST"][j], "ST_conf": si["ST_conf"][j]})
            else:
                from SALib.analyze import morris

                x = spec_matrix(spec) if X is None else np.asarray(X, dtype=float)
                si = morris.analyze(problem, x, y, num_levels=int(spec.get("num_levels", 4)), seed=salib_seed(seed))
                for j, p in enumerate(problem["names"]):
                    rows.append({"outcome": name, "parameter": p, "method": method,
                                 "mu_star": si["mu_star"][j], "mu_star_conf": si["mu_star_conf"][j],
                                 "sigma": si["sigma"][j]})
    return pd.DataFrame(rows, columns=COLUMNS[method])


def point_means(outcomes: pd.DataFrame, spec: dict, names: Sequence[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The design matrix as run and the mean over replicates of each outcome, one row per
    design point in design order, from a collected sweep's outcomes."""
    unknown = [n for n in names if n not in outcomes.columns]
    if unknown:
        known = [c for c in outcomes.columns if c not in ("point", "future", "replicate", "seed") and "." not in c]
        raise SensitivityError(f"unknown outcome(s) {', '.join(unknown)}; e.g. {', '.join(known[:5])}, ...")
    n_rows = int(spec["rows"])
    if DESIGN_POINT not in outcomes.columns:
        raise SensitivityError(f"the collected points do not vary {DESIGN_POINT}: the sweep did not run the design "
                               f"(sim-run -m design.file=... 'design.point=range(0,{n_rows})')")
    per_point = outcomes.groupby("point").agg({DESIGN_POINT: "first", **{n: "mean" for n in names}})
    counts = per_point[DESIGN_POINT].value_counts()
    if (counts > 1).any():
        raise SensitivityError(f"design point {int(counts.idxmax())} ran {int(counts.max())} times: the sweep varies "
                               "other keys besides design.point; collect one slice per sweep folder")
    per_point = per_point.set_index(DESIGN_POINT).sort_index()
    missing = sorted(set(range(n_rows)) - {int(i) for i in per_point.index})
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (", ..." if len(missing) > 10 else "")
        raise SensitivityError(f"{len(missing)} of {n_rows} design points have no results ({shown}); "
                               "finish the sweep (run it again into the same hydra.sweep.dir) and collect again")
    X = spec_matrix(spec)
    ran = outcomes.groupby(DESIGN_POINT)[spec["problem"]["names"]].first().sort_index() \
        if set(spec["problem"]["names"]) <= set(outcomes.columns) else None
    if ran is not None and not np.allclose(ran.to_numpy(dtype=float), X, rtol=1e-9, atol=1e-12):
        raise SensitivityError("the values the points ran differ from the design in design.json "
                               "(was the design file replaced after the sweep?)")
    return X, {n: per_point[n].to_numpy(dtype=float) for n in names}


def write_table(table: pd.DataFrame, out: Path) -> Path:
    """Write the table atomically (see :func:`sim.store.atomic_file`)."""
    out = Path(out)
    if not out.parent.is_dir():
        raise ResultsError(f"--out {out}: folder {out.parent} does not exist")
    with atomic_file(out, newline="") as fh:
        table.to_csv(fh, index=False)
    return out


def _load(path: Path) -> tuple[pd.DataFrame, dict, Path]:
    """Outcomes and manifest of a collected sweep; a sweep folder not yet collected is collected
    in memory. The folder the table goes to by default comes third."""
    from sim.collect import gather, read_collected

    path = Path(path)
    if not path.is_dir():
        raise ResultsError(f"{path}: folder not found")
    try:
        return read_collected(path)
    except ResultsError:
        c = gather(path)
        return c.outcomes, c.manifest, path


def main(argv: Sequence[str] | None = None) -> None:
    """``sim-sensitivity DIR --outcome NAME[,NAME]``: Sobol' or Morris indices of a design sweep."""
    ap = argparse.ArgumentParser(prog="sim-sensitivity", description=main.__doc__,
                                 epilog="Each point is reduced to the mean of its replicates before the indices "
                                        "are computed.")
    ap.add_argument("path", type=Path, metavar="COLLECTED_DIR_OR_SWEEP_DIR")
    ap.add_argument("--outcome", action="append", required=True, metavar="NAME[,NAME]")
    ap.add_argument("--method", choices=METHODS, default=None, help="default: the method the design was drawn for")
    ap.add_argument("--out", type=Path, default=None, help="CSV (default DIR/sensitivity_<method>.csv)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the bootstrap confidence intervals (default 0)")
    args = ap.parse_args(argv)
    names = [n.strip() for v in args.outcome for n in v.split(",") if n.strip()]
    with reported("sim-sensitivity", SensitivityError, ResultsError, DesignError):
        outcomes, manifest, home = _load(args.path)
        spec = manifest.get("design")
        if not spec:
            raise SensitivityError(f"{args.path}: the sweep did not run a design from sim-design "
                                   "(no design.json recorded); indices need one")
        method = check_method(spec, args.method)  # before the design is drawn again in point_means
        X, Y = point_means(outcomes, spec, names)
        table = analyze(spec, X, Y, method, seed=args.seed)
        out = write_table(table, args.out or home / f"sensitivity_{method}.csv")
    reps = manifest.get("replicates")
    print(f"{method} indices over {spec['rows']} design points, each the mean of its {reps} replicate(s) "
          f"(paired seeds)\n")
    with pd.option_context("display.width", 200, "display.max_rows", None):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"\ntable: {out}")


if __name__ == "__main__":  # pragma: no cover
    main()
