"""One directed travel-time graph for an area and a scenario.

Nodes (ids are strings):

``r:<id>``   road node (pack major roads, or the OpenStreetMap cache)
``l:<n>``    modelled-land lattice node
``p:<port>`` port
``f:<id>``   facility (joined to the nearest land node by an ``access`` edge)
``v:<code>`` village with a known point (joined the same way)
``t:<code>`` township seat (stands for the township's population)
``sea:...``  boarding / waiting steps of a ferry link

Every edge has ``minutes``, ``mode`` (road, offroad, access, bridge, boarding,
wait, ferry, boat, air) and ``mapped`` (False when it rests on a modelled leg).

Built once per area (:class:`NetworkBase`, held by :class:`NetworkCache`): the
land lattice, the roads (the OpenStreetMap cache file is read once per
process), bridges and the joins of facilities, places and ports, as arrays of
metres. A scenario (:meth:`NetworkBase.network`) only sets the minutes from its
speeds and adds the sea and air edges running in it; its engine is compiled
from the arrays. ``Network.graph`` rebuilds the same network in networkx, the
reference the tests compare against.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.spatial import cKDTree

from islandcare.config import AreaConfig, cache_dir
from islandcare.data.osm.graphml import forget as forget_graphml
from islandcare.data.osm.graphml import read_road_edges
from islandcare.data.pack import Area
from islandcare.engine import Engine
from islandcare.network.air import flights, flying
from islandcare.network.land import land_lattice, on_land_nearest, shore_land
from islandcare.network.nodes import (
    facility_node,
    is_land,
    is_road,
    land_node,
    port_node,
    road_node,
    township_node,
    village_node,
)
from islandcare.network.scenario import Scenario
from islandcare.network.sea import boat_edges, ferry_edges
from islandcare.network.searoute import sea_router
from islandcare.network.vessels import vessel_edges

__all__ = ["Network", "NetworkBase", "NetworkCache", "build_base", "build_network"]


@dataclass
class Network:
    """The graph of one area under one scenario, and where its points joined it.

    The scenario-independent parts (nodes, where points joined, land edges)
    are shared with the area's :class:`NetworkBase`; the scenario only sets
    the edges' minutes and which sea and air edges run.

    Attributes
    ----------
    scenario
        The scenario it was built for.
    xy
        Node id → (lon, lat).
    joined
        ``f:``/``v:``/``p:`` node → access minutes of its join leg.
    not_joined
        Points that could not be joined (too far from any land node), with why.
    land_id
        Lattice, road and joined node → the land polygon (island) it stands on.
    """

    scenario: Scenario
    xy: dict[str, tuple[float, float]]
    epsg: int
    access_m_per_min: float
    joined: dict[str, float] = field(default_factory=dict)
    not_joined: dict[str, str] = field(default_factory=dict)
    land_nodes: list[str] = field(default_factory=list)
    land_tree: cKDTree | None = None
    land_id: dict[str, str] = field(default_factory=dict)
    edges: _Edges | None = None
    metric_xy: np.ndarray | None = None  # per node of the base, metric coordinates (NaN for none)
    _engine: Engine | None = None

    @property
    def built_edges(self) -> _Edges:
        """The edge arrays (set when the base is built)."""
        if self.edges is None:
            msg = "internal error: this base has no edge arrays (build it with build_base)"
            raise RuntimeError(msg)
        return self.edges

    def nearest_land_node(self, lon: float, lat: float) -> tuple[str, float, float]:
        """Find the land node nearest a point: (node id, metres, access minutes)."""
        if self.land_tree is None:
            msg = "internal error: this base has no land nodes (build it with build_base)"
            raise RuntimeError(msg)
        p = gpd.GeoSeries(gpd.points_from_xy([lon], [lat]), crs=4326).to_crs(self.epsg).iloc[0]
        d, j = self.land_tree.query([p.x, p.y])
        return self.land_nodes[int(j)], float(d), float(d) / self.access_m_per_min

    @property
    def engine(self) -> Engine:
        """The compiled engine (built once, on first use, from the edge arrays or the reverse engine)."""
        if self._engine is None:
            e = self.built_edges
            reverse = self.__dict__.get("_reverse")
            self._engine = (reverse.turned() if reverse is not None else
                            Engine.from_arrays(e.nodes, e.tail, e.head, e.minutes, modes=e.mode,
                                               mapped=e.mapped, mode_names=e.mode_names, node_index=e.index))
        return self._engine

    @property
    def reverse_engine(self) -> Engine:
        """The engine of the reversed graph: times *to* a node from every node."""
        if self.__dict__.get("_reverse") is None:  # the other one turned round when it is built
            e = self.built_edges
            self.__dict__["_reverse"] = (self._engine.turned() if self._engine is not None else
                                         Engine.from_arrays(e.nodes, e.head, e.tail, e.minutes, modes=e.mode,
                                                            mapped=e.mapped, mode_names=e.mode_names,
                                                            node_index=e.index))
        return self.__dict__["_reverse"]

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The same network as a networkx graph (built on first use; the reference for tests)."""
        if self.__dict__.get("_graph") is None:
            e = self.built_edges
            G = nx.MultiDiGraph()
            for node in e.nodes:
                attrs: dict[str, Any] = {}
                if is_land(node):
                    attrs = {"kind": "lattice", "land_id": self.land_id[node]}
                elif is_road(node):
                    attrs = {"kind": "road"}
                G.add_node(node, **attrs)
            for k in range(len(e.tail)):
                edge_attrs: dict[str, Any] = {"minutes": float(e.minutes[k]), "mode": e.mode_names[e.mode[k]],
                         "mapped": bool(e.mapped[k])}
                edge_attrs.update(e.extra.get(int(k), {}))
                G.add_edge(e.nodes[e.tail[k]], e.nodes[e.head[k]], **edge_attrs)
            self.__dict__["_graph"] = G
        return self.__dict__["_graph"]

    def has(self, node: str) -> bool:
        """Tell whether the network has this node."""
        return node in self.built_edges.index


