"""Refugee flows: conservation of people, toy graphs with known answers, closures, lever responses."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import SpilloverModel
from sim.network import load_network
from sim.policy import Closure
from sim.refugees.phase import stocks
from sim.refugees.tables import AT_NODE, agent_uniforms

from .conftest import mean_over_seeds, small_config

LOC_HEADER = "id,name,country,kind,lat,lon,population,source\n"
LINK_HEADER = "from_id,to_id,km,mode,route,source\n"


def conserved(model) -> bool:
    s = stocks(model)
    parts = sum(v for k, v in s.items() if k.startswith("n_")) + s["cum_returned"] + s["cum_militants_detained"]
    return parts == model.refugees.cum_displaced


# ----------------------------------------------------------------------------- random numbers
def test_agent_uniforms_are_uniform_and_fixed_by_slot_day_purpose():
    slots = np.arange(200_000)
    u = agent_uniforms(123, slots, 5, 2)
    assert u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    np.testing.assert_array_equal(agent_uniforms(123, slots[::7], 5, 2), u[::7])  # independent of who else draws
    assert np.corrcoef(u, agent_uniforms(123, slots, 6, 2))[0, 1] < 0.01
    assert np.corrcoef(u, agent_uniforms(123, slots, 5, 3))[0, 1] < 0.01
    assert np.corrcoef(u, agent_uniforms(124, slots, 5, 2))[0, 1] < 0.01


def test_compiled_uniforms_match_the_numpy_ones_bit_for_bit():
    from sim.refugees import kernels

    slots = np.array([0, 1, 7, 12345, 2**40 + 3])
    for day, purpose in ((0, 0), (17, 3), (1825, 10)):
        offset = kernels.day_offsets(987654321, day)[purpose]
        assert kernels.offsets_of_day(kernels.offset_base(987654321), day)[purpose] == offset  # as the model builds it
        compiled = np.array([kernels._u(offset, int(s)) for s in slots])
        np.testing.assert_array_equal(compiled, agent_uniforms(987654321, slots, day, purpose))


# ----------------------------------------------------------------------------- conservation
@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**32), people=st.integers(1, 3000), rate=st.floats(0.01, 0.5),
       give_up=st.floats(0, 1), ret=st.floats(0, 5), onward=st.floats(0, 20), militants=st.floats(0, 0.01),
       admit=st.floats(0, 1), irregular=st.floats(0, 1), pressure=st.floats(0, 1), close=st.booleans())
def test_people_are_conserved_every_day(network, seed, people, rate, give_up, ret, onward, militants,
                                        admit, irregular, pressure, close):
    cfg = small_config(horizon_months=4)
    r = cfg.model.refugees
    r.people_per_agent, r.displacement_rate, r.give_up_after_turn_back = people, rate, give_up
    r.irn.return_rate = r.central_asia.return_rate = ret
    r.onward_rate, r.militant_share = onward, militants
    r.pak.admit_share, r.central_asia.irregular, r.rus.irregular = admit, irregular, irregular
    cfg.policy.russia_refugee_pressure.level = pressure
    if close:
        cfg.policy.closures = [Closure("XB_TORKHAM", "2021-09-01", "2021-10-15")]
    m = SpilloverModel(cfg, rng=seed, network=network)
    while m.running:
        m.step()
        assert conserved(m), f"day {m.day}"
    a = m.refugees.agents
    assert np.all(a.size[: a.n] >= 0) and np.all(a.militants[: a.n] <= a.size[: a.n])
    assert np.all(m.refugees.militants_left <= m.refugees.infiltrated)  # none leave that did not enter


def test_a_run_displaces_people_and_hosts_them_abroad(network):
    r = SpilloverModel(small_config(horizon_months=12), rng=1, network=network).run().scalars
    assert r["cum_displaced"] > 100_000
    assert r["n_hosted_irn"] > 0 and r["n_hosted_pak"] > 0 and r["n_hosted_ca"] > 0
    assert r["cum_turned_back"] > 0


# ----------------------------------------------------------------------------- toy graphs
def toy_network(tmp_path, locations: list[str], links: list[str]):
    (tmp_path / "loc.csv").write_text(LOC_HEADER + "\n".join(locations) + "\n")
    (tmp_path / "links.csv").write_text(LINK_HEADER + "\n".join(links) + "\n")
    return str(tmp_path / "loc.csv"), str(tmp_path / "links.csv")


def toy_config(loc_file, link_file, days=60):
    """Nobody displaced by the crisis (groups are placed by hand), everyone admitted, nobody leaves a host."""
    cfg = small_config(horizon_months=max(1, days // 30 + 1))
    cfg.model.network.locations_file, cfg.model.network.links_file = loc_file, link_file
    cfg.model.narcotics.active = False  # a toy network has no opium regions or trafficking routes
    r = cfg.model.refugees
    r.displacement_rate = 0.0
    r.militant_share = 0.0
    r.give_up_after_turn_back = 0.0
    r.onward_rate = 0.0
    r.central_asia.return_rate = 0.0
    r.movement.move_chance_camp = 0.0
    r.movement.conflict_score = 0.0  # nobody is drawn back into Afghanistan
    cfg.model.states.admission.intercept = 40.0  # every Central Asian state admits everyone
    return cfg


def place(model, node_id: str, groups: int, country: str = "AFG"):
    st_ = model.refugees
    node = st_.net.ids.index(node_id)
    slots = st_.agents.add(groups, np.full(groups, node), model.cfg.model.refugees.people_per_agent,
                           np.zeros(groups, dtype=np.int64))
    st_.agents.country[slots] = st_.c[country]
    st_.cum_displaced += groups * model.cfg.model.refugees.people_per_agent
    st_.count_occupancy()
    return slots


def people_at(model, node_id: str) -> int:
    st_ = model.refugees
    a = st_.agents
    here = (a.status[: a.n] == AT_NODE) & (a.loc[: a.n] == st_.net.ids.index(node_id))
    return int(a.size[: a.n][here].sum())


ROUTE = [
    "AF_A,Origin,AFG,afghan_region,36.7,67.1,1000000,test",
    "XB_U,Crossing U,UZB,border_crossing,37.2,67.3,0,test",
    "UZB_H,Host U,UZB,host,37.3,67.4,10000000,test",
]
ROUTE_LINKS = ["AF_A,XB_U,100,road,none,test", "XB_U,UZB_H,100,road,none,test"]


def test_one_route_takes_everyone_to_the_host(tmp_path):
    cfg = toy_config(*toy_network(tmp_path, ROUTE, ROUTE_LINKS))
    m = SpilloverModel(cfg, rng=1)
    place(m, "AF_A", 10)
    for _ in range(60):
        m.step()
        assert conserved(m)
    assert people_at(m, "UZB_H") == 10_000
    assert stocks(m)["n_hosted_uzb"] == 10_000
    assert m.refugees.entries_by_node[m.refugees.net.ids.index("XB_U")] == 10_000


def test_travel_takes_as_many_days_as_distance_over_speed(tmp_path):
    links = ["AF_A,XB_U,100,road,none,test", "XB_U,UZB_H,1000,road,none,test"]
    cfg = toy_config(*toy_network(tmp_path, ROUTE, links))
    cfg.model.refugees.movement.move_chance_town = 1.0
    m = SpilloverModel(cfg, rng=1)
    place(m, "AF_A", 3)
    days = 0
    while people_at(m, "UZB_H") < 3000:
        m.step()
        days += 1
    assert days == 1 + 3  # day 1: 100 km to the crossing; then 1000 km at 360 km/day = 3 days


TWO_ROUTES = ROUTE + [
    "XB_T,Crossing T,TJK,border_crossing,37.0,68.0,0,test",
    "TJK_H,Host T,TJK,host,37.5,68.5,10000000,test",
]
TWO_ROUTE_LINKS = ROUTE_LINKS + ["AF_A,XB_T,100,road,none,test", "XB_T,TJK_H,100,road,none,test"]


def test_a_closed_border_lets_no_one_across_while_closed(tmp_path):
    cfg = toy_config(*toy_network(tmp_path, TWO_ROUTES, TWO_ROUTE_LINKS), days=60)
    cfg.policy.closures = [Closure("XB_U", "2021-08-15", "2021-09-14")]  # days 0-30
    m = SpilloverModel(cfg, rng=2)
    place(m, "AF_A", 50)
    xb_u = m.refugees.net.ids.index("XB_U")
    for _ in range(30):
        m.step()
        assert m.refugees.entries_by_node[xb_u] == 0
    assert people_at(m, "TJK_H") == 50_000  # everyone took the open route
    place(m, "AF_A", 50)
    for _ in range(25):
        m.step()
    assert m.refugees.entries_by_node[xb_u] > 0  # reopened


def test_a_full_camp_draws_no_one(tmp_path):
    locs = ROUTE + ["UZB_SMALL,Small camp,UZB,host,37.3,67.2,10000,test"]
    links = ROUTE_LINKS + ["XB_U,UZB_SMALL,100,road,none,test"]
    cfg = toy_config(*toy_network(tmp_path, locs, links))
    cfg.model.refugees.movement.host_capacity_share = 0.5  # the small camp holds 5,000 people
    m = SpilloverModel(cfg, rng=3)
    place(m, "UZB_SMALL", 5, country="UZB")  # already full
    place(m, "AF_A", 40)
    for _ in range(60):
        m.step()
    assert people_at(m, "UZB_SMALL") == 5000
    assert people_at(m, "UZB_H") == 40_000


def test_a_half_full_camp_still_draws_people(tmp_path):
    locs = ROUTE + ["UZB_SMALL,Small camp,UZB,host,37.3,67.2,100000,test"]
    links = ROUTE_LINKS + ["XB_U,UZB_SMALL,100,road,none,test"]
    cfg = toy_config(*toy_network(tmp_path, locs, links))
    m = SpilloverModel(cfg, rng=3)  # capacity 5,000: attractive until 4,500
    place(m, "AF_A", 40)
    for _ in range(60):
        m.step()
    assert 0 < people_at(m, "UZB_SMALL") <= 5000 + 4000  # overshoot only by groups deciding the same day


def test_turned_back_groups_can_go_home(tmp_path):
    cfg = toy_config(*toy_network(tmp_path, ROUTE, ROUTE_LINKS))
    cfg.model.states.admission.intercept = -40.0  # Uzbekistan admits no one
    cfg.model.refugees.central_asia.irregular = 0.0
    cfg.model.refugees.give_up_after_turn_back = 1.0
    cfg.model.refugees.movement.conflict_score = 0.316
    m = SpilloverModel(cfg, rng=4)
    place(m, "AF_A", 10)
    for _ in range(20):
        m.step()
    s = stocks(m)
    assert s["n_hosted_uzb"] == 0 and s["cum_returned"] == 10_000
    assert m.refugees.cum_turned_back == 10_000


# ----------------------------------------------------------------------------- levers and feedbacks
def test_more_russian_pressure_hosts_fewer_in_central_asia_paired_over_seeds(network):
    seeds = range(10)
    res = [mean_over_seeds(network, seeds, policy__russia_refugee_pressure__level=lv) for lv in (0.0, 0.5, 1.0)]
    for key in ("n_hosted_ca", "cum_entered_ca"):
        values = [r[key] for r in res]
        assert values[0] > values[1] > values[2], (key, values)


def test_closing_the_afghan_tajik_crossings_cuts_tajik_hosting(network):
    closed = [Closure("XB_SHERKHAN_PANJ"), Closure("XB_ISHKASHIM")]
    base = mean_over_seeds(network, range(4), months=6)
    shut = mean_over_seeds(network, range(4), months=6, policy__closures=closed)
    assert shut["cum_militants_infiltrated_tjk"] <= base["cum_militants_infiltrated_tjk"]
    assert shut["n_hosted_tjk"] < 0.5 * base["n_hosted_tjk"]


def test_releasing_reserves_displaces_fewer_people(network):
    base = mean_over_seeds(network, range(4), months=24)
    released = mean_over_seeds(network, range(4), months=24, policy__reserves_release__share=1.0)
    assert released["cum_displaced"] < 0.8 * base["cum_displaced"]


def test_screening_catches_militants(network):
    none = mean_over_seeds(network, range(4), months=12, model__refugees__screening_catch=0.0,
                            model__refugees__militant_share=0.002)
    all_ = mean_over_seeds(network, range(4), months=12, model__refugees__screening_catch=1.0,
                            model__refugees__militant_share=0.002)
    assert none["cum_militants_detained"] == 0
    assert all_["cum_militants_detained"] > 0
    assert all_["cum_militants_infiltrated"] < none["cum_militants_infiltrated"]


def test_no_refugees_no_militants(network):
    s = mean_over_seeds(network, range(2), months=6, model__refugees__displacement_rate=0.0)
    assert s["cum_displaced"] == 0 and s["cum_militants_infiltrated"] == 0


def test_russian_restriction_cuts_onward_migration_and_remittance_losses(network):
    kw = dict(months=24, model__refugees__onward_rate=3.0)
    open_ = mean_over_seeds(network, range(4), **kw)
    shut = mean_over_seeds(network, range(4), policy__russia_migrant_restriction__level=1.0, **kw)
    assert open_["cum_onward_to_rus"] > 0 and open_["ca_remittance_loss_usd"] > 0
    assert shut["cum_onward_to_rus"] == 0  # no migrant worker admitted or setting out
    # Some still reach Russia irregularly, so losses fall but need not vanish.
    assert shut["ca_remittance_loss_usd"] < 0.5 * open_["ca_remittance_loss_usd"]


def test_unknown_closure_location_is_a_config_error(network):
    from sim.config import ConfigError

    cfg = small_config()
    cfg.policy.closures = [Closure("XB_NOWHERE")]
    with pytest.raises(ConfigError, match=r"policy.closures\[0\].location = 'XB_NOWHERE'"):
        SpilloverModel(cfg, rng=1, network=network)


def test_network_loads_from_config_paths(tmp_path):
    files = toy_network(tmp_path, ROUTE, ROUTE_LINKS)
    assert set(load_network(*files).locations) == {"AF_A", "XB_U", "UZB_H"}


@settings(max_examples=10, deadline=None)
@given(low=st.floats(0, 1), delta=st.floats(0.05, 1))
def test_more_russian_pressure_never_raises_mean_entries_into_central_asia(network, low, delta):
    """Paired over eight seeds, at every month no more people have entered Central Asia.

    One seed alone does not hold this at every month: once the two runs make one decision
    differently, the same draws no longer meet the same groups, and a count can run a group
    ahead for a while (hypothesis found low 0, delta 0.125, seed 101972: one group of 1,000
    ahead at month 5, 11,000 fewer by month 18; 4 of 150 random cases do this).
    """
    means = []
    for level in (low, min(1.0, low + delta)):
        cfg = small_config(horizon_months=18)
        cfg.policy.russia_refugee_pressure.level = level
        runs = [SpilloverModel(cfg, rng=seed, network=network).run() for seed in range(8)]
        means.append(np.mean([r.series[:, r.series_names.index("cum_entered_ca")] for r in runs], axis=0))
    lo, hi = means
    assert np.all(hi <= lo), float((hi - lo).max())


def _route_weights(st, model) -> np.ndarray:
    """The numpy formulas the compiled route weights follow: (L, D) weight of each first hop,
    the sum over routes of score(dest) / (softening + km)."""
    net = st.net
    m = model.cfg.model.refugees.movement
    cap = st.capacity
    # People at each location at the end of yesterday (counted by the daily pass); groups
    # displaced today start in Afghan regions, which have no capacity.
    fill = np.divide(st.occupancy, cap, out=np.zeros_like(cap), where=cap > 0)
    cap_mult = np.where(cap > 0, np.clip((1.0 - fill) / (1.0 - m.capacity_buffer), 0.0, 1.0), 1.0)
    score = st.base_score * st.attract[net.node_country] * cap_mult
    open_node = ~st.closed
    hops = net.route_hops
    passable = np.all((hops < 0) | open_node[np.where(hops < 0, 0, hops)], axis=1)
    w = score[net.route_dest] * passable / (m.distance_softening + net.route_km)
    flat = net.route_origin * net.nbr.shape[1] + net.route_slot
    return np.bincount(flat, weights=w, minlength=net.nbr.size).reshape(net.nbr.shape)


def _table_of(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The numpy formulas the compiled route table follows (kernels.build_table)."""
    total = weights.sum(axis=1)
    n_nodes = weights.shape[0]
    cum = np.cumsum(weights, axis=1) / np.where(total > 0, total, 1.0)[:, None]
    cum[:, -1] = 1.0
    return (np.arange(n_nodes)[:, None] + cum).ravel(), total


