"""``sim-calibrate all``: history matching of the whole model to what was observed from August
2021 to the end of 2022, with Gaussian-process emulators (scikit-learn).

Why history matching rather than ABC-SMC: the training data are a dozen sparse counts whose
published versions disagree by up to 25 times (UNHCR's recorded arrivals in Iran against the
government's estimate), so the honest question is which parameter values the data rule out,
not a likelihood; and every simulation runs through the project's own executors (local pool or
Dask) in fixed batches, so the result is the same for a seed whatever the number of workers
(pyabc's parallel samplers accept particles in the order they finish).

Steps, each seeded from ``--seed``:

1. **Targets**: every training observation (period ending by 2022-12-31) the observation model
   compares (:mod:`sim.hindcast`), on the log scale: z = log(observed) - E[log coverage], with
   variance error_sd^2 + Var[log coverage] + a model discrepancy (``--discrepancy``, log sd).
2. **Screen**: Morris elementary effects (SALib, through sim.design and sim.sensitivity) of every
   parameter with a declared range on each target's log count, one replicate per point; a
   parameter's score is its largest mu* over the targets in units of the target's sd. The
   ``--parameters`` highest are calibrated; the others stay at their defaults.
3. **Waves**: each wave runs ``--points`` parameter sets (a scrambled Sobol' sequence over the
   declared distributions, kept where every earlier wave's emulators find them plausible) x
   ``--replicates`` replicates, and fits one emulator per target to the replicate means. The
   implausibility of a point is the largest over targets of |z - E[emulator]| over the square
   root of the target's variance + the emulator's variance + the replicate variance / R;
   points above ``--cutoff`` (3, Pukelsheim's rule) are ruled out.
4. **Draws**: the points the last emulators keep are simulated, and those whose simulated
   implausibility is under the cut-off are the draws, written as a parameter-set file (one row
   per draw, columns = dotted names) with a description (data and code versions, targets, the
   screen, the waves, runs and wall time) that ``uncertainty=posterior`` reads.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim import hindcast as hc
from sim.posterior import POSTERIOR_DIR, code_version, data_version
from sim.uncertainty import Uncertain, from_unit, uncertain_parameters

class CalibrationError(ValueError):
    """A calibration that cannot run or ends with nothing; the message is one line."""


# --------------------------------------------------------------------------- targets
@dataclass(frozen=True)
class Target:
    label: str          # series/country/period end
    series: str
    measure: str
    start: dt.date
    end: dt.date
    observed: float
    z: float            # log(observed) - E[log coverage]
    var: float          # observation + coverage + discrepancy variance (log scale)


def _log_coverage(lo: float, hi: float) -> tuple[float, float]:
    """Mean and variance of log c for c uniform on [lo, hi]."""
    if hi <= lo:
        return float(np.log(lo)), 0.0
    c = np.linspace(lo, hi, 2001)
    logs = np.log(c)
    return float(logs.mean()), float(logs.var())


def training_targets(first: dt.date, last: dt.date, discrepancy: float, observations=None) -> list[Target]:
    from sim.observations import load_observations

    rows = hc.comparable(load_observations(observations), first, last)
    rows = rows[(rows["why_not"] == "") & (rows["period"] == "training") & (rows["value"] > 0)]
    out = []
    for _, r in rows.sort_values(["series", "country", "period_end"]).iterrows():
        o = hc.OBSERVABLES[r["series"]]
        mean, var = _log_coverage(*o.coverage)
        out.append(Target(f"{r['series']}/{r['country'] or '-'}/{r['period_end']}", r["series"], r["measure"],
                          r["period_start"], r["period_end"], float(r["value"]), float(np.log(r["value"]) - mean),
                          o.error_sd ** 2 + var + discrepancy ** 2))
    if not out:
        raise CalibrationError("no training observation the observation model can compare (sim/hindcast.py)")
    return out


# --------------------------------------------------------------------------- simulation
def simulate(cfg, table: pd.DataFrame, replicates: int, targets: list[Target], network) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance over `replicates` of each target's log count at each row of `table`
    (``future`` then dotted parameter columns): arrays (rows, targets). Every row runs in the
    same replicates' worlds of chance (common random numbers)."""
    from sim.runner import run_batch

    run_cfg = copy.deepcopy(cfg)
    run_cfg.futures, run_cfg.replicates, run_cfg.progress = len(table), replicates, False
    batch = run_batch(run_cfg, network, futures=table, common_seeds=True)  # common random numbers
    outcomes = sorted({hc.MEASURES[t.measure][1] for t in targets})
    wide = hc.wide_tables(batch.timeseries, outcomes)
    index = next(iter(wide.values())).index
    params = hc.run_params(run_cfg, table, index)
    logs = np.column_stack([np.log(np.maximum(hc.measure_values(wide, t.measure, t.start, t.end, params), 1.0))
                            for t in targets])  # runs in (future, replicate) order
    logs = logs.reshape(len(table), replicates, len(targets))
    return logs.mean(axis=1), logs.var(axis=1, ddof=1) if replicates > 1 else np.zeros((len(table), len(targets)))