@dataclass
class _Edges:
    """Directed edges as arrays, in the order they were added."""

    nodes: list[str]
    index: dict[str, int]
    tail: np.ndarray
    head: np.ndarray
    minutes: np.ndarray
    mode: np.ndarray
    mapped: np.ndarray
    mode_names: tuple[str, ...]
    extra: dict[int, dict] = field(default_factory=dict)  # edge → link_id, note, departures


def _kmh_to_m_per_min(kmh: float) -> float:
    return kmh * 1000.0 / 60.0


def _maxspeed(value: object) -> float | None:
    """Return an OSM ``maxspeed`` tag as km/h (the lowest of several; mph converted), or None."""
    values = value if isinstance(value, list) else [value]
    found = []
    for v in values:
        text = str(v).strip().lower()
        num = "".join(ch for ch in text.split()[0] if ch.isdigit() or ch == ".") if text else ""
        if num:
            found.append(float(num) * (1.609 if "mph" in text else 1.0))
    return min(found) if found else None


def _road_speed(cfg: AreaConfig, highway: str, scenario: Scenario,
                maxspeed: float | None = None) -> float:
    if scenario.profile == "walk":
        return float(cfg.get("speeds.walk"))
    speed = cfg.speed_kmh(highway) if maxspeed is None else maxspeed
    if scenario.profile == "ambulance":
        speed *= float(cfg.get("speeds.ambulance_factor"))
    return speed


def _offroad_speed(cfg: AreaConfig, scenario: Scenario) -> float:
    if scenario.profile == "walk":
        return float(cfg.get("speeds.walk"))
    return float(cfg.get("speeds.offroad"))


def _osm_graph_path(area: str) -> Path:
    return cache_dir() / area / "graph.graphml"


