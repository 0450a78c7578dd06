"""How the engine's cost grows with the size of a real road network.

Run from the repository root::

    python benchmarks/scale.py [--sizes 10000,50000,100000,300000] [--sources 200] [--cutoff 30]

Network: ``/work/shared/benchmarks/scgraph_world_highways.npz`` (560,282 nodes,
822,234 undirected edges, derived from OpenStreetMap, ODbL; see its README),
and nested subsets of it: the N nodes nearest Fenghua (great-circle distance)
with the edges between them, so each subset contains the smaller ones. Edge
minutes are the edge length at 60 km/h (the data has no road classes; the
figures measure growth, not any area's travel times).

Per size it prints the compile time (from arrays), 200 sources to all nodes
with a 30-minute cutoff, the nearest-source query, the baseline state of a
what-if (per-source times within the cutoff), one what-if added site (median
of several), the process's peak memory so far, and at the end the growth
exponent b of time ~ N^b for each measure (least squares on log-log).

Its last line, for scripts: ``scale: N nodes, what-if X ms, peak M MB`` (the
largest network).
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from islandcare.engine import Engine

NPZ = Path("/work/shared/benchmarks/scgraph_world_highways.npz")
FENGHUA = (29.66, 121.41)  # lat, lon
KMH = 60.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def subset(z, n: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the edges (u, v, minutes) among the ``n`` nodes nearest Fenghua (all when None), renumbered."""
    ll = z["lat_lon"].astype(float)
    u, v, km = z["u"].astype(np.int64), z["v"].astype(np.int64), z["km"].astype(float)
    total = len(ll)
    if n is None or n >= total:
        keep = np.arange(total)
    else:
        la0, lo0 = map(math.radians, FENGHUA)
        p, lam = np.radians(ll[:, 0]), np.radians(ll[:, 1])
        a = np.sin((p - la0) / 2) ** 2 + math.cos(la0) * np.cos(p) * np.sin((lam - lo0) / 2) ** 2
        keep = np.sort(np.argsort(a, kind="stable")[:n])
    new = np.full(total, -1, dtype=np.int64)
    new[keep] = np.arange(len(keep))
    ok = (new[u] >= 0) & (new[v] >= 0) & (u != v)
    return new[u[ok]], new[v[ok]], km[ok] / KMH * 60.0, len(keep)


def compile_engine(u: np.ndarray, v: np.ndarray, minutes: np.ndarray, n: int) -> Engine:
    """Return an engine of the undirected edges (both directions), from arrays when the engine can."""
    tail, head = np.concatenate([u, v]), np.concatenate([v, u])
    w = np.concatenate([minutes, minutes])
    if hasattr(Engine, "from_arrays"):
        return Engine.from_arrays(list(range(n)), tail, head, w,
                                  modes=np.zeros(len(w), dtype=np.int32),
                                  mapped=np.ones(len(w), dtype=bool), mode_names=("road",))
    import networkx as nx  # older engines: through networkx

    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from((int(a), int(b), {"minutes": float(c), "mode": "road", "mapped": True})
                     for a, b, c in zip(tail, head, w, strict=True))
    return Engine.compile(G)


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    best, out = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,50000,100000,300000",
                    help="subset sizes; the whole network is always measured last")
    ap.add_argument("--sources", type=int, default=200)
    ap.add_argument("--cutoff", type=float, default=30.0)
    ap.add_argument("--whatif-repeat", type=int, default=9)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    z = np.load(NPZ)
    sizes = [int(s) for s in args.sizes.split(",") if s] + [None]
    rng = np.random.default_rng(args.seed)
    print(f"{'nodes':>8}{'edges':>9}{'compile s':>10}{'200 src s':>10}{'nearest s':>10}"
          f"{'state s':>9}{'what-if ms':>11}{'peak MB':>9}")
    rows = []
    for size in sizes:
        u, v, minutes, n = subset(z, size)
        t_compile, eng = timed(lambda u=u, v=v, w=minutes, n=n: compile_engine(u, v, w, n))
        src = rng.choice(n, size=min(args.sources, n), replace=False).tolist()
        t_times, _ = timed(lambda e=eng, s=src: e.times(s, cutoff=args.cutoff))
        t_near, _ = timed(lambda e=eng, s=src: e.nearest(s, cutoff=args.cutoff))
        t_state, state = timed(lambda e=eng, s=src: e.coverage(s, cutoff=args.cutoff))
        extra = rng.choice(n, size=args.whatif_repeat).tolist()
        adds = []
        for node in extra:
            t0 = time.perf_counter()
            eng.with_source_added(state, node)
            adds.append((time.perf_counter() - t0) * 1000)
        t_add = statistics.median(adds)
        del state
        rows.append((n, t_compile, t_times, t_near, t_state, t_add / 1000, peak_mb()))
        print(f"{n:>8}{eng.matrix.nnz // 2:>9}{t_compile:>10.2f}{t_times:>10.2f}{t_near:>10.3f}"
              f"{t_state:>9.2f}{t_add:>11.1f}{peak_mb():>9.0f}", flush=True)
        del eng
    ns = np.log([r[0] for r in rows])
    names = ("compile", "200 sources", "nearest", "state", "what-if")
    exps = []
    for k, name in enumerate(names, start=1):
        ts = np.log([max(r[k], 1e-6) for r in rows])
        exps.append(f"{name} {np.polyfit(ns, ts, 1)[0]:.2f}")
    print("growth exponent b (time ~ N^b): " + ", ".join(exps))
    n, *_, t_add, peak = rows[-1]
    print(f"scale: {n} nodes, what-if {t_add * 1000:.1f} ms, peak {peak:.0f} MB")


if __name__ == "__main__":
    main()