def values_table(params: list[Uncertain], u: np.ndarray) -> pd.DataFrame:
    """The futures table of unit-cube points `u` (rows x parameters) under the declared distributions."""
    cols = {"future": np.arange(len(u), dtype="int64")}
    for j, p in enumerate(params):
        x = from_unit(u[:, j], p.dist, *p.range, p.default, p.integer)
        cols[p.name] = x.astype("int64") if p.integer else x
    return pd.DataFrame(cols)


# --------------------------------------------------------------------------- screening
def screen(cfg, targets: list[Target], trajectories: int, seed: int, network,
           groups: tuple[str, ...] = ("model", "scenario")) -> pd.DataFrame:
    """Morris screen of every declared range under `groups` (dotted prefixes): per parameter, the
    largest mu* over the targets in units of the target's sd, in decreasing order."""
    from sim.design import build, select
    from sim.sensitivity import analyze

    params = select(groups=list(groups))
    table, spec = build(params, "morris", trajectories, seed)
    table = table.rename(columns={"point": "future"})
    means, _ = simulate(cfg, table, 1, targets, network)
    x = table.drop(columns="future").to_numpy(dtype=float)
    scores = pd.Series(0.0, index=[p.name for p in params])
    for k, t in enumerate(targets):
        y = means[:, k]
        if np.ptp(y) == 0:
            continue
        si = analyze(spec, x, {t.label: y}, "morris", seed=seed)
        scores = np.maximum(scores, si.set_index("parameter")["mu_star"] / np.sqrt(t.var))
    return scores.sort_values(ascending=False).rename("score").rename_axis("parameter").reset_index()


# --------------------------------------------------------------------------- emulators
class Emulators:
    """One Gaussian process per target, on the unit-cube coordinates, fitted to replicate means."""

    def __init__(self, u: np.ndarray, means: np.ndarray, rep_var: np.ndarray, replicates: int, seed: int) -> None:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

        d = u.shape[1]
        self.models = []
        for k in range(means.shape[1]):
            kernel = (ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.full(d, 0.5), (0.05, 20.0))
                      + WhiteKernel(max(float(np.mean(rep_var[:, k])) / replicates, 1e-6), (1e-8, 10.0)))
            gp = GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=2, random_state=seed + k)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)  # a length scale at its bound: flat in it
                gp.fit(u, means[:, k])
            self.models.append(gp)
        self.rep_var = rep_var.mean(axis=0) / replicates

    def implausibility(self, u: np.ndarray, targets: list[Target]) -> np.ndarray:
        """Largest standardised distance over targets at each point."""
        worst = np.zeros(len(u))
        for k, (gp, t) in enumerate(zip(self.models, targets)):
            mean, sd = gp.predict(u, return_std=True)
            worst = np.maximum(worst, np.abs(t.z - mean) / np.sqrt(t.var + sd ** 2 + self.rep_var[k]))
        return worst


def implausibility(means: np.ndarray, rep_var: np.ndarray, replicates: int, targets: list[Target]) -> np.ndarray:
    """The simulated implausibility of each point (rows of `means`)."""
    z = np.array([t.z for t in targets])
    var = np.array([t.var for t in targets])
    return (np.abs(z - means) / np.sqrt(var + rep_var / replicates)).max(axis=1)


def _sobol(n: int, d: int, seed: int, skip: int = 0) -> np.ndarray:
    from scipy.stats import qmc

    m = int(np.ceil(np.log2(max(n + skip, 2))))
    return qmc.Sobol(d, scramble=True, seed=seed).random_base2(m)[skip:skip + n]