@lru_cache(maxsize=4)
def _read_graphml(path: str, _mtime_ns: int, _size: int) -> tuple[
        dict[str, tuple[float, float]], list[tuple[str, str, float, str, bool, float | None]]]:
    """Road nodes and edges of an OpenStreetMap cache graph, read once per process and file version.

    The GraphML that osmnx writes is read directly (the few attributes used),
    as ``osmnx.load_graphml`` would give them but several times faster, and
    kept beside it as ``graph.graphml.roads.npz`` (stamped with the GraphML's
    size and time), so the next process reads arrays instead of XML.
    """
    side = Path(path + ".roads.npz")
    stamp = np.array([_mtime_ns, _size], dtype=np.int64)
    if side.exists():
        try:
            with np.load(side, allow_pickle=False) as z:
                if np.array_equal(z["stamp"], stamp):
                    forget_graphml(path)
                    ids, x, y = z["ids"].tolist(), z["x"].tolist(), z["y"].tolist()
                    speed = [None if np.isnan(v) else v for v in z["maxspeed"].tolist()]
                    u, v = z["u"].tolist(), z["v"].tolist()
                    return (dict(zip(ids, zip(x, y, strict=True), strict=True)),
                            [(ids[a], ids[b], m, hw, True, ms) for a, b, m, hw, ms in
                             zip(u, v, z["length"].tolist(), z["highway"].tolist(), speed, strict=True)])
        except (OSError, KeyError, ValueError):
            pass  # unreadable: parse the GraphML again
    nodes, edges = _edges_read_for_the_cache(path) or _parse_graphml(path)
    try:
        ids = list(nodes)
        pos = {n: i for i, n in enumerate(ids)}
        tmp = side.with_name(side.name + ".tmp.npz")
        np.savez(tmp, stamp=stamp, ids=np.array(ids, dtype=str),
                 x=np.array([nodes[n][0] for n in ids]), y=np.array([nodes[n][1] for n in ids]),
                 u=np.array([pos[e[0]] for e in edges], dtype=np.int64),
                 v=np.array([pos[e[1]] for e in edges], dtype=np.int64),
                 length=np.array([e[2] for e in edges], dtype=float),
                 highway=np.array([e[3] for e in edges], dtype=str),
                 maxspeed=np.array([np.nan if e[5] is None else e[5] for e in edges], dtype=float))
        tmp.replace(side)
    except (OSError, KeyError):
        pass  # a read-only cache folder (or an edge to an unlisted node): parse each time
    return nodes, edges


def _edges_read_for_the_cache(path: str) -> tuple[dict[str, tuple[float, float]],
                                                  list[tuple[str, str, float, str, bool, float | None]]] | None:
    """Road nodes and edges from the GraphML as the OpenStreetMap cache loader read it (kept), else None.

    A cold cache's loader reads the XML for its roads layer
    (:func:`islandcare.data.osm.graphml.read_road_edges`); the edges here are
    those, in the file's order, as :func:`_parse_graphml` would give them.
    """
    try:
        read = read_road_edges(path, graph_order=False)
    except Exception:  # noqa: BLE001 - a GraphML that reader does not take: parsed the slow way
        return None
    if read is None:
        return None
    xy, edges = read
    nodes = {road_node(n): p for n, p in xy.items()}
    out: list[tuple[str, str, float, str, bool, float | None]] = []
    for u, v, d in edges:
        hw = d.get("highway", "other")
        hw = hw[0] if isinstance(hw, list) else hw
        speed = d.get("maxspeed")
        out.append((road_node(u), road_node(v), float(d.get("length", 0.0)), str(hw), True,  # type: ignore[arg-type]
                    _maxspeed(speed) if speed is not None else None))
    return nodes, out


def _parse_graphml(path: str) -> tuple[dict[str, tuple[float, float]],
                                       list[tuple[str, str, float, str, bool, float | None]]]:
    """Road nodes and edges from the GraphML text (the slow way, once)."""
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    names: dict[str, str] = {}
    nodes: dict[str, tuple[float, float]] = {}
    edges: list[tuple[str, str, float, str, bool, float | None]] = []
    for _event, el in ElementTree.iterparse(path, events=("end",)):
        tag = el.tag
        if tag == f"{ns}key":
            names[el.get("id")] = el.get("attr.name")
            continue
        if tag not in (f"{ns}node", f"{ns}edge"):
            continue
        data = {names.get(d.get("key")): d.text or "" for d in el.iter(f"{ns}data")}
        if tag == f"{ns}node":
            nodes[road_node(el.get("id"))] = (float(data["x"]), float(data["y"]))
        else:
            hw = _listed(data.get("highway", "other"))
            hw = hw[0] if isinstance(hw, list) else hw
            speed = data.get("maxspeed")
            edges.append((road_node(el.get("source")), road_node(el.get("target")),
                          float(data.get("length", 0.0)), str(hw), True,
                          _maxspeed(_listed(speed) if speed is not None else None)))
        el.clear()
    return nodes, edges


def _listed(text: str) -> object:
    """Return a GraphML value as osmnx reads it back: ``"['a', 'b']"`` is a list."""
    if text.startswith("[") and text.endswith("]"):
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return text
    return text