def test_cached_route_table_matches_the_numpy_reference_every_day(network):
    """The cached table equals one built afresh from the plain numpy weights, every day,
    closures included: the cache is rebuilt whenever a weight changes."""
    from sim.refugees.phase import _route_table

    cfg = small_config(horizon_months=4)
    cfg.policy.closures = [Closure(location="XB_SHERKHAN_PANJ", start="2021-09-10", end="2021-10-20")]
    m = SpilloverModel(cfg, rng=8, network=network)
    while m.running:
        m.step()  # then build the next day's table both ways from the state it starts from
        table, total = _route_table(m.refugees, m)
        ref_table, ref_total = _table_of(_route_weights(m.refugees, m))
        np.testing.assert_array_equal(table, ref_table, err_msg=f"day {m.day}")
        np.testing.assert_array_equal(total, ref_total, err_msg=f"day {m.day}")


def test_people_are_conserved_in_the_outcome_table(network):
    """Displaced = hosted in every country + moving in Afghanistan + in transit + returned (+ detained militants)."""
    s = SpilloverModel(small_config(horizon_months=24), rng=11, network=network).run().scalars
    from sim.refugees.outcomes import HOSTED
    hosted = sum(s[f"n_hosted_{c.lower()}"] for c in HOSTED)
    accounted = hosted + s["n_moving_afg"] + s["n_in_transit"] + s["cum_returned"] + s["cum_militants_detained"]
    assert s["cum_displaced"] == accounted