def plausible_points(emulators: list[Emulators], targets, n: int, d: int, seed: int, cutoff: float,
                     max_candidates: int = 2 ** 16) -> tuple[np.ndarray, float]:
    """Up to `n` unit-cube points every emulator finds plausible, in Sobol' order, and the share
    of candidates kept."""
    cand = _sobol(max_candidates, d, seed)
    keep = np.ones(len(cand), dtype=bool)
    for em in emulators:
        idx = np.flatnonzero(keep)
        keep[idx] = em.implausibility(cand[idx], targets) < cutoff
    return cand[keep][:n], float(keep.mean())


@dataclass
class Settings:
    parameters: int = 8
    trajectories: int = 4
    waves: int = 3
    points: int = 160
    replicates: int = 4
    draws: int = 200
    screen: tuple[str, ...] = ("model", "scenario")  # prefixes of the parameters screened
    cutoff: float = 3.0
    discrepancy: float = 0.2
    seed: int = 1


def history_match(cfg, s: Settings, network, log=print) -> tuple[pd.DataFrame, dict]:
    """The draws (``future`` dropped: one row per draw) and the description for their file."""
    t0 = time.perf_counter()
    start = dt.date.fromisoformat(cfg.model.calendar.start)
    cfg = copy.deepcopy(cfg)
    cfg.model.calendar.horizon_months = hc.months_spanned(start, hc.TRAIN_END)
    targets = training_targets(start, hc.TRAIN_END, s.discrepancy)
    runs = 0
    ranking = screen(cfg, targets, s.trajectories, s.seed, network, tuple(s.screen))
    log(f"{len(targets)} training targets; screened {len(ranking)} parameters ({s.trajectories} Morris "
        "trajectories)")
    runs += s.trajectories * (len(ranking) + 1)
    chosen = [uncertain_parameters()[n] for n in ranking["parameter"].head(s.parameters)]
    log("calibrating: " + ", ".join(p.name for p in chosen))
    d = len(chosen)
    emulators: list[Emulators] = []
    waves = []
    for w in range(s.waves):
        if emulators:
            u, kept = plausible_points(emulators, targets, s.points, d, s.seed + w, s.cutoff)
        else:
            u, kept = _sobol(s.points, d, s.seed + w), 1.0
        if len(u) < 2 * d:
            raise CalibrationError(f"wave {w + 1}: only {len(u)} of 65,536 candidates are plausible; the "
                                   "targets rule out the declared ranges (see the discrepancy, --discrepancy)")
        means, rep_var = simulate(cfg, values_table(chosen, u), s.replicates, targets, network)
        runs += len(u) * s.replicates
        sim_i = implausibility(means, rep_var, s.replicates, targets)
        emulators.append(Emulators(u, means, rep_var, s.replicates, s.seed + w))
        waves.append({"wave": w + 1, "points": len(u), "share_of_space_kept_before": kept,
                      "simulated_plausible": float((sim_i < s.cutoff).mean())})
        log(f"wave {w + 1}: {len(u)} points x {s.replicates} replicates; {100 * waves[-1]['simulated_plausible']:.0f}% "
            f"plausible when simulated; space kept by earlier waves {100 * waves[-1]['share_of_space_kept_before']:.1f}%")
    u, kept = plausible_points(emulators, targets, s.draws, d, s.seed + s.waves, s.cutoff)
    if len(u) == 0:
        raise CalibrationError("the emulators rule out every candidate; nothing to draw")
    means, rep_var = simulate(cfg, values_table(chosen, u), s.replicates, targets, network)
    runs += len(u) * s.replicates
    sim_i = implausibility(means, rep_var, s.replicates, targets)
    ok = sim_i < s.cutoff
    log(f"draws: {int(ok.sum())} of {len(u)} candidate points plausible when simulated "
        f"(space kept {100 * kept:.2f}%)")
    if not ok.any():
        raise CalibrationError(f"no simulated point has implausibility under {s.cutoff} (best {sim_i.min():.2f}); "
                               "the model cannot reproduce the training data within the stated errors")
    draws = values_table(chosen, u[ok]).drop(columns="future")
    per_target = {t.label: {"observed": t.observed, "z": t.z, "sd": float(np.sqrt(t.var)),
                            "simulated_median_log_of_draws": float(np.median(means[ok, k]))}
                  for k, t in enumerate(targets)}
    about = {
        "made_by": "sim-calibrate all: history matching with Gaussian-process emulators (scikit-learn), "
                   "Morris screening (SALib); the draws are the simulated points the training data do not rule out",
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "data_version": data_version(), "code_version": code_version(),
        "training_period": [str(start), str(hc.TRAIN_END)], "settings": asdict(s),
        "targets": per_target, "screened": len(ranking), "screen": ranking.head(20).to_dict(orient="records"),
        "parameters": [p.name for p in chosen], "waves": waves, "draws": int(ok.sum()),
        "final_implausibility": {"min": float(sim_i.min()), "median_of_draws": float(np.median(sim_i[ok]))},
        "runs": int(runs), "wall_seconds": round(time.perf_counter() - t0, 1),
        "executor": cfg.executor.kind.value, "workers": int(cfg.workers),
    }
    return draws, about