def _road_edges(area: Area, epsg: int) -> tuple[dict[str, tuple[float, float]],
                                                list[tuple[str, str, float, str, bool, float | None]]]:
    """Road nodes (lon, lat) and edges (u, v, metres, highway, directed, maxspeed).

    From the OpenStreetMap cache when there is one (osmnx graphs are directed:
    a two-way street has both edges, a one-way street one), else the pack's
    roads (undirected unless the pack says ``oneway``; ``maxspeed`` in km/h
    where the pack has it, as packs built from OpenStreetMap do).
    """
    cache = _osm_graph_path(area.key)
    nodes: dict[str, tuple[float, float]] = {}
    edges: list[tuple[str, str, float, str, bool, float | None]] = []
    if cache.exists():
        st = cache.stat()
        return _read_graphml(str(cache), st.st_mtime_ns, st.st_size)
    roads = area.layers["roads"]
    if roads.empty:
        return nodes, edges
    metres = roads.to_crs(epsg).length.to_numpy()
    # packs built from OpenStreetMap (data/osm_pack.py) keep maxspeed (km/h) and oneway
    limits = roads["maxspeed"] if "maxspeed" in roads else [None] * len(roads)
    oneway = roads["oneway"] if "oneway" in roads else [False] * len(roads)
    for (u, v, hw, geom), m, limit, one in zip(
            roads[["u", "v", "highway", "geometry"]].itertuples(index=False), metres, limits, oneway, strict=True):
        cu, cv = geom.coords[0], geom.coords[-1]
        nodes.setdefault(road_node(u), (cu[0], cu[1]))
        nodes.setdefault(road_node(v), (cv[0], cv[1]))
        edges.append((road_node(u), road_node(v), float(m), str(hw), str(one).lower() == "true",
                      _maxspeed(limit)))
    return nodes, edges


#: Modes of the scenario-independent (land) edges, by code.
_LAND_MODES = ("offroad", "road", "access", "bridge")
_OFFROAD, _ROAD, _ACCESS, _BRIDGE = range(4)


@dataclass
class NetworkBase:
    """The scenario-independent parts of an area's network, built once.

    Land lattice, road graph, bridges and the joins of facilities, townships,
    villages and ports, as arrays; :meth:`network` sets the minutes of a
    scenario on them and adds the sea and air edges running in it.
    """

    area: Area
    facilities: gpd.GeoDataFrame
    nodes: list[str]
    index: dict[str, int]
    xy: dict[str, tuple[float, float]]
    join_metres: dict[str, float]
    not_joined: dict[str, str]
    land_nodes: list[str]
    land_tree: cKDTree
    land_id: dict[str, str]
    tail: np.ndarray
    head: np.ndarray
    metres: np.ndarray
    mode: np.ndarray
    speed_key: np.ndarray  # per edge: index into speed_keys
    speed_keys: list[tuple[str, float | None] | None]  # (highway, maxspeed), None = off-road speed
    node_of_port: dict[str, str]
    metric_xy: np.ndarray  # per node, metric (UTM) coordinates; NaN for none
    _land: _LandRoads | None = field(default=None, repr=False)
    _router: list = field(default_factory=list, repr=False)  # the sea router, once built
    # sea and air parts no scenario changes (the ferries: none of its profile)
    _static: dict[str | tuple, Any] = field(default_factory=dict, repr=False)

    def sea_router(self):
        """Return the sea lattice round the islands that boats route on (built once per base)."""
        if not self._router:
            cfg = self.area.config
            self._router.append(sea_router(self.area.layers["land"], cfg.get("area.bbox"),
                                           epsg=cfg.utm_epsg,
                                           spacing_m=float(cfg.get("sea.route_spacing_m"))))
        return self._router[0]

    def network(self, scenario: Scenario) -> Network:
        """Return the network under a scenario: minutes set on the shared arrays, sea and air edges added."""
        cfg = self.area.config
        off = _kmh_to_m_per_min(_offroad_speed(cfg, scenario))
        speeds = np.array([off if k is None else _kmh_to_m_per_min(_road_speed(cfg, k[0], scenario, k[1]))
                           for k in self.speed_keys])
        minutes = self.metres / speeds[self.speed_key]
        joined = {n: m / off for n, m in self.join_metres.items()}
        fac = self.facilities
        node_of_fac = {fid: facility_node(fid) for fid in fac["facility_id"] if facility_node(fid) in joined}
        sea = _sea_air_edges(self, scenario, joined=joined, node_of_fac=node_of_fac)
        nodes, index = self.nodes, self.index
        mode_names = list(_LAND_MODES)
        tail, head, mode, mapped = self.tail, self.head, self.mode, self.mode == _ROAD
        extra: dict[int, dict] = {}
        if sea:
            nodes, index = list(nodes), dict(index)
            for e in sea:
                for x in (e.u, e.v):
                    if x not in index:
                        index[x] = len(nodes)
                        nodes.append(x)
                if e.mode not in mode_names:
                    mode_names.append(e.mode)
            m0 = len(tail)
            extra = {m0 + k: {"link_id": e.link_id, "note": e.note, "departures": e.departures}
                     for k, e in enumerate(sea)}
            tail = np.concatenate([tail, [index[e.u] for e in sea]])
            head = np.concatenate([head, [index[e.v] for e in sea]])
            minutes = np.concatenate([minutes, [e.minutes for e in sea]])
            mode = np.concatenate([mode, [mode_names.index(e.mode) for e in sea]])
            mapped = np.concatenate([mapped, [bool(e.mapped) for e in sea]])
        edges = _Edges(nodes, index, tail.astype(np.int64), head.astype(np.int64),
                       minutes.astype(np.float64), mode.astype(np.int32), mapped.astype(bool),
                       tuple(mode_names), extra)
        return Network(scenario=scenario, xy=self.xy, joined=joined, not_joined=self.not_joined,
                       land_nodes=self.land_nodes, land_tree=self.land_tree, epsg=cfg.utm_epsg,
                       access_m_per_min=off, land_id=self.land_id, edges=edges,
                       metric_xy=self.metric_xy)


