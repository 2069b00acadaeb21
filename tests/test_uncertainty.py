"""Futures: parameter draws from declared ranges or a posterior file, paired across experiments."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from sim.compose import compose
from sim.config import Config
from sim.model import SpilloverModel
from sim.provenance import param
from sim.runner import replicate_seeds, run_batch
from sim.uncertainty import (
    UncertaintyError, _sobol_points, apply_future, distribution, from_unit, future_values, futures_table, run_seeds,
    uncertain_parameters,
)

from .conftest import sim_run

SHORT = ["model.calendar.horizon_months=4", "progress=false", "workers=1"]


def ranges(*extra: str) -> Config:
    return compose(["uncertainty=ranges", *SHORT, *extra])


# ----------------------------------------------------------------------------- distributions
def test_inverse_cdfs_have_known_answers():
    u = np.array([0.0, 0.5, 1.0])
    assert np.allclose(from_unit(u, "uniform", 2.0, 4.0, 3.0, False), [2.0, 3.0, 4.0])
    assert np.allclose(from_unit(u, "loguniform", 0.01, 1.0, 0.1, False), [0.01, 0.1, 1.0])
    # triangular on [0, 1] with its mode at 0.5: the median is the mode; F(0.25) = 2 x 0.25^2
    assert np.allclose(from_unit(np.array([0.5, 0.125]), "triangular", 0.0, 1.0, 0.5, False), [0.5, 0.25])
    # integers 1..4, uniform: each value takes a quarter of [0, 1)
    k = from_unit((np.arange(400) + 0.5) / 400, "uniform", 1, 4, 2, True)
    assert np.array_equal(np.bincount(k.astype(int))[1:], [100] * 4)


def test_each_parameter_has_the_distribution_of_the_rule_or_its_own():
    table = uncertain_parameters()
    assert table["scenario.collapse_depth"].dist == "uniform"                 # deep uncertainty
    assert table["model.refugees.militant_share"].dist == "loguniform"       # spans a factor of 10 or more
    assert table["model.narcotics.traffickers.n_organisations"].dist == "uniform"  # an integer
    assert table["model.states.rus.goals.security"].dist == "triangular"     # around its default
    assert not any(n.startswith("policy.") for n in table)                    # levers are not uncertainties
    declared = type("P", (), {"range": (1.0, 100.0), "value": 5.0, "dist": "triangular"})
    assert distribution("model.x", declared) == "triangular"
    with pytest.raises(ValueError, match="log-uniform range must start above 0"):
        param(0.5, unit="share", source="assumption", range=(0.0, 1.0), dist="loguniform")
    with pytest.raises(ValueError, match="not one of"):
        param(0.5, unit="share", source="assumption", range=(0.0, 1.0), dist="normal")


def test_sobol_futures_are_stratified_like_a_latin_hypercube_at_powers_of_two():
    u = _sobol_points(64, 30, root_seed=11)
    for j in range(u.shape[1]):
        assert sorted(np.floor(u[:, j] * 64).astype(int)) == list(range(64))


# ----------------------------------------------------------------------------- pairing
def test_future_f_depends_on_the_root_seed_and_f_alone():
    small, _ = futures_table(ranges("futures=8"))
    big, _ = futures_table(ranges("futures=32"))
    pd.testing.assert_frame_equal(small, big.iloc[:8])
    other, _ = futures_table(ranges("futures=8", "seed=5"))
    assert not np.allclose(other.iloc[:, 1:].to_numpy(float), small.iloc[:, 1:].to_numpy(float))


def test_experiments_share_their_futures_and_hold_what_they_set():
    base, _ = futures_table(compose(["uncertainty=ranges", "futures=4"]))
    deep, about = futures_table(compose(["uncertainty=ranges", "futures=4", "experiment=deep_collapse"]))
    held = about["held_by_config"]
    assert "scenario.collapse_depth" in held and "scenario.collapse_depth" not in deep.columns
    pd.testing.assert_frame_equal(deep, base[list(deep.columns)])
    assert set(base.columns) - set(deep.columns) == set(held)


def test_replicate_seeds_of_future_zero_are_the_seeds_of_a_run_without_futures():
    assert run_seeds(7, 0, 5) == replicate_seeds(7, 5)
    assert run_seeds(7, 3, 5)[:2] == run_seeds(7, 3, 2)
    seeds = {s for f in range(4) for s in run_seeds(7, f, 5)}
    assert len(seeds) == 20


def test_only_and_fixed_choose_what_is_drawn():
    table, about = futures_table(ranges("futures=4", "uncertainty.only=[scenario]",
                                        "uncertainty.fixed=[scenario.drought_severity]"))
    assert set(table.columns[1:]) == {n for n in uncertain_parameters() if n.startswith("scenario.")} - {
        "scenario.drought_severity"}
    assert about["distributions"] == {n: "uniform" for n in table.columns[1:]}


def test_a_batch_of_futures_runs_each_future_in_its_own_world(network):
    cfg = ranges("futures=3", "replicates=2", "uncertainty.only=[scenario,model.refugees.displacement_rate]")
    table, _ = futures_table(cfg)
    batch = run_batch(cfg, network, table)
    out = batch.outcomes
    assert list(out[["future", "replicate"]].itertuples(index=False, name=None)) == [
        (f, r) for f in range(3) for r in range(2)]
    # run (2, 1) is the model in future 2's config with replicate 1's seed of future 2
    seed = run_seeds(cfg.seed, 2, 2)[1]
    alone = SpilloverModel(apply_future(cfg, future_values(table, 2)), rng=seed, network=network).run()
    row = out[(out["future"] == 2) & (out["replicate"] == 1)].iloc[0]
    assert row["seed"] == seed and row["cum_displaced"] == alone.scalars["cum_displaced"]
    assert out.groupby("future")["cum_displaced"].mean().nunique() == 3  # the futures differ
    assert set(batch.timeseries["future"]) == {0, 1, 2} and set(batch.flows["future"]) == {0, 1, 2}


def test_futures_give_the_same_numbers_on_one_worker_or_two(network):
    cfg = ranges("futures=3", "replicates=2", "uncertainty.only=[scenario]")
    one = run_batch(cfg, network).outcomes
    cfg.workers = 2
    two = run_batch(cfg, network).outcomes
    pd.testing.assert_frame_equal(one, two)


# ----------------------------------------------------------------------------- posterior
def _posterior(tmp_path, rows: dict, about: dict | None = {"made_by": "a test"}):
    path = tmp_path / "draws.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    if about is not None:
        path.with_suffix(".json").write_text(json.dumps(about))
    return path


def test_a_posterior_file_gives_future_f_its_row_f(tmp_path):
    path = _posterior(tmp_path, {"scenario.collapse_depth": [0.6, 0.7, 0.8],
                                 "model.narcotics.traffickers.n_organisations": [3, 4, 5]})
    table, about = futures_table(compose(["uncertainty=posterior", f"uncertainty.file={path}", "futures=2"]))
    assert list(table["scenario.collapse_depth"]) == [0.6, 0.7]
    assert future_values(table, 1) == {"scenario.collapse_depth": 0.7, "model.narcotics.traffickers.n_organisations": 4}
    assert about["description"] == {"made_by": "a test"}


@pytest.mark.parametrize("rows, about, futures, words", [
    ({"scenario.no_such": [0.5]}, {"made_by": "x"}, 1, ["column 'scenario.no_such'", "not a model or scenario"]),
    ({"policy.opium_ban.compliance": [0.5]}, {"made_by": "x"}, 1, ["policy.opium_ban.compliance"]),
    ({"scenario.collapse_depth": [0.5, 1.5]}, {"made_by": "x"}, 2, ["draw 1", "scenario.collapse_depth", "[0, 1]"]),
    ({"scenario.collapse_depth": [0.5]}, None, 1, ["draws.json"]),
    ({"scenario.collapse_depth": [0.5]}, {"note": "no origin"}, 1, ["made_by"]),
    ({"scenario.collapse_depth": [0.5]}, {"made_by": "x"}, 3, ["futures = 3", "1 draws"]),
])
def test_a_bad_posterior_file_is_named_in_one_line(tmp_path, rows, about, futures, words):
    path = _posterior(tmp_path, rows, about)
    with pytest.raises(UncertaintyError) as e:
        futures_table(compose(["uncertainty=posterior", f"uncertainty.file={path}", f"futures={futures}"]))
    for w in words:
        assert w in str(e.value)


@pytest.mark.parametrize("overrides, words", [
    (["uncertainty=none", "futures=3"], ["futures = 3", "uncertainty=ranges"]),
    (["uncertainty=ranges", "uncertainty.only=[model.no_such]"], ["uncertainty.only", "model.no_such"]),
    (["uncertainty=ranges", "uncertainty.only=[model.states.tjk.russian_troops,model.calendar.horizon_months]"],
     ["uncertainty.only", "model.calendar.horizon_months", "no declared uncertainty range"]),
    (["uncertainty=ranges", "uncertainty.fixed=[scenario.nope]"], ["uncertainty.fixed", "scenario.nope"]),
    (["uncertainty=posterior", "futures=100000"], ["futures = 100000", "posterior.csv holds"]),
])
def test_bad_uncertainty_settings_are_named_in_one_line(overrides, words):
    with pytest.raises(UncertaintyError) as e:
        futures_table(compose(overrides))
    for w in words:
        assert w in str(e.value)


# ----------------------------------------------------------------------------- sim-run
def test_sim_run_writes_futures_and_pairs_them_across_experiments(tmp_path):
    args = ["uncertainty=ranges", "futures=20", "replicates=2", "model.calendar.horizon_months=2", "progress=false"]
    for exp in ("baseline", "russia_blocks_refugees"):
        p = sim_run(*args, f"experiment={exp}", f"hydra.run.dir={tmp_path / exp}", cwd=tmp_path)
        assert p.returncode == 0, p.stderr
    a, b = (pd.read_parquet(tmp_path / e / "futures.parquet") for e in ("baseline", "russia_blocks_refugees"))
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 20 and a.shape[1] > 100
    out = pd.read_parquet(tmp_path / "baseline" / "outcomes.parquet")
    assert len(out) == 40 and {"future", "replicate"} <= set(out.columns)
    manifest = json.loads((tmp_path / "baseline" / "manifest.json").read_text())
    assert manifest["futures"]["source"] == "ranges" and manifest["futures"]["futures"] == 20


@pytest.mark.parametrize("overrides, words", [
    (["futures=0"], ["futures = 0", "[1,"]),
    (["uncertainty=ranges", "futures=2", "uncertainty.only=[model.nope]"], ["uncertainty.only", "model.nope"]),
    (["uncertainty=posterior", "futures=2", "uncertainty.file=/no/such.csv"], ["/no/such.csv", "not found"]),
])
def test_sim_run_refuses_bad_futures_in_one_line_and_writes_nothing(tmp_path, overrides, words):
    out = tmp_path / "never"
    p = sim_run(*overrides, f"hydra.run.dir={out}", cwd=tmp_path)
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert p.returncode == 2 and len(lines) == 1, p.stderr
    assert all(w in lines[0] for w in words), lines[0]
    assert not out.exists()


def test_every_drawn_value_lies_in_its_declared_range():
    table, about = futures_table(ranges("futures=64"))
    params = uncertain_parameters()
    for name in table.columns[1:]:
        lo, hi = params[name].range
        x = table[name].to_numpy(float)
        assert ((x >= lo) & (x <= hi)).all(), name
        assert x.std() > 0 or math.isclose(lo, hi), name


# ----------------------------------------------------------------------------- what the memo says
def _synthetic(futures=200, replicates=4, between=0.75, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((futures, 50))
    table = pd.DataFrame({"future": range(futures), **{f"p{i}": x[:, i] for i in range(50)}})
    mu = math.sqrt(12 * between) * x[:, 0]  # variance of mu = between
    out = pd.DataFrame({"future": np.repeat(range(futures), replicates), "replicate": np.tile(range(replicates), futures)})
    out["y"] = np.repeat(mu, replicates) + rng.normal(0, 1, futures * replicates)
    return table, out


def test_the_variance_split_recovers_known_components():
    from sim.analysis import variance_split

    _, out = _synthetic(futures=400, between=0.75)
    split = variance_split(out, "y")
    assert split["within"] == pytest.approx(1.0, rel=0.1) and split["between"] == pytest.approx(0.75, rel=0.2)
    assert split["share_assumptions"] == pytest.approx(0.75 / 1.75, abs=0.06)
    one = out[out["future"] == 0]
    assert variance_split(one, "y")["share_assumptions"] == 0.0  # one future: all chance


def test_drivers_find_the_parameter_that_matters_and_nothing_in_noise():
    from sim.analysis import drivers, future_effects, opposite_share

    table, out = _synthetic(futures=128)
    means = out.groupby("future")["y"].mean()
    found = drivers(table, means)
    assert list(found["parameter"][:1]) == ["p0"] and len(found) <= 3
    noise = pd.Series(np.random.default_rng(5).normal(size=128))
    assert drivers(table, noise).empty
    assert drivers(table.iloc[:10], means.iloc[:10]).empty  # too few futures to attribute anything
    effects = future_effects(pd.DataFrame({"future": [0, 0, 1, 1, 2, 2], "diff": [1, 3, -1, -1, 2, 2]}))
    assert list(effects) == [2, -1, 2] and opposite_share(effects) == pytest.approx(1 / 3)


def test_a_memo_of_futures_splits_the_variance_and_says_where_the_sign_turns(tmp_path):
    from sim.plots.cli import memo_main

    common = ["uncertainty=ranges", "futures=32", "replicates=2", "model.calendar.horizon_months=3", "progress=false"]
    for exp in ("baseline", "russia_blocks_refugees"):
        p = sim_run(*common, f"experiment={exp}", f"hydra.run.dir={tmp_path / exp}", cwd=tmp_path)
        assert p.returncode == 0, p.stderr
    memo_main([str(tmp_path / "baseline"), str(tmp_path / "russia_blocks_refugees"), "--out", str(tmp_path / "m"),
               "--outcomes", "n_hosted_ca,cum_entered_ca"])
    text = (tmp_path / "m" / "memo.md").read_text()
    assert "## What the assumptions leave open" in text and "### Effects across futures, against baseline" in text
    split = pd.read_csv(tmp_path / "m" / "uncertainty.csv")
    assert set(split["scenario"]) == {"baseline", "russia_blocks_refugees"}
    assert split["share_assumptions"].between(0, 1).all()
    effects = pd.read_csv(tmp_path / "m" / "effects_across_futures.csv")
    assert set(effects["outcome"]) == {"n_hosted_ca", "cum_entered_ca"} and (effects["futures"] == 32).all()
    assert ("The sign of these results depends on the assumptions" in text) == bool(
        (effects["share_opposite"] > 0.05).any())
