"""Whole-pipeline speed: where a run, a ``serve`` start and a click spend their time.

Run from the repository root::

    python benchmarks/pipeline.py [--ref f98164c] [--clicks 20] [--repeat 3] [--no-ref] [--no-osm]

It measures two code trees in the same sitting, each in fresh processes: this
one and a previous release checked out from git (``--ref``, into a temporary
``git worktree`` that is removed afterwards). For each it prints:

- per area, the seconds of each phase of ``islandcare run`` (load the pack,
  network build, compile, shortest paths, polygons, render the map, exports;
  each phase counts its own time, not that of phases it calls), the whole run
  and its ratio to the shortest-path time, and the peak memory of the run.
  As in the issue's figure for the previous release ("imports aside"), the
  run is timed after the libraries and every ``islandcare`` module are
  imported (the import seconds are printed apart; ``--count-imports`` times
  them inside the run instead, the first area paying them). The areas are run
  ``--repeat`` times (3), each time in a fresh process, and the fastest run of
  each area counts: on a shared machine one run can be a third slower than the
  next;
- per area, the time ``serve`` takes to be ready (``App.build``) and the
  median and 95th percentile of a click (a site check with its circle drawn),
  clicking at the area's own village, township seat and facility points, cycling through facility kinds;
- the same for Fenghua with a real road graph of 40-50k nodes in place of the
  pack's roads: the nodes of ``/work/shared/benchmarks/scgraph_world_highways.npz``
  within a circle around Fenghua (``--radius-km``, 850 km gives about 46k nodes)
  and the edges between them, written as the OpenStreetMap cache would be
  (``<geodata>/cache/fenghua/graph.graphml``) into a temporary geodata folder
  (``ISLANDCARE_GEODATA``), never into the repository. That graph is simplified
  trunk-level roads (no road classes: every edge is read as ``trunk``); it
  stands for the size of a real county cache, not for Fenghua's own streets.

Its last line, for scripts: ``pipeline: run S s, shortest paths S s, ratio R``
(this tree, the three areas' runs).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NPZ = Path("/work/shared/benchmarks/scgraph_world_highways.npz")
FENGHUA = (29.66, 121.41)  # lat, lon of the county seat (Xikou-Fenghua district centre)
PHASES = ("pack", "network", "compile", "paths", "polygons", "render", "exports")

# Functions timed as each phase (module, attribute); missing ones are skipped,
# so the same script times older and newer trees.
TARGETS = {
    "pack": [("islandcare.data.pack", "load_pack"), ("islandcare.data.pack", "with_planner_tables")],
    "network": [("islandcare.network.assemble", "build_network"),
                ("islandcare.network.assemble", "build_base"),
                ("islandcare.network.assemble", "_road_edges"),
                ("islandcare.network.assemble", "_read_graphml")],
    "compile": [("islandcare.engine", "Engine.compile"), ("islandcare.engine", "Engine.from_arrays")],
    "paths": [("islandcare.engine", "dijkstra")],
    "polygons": [("islandcare.analyses.circles", "reached_area")],
    "render": [("islandcare.render.maps", "write_area_map"), ("islandcare.app", "_page"),
               ("islandcare.app.page", "render_page")],
    "exports": [("islandcare.render.summary", "write_summary"), ("islandcare.export", "write_table"),
                ("islandcare.app", "_downloads")],
}


# ------------------------------------------------------------------ child side


class PhaseTimer:
    """Exclusive time per phase, by wrapping the functions of :data:`TARGETS`."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._stack: list[float] = []

    def wrap(self, fn, phase: str):
        """Return ``fn`` wrapped to add its exclusive time to ``phase``."""
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            self._stack.append(0.0)
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - t0
                inner = self._stack.pop()
                self.seconds[phase] += elapsed - inner
                if self._stack:
                    self._stack[-1] += elapsed

        timed.__wrapped__ = fn
        return timed

    def install(self) -> None:
        """Wrap every function of :data:`TARGETS` in its module, in place."""
        import importlib

        for mod in ("islandcare.cli", "islandcare.app", "islandcare.analyses.report",
                    "islandcare.analyses.siting", "islandcare.render.maps", "islandcare.export"):
            importlib.import_module(mod)
        for phase, targets in TARGETS.items():
            for modname, attr in targets:
                try:
                    module = importlib.import_module(modname)
                except ImportError:
                    continue
                if "." in attr:  # a classmethod
                    cls_name, meth = attr.split(".")
                    cls = getattr(module, cls_name)
                    raw = cls.__dict__.get(meth)
                    if isinstance(raw, classmethod):
                        setattr(cls, meth, classmethod(self.wrap(raw.__func__, phase)))
                    continue
                original = getattr(module, attr, None)
                if original is None:
                    continue
                wrapped = self.wrap(original, phase)
                for m in list(sys.modules.values()):  # every module that bound the name
                    if getattr(m, "__name__", "").startswith("islandcare") and \
                            getattr(m, attr, None) is original:
                        setattr(m, attr, wrapped)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


