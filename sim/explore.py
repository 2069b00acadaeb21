"""``sim-explore``: run a set of policies against the same futures, into one exploration folder.

A policy is a set of lever settings: a named experiment (``--experiments``), a point of a grid
over lever values (``--lever KEY=V1,V2,...``) or of a Latin hypercube over lever ranges
(``--sample N --lever KEY=LO:HI``), each on top of ``--base`` (default: the baseline). Every
policy runs as an ensemble of ``futures`` x ``replicates`` (the Hydra overrides given after the
options: ``futures=200 replicates=5 uncertainty=ranges executor=dask ...``), through the same
executors as ``sim-run``. Future *f* is the same world for every policy (its parameter draw
depends on the root seed and *f* only) and replicate *r* of it the same random numbers: the
policies are paired, and the command refuses a policy that would change the futures (one that
sets an uncertain parameter, such as another scenario: those belong to X, not L).

The folder holds ``policies/<name>/`` (a results folder of the usual kind for each policy, so
``sim-plot`` and ``sim-memo`` read it), and, when every policy is done, ``outcomes.parquet`` (all
runs, with a ``policy`` column), ``futures.parquet``, ``policies.csv`` (each policy's overrides
and lever values) and ``explore.json`` (the plan and how it ran; written last). A killed
exploration resumes with the same command: finished policies are kept, the interrupted one
resumes by chunk, and a plan that differs is refused.

``sim-robust`` and ``sim-discover`` read the folder.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import math
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np
import pandas as pd

from sim.errors import fail, input_errors, one_line
from sim.store import MANIFEST, ResultsError, read_manifest, staged

log = logging.getLogger(__name__)

PLAN = "explore.json"
POLICIES_DIR = "policies"
POLICY = "policy"
KIND = "exploration"


class ExploreError(ResultsError):
    """A set of policies that cannot be explored or an exploration folder that cannot be read."""


class Policy(NamedTuple):
    name: str
    overrides: tuple[str, ...]


# --------------------------------------------------------------------------- policies
def parse_lever(spec: str) -> tuple[str, list[float] | tuple[float, float]]:
    """``KEY=V1,V2,...`` (grid values) or ``KEY=LO:HI`` (a range to sample) for a lever setting."""
    from sim.xlrm import levers

    known = {lv.key: lv for lv in levers()}
    key, sep, values = spec.partition("=")
    key = key.strip()
    if not sep or not values.strip():
        raise ExploreError(f"--lever {spec!r}: expected KEY=V1,V2,... or KEY=LO:HI")
    if key not in known:
        raise ExploreError(f"--lever {key}: not a lever setting; valid: {', '.join(known)}")
    lo, hi = known[key].range or (-math.inf, math.inf)
    try:
        if ":" in values:
            a, b = (float(v) for v in values.split(":"))
            nums = [a, b]
        else:
            nums = [float(v) for v in values.split(",")]
    except ValueError:
        raise ExploreError(f"--lever {key}={values}: values must be numbers") from None
    bad = [v for v in nums if not lo <= v <= hi]
    if bad:
        raise ExploreError(f"--lever {key}: {bad[0]:g} is outside the lever's range [{lo:g}, {hi:g}] "
                           f"({known[key].unit})")
    if ":" in values:
        if nums[0] >= nums[1]:
            raise ExploreError(f"--lever {key}={values}: LO must be below HI")
        return key, (nums[0], nums[1])
    return key, nums


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def policies_from(experiments: Sequence[str], levers: Sequence[str], sample: int, base: str,
                  seed: int = 0) -> list[Policy]:
    """The policies: each named experiment, then the grid (or sample) over `levers` on `base`."""
    out = [Policy(name, (f"experiment={name}",)) for name in experiments]
    parsed = [parse_lever(s) for s in levers]
    keys = [k for k, _ in parsed]
    if len(set(keys)) < len(keys):
        raise ExploreError("--lever: a lever setting is given twice")
    ranges = [v for _, v in parsed if isinstance(v, tuple)]
    if sample:
        if len(ranges) != len(parsed) or not parsed:
            raise ExploreError("--sample N needs every --lever as KEY=LO:HI (a range to sample)")
        from scipy.stats import qmc

        u = qmc.LatinHypercube(d=len(parsed), seed=np.random.default_rng(seed)).random(sample)
        points = [[lo + x * (hi - lo) for x, (lo, hi) in zip(row, ranges)] for row in u]
    elif ranges:
        raise ExploreError("--lever KEY=LO:HI is a range to sample: give --sample N, or list grid values V1,V2,...")
    else:
        points = [list(p) for p in itertools.product(*[v for _, v in parsed])] if parsed else []
    width = len(str(max(len(points) - 1, 0)))
    for i, point in enumerate(points):
        sets = tuple(f"{k}={_fmt(v)}" for k, v in zip(keys, point))
        out.append(Policy(f"p{i:0{width}d}", (f"experiment={base}", *sets)))
    names = [p.name for p in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ExploreError(f"policy {dup[0]} is given twice")
    if len(out) < 2:
        raise ExploreError("an exploration compares at least two policies: give --experiments and/or --lever")
    return out


# --------------------------------------------------------------------------- checks and plan
def compose_policies(policies: list[Policy], common: Sequence[str]):
    """The validated config of each policy, and the futures table they share (ExploreError when a
    policy's futures differ: it sets an uncertain parameter)."""
    from sim.compose import compose_all
    from sim.uncertainty import check_futures, futures_table

    configs = compose_all([[*common, *p.overrides] for p in policies])
    tables = [futures_table(c)[0] for c in configs]
    check_futures(tables[0])
    ref = tables[0]
    for p, t in zip(policies[1:], tables[1:]):
        if not t.equals(ref):
            cols = sorted(set(t.columns) ^ set(ref.columns)) or \
                [c for c in ref.columns if c in t and not t[c].equals(ref[c])]
            raise ExploreError(f"policy {p.name} ({' '.join(p.overrides)}) does not run in the same futures as "
                               f"{policies[0].name} (it differs on {', '.join(cols[:3])}): a policy may set levers "
                               f"only; uncertain parameters and the scenario belong to the futures")
    return configs, ref


def plan_record(policies: list[Policy], configs, common: Sequence[str]) -> dict:
    from sim import manifest

    return {"kind": KIND, "common_overrides": list(common),
            "policies": [{"name": p.name, "overrides": list(p.overrides), "config_hash": manifest.config_hash(c)}
                         for p, c in zip(policies, configs)],
            "futures": configs[0].futures, "replicates": configs[0].replicates, "root_seed": configs[0].seed,
            "uncertainty": configs[0].uncertainty.source.value, "code": manifest.code_version()}


def check_folder(out: Path, record: dict) -> None:
    """Refuse a folder that holds a finished exploration, or an unfinished one of another plan."""
    if out.exists() and not out.is_dir():
        raise ExploreError(f"{out} is a file, not a folder")
    if (out / MANIFEST).is_file() or (out / "outcomes.parquet").is_file():
        raise ExploreError(f"{out} already holds results; choose another folder with --out")
    path = out / ".plan.json"
    if path.is_file():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ExploreError(f"{path}: unreadable plan of an interrupted exploration ({e})") from None
        strip = lambda r: {k: v for k, v in r.items() if k != "code"}  # noqa: E731
        if strip(old) != strip(record) or old["code"].get("source_sha256") != record["code"].get("source_sha256"):
            raise ExploreError(f"{out} holds an interrupted exploration of other policies, settings or code; "
                               f"delete it or choose another folder with --out")
    elif out.is_dir() and any(out.iterdir()):
        raise ExploreError(f"{out} is not empty and holds no exploration; choose another folder with --out")


# --------------------------------------------------------------------------- running
def explore(policies: list[Policy], common: Sequence[str], out: Path, quiet: bool = False) -> Path:
    """Run every policy not yet done into ``out/policies/<name>`` and assemble the exploration."""
    from sim.pipeline import run
    from sim.xlrm import lever_values

    out = Path(out)
    configs, futures = compose_policies(policies, common)
    record = plan_record(policies, configs, common)
    check_folder(out, record)
    out.mkdir(parents=True, exist_ok=True)
    plan_path = out / ".plan.json"
    if not plan_path.is_file():
        tmp = plan_path.with_name(".plan.json.tmp")
        tmp.write_text(json.dumps(record, indent=1, default=str), encoding="utf-8")
        tmp.replace(plan_path)
    t0 = time.perf_counter()
    for i, (p, cfg) in enumerate(zip(policies, configs)):
        folder = out / POLICIES_DIR / p.name
        if (folder / MANIFEST).is_file():
            if read_manifest(folder).get("config_hash") != record["policies"][i]["config_hash"]:
                raise ExploreError(f"{folder}: results of another config; delete it to run policy {p.name} again")
            _say(quiet, f"policy {i + 1}/{len(policies)} {p.name}: done before, kept")
            continue
        _say(quiet, f"policy {i + 1}/{len(policies)} {p.name}: {' '.join(p.overrides)}")
        run(cfg, folder, experiment=p.name, overrides=[*common, *p.overrides], quiet=True)
    wall = time.perf_counter() - t0
    tables = []
    for p in policies:
        o = pd.read_parquet(out / POLICIES_DIR / p.name / "outcomes.parquet")
        o.insert(0, POLICY, p.name)
        tables.append(o)
    outcomes = pd.concat(tables, ignore_index=True)
    rows = [{POLICY: p.name, "overrides": " ".join(p.overrides), **lever_values(c)} for p, c in zip(policies, configs)]
    record = {**record, "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "wall_time_s": round(wall, 1), "runs": len(outcomes)}
    with staged(out, last=PLAN, replace=True) as staging:
        outcomes.to_parquet(staging / "outcomes.parquet", index=False)
        futures.to_parquet(staging / "futures.parquet", index=False)
        pd.DataFrame(rows).to_csv(staging / "policies.csv", index=False)
        (staging / PLAN).write_text(json.dumps(record, indent=1, default=str), encoding="utf-8")
    plan_path.unlink(missing_ok=True)
    return out


def _say(quiet: bool, text: str) -> None:
    if not quiet:
        print(text, flush=True)


class Exploration(NamedTuple):
    """A finished exploration as the analyses read it."""

    path: Path
    record: dict
    outcomes: pd.DataFrame  # policy, future, replicate, seed, outcomes...
    futures: pd.DataFrame   # future, parameter values...
    policies: pd.DataFrame  # policy, overrides, lever values...


def read_exploration(path: Path) -> Exploration:
    """A finished exploration folder; ExploreError naming what is missing otherwise."""
    path = Path(path)
    if not path.is_dir():
        raise ExploreError(f"{path}: exploration folder not found")
    if not (path / PLAN).is_file():
        what = "an unfinished exploration (run the same sim-explore command to finish it)" \
            if (path / ".plan.json").is_file() else "no exploration (no explore.json)"
        raise ExploreError(f"{path}: {what}")
    try:
        record = json.loads((path / PLAN).read_text(encoding="utf-8"))
        outcomes = pd.read_parquet(path / "outcomes.parquet")
        futures = pd.read_parquet(path / "futures.parquet")
        policies = pd.read_csv(path / "policies.csv")
    except (OSError, ValueError) as e:
        raise ExploreError(f"{path}: malformed exploration file ({e})") from None
    if outcomes.empty:
        raise ExploreError(f"{path}/outcomes.parquet: no runs")
    return Exploration(path, record, outcomes, futures, policies)


# --------------------------------------------------------------------------- command
def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="sim-explore", description=__doc__.split("\n\n")[0],
                                 epilog="Example: sim-explore --out results/explore/borders "
                                        "--lever policy.russia_refugee_pressure.level=0,1 "
                                        "--lever policy.western_hosting.usd_m_per_year=0,200 "
                                        "uncertainty=ranges futures=200 replicates=5")
    ap.add_argument("overrides", nargs="*", help="Hydra overrides for every policy (futures=, replicates=, "
                                                 "uncertainty=, seed=, executor=, workers=, model.*)")
    ap.add_argument("--list", action="store_true", help="print the XLRM frame (uncertainties, levers, "
                                                        "relationships, measures) and exit")
    ap.add_argument("--out", type=Path, help="exploration folder (new, or an interrupted one to resume)")
    ap.add_argument("--experiments", nargs="*", default=[], help="named experiments, each a policy")
    ap.add_argument("--lever", action="append", default=[], metavar="KEY=V1,V2|LO:HI",
                    help="a lever setting and its grid values (or range, with --sample); repeat for more")
    ap.add_argument("--sample", type=int, default=0, help="Latin hypercube of N policies over the --lever ranges")
    ap.add_argument("--base", default="baseline", help="experiment the grid or sample is set on (default baseline)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    # `--experiments a b futures=10`: argparse hands the override to --experiments; it is an override.
    args.overrides += [e for e in args.experiments if "=" in e]
    args.experiments = [e for e in args.experiments if "=" not in e]
    if args.list:
        from sim.xlrm import frame_text

        print(frame_text())
        return
    if args.out is None:
        fail("sim-explore", "--out: give the exploration folder")
    if args.sample < 0:
        fail("sim-explore", f"--sample {args.sample}: must be 0 or more")
    bad = [o for o in args.overrides if o.startswith(("experiment=", "policy."))]
    if bad:
        fail("sim-explore", f"{bad[0]}: policies are set with --experiments and --lever, not as common overrides")
    from sim.workers import start_server

    start_server()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        policies = policies_from(args.experiments, args.lever, args.sample, args.base)
        out = explore(policies, args.overrides, args.out, quiet=args.quiet)
    except input_errors() as e:
        fail("sim-explore", one_line(e))
    rec = json.loads((out / PLAN).read_text(encoding="utf-8"))
    print(f"\n{len(policies)} policies x {rec['futures']} futures x {rec['replicates']} replicates = "
          f"{rec['runs']} runs in {rec['wall_time_s']:.0f} s\nexploration: {out}\n"
          f"next: sim-robust {out}   and   sim-discover {out} --policy NAME --condition '...'")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
