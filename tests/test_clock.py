"""Clock-true sea legs: timetables per direction, next-day waits, equal to static without clocks."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from islandcare.engine import Engine
from islandcare.engine_td import ClockEngine, next_departure, parse_clock
from islandcare.network.assemble import build_network
from islandcare.network.scenario import Scenario
from islandcare.network.sea import direction_departures, ferry_edges


def _e(G, u, v, minutes, mode="road", mapped=True, departures=()):
    G.add_edge(u, v, minutes=minutes, mode=mode, mapped=mapped, departures=departures)


def _two_piers() -> nx.MultiDiGraph:
    """home -10 min road- pier A; A -> B sails 08:00 and 12:00 (30 min); B -> A sails 09:00 only."""
    G = nx.MultiDiGraph()
    _e(G, "home", "A", 10)
    _e(G, "A", "home", 10)
    _e(G, "A", "A:wait", 60, "wait", departures=(480.0, 720.0))
    _e(G, "A:wait", "B", 30, "ferry")
    _e(G, "B", "B:wait", 60, "wait", departures=(540.0,))
    _e(G, "B:wait", "A", 30, "ferry")
    _e(G, "B", "clinic", 5)
    return G


def test_next_departure_wraps_to_the_next_morning():
    deps = np.array([480.0, 720.0])
    got = next_departure(deps, np.array([0.0, 480.0, 481.0, 720.0, 721.0, 1439.0, 1440.0 + 500]))
    assert got.tolist() == [480.0, 480.0, 720.0, 720.0, 1440 + 480, 1440 + 480, 1440 + 720]
    assert np.isinf(next_departure(deps, np.array([np.inf])))[0]


def test_wait_counts_from_the_arrival_at_the_pier_in_that_direction():
    eng = ClockEngine.compile(_two_piers())
    # leave home 07:55: at the pier 08:05, the 08:00 is gone, next is 12:00: 10 + 235 + 30 + 5
    got = eng.arrivals(["home"], depart=[parse_clock("07:45"), parse_clock("07:55")], at=["clinic"])
    assert got[:, 0].tolist() == pytest.approx([10 + 5 + 30 + 5, 10 + 235 + 30 + 5])
    # after the last sailing (12:00) the wait runs to the next day's first (08:00)
    late = eng.arrivals(["home"], depart=parse_clock("13:00"), at=["clinic"])[0, 0]
    assert late == pytest.approx(10 + (1440 - 790 + 480) + 30 + 5)
    # the other direction has its own timetable: from B at 08:00, the 09:00 back, not A's 08:00
    back = eng.arrivals(["B"], depart=parse_clock("08:00"), at=["home"])[0, 0]
    assert back == pytest.approx(60 + 30 + 10)
    # the leg-by-leg trip agrees, with clock times and a timetable wait
    legs = eng.trip("home", "clinic", depart=parse_clock("07:55"))
    assert [lg.mode for lg in legs] == ["road", "wait", "ferry", "road"]
    assert legs[1].minutes == pytest.approx(235) and legs[1].leaves == pytest.approx(485)
    assert legs[-1].arrives - parse_clock("07:55") == pytest.approx(got[1, 0])
    # the many-origins question gives the same minutes
    to = eng.minutes_to("clinic", ["home", "A"], depart=[parse_clock("07:55")])
    assert to[0].tolist() == pytest.approx([got[1, 0], 5 + 30 + 5])  # A at 07:55 still makes the 08:00


def _random_graph(seed: int, n: int = 40) -> nx.MultiDiGraph:
    rng = np.random.default_rng(seed)
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(n))
    for _ in range(n * 3):
        u, v = (int(x) for x in rng.integers(0, n, 2))
        if u != v:
            timed = rng.random() < 0.15
            deps = tuple(sorted(rng.choice(np.arange(0, 1440, 10), size=int(rng.integers(1, 5)),
                                           replace=False).tolist())) if timed else ()
            _e(G, u, v, float(rng.uniform(0, 60)), departures=deps)
    return G


@pytest.mark.parametrize("seed", range(5))
def test_batch_search_equals_the_heap_dijkstra(seed):
    G = _random_graph(seed)
    eng = ClockEngine.compile(G)
    assert eng.n_timed > 0
    for depart in (0.0, 455.0, 1430.0):
        row = eng.arrivals([0], depart=depart)[0]
        for target in range(1, 40, 3):
            legs = eng.trip(0, target, depart=depart)
            want = (legs[-1].arrives - depart) if legs else np.inf
            assert row[eng.node_index[target]] == pytest.approx(want)
        to = eng.minutes_to(7, list(range(40)), depart=depart)[0]
        for origin in range(0, 40, 4):
            legs = eng.trip(origin, 7, depart=depart)
            want = 0.0 if origin == 7 else ((legs[-1].arrives - depart) if legs else np.inf)
            assert to[origin] == pytest.approx(want)


@pytest.mark.parametrize("seed", range(3))
def test_without_timetables_the_clock_engine_is_the_static_engine(seed):
    G = _random_graph(seed)
    for _, _, d in G.edges(data=True):
        d["departures"] = ()
    eng, static = ClockEngine.compile(G), Engine.compile(G)
    assert eng.n_timed == 0
    for depart in (0.0, 700.0):
        np.testing.assert_array_equal(eng.arrivals([0, 5], depart=depart)[0],
                                      static.nearest([0, 5]).minutes)


@pytest.mark.parametrize("key", ["shengsi", "putuo"])
def test_real_network_without_clock_equals_static_and_clock_never_beats_the_next_sailing(packs, key):
    net = build_network(packs[key], scenario=Scenario(profile="ambulance"))
    eng = ClockEngine.compile(net.graph)
    static = net.engine
    fac = [n for n in net.graph if n.startswith("f:")][:3]
    # strip the timetables: equal to the static engine exactly
    bare = net.graph.copy()
    for _, _, d in bare.edges(data=True):
        d["departures"] = ()
    np.testing.assert_array_equal(ClockEngine.compile(bare).arrivals(fac, depart=600.0)[0],
                                  static.nearest(fac).minutes)
    # with timetables: the batch search and the heap Dijkstra agree on every place
    places = [n for n in net.graph if n.startswith(("t:", "v:"))]
    row = eng.arrivals(fac, depart=600.0, at=places)[0]
    for p, m in zip(places[:12], row[:12], strict=True):
        best = min((lg[-1].arrives - 600.0 if (lg := eng.trip(f, p, depart=600.0)) else np.inf)
                   for f in fac)
        assert m == pytest.approx(best)


def test_a_link_stated_one_way_is_not_mirrored(packs):
    area = packs["shengsi"]
    links = area.layers["sealinks"]
    link = links.set_index("link_id").loc["shengsi-sea-01"]  # 11:30 out of 菜园 only
    assert direction_departures(link, reverse=False) == (690.0,)
    assert direction_departures(link, reverse=True) == ()
    ports = area.layers["ports"]
    edges = ferry_edges(ports, links[links["link_id"] == "shengsi-sea-01"], area.config,
                        Scenario(hour=9.0), node_of_port={p: f"p:{p}" for p in ports["port_id"]})
    waits = {e.u: e for e in edges if e.mode == "wait"}
    out, back = waits["sea:shengsi-sea-01:shengsi-port-caiyuan:board"], \
        waits["sea:shengsi-sea-01:shengsi-port-gouqi:board"]
    assert out.departures == (690.0,) and out.minutes == pytest.approx(150) and out.mapped
    assert back.departures == () and not back.mapped and "return" in back.note
    hw = pd.Series({"headway_min": 20.0, "first_sailing": "06:20", "last_sailing": "21:50"})
    both = direction_departures(hw, reverse=True)
    assert both[0] == 380.0 and both[-1] == 1310.0 and len(both) == 2 + (1310 - 380) // 20


def test_parse_clock_says_what_it_expects():
    assert parse_clock("07:30") == 450.0
    for bad in ("7.30", "25:00", "ab:cd", "12:60"):
        with pytest.raises(ValueError, match=r"HH:MM|00-23"):
            parse_clock(bad)