#: Libraries a run imports on its way (some lazily). The issue's figure for the
#: previous release is "imports aside": both trees are timed after these imports.
LIBRARIES = ("numpy", "pandas", "scipy.sparse", "scipy.sparse.csgraph", "scipy.spatial", "shapely",
             "pyproj", "geopandas", "pyogrio", "networkx", "folium", "folium.plugins", "branca",
             "jinja2", "openpyxl", "contourpy")


def import_everything() -> float:
    """Import the libraries and every module of the tree's ``islandcare``; return the seconds it took."""
    import importlib
    import pkgutil

    t0 = time.perf_counter()
    for name in LIBRARIES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    import islandcare

    for mod in pkgutil.walk_packages(islandcare.__path__, "islandcare."):
        try:
            importlib.import_module(mod.name)
        except Exception:  # noqa: BLE001 - an optional module (dask) may not import; skip it
            continue
    return time.perf_counter() - t0


def child_run(areas: list[str], out: Path, *, count_imports: bool = False) -> dict:
    """Time ``islandcare run`` per area in this process, imports aside (or counted, in the first area)."""
    imports = None if count_imports else import_everything()
    t0 = time.perf_counter()
    timer = PhaseTimer()
    timer.install()  # imports the modules it wraps, and with them most libraries
    from islandcare import cli

    setup = time.perf_counter() - t0 if count_imports else 0.0  # counted in the first area's run
    result: dict = {"areas": {}, "imports": imports}
    for key in areas:
        timer.seconds.clear()
        t0 = time.perf_counter()
        code = cli.main(["run", "--area", key, "--out", str(out), "-q"])
        total = time.perf_counter() - t0 + setup
        setup = 0.0
        if code != 0:
            raise SystemExit(f"run --area {key} exited {code}")
        result["areas"][key] = {"total": total, **{p: timer.seconds.get(p, 0.0) for p in PHASES}}
    result["peak_mb"] = _peak_mb()
    return result


def child_serve(area_key: str, clicks: int) -> dict:
    """Time ``App.build`` (serve ready) and clicks at village points."""
    from islandcare.app import FACILITY_KINDS, App
    from islandcare.errors import InputError

    t0 = time.perf_counter()
    app = App.build(area_key)
    ready = time.perf_counter() - t0
    pts = [(g.x, g.y) for layer in ("villages", "townships", "facilities")
           for g in app.area.layers[layer].geometry if g is not None and not g.is_empty]
    kinds = list(FACILITY_KINDS)
    times = []
    for i in range(min(clicks, len(pts) * len(kinds))):
        lon, lat = pts[(i * 7) % len(pts)]
        kind = kinds[i % len(kinds)]
        t = time.perf_counter()
        try:
            app.check_site({"kind": kind, "lon": lon, "lat": lat})
        except InputError:
            continue
        times.append((time.perf_counter() - t) * 1000)
    if hasattr(app, "wait_warm"):  # a warm-up thread still in C code at exit can crash the process
        app.wait_warm()
    times.sort()
    p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)] if times else float("nan")
    return {"ready": ready, "click_median_ms": statistics.median(times) if times else float("nan"),
            "click_p95_ms": p95, "clicks": len(times), "peak_mb": _peak_mb()}


# ----------------------------------------------------------------- parent side


