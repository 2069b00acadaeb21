"""``sim-dashboard``: serve the dashboard on this machine and print its address.

Binds to 127.0.0.1 unless ``--host`` says otherwise; reads results only under ``--results``
(default ``results/``); refuses runs of more than ``--budget`` futures x replicates.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path
from typing import Sequence

from sim.errors import fail


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="sim-dashboard", description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    ap.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    ap.add_argument("--results", type=Path, default=Path("results"), help="results root to browse (read only)")
    ap.add_argument("--budget", type=int, default=None, help="most runs (futures x replicates) per press of Run")
    args = ap.parse_args(argv)
    from sim.dashboard.logic import BUDGET

    budget = BUDGET if args.budget is None else args.budget
    if budget < 1:
        fail("sim-dashboard", f"--budget {budget}: must be at least 1")
    if not 0 <= args.port <= 65535:
        fail("sim-dashboard", f"--port {args.port}: must be 0-65535")
    port = args.port or free_port(args.host)
    os.environ.update({"SOLARA_APP": "sim.dashboard.app", "SIM_DASHBOARD_RESULTS": str(args.results.resolve()),
                       "SIM_DASHBOARD_BUDGET": str(budget), "SERVER_NAME": args.host, "SERVER_PORT": str(port)})
    import uvicorn

    from sim.dashboard.logic import warm_pool

    warm_pool()  # the workers and their compiled kernels, before the first request
    print(f"dashboard: http://{args.host}:{port}/", flush=True)
    try:
        uvicorn.run("solara.server.starlette:app", host=args.host, port=port, log_level="warning")
    except OSError as e:
        fail("sim-dashboard", f"--port {port}: cannot serve there ({e.strerror or e})")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
