"""The observation model and the hindcast: what the model's state shows as each published count,
and how well a baseline ensemble predicts the observations it was not fitted to.

Each observable series (:data:`OBSERVABLES`) says which model quantity the published figure
counts, over which period (a flow summed over the row's period, or a level at its end), what
share of it the publisher records (``coverage``: registration lags and under-coverage) and how
far a published figure strays from what it counts (``error_sd``: a log-normal error). A row is
*compared* when its whole period lies inside the run (a count since a date before the run: when
at least half its span does); the others are listed with the reason they are not. Rows ending on or before :data:`TRAIN_END` are the training period (what a
calibration may fit), the later ones the validation period.

Per compared row, the prediction is the distribution over the ensemble's runs (futures x
replicates) of the modelled count times the coverage and the observation error (a fixed number
of draws per run, from a generator seeded by the run's root seed). The scores, after FLEE's
validation (Suleimenova, Bell and Groen 2017): whether the observation lies inside the 50% and
90% intervals, the absolute relative difference of the median (ARD), and skill against a naive
forecast, the last training-period value of the same series carried forward (scaled to the
period's length for a flow).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis import RUN, with_future
from sim.config import get_value
from sim.narcotics.routes import SEIZING

TRAIN_END = dt.date(2022, 12, 31)
NOISE_DRAWS = 20  # observation-error draws per run
GROUP = ["series", "country", "route", "unit"]
MIN_IN_RUN = 0.5  # a count since a date before the run is compared when at least this share of its span is in it


def in_run_share(row, first: dt.date) -> float:
    """Share of a row's period (in days) that lies on or after the run's first day."""
    span = (row["period_end"] - row["period_start"]).days + 1
    return max(0, (row["period_end"] - max(row["period_start"], first)).days + 1) / span


class HindcastError(ValueError):
    """An input the hindcast cannot use; the message is one line for the user."""


@dataclass(frozen=True)
class Observable:
    """What one published series counts in the model's terms."""

    series: str
    measure: str                 # a key of MEASURES
    error_sd: float              # log-normal sd of the published figure around what it counts
    coverage: tuple[float, float] = (1.0, 1.0)  # share of the count the publisher records (uniform range)
    note: str = ""


# Each measure: (kind, outcome, factor): a flow sums the outcome's monthly values over the period
# ("month") or takes the difference of a cumulative outcome ("cum"); a level reads the outcome at
# the period's end. `factor` is a model parameter (dotted key) multiplying, or dividing ("/key"),
# the outcome, a number ("*1000"), or "".
MEASURES: dict[str, tuple[str, str, str]] = {
    "opium_t": ("month", "new_production_tonnes", "model.narcotics.opium_per_kg_heroin"),
    "farmgate_income_usd": ("cum", "taliban_drug_revenue_usd", "/model.narcotics.taliban_tax"),
    "returned": ("cum", "cum_returned", ""),
    **{f"hosted_{c.lower()}": ("level", f"n_hosted_{c.lower()}", "") for c in ("IRN", "PAK", "TJK", "UZB")},
    **{f"seized_kg_{c.lower()}": ("cum", f"cum_seized_tonnes_{c.lower()}", "*1000") for c in SEIZING},
}

OBSERVABLES: dict[str, Observable] = {o.series: o for o in (
    Observable("opium_production_t", "opium_t", 0.15, note="UNODC's survey estimate of the harvest of the "
               "calendar year: the model's opium lanced in the year (heroin-equivalent x opium per kg); the "
               "surveys' confidence intervals are about +-15%"),
    Observable("opium_farmgate_income_usd", "farmgate_income_usd", 0.25, note="UNODC's farm-gate value of "
               "the year's harvest: the Taliban's ushr revenue over the tax rate"),
    Observable("new_arrivals_approached_unhcr", "hosted_{country}", 0.2, coverage=(0.05, 0.5), note="new "
               "arrivals UNHCR recorded (approached or reported by key informants): a lower bound, an unknown "
               "5-50% of the displaced present; the model's people displaced since 2021 present at the date"),
    Observable("new_arrivals_gov_estimate", "hosted_{country}", 0.5, coverage=(0.5, 2.0), note="a host "
               "government's estimate of new arrivals: no method published; within half to twice the "
               "displaced present"),
    Observable("seizures_heroin_kg", "seized_kg_{country}", 0.3, coverage=(0.5, 0.9), note="heroin a state "
               "reports seizing: the model's seizures in that state (interdiction effort x the flow through it, "
               "heroin equivalent of every opiate), of which heroin proper is an assumed 50-90%"),
    Observable("returns_flow_monitoring", "returned", 0.2, note="IOM's flow-monitoring count of returns "
               "(undocumented and documented, from all countries): the model's people who went home or were "
               "deported over the period; the model's returns are of people displaced since 2021 only"),
)}


