"""``sim-bench robust``: the time of a memo's exploration (policies x futures x replicates through
``sim-explore``) and of scenario discovery (PRIM, CART and extra-trees feature scores) on a large
synthetic table of futures."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def bench_discovery(rows: int, dims: int, seed: int = 0) -> dict[str, float]:
    """Seconds for feature scores, PRIM on the top 20 and CART on `rows` x `dims` uniform uncertainties,
    the case of interest a box in two of them."""
    from sim.discover import cart_rules, feature_scores, prim_box

    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.random((rows, dims)), columns=[f"x{i}" for i in range(dims)])
    y = ((x["x0"] > 0.6) & (x["x1"] < 0.3)).to_numpy()
    out = {}
    t = time.perf_counter()
    scores = feature_scores(x, y, seed)
    out["feature scores (extra trees)"] = time.perf_counter() - t
    t = time.perf_counter()
    box = prim_box(x[list(scores.index[:20])], y)
    out["PRIM on the 20 best-scored"] = time.perf_counter() - t
    t = time.perf_counter()
    cart_rules(x, y, seed=seed)
    out["CART depth 3"] = time.perf_counter() - t
    found = sorted(box.limits.index)
    print(f"  (PRIM's box restricts {', '.join(found)}; the true box is x0 > 0.6 and x1 < 0.3)")
    return out


def bench_exploration(policies: int, futures: int, replicates: int, horizon: int, workers: int) -> tuple[float, int]:
    """Seconds and runs of a sim-explore of `policies` grid points over Moscow's pressure."""
    from sim.explore import Policy, explore

    levels = np.linspace(0.0, 1.0, policies)
    pols = [Policy(f"p{i}", ("experiment=baseline", f"policy.russia_refugee_pressure.level={v:.6g}"))
            for i, v in enumerate(levels)]
    common = ["uncertainty=ranges", f"futures={futures}", f"replicates={replicates}", f"workers={workers}",
              f"model.calendar.horizon_months={horizon}", "progress=false"]
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        explore(pols, common, Path(tmp) / "ex", quiet=True)
        return time.perf_counter() - t, policies * futures * replicates


def bench_robust_cli(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="sim-bench robust", description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000, help="futures of the synthetic discovery table")
    ap.add_argument("--dims", type=int, default=50, help="uncertainties of the synthetic discovery table")
    ap.add_argument("--policies", type=int, default=8)
    ap.add_argument("--futures", type=int, default=200)
    ap.add_argument("--replicates", type=int, default=5)
    ap.add_argument("--horizon", type=int, default=60, help="months per run")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-exploration", action="store_true")
    args = ap.parse_args(argv)
    print(f"scenario discovery on {args.rows:,} futures x {args.dims} uncertainties:")
    total = 0.0
    for what, s in bench_discovery(args.rows, args.dims).items():
        total += s
        print(f"  {what}: {s:.1f} s")
    print(f"  all three: {total:.1f} s")
    if not args.skip_exploration:
        from sim.workers import start_server

        start_server()
        s, n = bench_exploration(args.policies, args.futures, args.replicates, args.horizon, args.workers)
        print(f"exploration: {args.policies} policies x {args.futures} futures x {args.replicates} replicates = "
              f"{n:,} runs ({args.horizon} months), {args.workers} workers: {s:.0f} s ({s / 60:.1f} min), "
              f"{n / s:.2f} runs/s")
