"""The regional network: the shipped data, and one-line errors naming file and row for bad data."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import networkx as nx
import pytest

from sim.network import LINKS_FILE, LOCATIONS_FILE, NetworkDataError, load_network

AFGHAN_REGIONS = {"AF_NORTH", "AF_NORTHEAST", "AF_WEST", "AF_SOUTH", "AF_EAST", "AF_KABUL", "AF_CENTRE"}
CROSSINGS = {
    "XB_HAIRATAN_TERMEZ", "XB_SHERKHAN_PANJ", "XB_ISHKASHIM", "XB_TORGHUNDI_SERHETABAT",
    "XB_ISLAM_QALA", "XB_MILAK_ZARANJ", "XB_TORKHAM", "XB_CHAMAN",
}
ROUTE_NAMES = ("northern", "balkan", "southern")


@pytest.fixture(scope="module")
def net():
    return load_network()


@pytest.fixture(scope="module")
def graph(net):
    return net.graph()


# ----------------------------------------------------------------------------- shipped data
def test_shipped_network_keeps_every_row_of_its_files(net, graph):
    """One location per row and one link per row, in file order, with the row's values; the
    graph has one edge per link (routes or not) with its length."""
    locs, links = _read(LOCATIONS_FILE), _read(LINKS_FILE)
    assert list(net.locations) == [r[0] for r in locs[1:]]
    assert [(k.from_id, k.to_id, k.km) for k in net.links] == [(r[0], r[1], float(r[2])) for r in links[1:]]
    assert sorted(graph.nodes) == sorted(net.locations)
    assert graph.number_of_edges() == len(net.links)
    assert all(graph.edges[k.from_id, k.to_id]["km"] == k.km for k in net.links)


def test_seven_afghan_regions_and_eight_border_crossings(net):
    assert {loc.id for loc in net.of_kind("afghan_region")} == AFGHAN_REGIONS
    assert all(net.locations[i].country == "AFG" for i in AFGHAN_REGIONS)
    assert {loc.id for loc in net.of_kind("border_crossing")} == CROSSINGS
    assert {loc.id for loc in net.locations.values() if loc.country == "AFG"} == AFGHAN_REGIONS


def test_each_crossing_joins_one_afghan_region_to_the_outside(net, graph):
    for xb in CROSSINGS:
        neighbours = [net.locations[n] for n in graph.neighbors(xb)]
        afghan = [n.id for n in neighbours if n.kind == "afghan_region"]
        outside = [n.id for n in neighbours if n.country != "AFG"]
        assert len(afghan) == 1, f"{xb} links to Afghan regions {afghan}"
        assert outside, f"{xb} links to no location outside Afghanistan"


def test_each_crossing_leads_into_its_own_country(net, graph):
    for xb in CROSSINGS:
        country = net.locations[xb].country
        assert country != "AFG"
        beyond = [n for n in graph.neighbors(xb)
                  if net.locations[n].kind != "border_crossing" and net.locations[n].country == country]
        assert beyond, f"{xb} ({country}) links to no location in {country}"


def _route_graph(graph: nx.Graph, route: str) -> nx.Graph:
    return graph.edge_subgraph([(a, b) for a, b, r in graph.edges(data="routes") if route in r]).copy()


@pytest.mark.parametrize("route", ROUTE_NAMES)
def test_route_links_form_a_path_out_of_afghanistan(net, graph, route):
    g = _route_graph(graph, route)
    assert g.number_of_edges() >= 1, f"no link carries route {route}"
    assert nx.is_connected(g), f"route {route} falls apart into {list(nx.connected_components(g))}"
    starts = [n for n in g if net.locations[n].kind == "afghan_region"]
    assert starts, f"route {route} touches no Afghan region"
    # Beyond the border: outside Afghanistan and not just the crossing point itself.
    reached = set().union(*(nx.node_connected_component(g, s) for s in starts))
    beyond = {n for n in reached
              if net.locations[n].country != "AFG" and net.locations[n].kind != "border_crossing"}
    assert beyond, f"route {route} never leaves Afghanistan"
    # A crossing on the route carries it on beyond the border: no dead ends at the border.
    for xb in (n for n in g if net.locations[n].kind == "border_crossing"):
        sides = {net.locations[n].country == "AFG" for n in g.neighbors(xb)}
        assert sides == {True, False}, f"route {route} stops at {xb}"
    # Every path out of Afghanistan along the route passes through a border crossing.
    afghan_side = {n for n in g if net.locations[n].country == "AFG"}
    for s in starts:
        for t in beyond:
            path = nx.shortest_path(g, s, t)
            first_out = next(n for n in path if n not in afghan_side)
            assert net.locations[first_out].kind == "border_crossing", (route, path)


@pytest.mark.parametrize("route, market", [("northern", "RUS_MOSCOW"), ("balkan", "WEU_EUROPE"),
                                          ("southern", "WEU_EUROPE")])
def test_route_reaches_its_destination_market(net, graph, route, market):
    g = _route_graph(graph, route)
    assert net.locations[market].kind == "market"
    assert market in g and any(nx.has_path(g, a, market) for a in AFGHAN_REGIONS if a in g)


def test_route_none_is_not_kept_as_a_route_name(net):
    assert all("none" not in k.routes for k in net.links)
    assert any(k.routes == () for k in net.links)  # the links kept for population movement only


# ----------------------------------------------------------------------------- bad data
def _read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


def _altered(tmp_path: Path, shipped: Path, line: int | None = None, **changes: str) -> Path:
    """A copy of a shipped CSV with the row on `line` (header is line 1) changed column-wise."""
    rows = _read(shipped)
    if line is not None:
        header = rows[0]
        for col, value in changes.items():
            rows[line - 1][header.index(col)] = value
    return _write(tmp_path / shipped.name, rows)


def _error(**files) -> str:
    with pytest.raises(NetworkDataError) as info:
        load_network(**files)
    msg = str(info.value)
    assert "\n" not in msg, "the message should be one line"
    return msg


def test_unaltered_copies_load_like_the_shipped_files(tmp_path):
    locs, links = _altered(tmp_path, LOCATIONS_FILE), _altered(tmp_path, LINKS_FILE)
    assert load_network(locs, links) == load_network()


def test_link_to_unknown_location_names_file_row_and_id(tmp_path):
    links = _altered(tmp_path, LINKS_FILE, 3, to_id="NOWHERE")
    msg = _error(links_file=links)
    assert str(links) in msg and "row 3" in msg and "'NOWHERE'" in msg


@pytest.mark.parametrize("km, shown", [("-5", "-5"), ("0", "0"), ("-0.5", "-0.5")])
def test_non_positive_km_names_file_row_and_value(tmp_path, km, shown):
    links = _altered(tmp_path, LINKS_FILE, 4, km=km)
    with pytest.raises(NetworkDataError, match=re.escape(f"{links}, row 4: km = {shown} ")):
        load_network(links_file=links)


def test_non_numeric_km_names_file_row_and_value(tmp_path):
    links = _altered(tmp_path, LINKS_FILE, 7, km="far")
    msg = _error(links_file=links)
    assert str(links) in msg and "row 7" in msg and "'far'" in msg


@pytest.mark.parametrize("shipped, column, value, words", [
    (LOCATIONS_FILE, "source", " ", ["source is empty"]),
    (LINKS_FILE, "source", "", ["source is empty"]),
    (LOCATIONS_FILE, "lat", "91", ["lat/lon (91.0,", "[-90, 90]"]),
    (LOCATIONS_FILE, "lon", "inf", ["lon = 'inf' is not a finite number"]),
    (LOCATIONS_FILE, "population", "-1", ["population = -1 must be >= 0"]),
    (LINKS_FILE, "km", "nan", ["km = 'nan' is not a finite number"]),
    (LINKS_FILE, "route", "northern;silk", ["route ['silk']"]),
])
def test_bad_value_names_file_row_and_what_is_wrong(tmp_path, shipped, column, value, words):
    altered = _altered(tmp_path, shipped, 6, **{column: value})
    msg = _error(**{"locations_file" if shipped == LOCATIONS_FILE else "links_file": altered})
    for w in [f"{altered}, row 6: ", *words]:
        assert w in msg


def test_link_to_itself_and_repeated_link_name_file_and_row(tmp_path):
    rows = _read(LINKS_FILE)
    links = _altered(tmp_path, LINKS_FILE, 5, to_id=rows[4][0])
    assert f"{links}, row 5: link from '{rows[4][0]}' to itself" in _error(links_file=links)
    a, b = rows[1][:2]
    links = _write(tmp_path / "links.csv", rows[:6] + [[b, a, *rows[1][2:]]] + rows[6:])  # line 7: line 2 reversed
    assert f"{links}, row 7: duplicate link {b} - {a}" in _error(links_file=links)


def test_missing_column_names_file_and_column(tmp_path):
    rows = _read(LINKS_FILE)
    k = rows[0].index("km")
    links = _write(tmp_path / "links.csv", [r[:k] + r[k + 1:] for r in rows])
    msg = _error(links_file=links)
    assert str(links) in msg and "missing column" in msg and "'km'" in msg


def test_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nope" / "locations.csv"
    msg = _error(locations_file=missing)
    assert str(missing) in msg and "not found" in msg


def test_unknown_kind_names_file_row_and_kind(tmp_path):
    locs = _altered(tmp_path, LOCATIONS_FILE, 5, kind="spaceport")
    msg = _error(locations_file=locs)
    assert str(locs) in msg and "row 5" in msg and "'spaceport'" in msg


def test_unknown_mode_names_file_row_and_mode(tmp_path):
    links = _altered(tmp_path, LINKS_FILE, 10, mode="camel")
    msg = _error(links_file=links)
    assert str(links) in msg and "row 10" in msg and "'camel'" in msg


def test_duplicate_location_id_names_file_row_and_id(tmp_path):
    rows = _read(LOCATIONS_FILE)
    locs = _altered(tmp_path, LOCATIONS_FILE, 4, id=rows[1][0])  # line 4 repeats line 2's id
    msg = _error(locations_file=locs)
    assert str(locs) in msg and "row 4" in msg and f"'{rows[1][0]}'" in msg


def test_row_numbers_count_from_the_header_as_line_one(tmp_path):
    last = len(_read(LINKS_FILE))  # the last line's number
    links = _altered(tmp_path, LINKS_FILE, last, mode="camel")
    assert f"row {last}:" in _error(links_file=links)


def test_disconnected_network_names_the_file_and_the_cut_off_locations(tmp_path):
    rows = _read(LOCATIONS_FILE)
    locs = _write(tmp_path / "locations.csv",
                  rows + [["ZZ_ISLAND", "Island", "XXX", "host", "10", "10", "5", "test"]])
    links = _altered(tmp_path, LINKS_FILE)
    msg = _error(locations_file=locs, links_file=links)
    assert str(links) in msg and "not connected" in msg and "ZZ_ISLAND" in msg


def test_cutting_the_only_links_of_a_crossing_disconnects_it(tmp_path):
    rows = _read(LINKS_FILE)
    kept = [r for r in rows if "XB_ISHKASHIM" not in r[:2]]
    assert len(kept) == len(rows) - 2
    links = _write(tmp_path / "links.csv", kept)
    msg = _error(links_file=links)
    assert str(links) in msg and "not connected" in msg and "XB_ISHKASHIM" in msg