def _sea_air_edges(base: NetworkBase, scenario: Scenario, *, joined: dict[str, float],
                   node_of_fac: dict[str, str]) -> list:
    """Return the sea and air edges running in a scenario."""
    area, fac, node_of_port = base.area, base.facilities, base.node_of_port
    cfg = area.config
    ports = area.layers["ports"]
    static = base._static
    if not static:  # the parts no scenario changes (joined and node_of_fac are the same in every scenario)
        tw = area.layers["townships"]
        tw = tw[tw.geometry.notna() & ~tw.geometry.is_empty]
        static.update(
            stations=fac[(fac["kind"] == "boat_station") & fac["facility_id"].isin(node_of_fac)],
            on_net=ports[[port_node(p) in joined for p in ports["port_id"]]],
            townships=tw,
            node_of_township={c: township_node(c) for c in tw["code"] if township_node(c) in joined})
    stations, on_net = static["stations"], static["on_net"]
    ferries = ("ferries", scenario.night, scenario.sea_closed, scenario.hour)  # the same for every profile
    if ferries not in static:
        static[ferries] = ferry_edges(ports, area.layers["sealinks"], cfg, scenario, node_of_port=node_of_port)
    sea = list(static[ferries])
    router = (base.sea_router() if len(on_net) and (cfg.get("sea.emergency_vessels") or not stations.empty)
              else None)
    sea += boat_edges(stations, ports, cfg, scenario, node_of_station=node_of_fac,
                      node_of_port=node_of_port, router=router)
    sea += vessel_edges(on_net, cfg, scenario, router=router, node_of_port=node_of_port,
                        has_boat_station=not stations.empty)
    if flying(cfg, scenario):
        if "flights" not in static:
            static["flights"] = flights(fac, cfg, node_of_facility=node_of_fac, townships=static["townships"],
                                        node_of_township=static["node_of_township"])
        sea += static["flights"]
    return sea


def _to_metric(lonlat: list[tuple[float, float]], epsg: int) -> np.ndarray:
    if not lonlat:
        return np.zeros((0, 2))
    xy = np.asarray(lonlat, dtype=float)
    pts = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=4326).to_crs(epsg)
    return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])


def build_base(area: Area, *, extra_facilities: gpd.GeoDataFrame | None = None,
               like: NetworkBase | None = None) -> NetworkBase:
    """Build the scenario-independent parts of an area's network.

    Parameters
    ----------
    area
        The area (pack or planner tables).
    extra_facilities
        Facilities to join besides the area's (proposed sites).
    like
        The base of an area with the same land, roads and bridges (the same
        area with facilities moved): its lattice and roads are reused.
    """
    land = like._land if like is not None and like._land is not None else _land_and_roads(area)
    return _joined(area, land, extra_facilities)