def observable(row) -> tuple[Observable | None, str]:
    """The observable of an observation row and the model measure it reads, or (None, reason)."""
    obs = OBSERVABLES.get(row["series"])
    if obs is None:
        return None, "no observation model for this series"
    measure = obs.measure.format(country=(row["country"] or "").lower())
    if measure not in MEASURES:
        return None, f"no model measure {measure!r} (country {row['country'] or 'none'})"
    if row["country"] and "{country}" not in obs.measure and row["country"] != "AFG":
        return None, "the model measure is not by country"
    return obs, measure


def _factor(spec: str, params: pd.Series) -> np.ndarray | float:
    if not spec:
        return 1.0
    if spec.startswith("*"):
        return float(spec[1:])
    key = spec.lstrip("/")
    if key not in params:
        raise KeyError(f"parameter {key} missing from the runs' parameter table")
    return 1.0 / params[key] if spec.startswith("/") else params[key]


def measure_values(wide: dict[str, pd.DataFrame], measure: str, start: dt.date, end: dt.date,
                   params: pd.DataFrame) -> np.ndarray:
    """The modelled count of `measure` over [start, end] for every run (rows of the wide tables:
    runs x month-end dates). `params` holds per run the parameters the measures scale by."""
    kind, outcome, factor = MEASURES[measure]
    table = wide[outcome]
    dates = table.columns
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    if kind == "month":
        cols = [d for d in dates if s <= d <= e + pd.Timedelta(days=1)]
        x = table[cols].to_numpy(dtype=float).sum(axis=1)
    else:
        at_end = table[[d for d in dates if d <= e + pd.Timedelta(days=1)][-1]].to_numpy(dtype=float)
        if kind == "level":
            x = at_end
        else:
            before = [d for d in dates if d < s]
            x = at_end - (table[before[-1]].to_numpy(dtype=float) if before else 0.0)
    return x * np.asarray(_factor(factor, params), dtype=float)


def comparable(obs: pd.DataFrame, first: dt.date, last: dt.date) -> pd.DataFrame:
    """`obs` with ``measure`` and ``why_not`` (empty when compared) for a run covering
    [first, last] (month ends)."""
    out = obs.copy()
    measures, reasons = [], []
    for _, row in obs.iterrows():
        o, m = observable(row)
        why = m if o is None else ""
        if not why:
            kind = MEASURES[m][0]
            if row["period_end"] > last:
                why = "ends after the run"
            elif kind != "level" and row["period_start"] < first:
                why = "starts before the run"
            elif kind == "level" and row["period_end"] < first:
                why = "before the run"
            elif kind == "level" and row["period_start"] < first and in_run_share(row, first) < MIN_IN_RUN:
                why = "counts mostly what happened before the run"
        measures.append(m if o is not None else "")
        reasons.append(why)
    out["measure"], out["why_not"] = measures, reasons
    out["period"] = np.where(out["period_end"] <= TRAIN_END, "training", "validation")
    return out