def write_osm_geodata(tree: Path, folder: Path, *, radius_km: float) -> int:
    """Return a geodata folder for ``tree`` with a real road graph cached for Fenghua.

    Returns the number of road nodes written.
    """
    import networkx as nx
    import numpy as np
    import osmnx as ox

    z = np.load(NPZ)
    lat, lon = z["lat_lon"][:, 0].astype(float), z["lat_lon"][:, 1].astype(float)
    la0, lo0 = map(math.radians, FENGHUA)
    p1, l1 = np.radians(lat), np.radians(lon)
    a = np.sin((p1 - la0) / 2) ** 2 + math.cos(la0) * np.cos(p1) * np.sin((l1 - lo0) / 2) ** 2
    inside = 2 * 6371.0088 * np.arcsin(np.sqrt(a)) <= radius_km
    u, v, km = z["u"], z["v"], z["km"]
    both = inside[u] & inside[v] & (u != v)
    G = nx.MultiDiGraph(crs="epsg:4326")
    for i in np.flatnonzero(inside):
        G.add_node(int(i), x=float(lon[i]), y=float(lat[i]))
    for a_, b_, k in zip(u[both], v[both], km[both], strict=True):
        for s, t in ((int(a_), int(b_)), (int(b_), int(a_))):  # the data is undirected
            G.add_edge(s, t, length=float(k) * 1000.0, highway="trunk", oneway=False)
    (folder / "cache" / "fenghua").mkdir(parents=True)
    for sub in ("areas", "packs"):
        os.symlink(tree / "geodata" / sub, folder / sub)
    ox.save_graphml(G, folder / "cache" / "fenghua" / "graph.graphml")
    for layer in ("ferries", "facilities", "ports", "places"):  # as a fetch that found only roads writes them
        (folder / "cache" / "fenghua" / f"{layer}.geojson").write_text(
            '{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    meta = {"area": "fenghua", "source": f"{NPZ.name}, nodes within {radius_km:g} km of Fenghua",
            "license": "ODbL 1.0, (c) OpenStreetMap contributors",
            "graph": {"nodes": G.number_of_nodes(), "edges": G.number_of_edges()}}
    (folder / "cache" / "fenghua" / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return G.number_of_nodes()


def spawn(tree: Path, args: list[str], *, geodata: Path | None = None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    env.pop("ISLANDCARE_GEODATA", None)
    if geodata is not None:
        env["ISLANDCARE_GEODATA"] = str(geodata)
    with tempfile.NamedTemporaryFile(suffix=".json") as fh:
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child-json", fh.name, *args],
                       env=env, check=True, cwd=tree)
        return json.loads(Path(fh.name).read_text())


def best_of(runs: list[dict]) -> dict:
    """Merge repeated runs: per area the fastest run (with its phases); the highest peak memory."""
    out = dict(runs[0])
    out["areas"] = {key: min((r["areas"][key] for r in runs), key=lambda t: t["total"])
                    for key in runs[0]["areas"]}
    out["peak_mb"] = max(r["peak_mb"] for r in runs)
    out["imports"] = (min(r["imports"] for r in runs)
                      if all(r.get("imports") is not None for r in runs) else None)
    return out


def measure(tree: Path, areas: list[str], *, clicks: int, osm: bool, radius_km: float,
            tmp: Path, label: str, repeat: int, count_imports: bool) -> dict:
    runs = []
    for i in range(repeat):
        print(f"[{label}] run {', '.join(areas)} ({i + 1}/{repeat}) ...", flush=True)
        runs.append(spawn(tree, ["--child", "run", *areas, "--out", str(tmp / f"out-{label}-{i}"),
                                 *(["--count-imports"] if count_imports else [])]))
    res = {"run": best_of(runs)}
    res["serve"] = {}
    for key in areas:
        print(f"[{label}] serve {key} ...", flush=True)
        res["serve"][key] = spawn(tree, ["--child", "serve", key, "--clicks", str(clicks)])
    if osm:
        geo = tmp / f"geodata-{label}"
        n = write_osm_geodata(tree, geo, radius_km=radius_km)
        print(f"[{label}] fenghua with a {n}-node road graph: run, serve ...", flush=True)
        res["osm_nodes"] = n
        res["osm_run"] = spawn(tree, ["--child", "run", "fenghua", "--out", str(tmp / f"osm-{label}")],
                               geodata=geo)
        res["osm_serve"] = spawn(tree, ["--child", "serve", "fenghua", "--clicks", str(clicks)],
                                 geodata=geo)
    return res


def report(label: str, res: dict) -> None:
    print(f"\n== {label}")
    head = f"{'area':<16}" + "".join(f"{p:>9}" for p in PHASES) + f"{'run s':>9}{'ratio':>8}"
    print(head)
    rows = list(res["run"]["areas"].items())
    if "osm_run" in res:
        rows += [(f"fenghua+osm{res['osm_nodes'] // 1000}k", res["osm_run"]["areas"]["fenghua"])]
    for key, t in rows:
        ratio = t["total"] / t["paths"] if t["paths"] > 0 else float("inf")
        print(f"{key:<16}" + "".join(f"{t[p]:>9.2f}" for p in PHASES) + f"{t['total']:>9.2f}{ratio:>8.0f}")
    if res["run"].get("imports") is not None:
        print(f"imports before the run (not counted): {res['run']['imports']:.1f} s")
    print(f"peak memory of the run: {res['run']['peak_mb']:.0f} MB"
          + (f"; with the OSM graph: {res['osm_run']['peak_mb']:.0f} MB" if "osm_run" in res else ""))
    print(f"{'serve':<16}{'ready s':>9}{'click ms':>10}{'p95 ms':>9}{'clicks':>8}")
    serves = list(res["serve"].items())
    if "osm_serve" in res:
        serves += [(f"fenghua+osm{res['osm_nodes'] // 1000}k", res["osm_serve"])]
    for key, s in serves:
        print(f"{key:<16}{s['ready']:>9.2f}{s['click_median_ms']:>10.1f}{s['click_p95_ms']:>9.1f}"
              f"{s['clicks']:>8}")


def totals(res: dict) -> tuple[float, float]:
    areas = res["run"]["areas"].values()
    return sum(t["total"] for t in areas), sum(t["paths"] for t in areas)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", default="f98164c",
                    help="git revision of the previous release to compare with (default: f98164c, "
                         "the code before issue 10)")
    ap.add_argument("--no-ref", action="store_true", help="time only this tree")
    ap.add_argument("--no-osm", action="store_true", help="skip the Fenghua case with the OSM-size graph")
    ap.add_argument("--no-ref-osm", action="store_true",
                    help="skip the Fenghua OSM case for the previous release (it takes minutes)")
    ap.add_argument("--areas", default="fenghua,putuo,shengsi")
    ap.add_argument("--clicks", type=int, default=20)
    ap.add_argument("--count-imports", action="store_true",
                    help="time the run with the libraries' imports in it (the first area pays them), "
                         "not imports aside")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of the areas per tree, each in a fresh process; the fastest counts "
                         "per area (default: 3; timing on a shared machine is noisy)")
    ap.add_argument("--radius-km", type=float, default=850.0)
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    ap.add_argument("--child-json", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        if args.child[0] == "run":
            out = child_run(args.child[1:], Path(args.out), count_imports=args.count_imports)
        else:
            out = child_serve(args.child[1], args.clicks)
        Path(args.child_json).write_text(json.dumps(out))
        return

    areas = [a for a in args.areas.split(",") if a]
    with tempfile.TemporaryDirectory(prefix="islandcare-bench-") as tmp_name:
        tmp = Path(tmp_name)
        results = {}
        ref_tree = None
        try:
            if not args.no_ref:
                ref_tree = tmp / "ref"
                subprocess.run(["git", "worktree", "add", "--detach", "-q", str(ref_tree), args.ref],
                               cwd=ROOT, check=True)
                results[f"previous ({args.ref})"] = measure(
                    ref_tree, areas, clicks=args.clicks, osm=not (args.no_osm or args.no_ref_osm),
                    radius_km=args.radius_km, tmp=tmp, label="ref", repeat=args.repeat,
                    count_imports=args.count_imports)
            results["this tree"] = measure(ROOT, areas, clicks=args.clicks, osm=not args.no_osm,
                                           radius_km=args.radius_km, tmp=tmp, label="now", repeat=args.repeat,
                                           count_imports=args.count_imports)
        finally:
            if ref_tree is not None:
                subprocess.run(["git", "worktree", "remove", "--force", str(ref_tree)], cwd=ROOT,
                               check=False)
    for label, res in results.items():
        report(label, res)
    now_run, now_paths = totals(results["this tree"])
    if len(results) == 2:
        ref_run, _ = totals(next(iter(results.values())))
        print(f"\nspeed-up of the run of {', '.join(areas)}: {ref_run / now_run:.1f}x "
              f"({ref_run:.1f} s -> {now_run:.1f} s)")
        ref = next(iter(results.values()))
        if "osm_run" in ref and "osm_run" in results["this tree"]:
            a, b = ref["osm_run"]["areas"]["fenghua"]["total"], \
                results["this tree"]["osm_run"]["areas"]["fenghua"]["total"]
            print(f"speed-up of the Fenghua run with the OSM-size graph: {a / b:.1f}x ({a:.1f} s -> {b:.1f} s)")
    ratio = now_run / now_paths if now_paths > 0 else float("inf")
    print(f"pipeline: run {now_run:.1f} s, shortest paths {now_paths:.2f} s, ratio {ratio:.0f}")


if __name__ == "__main__":
    main()