@dataclass
class _LandRoads:
    """Lattice, roads and bridges of an area: the part of a base that no facility changes."""

    nodes: list[str]
    index: dict[str, int]
    xy: dict[str, tuple[float, float]]
    metric: list[np.ndarray]
    land_id: dict[str, str]
    land_nodes: list[str]
    tree: cKDTree
    land_idx: np.ndarray
    parts: tuple[list[np.ndarray], ...]  # tails, heads, metres, modes, speed keys
    speed_keys: list[tuple[str, float | None] | None]
    shore: object  # the land grown by the shore tolerance, prepared (what a join may cross)


def _add_nodes(nodes: list[str], index: dict[str, int], ids: list[str]) -> np.ndarray:
    """Append the ids not yet in ``nodes`` (keeping ``index`` in step); return the index of each id."""
    for n in ids:
        if n not in index:
            index[n] = len(nodes)
            nodes.append(n)
    return np.array([index[n] for n in ids], dtype=np.int64)


def _land_and_roads(area: Area) -> _LandRoads:
    cfg = area.config
    epsg = cfg.utm_epsg
    nodes: list[str] = []
    index: dict[str, int] = {}
    xy: dict[str, tuple[float, float]] = {}
    tails: list[np.ndarray] = []
    heads: list[np.ndarray] = []
    metres: list[np.ndarray] = []
    modes: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    speed_keys: list[tuple[str, float | None] | None] = [None]

    def add_edges(t: ArrayLike, h: ArrayLike, m: ArrayLike, mode: int, key: ArrayLike = 0,
                  *, both: bool) -> None:
        t, h, m = np.asarray(t, dtype=np.int64), np.asarray(h, dtype=np.int64), np.asarray(m, dtype=float)
        key = np.broadcast_to(np.asarray(key, dtype=np.int64), t.shape)
        if both:  # each pair both ways, one after the other (as the edges were always added)
            t, h = np.column_stack([t, h]).ravel(), np.column_stack([h, t]).ravel()
            m, key = np.repeat(m, 2), np.repeat(key, 2)
        tails.append(t)
        heads.append(h)
        metres.append(m)
        modes.append(np.full(len(t), mode, dtype=np.int32))
        keys.append(np.asarray(key, dtype=np.int64))

    shore = shore_land(area.layers["land"], epsg=epsg,
                       tolerance_m=float(cfg.get("network.shore_tolerance_m")))
    # modelled land lattice
    lat_xy, lat_land, lat_edges = land_lattice(area.layers["land"],
                                               spacing_m=float(cfg.get("network.lattice_m")),
                                               epsg=epsg)
    lonlat = gpd.GeoSeries(gpd.points_from_xy(lat_xy[:, 0], lat_xy[:, 1]), crs=epsg).to_crs(4326)
    lat_ids = [land_node(i) for i in range(len(lat_xy))]
    xy.update(zip(lat_ids, zip(lonlat.x.tolist(), lonlat.y.tolist(), strict=True), strict=True))
    lat_idx = _add_nodes(nodes, index, lat_ids)
    metric = [np.asarray(lat_xy, dtype=float).reshape(-1, 2)]  # metric coordinates, in node order
    land_id = dict(zip(lat_ids, lat_land, strict=True))
    if len(lat_edges):
        le = lat_edges
        add_edges(lat_idx[le[:, 0].astype(np.int64)], lat_idx[le[:, 1].astype(np.int64)], le[:, 2],
                  _OFFROAD, both=True)

    # mapped roads, joined to the lattice at each road node
    rnodes, redges = _road_edges(area, epsg)
    r_ids = list(rnodes)
    xy.update(rnodes)
    _add_nodes(nodes, index, r_ids)
    if redges:
        key_of: dict[tuple[str, float | None], int] = {}
        t_list, h_list, m_list, k_list, one = [], [], [], [], []
        for u, v, m, hw, oneway_known, maxspeed in redges:
            k = key_of.get((hw, maxspeed))
            if k is None:
                k = key_of[(hw, maxspeed)] = len(speed_keys)
                speed_keys.append((hw, maxspeed))
            t_list.append(index[u])
            h_list.append(index[v])
            m_list.append(m)
            k_list.append(k)
            one.append(oneway_known)
        one_arr = np.array(one, dtype=bool)
        if one_arr.all():
            add_edges(t_list, h_list, m_list, _ROAD, np.array(k_list), both=False)
        elif not one_arr.any():  # pack roads have no one-way tags: both ways
            add_edges(t_list, h_list, m_list, _ROAD, np.array(k_list), both=True)
        else:
            for t, h, m, k, o in zip(t_list, h_list, m_list, k_list, one, strict=True):
                add_edges([t], [h], [m], _ROAD, k, both=not o)
    land_nodes = lat_ids.copy()
    land_metric = lat_xy
    if rnodes:
        r_metric = _to_metric([rnodes[n] for n in r_ids], epsg)
        metric.append(r_metric)
        # joins stay on land: the nearest lattice node reached without crossing open water
        dist, idx = on_land_nearest(cKDTree(lat_xy), r_metric, shore)
        wet = idx < 0  # e.g. the end of a sea bridge: joined by its road only
        r_idx = np.array([index[n] for n in r_ids], dtype=np.int64)
        add_edges(r_idx[~wet], lat_idx[idx[~wet]], dist[~wet], _OFFROAD, both=True)
        land_id.update((n, lat_land[j]) for n, j in zip(r_ids, idx, strict=True) if j >= 0)
        land_nodes += r_ids
        land_metric = np.vstack([lat_xy, r_metric])
    tree = cKDTree(land_metric)
    land_idx = np.array([index[n] for n in land_nodes], dtype=np.int64)

    # bridges the sources state between islands
    bridges = area.layers.get("bridges")
    if bridges is not None and not bridges.empty:
        ends = [(g.coords[0], g.coords[-1]) for g in bridges.geometry]
        a = _to_metric([p for pair in ends for p in pair], epsg)
        for k in range(len(ends)):
            pa, pb = a[2 * k], a[2 * k + 1]
            d, j = tree.query([pa, pb])
            dx, dy = float(pa[0] - pb[0]), float(pa[1] - pb[1])
            length = math.sqrt(dx * dx + dy * dy) + float(d.sum())
            if ("unclassified", None) not in speed_keys:
                speed_keys.append(("unclassified", None))
            key = speed_keys.index(("unclassified", None))
            add_edges(land_idx[[j[0], j[1]]], land_idx[[j[1], j[0]]], [length, length], _BRIDGE, key,
                      both=False)

    return _LandRoads(nodes, index, xy, metric, land_id, land_nodes, tree, land_idx,
                      (tails, heads, metres, modes, keys), speed_keys, shore)