def write_posterior(draws: pd.DataFrame, about: dict, out_dir: Path, replace: bool = False) -> Path:
    """Write ``posterior.csv`` and ``posterior.json`` into `out_dir` together (staged: both or none)."""
    from sim.store import staged

    with staged(out_dir, last="posterior.json", replace=replace) as staging:
        draws.to_csv(staging / "posterior.csv", index=False)
        (staging / "posterior.json").write_text(json.dumps(about, indent=2) + "\n")
    return Path(out_dir) / "posterior.csv"


def main(argv=None) -> None:
    """``sim-calibrate all [OVERRIDES] [options]``."""
    import argparse

    from sim.compose import compose
    from sim.errors import input_errors, reported
    from sim.network import load_network
    from sim.observations import ObservationDataError
    from sim.store import ResultsError

    d = Settings()
    ap = argparse.ArgumentParser(prog="sim-calibrate all", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("overrides", nargs="*", help="Hydra overrides for the runs (e.g. executor=dask workers=4)")
    ap.add_argument("--parameters", type=int, default=d.parameters, help=f"parameters to calibrate ({d.parameters})")
    ap.add_argument("--trajectories", type=int, default=d.trajectories, help=f"Morris trajectories ({d.trajectories})")
    ap.add_argument("--waves", type=int, default=d.waves, help=f"history-matching waves ({d.waves})")
    ap.add_argument("--points", type=int, default=d.points, help=f"parameter sets per wave ({d.points})")
    ap.add_argument("--replicates", type=int, default=d.replicates, help=f"replicates per set ({d.replicates})")
    ap.add_argument("--draws", type=int, default=d.draws, help=f"candidate draws simulated at the end ({d.draws})")
    ap.add_argument("--cutoff", type=float, default=d.cutoff, help=f"implausibility cut-off ({d.cutoff})")
    ap.add_argument("--discrepancy", type=float, default=d.discrepancy,
                    help=f"model discrepancy, log sd ({d.discrepancy})")
    ap.add_argument("--seed", type=int, default=d.seed, help=f"seed of the designs and emulators ({d.seed})")
    ap.add_argument("--screen", default=",".join(d.screen),
                    help="comma-separated prefixes of the parameters to screen (default: model,scenario)")
    ap.add_argument("--out", type=Path, default=None,
                    help="folder for posterior.csv and posterior.json (default results/calibration/all_<time>)")
    ap.add_argument("--ship", action="store_true", help=f"write into {POSTERIOR_DIR} (replacing the shipped file)")
    args = ap.parse_args(argv)
    for name in ("parameters", "trajectories", "waves", "points", "replicates", "draws"):
        if getattr(args, name) < 1:
            ap.error(f"--{name} must be at least 1")
    if args.cutoff <= 0 or args.discrepancy < 0:
        ap.error("--cutoff must be positive and --discrepancy at least 0")
    settings = Settings(**{k: getattr(args, k) for k in asdict(d) if k != "screen"},
                        screen=tuple(x.strip() for x in args.screen.split(",") if x.strip()))
    out = POSTERIOR_DIR if args.ship else (
        args.out or Path("results") / "calibration" / f"all_{time.strftime('%Y-%m-%d_%H-%M-%S')}")
    with reported("sim-calibrate", *input_errors(), CalibrationError, ObservationDataError, ResultsError):
        if not args.ship and (Path(out) / "posterior.json").exists():
            raise CalibrationError(f"{Path(out) / 'posterior.json'} already exists; choose another --out")
        cfg = compose(args.overrides)
        network = load_network(cfg.model.network.locations_file, cfg.model.network.links_file)
        draws, about = history_match(cfg, settings, network, log=lambda m: print(m, flush=True))
        path = write_posterior(draws, about, out, replace=args.ship)
    print(f"{about['draws']} draws of {len(about['parameters'])} parameters from {about['runs']} runs in "
          f"{about['wall_seconds']:.0f} s ({about['executor']}, workers={about['workers']})")
    print(f"written: {path} (and posterior.json)")