def test_the_groups_record_follows_the_arrays_when_they_grow():
    """The daily pass reads the group arrays through ``Agents.groups``: reserve rebuilds it."""
    from sim.refugees.tables import Agents, Groups

    a = Agents(capacity=4)
    a.add(10, np.zeros(10, dtype=np.int64), 1000, np.zeros(10, dtype=np.int64))
    assert a.status.size >= 10
    assert all(getattr(a.groups, name) is getattr(a, name) for name in Groups._fields)


# ----------------------------------------------------------------------------- turned back
IRAN_ROUTE = [
    "XB_I,Crossing I,IRN,border_crossing,36.0,62.0,0,test",
    "IRN_H,Host I,IRN,host,36.2,61.8,10000000,test",
]
IRAN_LINKS = ["AF_A,XB_I,100,road,none,test", "XB_I,IRN_H,100,road,none,test"]


def _refusing_uzbekistan(tmp_path, memory: int, locations=ROUTE, links=ROUTE_LINKS):
    cfg = toy_config(*toy_network(tmp_path, locations, links), days=90)
    cfg.model.states.admission.intercept = -40.0  # Uzbekistan admits no one
    cfg.model.refugees.central_asia.irregular = 0.0
    cfg.model.refugees.movement.move_chance_town = 1.0
    cfg.model.refugees.refusal_memory_days = memory
    return cfg