def months_spanned(start: dt.date, end: dt.date) -> int:
    """Calendar months from `start`'s month through `end`'s: the horizon of a run from `start` that
    covers `end`."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def run_params(cfg, futures: pd.DataFrame, index: pd.MultiIndex) -> pd.DataFrame:
    """Per run, the parameters the measures scale by: the future's drawn value, else the config's."""
    keys = sorted({spec.lstrip("/") for _, _, spec in MEASURES.values() if spec and not spec.startswith("*")})
    by_future = futures.set_index("future") if "future" in futures.columns else pd.DataFrame()
    rows = []
    for f, _ in index:
        rows.append({k: float(by_future.at[f, k]) if k in by_future.columns else float(get_value(cfg, k))
                     for k in keys})
    return pd.DataFrame(rows, index=index)


def wide_tables(timeseries: pd.DataFrame, outcomes: list[str]) -> dict[str, pd.DataFrame]:
    """runs x dates table of each outcome (runs in (future, replicate) order)."""
    ts = with_future(timeseries[timeseries["outcome"].isin(outcomes)])
    return {o: ts[ts["outcome"] == o].pivot(index=RUN, columns="date", values="value").sort_index()
            for o in outcomes}


def predict(rows: pd.DataFrame, timeseries: pd.DataFrame, params: pd.DataFrame, seed: int) -> pd.DataFrame:
    """For each compared row, the quantiles of the predicted published figure and the scores.

    `params` has one row per run (index future, replicate) with the parameters the measures
    scale by."""
    rows = rows[rows["why_not"] == ""].copy()
    outcomes = sorted({MEASURES[m][1] for m in rows["measure"]})
    wide = wide_tables(timeseries, outcomes)
    index = next(iter(wide.values())).index if wide else pd.MultiIndex.from_tuples([], names=RUN)
    params = params.reindex(index)
    rng = np.random.default_rng([seed, 14])
    out = []
    for _, row in rows.iterrows():
        o = OBSERVABLES[row["series"]]
        x = measure_values(wide, row["measure"], row["period_start"], row["period_end"], params)
        cover = rng.uniform(*o.coverage, size=(x.size, NOISE_DRAWS))
        noise = np.exp(o.error_sd * rng.standard_normal((x.size, NOISE_DRAWS)) - o.error_sd ** 2 / 2)
        draws = (x[:, None] * cover * noise).ravel()
        q = np.nanquantile(draws, [0.05, 0.25, 0.5, 0.75, 0.95])
        value = row["value"]
        out.append({**{k: row[k] for k in (*GROUP, "measure", "period_start", "period_end", "period", "value", "file",
                                           "row")},
                    "p05": q[0], "p25": q[1], "median": q[2], "p75": q[3], "p95": q[4],
                    "in_50": bool(q[1] <= value <= q[3]), "in_90": bool(q[0] <= value <= q[4]),
                    "ard": abs(q[2] - value) / value if value > 0 else np.nan})
    table = pd.DataFrame(out)
    if not table.empty:
        table["naive"] = naive_forecasts(table, rows)
        table["naive_ard"] = (table["naive"] - table["value"]).abs() / table["value"]
        table["beats_naive"] = np.where(table["naive"].isna(), np.nan,
                                        (table["ard"] < table["naive_ard"]).astype(float))
    return table


def naive_forecasts(table: pd.DataFrame, all_rows: pd.DataFrame) -> list[float]:
    """Last value carried forward: for a validation row, the latest training row of the same
    series, country, route and unit (a flow scaled by the ratio of period lengths); NaN for
    training rows and when there is none."""
    out = []
    for _, row in table.iterrows():
        same = all_rows[(all_rows[GROUP] == row[GROUP]).all(axis=1) & (all_rows["period"] == "training")]
        if row["period"] != "validation" or same.empty:
            out.append(np.nan)
            continue
        last = same.sort_values("period_end").iloc[-1]
        scale = 1.0
        if MEASURES[row["measure"]][0] != "level":
            scale = ((row["period_end"] - row["period_start"]).days + 1) / (
                (last["period_end"] - last["period_start"]).days + 1)
        out.append(float(last["value"]) * scale)
    return out


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per series and period: points, share inside the 50% and 90% intervals, mean ARD, the naive
    forecast's mean ARD and the share of points where the model beats it."""
    if table.empty:
        return pd.DataFrame(columns=["series", "country", "period", "points", "in_50", "in_90", "ard",
                                     "naive_ard", "beats_naive"])
    g = table.groupby(["series", "country", "period"], sort=True)
    return g.agg(points=("value", "size"), in_50=("in_50", "mean"), in_90=("in_90", "mean"), ard=("ard", "mean"),
                 naive_ard=("naive_ard", "mean"), beats_naive=("beats_naive", "mean")).reset_index()


def observed_points(outcome: str, first: dt.date, last: dt.date, observations=None) -> pd.DataFrame:
    """The published figures a fan chart of `outcome` can show: rows of a level series whose
    measure reads `outcome` and whose date lies in [first, last] (date, value, series, counted,
    training or validation). Empty when none match."""
    from sim.observations import load_observations, shipped_observations

    obs = shipped_observations() if observations is None else load_observations(observations)
    rows = []
    for _, r in obs.iterrows():
        o, measure = observable(r)
        if o is None or MEASURES[measure][0] != "level" or MEASURES[measure][1] != outcome:
            continue
        if first <= r["period_end"] <= last:
            rows.append({"date": pd.Timestamp(r["period_end"]), "value": r["value"], "series": r["series"],
                         "counted": r["counted"], "coverage": o.coverage,
                         "period": "training" if r["period_end"] <= TRAIN_END else "validation"})
    return pd.DataFrame(rows, columns=["date", "value", "series", "counted", "coverage", "period"])