def _joined(area: Area, land: _LandRoads, extra_facilities: gpd.GeoDataFrame | None) -> NetworkBase:
    """Return a base: the land part (copied, not changed) with facilities, places and ports joined."""
    cfg = area.config
    epsg = cfg.utm_epsg
    nodes, index, xy, land_id = list(land.nodes), dict(land.index), dict(land.xy), dict(land.land_id)
    metric = list(land.metric)
    tails, heads, metres, modes, keys = (list(p) for p in land.parts)
    land_nodes, tree, land_idx, speed_keys = land.land_nodes, land.tree, land.land_idx, land.speed_keys

    def add_edges(t: ArrayLike, h: ArrayLike, m: ArrayLike, mode: int, *, both: bool) -> None:
        t, h, m = np.asarray(t, dtype=np.int64), np.asarray(h, dtype=np.int64), np.asarray(m, dtype=float)
        if both:
            t, h = np.column_stack([t, h]).ravel(), np.column_stack([h, t]).ravel()
            m = np.repeat(m, 2)
        tails.append(t)
        heads.append(h)
        metres.append(m)
        modes.append(np.full(len(t), mode, dtype=np.int32))
        keys.append(np.zeros(len(t), dtype=np.int64))

    # facilities, villages, ports
    fac = area.layers["facilities"]
    if extra_facilities is not None and not extra_facilities.empty:
        fac = pd.concat([fac, extra_facilities], ignore_index=True)
    fac = fac[fac.geometry.notna() & ~fac.geometry.is_empty]
    tw = area.layers["townships"]
    tw = tw[tw.geometry.notna() & ~tw.geometry.is_empty]
    vil = area.layers["villages"]
    vil = vil[vil.geometry.notna() & ~vil.geometry.is_empty]
    ports = area.layers["ports"]
    points = ([(facility_node(i), g) for i, g in zip(fac["facility_id"], fac.geometry, strict=True)]
              + [(township_node(c), g) for c, g in zip(tw["code"], tw.geometry, strict=True)]
              + [(village_node(c), g) for c, g in zip(vil["code"], vil.geometry, strict=True)]
              + [(port_node(p), g) for p, g in zip(ports["port_id"], ports.geometry, strict=True)])
    snap_max = float(cfg.get("network.snap_max_m"))
    join_metres: dict[str, float] = {}
    not_joined: dict[str, str] = {}
    pm = _to_metric([(g.x, g.y) for _, g in points], epsg)
    if len(pm):
        nearest, _ = tree.query(pm)
        far = nearest > snap_max
        # joins stay on land: the nearest land node reached without crossing open water
        dist, idx = on_land_nearest(tree, pm, land.shore)
        wet = ~far & ((idx < 0) | (dist > snap_max))
        ok = ~far & ~wet
        for (node, g), d0, d, j, good, is_far in zip(points, nearest, dist, idx, ok, far, strict=True):
            if not good:
                not_joined[node] = (f"{d0 / 1000:.1f} km from the nearest land node "
                                    f"(limit {snap_max / 1000:g} km)" if is_far else
                                    "every land node within reach is across open water "
                                    "(a join never crosses the sea)")
                continue
            xy[node] = (g.x, g.y)
            join_metres[node] = float(d)
            land_id[node] = land_id[land_nodes[j]]
        good_nodes = [p[0] for p, good in zip(points, ok, strict=True) if good]
        first = len(nodes)
        add_edges(_add_nodes(nodes, index, good_nodes), land_idx[idx[ok]], dist[ok], _ACCESS, both=True)
        new = {n: k for k, n in enumerate(good_nodes)}  # the last point of a repeated id (its xy)
        metric.append(pm[ok][[new[n] for n in nodes[first:]]].reshape(-1, 2))
    node_of_port = {pid: port_node(pid) for pid in ports["port_id"]}
    metric_xy = np.full((len(nodes), 2), np.nan)
    stacked = np.vstack(metric) if metric else np.zeros((0, 2))
    metric_xy[:len(stacked)] = stacked

    def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

    return NetworkBase(area=area, facilities=fac, nodes=nodes, index=index, xy=xy,
                       join_metres=join_metres, not_joined=not_joined, land_nodes=land_nodes,
                       land_tree=tree, land_id=land_id, tail=cat(tails, np.int64),
                       head=cat(heads, np.int64), metres=cat(metres, np.float64),
                       mode=cat(modes, np.int32), speed_key=cat(keys, np.int64),
                       speed_keys=speed_keys, node_of_port=node_of_port, metric_xy=metric_xy,
                       _land=land)


