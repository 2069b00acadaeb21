"""The observation model and the hindcast: measures with known answers, what is compared, the
scores, and the command's report and errors."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import hindcast as hc
from sim.observations import load_observations

D = dt.date
SIM_HINDCAST = str(Path(sys.executable).parent / "sim-hindcast")


def _timeseries(values: dict[str, list[list[float]]], dates: list[str]) -> pd.DataFrame:
    """Long timeseries of runs (future 0, replicate r) with the given monthly values per outcome."""
    rows = []
    for outcome, runs in values.items():
        for r, series in enumerate(runs):
            rows += [{"future": 0, "replicate": r, "date": pd.Timestamp(d), "outcome": outcome, "value": v}
                     for d, v in zip(dates, series)]
    return pd.DataFrame(rows)


DATES = ["2022-01-31", "2022-02-28", "2022-03-31", "2022-04-30"]


def test_measures_sum_flows_difference_cumulatives_and_read_levels():
    ts = _timeseries({"new_production_tonnes": [[1, 2, 3, 4], [0, 0, 10, 0]],
                      "taliban_drug_revenue_usd": [[10, 20, 40, 80], [0, 0, 0, 5]],
                      "n_hosted_irn": [[5, 6, 7, 8], [1, 1, 1, 1]]}, DATES)
    wide = hc.wide_tables(ts, ["new_production_tonnes", "taliban_drug_revenue_usd", "n_hosted_irn"])
    params = pd.DataFrame({"model.narcotics.opium_per_kg_heroin": [20.0, 10.0], "model.narcotics.taliban_tax": [0.1, 0.5]},
                          index=wide["n_hosted_irn"].index)
    np.testing.assert_allclose(hc.measure_values(wide, "opium_t", D(2022, 2, 1), D(2022, 3, 31), params), [100, 100])
    np.testing.assert_allclose(hc.measure_values(wide, "farmgate_income_usd", D(2022, 2, 1), D(2022, 4, 30), params),
                               [700, 10])  # (80 - 10) / 0.1 and (5 - 0) / 0.5: from the end of January
    np.testing.assert_allclose(hc.measure_values(wide, "hosted_irn", D(2021, 1, 1), D(2022, 3, 31), params), [7, 1])


def _rows(**kw) -> pd.DataFrame:
    base = {"series": "opium_production_t", "country": "AFG", "route": "", "unit": "t", "value": 100.0,
            "period_start": D(2022, 2, 1), "period_end": D(2022, 3, 31), "file": "x.csv", "row": 2}
    return pd.DataFrame([{**base, **kw}])


def test_rows_outside_the_run_or_without_an_observation_model_are_not_compared():
    rows = pd.concat([
        _rows(),
        _rows(period_start=D(2021, 1, 1)),                      # a flow starting before the run
        _rows(period_end=D(2030, 1, 1)),                        # ends after it
        _rows(series="labour_entries_russia", country="UZB"),   # no observation model
        _rows(series="new_arrivals_gov_estimate", country="TKM", period_start=D(2021, 1, 1)),  # no measure
    ], ignore_index=True)
    out = hc.comparable(rows, D(2021, 8, 15), D(2025, 6, 30))
    assert out["why_not"].tolist() == ["", "starts before the run", "ends after the run",
                                       "no observation model for this series",
                                       "no model measure 'hosted_tkm' (country TKM)"]
    assert out["period"].tolist()[0] == "training"


def test_an_observation_equal_to_the_model_count_scores_perfectly_and_a_far_one_does_not(monkeypatch):
    monkeypatch.setitem(hc.OBSERVABLES, "opium_production_t",
                        hc.Observable("opium_production_t", "opium_t", 0.0))
    ts = _timeseries({"new_production_tonnes": [[1, 2, 3, 4]] * 3}, DATES)
    params = pd.DataFrame({"model.narcotics.opium_per_kg_heroin": [20.0] * 3, "model.narcotics.taliban_tax": [0.1] * 3},
                          index=pd.MultiIndex.from_tuples([(0, r) for r in range(3)], names=hc.RUN))
    rows = hc.comparable(pd.concat([_rows(value=100.0), _rows(value=1000.0)], ignore_index=True),
                         D(2021, 8, 15), D(2025, 6, 30))
    t = hc.predict(rows, ts, params, seed=1)
    assert t["median"].tolist() == [100.0, 100.0]
    assert t["in_90"].tolist() == [True, False] and t["in_50"].tolist() == [True, False]
    assert t["ard"].tolist() == [0.0, pytest.approx(0.9)]


def test_the_naive_forecast_carries_the_last_training_value_forward_scaled_to_the_period():
    rows = pd.concat([_rows(period_start=D(2022, 1, 1), period_end=D(2022, 12, 31), value=365.0),
                      _rows(period_start=D(2023, 1, 1), period_end=D(2023, 6, 30), value=10.0)], ignore_index=True)
    rows = hc.comparable(rows, D(2021, 8, 15), D(2025, 6, 30))
    table = rows.assign(p05=0.0, p25=0.0, median=0.0, p75=0.0, p95=0.0)
    naive = hc.naive_forecasts(table, rows)
    assert np.isnan(naive[0]) and naive[1] == pytest.approx(181.0)  # 365 t a year, over 181 days


def test_every_shipped_observable_series_has_rows_and_a_measure():
    obs = load_observations()
    for o in hc.OBSERVABLES.values():
        rows = obs[obs["series"] == o.series]
        measures = {hc.observable(r)[1] for _, r in rows.iterrows()}
        assert measures & set(hc.MEASURES), (o.series, measures)  # some row reads a model measure


def test_sim_hindcast_writes_the_report_and_refuses_a_bad_observation_file(tmp_path):
    out = tmp_path / "report"
    r = subprocess.run([SIM_HINDCAST, "futures=2", "replicates=2", "--out", str(out)], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    for name in ("hindcast.csv", "summary.csv", "not_compared.csv", "hindcast.md",
                 "hindcast_opium_production_t_afg.png", "hindcast_opium_production_t_afg.svg"):
        assert (out / name).is_file(), name
    table = pd.read_csv(out / "hindcast.csv")
    assert {"training", "validation"} <= set(table["period"])
    assert "in_90" in r.stdout and "hindcast.md" in r.stdout
    assert "UserWarning" not in r.stderr

    bad = tmp_path / "obs"
    bad.mkdir()
    src = Path(hc.__file__).parent / "data" / "observations" / "opium.csv"
    lines = src.read_text().splitlines()
    lines[1] = lines[1].replace(",AFG,", ",XXX,", 1)
    (bad / "opium.csv").write_text("\n".join(lines) + "\n")
    r = subprocess.run([SIM_HINDCAST, "replicates=2", "--observations", str(bad), "--out", str(tmp_path / "r2")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode != 0
    assert len(r.stderr.strip().splitlines()) == 1 and "opium.csv, row 2" in r.stderr and "XXX" in r.stderr
    assert not (tmp_path / "r2").exists()
    r = subprocess.run([SIM_HINDCAST, "replicates=1", "futures=1", "model.calendar.horizon_months=12", "--out",
                        str(tmp_path / "r3")], capture_output=True, text=True, timeout=300)
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1
    assert "row" in r.stderr and "after the run's end 2022-08-15" in r.stderr and not (tmp_path / "r3").exists()


def test_fan_charts_get_the_published_figures_of_what_they_show():
    pts = hc.observed_points("n_hosted_pak", D(2021, 8, 15), D(2025, 6, 30))
    assert set(pts["series"]) == {"new_arrivals_gov_estimate", "new_arrivals_approached_unhcr"}
    assert pts["date"].min() >= pd.Timestamp("2021-08-15") and (pts["value"] > 0).all()
    assert {"training", "validation"} <= set(pts["period"])
    assert hc.observed_points("cum_displaced", D(2021, 8, 15), D(2025, 6, 30)).empty
    assert hc.observed_points("n_hosted_pak", D(2030, 1, 1), D(2031, 1, 1)).empty

    from sim.plots.figures import fan_figure
    dates = pd.date_range("2021-08-31", "2023-07-31", freq="ME")
    band = pd.DataFrame({q: np.linspace(0, 1e5, len(dates)) * (1 + q) for q in (0.05, 0.25, 0.5, 0.75, 0.95)},
                        index=dates)
    fig = fan_figure({"baseline": band}, "Afghans hosted in PAK", "people", "test", observed=pts)
    legend = [t.get_text() for ax in fig.axes for t in ax.get_legend().get_texts()]
    assert "new arrivals gov estimate" in legend and "new arrivals approached unhcr" in legend
