"""Benchmarks: ``sim-bench refugees`` measures the refugee movement kernel (and FLEE, if installed);
``sim-bench model`` times whole replicates, their phases, memory and batch throughput;
``sim-bench ensemble`` measures ensembles of futures x replicates written to disk (throughput
against a plain batch, peak memory, the local pool against Dask).

The movement runs alone on the shipped network: N people (one per agent) start in the
Afghan regions in proportion to population and move for D days under FLEE's rules, with
every border open and nobody displaced, returning or moving on, so that every agent stays
alive. With the ``bench`` extra installed, FLEE 3 runs the same network (exported to its
input CSVs) with the same people and days, and the ratio of speeds is printed.
"""

from __future__ import annotations

import argparse
import copy
import csv
import io
import statistics
import sys
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np

from sim.errors import fail
from sim.config import Config
from sim.network import Network, load_network


def movement_config(days: int) -> Config:
    """Movement alone: everyone admitted, nobody displaced, returning, or moving on."""
    cfg = Config()
    cfg.model.calendar.horizon_months = max(1, days // 28 + 1)
    r = cfg.model.refugees
    r.people_per_agent = 1
    r.displacement_rate = 0.0
    r.militant_share = 0.0
    r.onward_rate = 0.0
    r.give_up_after_turn_back = 0.0
    for border in (r.irn, r.pak, r.rus, r.tur, r.weu):
        border.admit_share, border.return_rate = 1.0, 0.0
    r.central_asia.return_rate = 0.0
    cfg.model.states.admission.intercept = 40.0
    return cfg


def _start_counts(network: Network, people: int) -> dict[str, int]:
    regions = network.of_kind("afghan_region")
    pop = np.array([loc.population for loc in regions], dtype=float)
    counts = np.floor(people * pop / pop.sum()).astype(int)
    counts[0] += people - counts.sum()
    return {loc.id: int(c) for loc, c in zip(regions, counts)}


def bench_ours(network: Network, people: int, days: int, seed: int = 1) -> float:
    """Seconds to move `people` agents for `days` days with the refugee kernel."""
    from sim.refugees import phase as refugees
    from sim.model import SpilloverModel

    model = SpilloverModel(movement_config(days), rng=seed, network=network)
    st = model.refugees
    for loc_id, n in _start_counts(network, people).items():
        st.agents.add(n, np.full(n, st.net.ids.index(loc_id)), 1, np.zeros(n, dtype=np.int64))
        st.cum_displaced += n
    st.count_occupancy()
    t0 = time.perf_counter()
    for _ in range(days):
        model.day += 1
        refugees.step(model)
    elapsed = time.perf_counter() - t0
    if refugees.stocks(model)["cum_returned"] or st.agents.n != people:
        raise RuntimeError("benchmark agents did not all stay alive")
    return elapsed


# --------------------------------------------------------------------------- FLEE
FLEE_TYPES = {"afghan_region": "conflict_zone", "host": "camp", "market": "camp"}


def export_flee_inputs(network: Network, folder: Path, host_capacity_share: float) -> None:
    """Write the network as FLEE's locations.csv, routes.csv (land links only) and closures.csv (none)."""
    folder.mkdir(parents=True, exist_ok=True)
    # FLEE takes the first location's country as home: put Afghan regions first.
    locs = sorted(network.locations.values(), key=lambda x: x.country != "AFG")
    with open(folder / "locations.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["#name", "region", "country", "lat", "lon", "location_type", "conflict_date", "pop/cap"])
        for loc in locs:
            kind = FLEE_TYPES.get(loc.kind, "town")
            size = int(loc.population * host_capacity_share) if kind == "camp" else loc.population
            w.writerow([loc.id, loc.country, loc.country, loc.lat, loc.lon, kind, 0, size])
    with open(folder / "routes.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["#name1", "name2", "distance", "forced_redirection"])
        for link in network.links:
            if link.mode != "sea":
                w.writerow([link.from_id, link.to_id, link.km, 0])
    (folder / "closures.csv").write_text("#closure_type,name1,name2,closure_start,closure_end\n")


def bench_flee(network: Network, people: int, days: int, host_capacity_share: float) -> float | None:
    """Seconds for FLEE to move the same people for the same days; None when FLEE is not installed."""
    try:
        from flee import flee
        from flee.InputGeography import InputGeography
        from flee.SimulationSettings import SimulationSettings
    except ImportError:
        return None
    with tempfile.TemporaryDirectory() as tmp, redirect_stderr(io.StringIO()), redirect_stdout(io.StringIO()):
        folder = Path(tmp)
        export_flee_inputs(network, folder, host_capacity_share)
        (folder / "simsetting.yml").write_text("log_levels:\n  agent: 0\n  link: 0\n  camp: 0\n")
        SimulationSettings.ReadFromYML(str(folder / "simsetting.yml"))
        e = flee.Ecosystem()
        ig = InputGeography()
        ig.ReadLocationsFromCSV(str(folder / "locations.csv"))
        ig.ReadLinksFromCSV(str(folder / "routes.csv"))
        ig.ReadClosuresFromCSV(str(folder / "closures.csv"))
        e, lm = ig.StoreInputGeographyInEcosystem(e)
        for loc_id, n in _start_counts(network, people).items():
            for _ in range(n):  # Ecosystem.insertAgents fails in flee 3.1 (Person needs attributes)
                e.addAgent(lm[loc_id], {})
        t0 = time.perf_counter()
        for _ in range(days):
            e.evolve()
        return time.perf_counter() - t0


def bench_refugees_cli(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="sim-bench refugees", description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[50_000, 200_000], help="people alive")
    ap.add_argument("--days", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=3, help="runs per size; the median is reported")
    ap.add_argument("--flee-days", type=int, default=None,
                    help="days for FLEE (default: --days); FLEE's cost per agent-step is flat in time")
    ap.add_argument("--no-flee", action="store_true", help="skip FLEE even if it is installed")
    args = ap.parse_args(argv)
    network = load_network()
    share = Config().model.refugees.movement.host_capacity_share
    print(f"refugee movement on the shipped network ({len(network.locations)} locations), one person per agent")
    print(f"{'people':>9} {'days':>5} {'ours s':>9} {'ours agent-steps/s':>19} {'FLEE s':>9} "
          f"{'FLEE agent-steps/s':>19} {'ratio':>7}")
    flee_missing = False
    for n in args.sizes:
        ours = statistics.median(bench_ours(network, n, args.days, seed=k) for k in range(args.repeats))
        rate = n * args.days / ours
        flee_days = args.flee_days or args.days
        flee_s = None if args.no_flee else bench_flee(network, n, flee_days, share)
        if flee_s is None:
            flee_missing = not args.no_flee
            print(f"{n:>9} {args.days:>5} {ours:>9.3f} {rate:>19,.0f} {'-':>9} {'-':>19} {'-':>7}")
        else:
            flee_rate = n * flee_days / flee_s
            print(f"{n:>9} {args.days:>5} {ours:>9.3f} {rate:>19,.0f} {flee_s:>9.2f} {flee_rate:>19,.0f} "
                  f"{rate / flee_rate:>7.1f}")
    if flee_missing:
        print("FLEE not installed: pip install -e '.[bench]' to compare", file=sys.stderr)


# --------------------------------------------------------------------------- whole model
class _TimedPhase:
    """A phase module whose ``step`` (and ``advance``, the quiet days it runs at once, if it has one)
    adds its wall time to ``seconds`` (benchmark only)."""

    def __init__(self, phase, seconds: dict[str, float]) -> None:
        self._phase = phase
        self.NAME = phase.NAME
        self._seconds = seconds
        self._step = self._timed(phase.step)
        if hasattr(phase, "advance"):  # only then: a phase without it keeps the model stepping daily
            self.advance = self._timed(phase.advance)

    def _timed(self, call):
        def timed(model, *args) -> None:
            t0 = time.perf_counter()
            call(model, *args)
            self._seconds[self.NAME] = self._seconds.get(self.NAME, 0.0) + time.perf_counter() - t0
        return timed

    def step(self, model) -> None:
        self._step(model)

    def __getattr__(self, name: str):
        return getattr(self._phase, name)


def time_replicates(cfg: Config, network: Network, seeds: list[int]) -> tuple[list[float], dict[str, float]]:
    """Wall seconds of each replicate, and seconds per phase step summed over them.

    Phases are timed by running the model with each phase module wrapped in a timer (the
    model itself carries no timers); the wrapper costs two perf_counter calls per phase call.
    """
    from sim.model import PHASES, SpilloverModel

    seconds: dict[str, float] = {}
    timed = tuple(_TimedPhase(ph, seconds) for ph in PHASES)
    times = []
    for seed in seeds:
        t0 = time.perf_counter()
        SpilloverModel(cfg, rng=seed, network=network, phases=timed).run()
        times.append(time.perf_counter() - t0)
    return times, seconds


def peak_memory_mb(cfg: Config, network: Network, seed: int = 1) -> tuple[float, float]:
    """(Python heap peak of one replicate by tracemalloc, process max RSS so far), in MB."""
    import resource
    import tracemalloc

    from sim.model import SpilloverModel

    tracemalloc.start()
    SpilloverModel(cfg, rng=seed, network=network).run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return peak / 1e6, rss_kb / 1e3


def server_start_s() -> float:
    """Seconds until the workers' forkserver runs warm and has forked a worker that answered (only the
    fork and the answer, once the server runs)."""
    from sim.workers import pool

    t0 = time.perf_counter()
    with pool(1) as p:
        p.apply(int)
    return time.perf_counter() - t0


def batch_throughput(cfg: Config, network: Network, replicates: int, workers: int) -> float:
    """Replicates per second of :func:`sim.runner.run_batch` (tables included) at `workers` workers."""
    from sim.runner import run_batch

    c = copy.deepcopy(cfg)
    c.replicates, c.workers, c.progress = replicates, workers, False
    t0 = time.perf_counter()
    run_batch(c, network)
    return replicates / (time.perf_counter() - t0)


def bench_mesa_people(network: Network, people: int, days: int, seed: int = 1) -> float:
    """Seconds for `people` plain ``mesa.Agent`` objects, one per person, to take `days` daily steps.

    Each agent does the refugee kernel's departure decision with Python objects: a uniform
    against its location's move chance, then a route drawn from the same route table
    (``sim.refugees.phase`` first-hop probabilities) and an instant hop to that neighbour. It does
    *less* than the kernel (no link travel, borders, screening or returns), so the ratio
    against the kernel is a lower bound on the kernel's advantage.
    """
    import bisect

    import mesa

    from sim.refugees import phase as refugees
    from sim.model import SpilloverModel

    model = SpilloverModel(movement_config(days), rng=seed, network=network)
    st = model.refugees
    table, total = refugees._route_table(st, model)
    degree = st.net.nbr.shape[1]
    rows = [list(table[i * degree:(i + 1) * degree]) for i in range(st.net.n_nodes)]
    nbr = st.net.nbr.tolist()
    move_chance = st.move_chance.tolist()
    has_route = (total > 0).tolist()

    class Person(mesa.Agent):
        def __init__(self, m, loc: int) -> None:
            super().__init__(m)
            self.loc = loc

        def step(self) -> None:
            rnd = self.model.random.random
            here = self.loc
            if rnd() < move_chance[here] and has_route[here]:
                slot = min(bisect.bisect_right(rows[here], here + rnd()), degree - 1)
                self.loc = nbr[here][slot]

    class PeopleModel(mesa.Model):
        def __init__(self) -> None:
            super().__init__(rng=seed)
            for loc_id, n in _start_counts(network, people).items():
                i = st.net.ids.index(loc_id)
                for _ in range(n):
                    Person(self, i)

        def step(self) -> None:
            self.agents.shuffle_do("step")

    m = PeopleModel()
    t0 = time.perf_counter()
    for _ in range(days):
        m.step()
    return time.perf_counter() - t0


def bench_model_cli(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="sim-bench model",
                                 description="Time one replicate of the baseline model, its phases, memory "
                                             "and batch throughput.")
    ap.add_argument("--repeats", type=int, default=5, help="timed replicates (after one warm-up); median reported")
    ap.add_argument("--replicates", type=int, default=100, help="replicates per throughput run")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts for throughput")
    ap.add_argument("--mesa-people", type=int, default=10_000,
                    help="people for the plain-Mesa-agent comparison (0 skips it)")
    ap.add_argument("--mesa-days", type=int, default=20)
    args = ap.parse_args(argv)
    network = load_network()
    cfg = Config()
    from sim.model import SpilloverModel

    SpilloverModel(cfg, rng=0, network=network).run()  # warm-up: numba kernels load or compile
    seeds = list(range(1, args.repeats + 1))
    plain = []
    for seed in seeds:  # the headline figure: no timers inside
        t0 = time.perf_counter()
        SpilloverModel(cfg, rng=seed, network=network).run()
        plain.append(time.perf_counter() - t0)
    per_rep = statistics.median(plain)
    print(f"baseline replicate ({cfg.model.calendar.horizon_months} months, daily steps), "
          f"median of {len(plain)} after a warm-up: {per_rep:.3f} s  (min {min(plain):.3f}, max {max(plain):.3f})")
    times, seconds = time_replicates(cfg, network, seeds)
    total = sum(times)
    print(f"share of replicate time per phase step (same seeds with a timer around each phase call, "
          f"{total / len(times):.3f} s per replicate):")
    for name, s in seconds.items():
        print(f"  {name:<10} {s / len(times):7.3f} s  {100 * s / total:5.1f}%")
    other = total - sum(seconds.values())
    print(f"  {'other':<10} {other / len(times):7.3f} s  {100 * other / total:5.1f}%  (calendar, recording, "
          "outcomes, Mesa)")
    heap, rss = peak_memory_mb(cfg, network)
    print(f"peak memory: {heap:.1f} MB Python heap in one replicate (tracemalloc), {rss:.0f} MB max RSS of "
          "this process")
    if any(w > 1 for w in args.workers):
        print(f"worker server: started and warm in {server_start_s():.2f} s (once per process; sim-run starts it "
              "while Hydra composes the config)")
    for w in args.workers:
        rate = batch_throughput(cfg, network, args.replicates, w)
        print(f"throughput, run_batch of {args.replicates} replicates, {w} worker(s): {rate:.2f} replicates/s "
              f"({args.replicates / rate:.1f} s)")
    if args.mesa_people > 0:
        n, d = args.mesa_people, args.mesa_days
        ours = statistics.median(bench_ours(network, n, d, seed=k) for k in range(3))
        mesa_s = bench_mesa_people(network, n, d)
        ours_rate, mesa_rate = n * d / ours, n * d / mesa_s
        print(f"per-person Mesa agents: {n:,} mesa.Agent objects x {d} days (move chance + route choice only) "
              f"{mesa_rate:,.0f} agent-steps/s; refugee kernel, same people and days (full daily pass) "
              f"{ours_rate:,.0f} agent-steps/s; ratio {ours_rate / mesa_rate:.0f}x")
        print("  (the kernel groups people: a baseline replicate moves groups of people_per_agent people, so per "
              "person the gap is larger still; see `sim-bench refugees` for FLEE)")


class PeakRSS:
    """The peak memory of this process and all its descendants together, sampled from /proc every
    `interval` seconds in a thread while the block runs (Linux; 0 elsewhere). Each process counts
    its proportional set size (PSS: pages shared with others, such as those the workers share with
    their forkserver, split between them), so the sum is what the processes occupy together."""

    # Reading a process's PSS walks its page tables: a sample of sim-run's processes takes about
    # 65 ms of a core here, so sampling every 0.2 s took a quarter of a core from the workers
    # being measured. Memory moves slowly against that: every 2 s.
    def __init__(self, interval: float = 2.0) -> None:
        import threading

        self.interval, self.peak, self.main_peak = interval, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def _rss(pid: int) -> int:
        for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
            try:
                for line in Path(path).read_text().splitlines():
                    if line.startswith(key):
                        return int(line.split()[1]) * 1024
            except OSError:
                continue
        return 0

    @staticmethod
    def _tree(pid: int) -> list[int]:
        out, todo = [], [pid]
        while todo:
            p = todo.pop()
            out.append(p)
            for task in Path(f"/proc/{p}/task").glob("*/children"):
                try:
                    todo += [int(c) for c in task.read_text().split()]
                except OSError:
                    pass
        return out

    def _sample(self) -> None:
        import os

        me = os.getpid()
        while not self._stop.is_set():
            self.main_peak = max(self.main_peak, self._rss(me))
            self.peak = max(self.peak, sum(self._rss(p) for p in self._tree(me)))
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakRSS":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def ensemble_once(overrides: list[str]) -> tuple[float, int, "PeakRSS"]:
    """(seconds, runs, peak memory) of ``sim-run`` with `overrides` into a temporary folder, in this
    process (the pipeline as sim-run calls it, the workers' server already warm)."""
    from sim.compose import compose
    from sim.pipeline import run

    cfg = compose([*overrides, "progress=false"])
    with tempfile.TemporaryDirectory() as tmp, PeakRSS() as mem, redirect_stdout(io.StringIO()):
        t0 = time.perf_counter()
        run(cfg, Path(tmp) / "r")
        seconds = time.perf_counter() - t0
    return seconds, cfg.futures * cfg.replicates, mem


def _default_draws(folder: Path, futures: int) -> Path:
    """A parameter-set file of `futures` identical draws at the defaults (one column), so that an
    ensemble does the same work as a plain batch and only the machinery of futures differs."""
    import json

    path = folder / "defaults.csv"
    value = Config().scenario.drought_severity
    path.write_text("scenario.drought_severity\n" + f"{value!r}\n" * futures)
    path.with_suffix(".json").write_text(json.dumps({"made_by": "sim-bench ensemble: every draw at the default"}))
    return path


def bench_ensemble_cli(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="sim-bench ensemble",
                                 description="Ensembles of futures x replicates written to disk: throughput per core "
                                             "against a plain batch, time and peak memory of an ensemble drawn from "
                                             "the ranges, the local pool against Dask.")
    ap.add_argument("--futures", type=int, default=1000)
    ap.add_argument("--replicates", type=int, default=10)
    ap.add_argument("--horizon", type=int, default=60, help="months per run")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--plain", type=int, default=400, help="runs of the plain batch and of its ensemble twin")
    ap.add_argument("--executors", nargs="+", default=["local", "dask"], choices=["local", "dask"])
    ap.add_argument("--dask-scaling", action="store_true",
                    help="also run the ensemble on a Dask LocalCluster of 1 worker, for the 2-against-1 speed-up")
    ap.add_argument("--skip-throughput", action="store_true", help="only the ensemble drawn from the ranges")
    args = ap.parse_args(argv)
    from sim.workers import start_server

    start_server()
    horizon = f"model.calendar.horizon_months={args.horizon}"
    w = args.workers
    ensemble_once([horizon, f"replicates={2 * w}", f"workers={w}"])  # warm-up: the workers and their kernels
    if not args.skip_throughput:
        s, n, _ = ensemble_once([horizon, f"replicates={args.plain}", f"workers={w}"])
        plain = n / s / w
        print(f"plain batch: sim-run replicates={args.plain} ({args.horizon} months), {w} workers: {n / s:.2f} runs/s, "
              f"{plain:.2f} runs/s per core")
        twin = max(1, args.plain // 10)
        with tempfile.TemporaryDirectory() as tmp:
            draws = _default_draws(Path(tmp), twin)
            s, n, _ = ensemble_once([horizon, "uncertainty=posterior", f"uncertainty.file={draws}", f"futures={twin}",
                                     f"replicates={args.plain // twin}", f"workers={w}"])
        print(f"ensemble of the same work: {twin} futures (identical draws at the defaults) x {args.plain // twin} "
              f"replicates, {w} workers: {n / s:.2f} runs/s, {n / s / w:.2f} runs/s per core, "
              f"{n / s / w / plain:.0%} of the plain batch's")
    ens = [horizon, "uncertainty=ranges", f"futures={args.futures}", f"replicates={args.replicates}"]
    for kind in args.executors:
        s, n, mem = ensemble_once([*ens, f"workers={w}", f"executor={kind}"])
        print(f"ensemble drawn from the ranges: {args.futures} futures x {args.replicates} replicates = {n:,} runs, "
              f"executor={kind}, {w} workers: {s:.1f} s ({s / 60:.1f} min), {n / s:.2f} runs/s; peak memory "
              f"{mem.peak / 2**30:.2f} GiB all processes (PSS), {mem.main_peak / 2**20:.0f} MiB the main process")
        if kind == "dask" and args.dask_scaling:
            s1, _, _ = ensemble_once([*ens, "workers=1", "executor=dask"])
            print(f"  the same on a Dask LocalCluster of 1 worker: {s1:.1f} s; {w} workers are {s1 / s:.2f} times "
                  "as fast")


def main(argv: list[str] | None = None) -> None:
    """``sim-bench TARGET [options]``; targets: refugees, model, ensemble, robust."""
    from sim.bench_robust import bench_robust_cli

    argv = list(sys.argv[1:] if argv is None else argv)
    targets = {"refugees": bench_refugees_cli, "model": bench_model_cli, "ensemble": bench_ensemble_cli,
               "robust": bench_robust_cli}
    if not argv or argv[0] not in targets:
        fail("sim-bench", f"give a target: sim-bench {{{','.join(targets)}}} [options]")
    targets[argv[0]](argv[1:])