def build_network(area: Area, *, scenario: Scenario | None = None,
                  extra_facilities: gpd.GeoDataFrame | None = None) -> Network:
    """Assemble the travel-time network of an area for a scenario.

    Parameters
    ----------
    area
        The area (pack or planner tables).
    scenario
        Profile, hour and closures (default: driving, average waits).
    extra_facilities
        Facilities to join besides the area's (proposed sites).
    """
    return build_base(area, extra_facilities=extra_facilities).network(scenario or Scenario())


class NetworkCache:
    """Builds an area's scenario-independent network once, and each scenario's weights once."""

    def __init__(self, area: Area, *, hour: float | None = None, like: NetworkCache | None = None) -> None:
        self.area = area
        self.hour = hour
        self._like = like  # a cache of the same land and roads (facilities moved): reuse its lattice
        self._base: NetworkBase | None = None
        self._nets: dict[Scenario, Network] = {}

    @property
    def base(self) -> NetworkBase:
        """The scenario-independent parts (built on first use)."""
        if self._base is None:
            self._base = build_base(self.area, like=self._like.base if self._like else None)
        return self._base

    def get(self, scenario: Scenario) -> Network:
        """Return the network for a scenario (built on first request).

        With an ``hour`` set on the cache, a scenario without its own hour is
        taken at that hour (ferry waits and sailing hours).
        """
        if self.hour is not None and scenario.hour is None:
            scenario = scenario.with_(hour=self.hour)
        if scenario not in self._nets:
            self._nets[scenario] = self.base.network(scenario)
        return self._nets[scenario]