def test_a_group_turned_back_does_not_try_the_same_country_again_while_it_remembers(tmp_path):
    """One route, to a country that refuses everyone: with a memory longer than the run each
    group is turned back exactly once and then waits; with no memory it tries again and again."""
    turned = {}
    for memory in (0, 1000):
        m = SpilloverModel(_refusing_uzbekistan(tmp_path, memory), rng=5)
        place(m, "AF_A", 10)
        for _ in range(60):
            m.step()
            assert conserved(m)
        turned[memory] = m.refugees.cum_turned_back
    assert turned[1000] == 10_000
    assert turned[0] > 5 * turned[1000]


def test_a_group_turned_back_takes_another_country_next_time(tmp_path):
    """Two routes from the origin, one into Uzbekistan (refusing everyone) and one into Iran
    (admitting everyone): a group refused by Uzbekistan goes to Iran next, so no group is turned
    back twice and everyone ends up in Iran."""
    cfg = _refusing_uzbekistan(tmp_path, 1000, ROUTE + IRAN_ROUTE, ROUTE_LINKS + IRAN_LINKS)
    cfg.model.refugees.irn.admit_share = 1.0
    cfg.model.refugees.irn.return_rate = 0.0
    m = SpilloverModel(cfg, rng=6)
    place(m, "AF_A", 40)
    for _ in range(60):
        m.step()
    assert m.refugees.cum_turned_back <= 40_000  # at most once per group
    assert m.refugees.cum_turned_back > 0  # some tried Uzbekistan first
    assert stocks(m)["n_hosted_irn"] == 40_000


def test_turn_backs_per_person_displaced_stay_bounded_at_baseline(network):
    """With memory, people refused by a state try another; without it, the same groups are
    counted again and again. Over two years of the baseline, turn-backs stay near one per person
    displaced (each state of the region can refuse a group once while it remembers)."""
    ratio = {}
    for memory in (0, 30):
        s = mean_over_seeds(network, range(2), months=24, model__refugees__refusal_memory_days=memory)
        ratio[memory] = s["cum_turned_back"] / s["cum_displaced"]
    assert ratio[30] < ratio[0]
    assert ratio[30] <= 1.1
