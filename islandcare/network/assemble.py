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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from islandcare.config import AreaConfig, cache_dir
from islandcare.data.pack import Area
from islandcare.engine import Engine
from islandcare.network.air import air_edges
from islandcare.network.land import land_lattice
from islandcare.network.scenario import Scenario
from islandcare.network.sea import boat_edges, ferry_edges

__all__ = ["Network", "NetworkCache", "build_network"]


@dataclass
class Network:
    """The graph of one area under one scenario, and where its points joined it.

    Attributes
    ----------
    graph
        The directed travel-time graph.
    scenario
        The scenario it was built for.
    xy
        Node id → (lon, lat).
    joined
        ``f:``/``v:``/``p:`` node → access minutes of its join leg.
    not_joined
        Points that could not be joined (too far from any land node), with why.
    """

    graph: nx.MultiDiGraph
    scenario: Scenario
    xy: dict[str, tuple[float, float]]
    joined: dict[str, float] = field(default_factory=dict)
    not_joined: dict[str, str] = field(default_factory=dict)
    land_nodes: list[str] = field(default_factory=list)
    land_tree: cKDTree | None = None
    epsg: int = 32651
    access_m_per_min: float = 250.0
    _engine: Engine | None = None

    def nearest_land_node(self, lon: float, lat: float) -> tuple[str, float, float]:
        """The land node nearest a point: (node id, metres, access minutes)."""
        p = gpd.GeoSeries(gpd.points_from_xy([lon], [lat]), crs=4326).to_crs(self.epsg).iloc[0]
        d, j = self.land_tree.query([p.x, p.y])
        return self.land_nodes[int(j)], float(d), float(d) / self.access_m_per_min

    @property
    def engine(self) -> Engine:
        """The compiled engine (built once, on first use)."""
        if self._engine is None:
            self._engine = Engine.compile(self.graph)
        return self._engine

    @property
    def reverse_engine(self) -> Engine:
        """The engine of the reversed graph: times *to* a node from every node."""
        if self.__dict__.get("_reverse") is None:
            self.__dict__["_reverse"] = Engine.compile(self.graph.reverse(copy=False))
        return self.__dict__["_reverse"]

    def has(self, node: str) -> bool:
        return node in self.graph


def _kmh_to_m_per_min(kmh: float) -> float:
    return kmh * 1000.0 / 60.0


def _maxspeed(value: object) -> float | None:
    """An OSM ``maxspeed`` tag as km/h (the lowest of several; mph converted), or None."""
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
        speed *= float(cfg.get("speeds.ambulance_factor", 1.0))
    return speed


def _offroad_speed(cfg: AreaConfig, scenario: Scenario) -> float:
    if scenario.profile == "walk":
        return float(cfg.get("speeds.walk"))
    return float(cfg.get("speeds.offroad"))


def _osm_graph_path(area: str) -> Path:
    return cache_dir() / area / "graph.graphml"


def _road_edges(area: Area, epsg: int) -> tuple[dict[str, tuple[float, float]],
                                                list[tuple[str, str, float, str, bool, float | None]]]:
    """Road nodes (lon, lat) and edges (u, v, metres, highway, directed, maxspeed).

    From the OpenStreetMap cache when there is one (osmnx graphs are directed:
    a two-way street has both edges, a one-way street one), else the pack's
    major roads (undirected, no speed tags).
    """
    cache = _osm_graph_path(area.key)
    nodes: dict[str, tuple[float, float]] = {}
    edges: list[tuple[str, str, float, str, bool, float | None]] = []
    if cache.exists():
        import osmnx as ox

        G = ox.load_graphml(cache)
        for n, d in G.nodes(data=True):
            nodes[f"r:{n}"] = (float(d["x"]), float(d["y"]))
        for u, v, d in G.edges(data=True):
            hw = d.get("highway", "other")
            hw = hw[0] if isinstance(hw, list) else hw
            edges.append((f"r:{u}", f"r:{v}", float(d.get("length", 0.0)), str(hw), True,
                          _maxspeed(d.get("maxspeed"))))
        return nodes, edges
    roads = area.layers["roads"]
    if roads.empty:
        return nodes, edges
    metres = roads.to_crs(epsg).length.to_numpy()
    for (u, v, hw, geom), m in zip(roads[["u", "v", "highway", "geometry"]].itertuples(index=False),
                                   metres):
        cu, cv = geom.coords[0], geom.coords[-1]
        nodes.setdefault(f"r:{u}", (cu[0], cu[1]))
        nodes.setdefault(f"r:{v}", (cv[0], cv[1]))
        edges.append((f"r:{u}", f"r:{v}", float(m), str(hw), False, None))
    return nodes, edges


def build_network(area: Area, *, scenario: Scenario | None = None,
                  extra_facilities: gpd.GeoDataFrame | None = None) -> Network:
    """Assemble the travel-time graph of an area for a scenario.

    Parameters
    ----------
    area
        The area (pack or planner tables).
    scenario
        Profile, hour and closures (default: driving, average waits).
    extra_facilities
        Facilities to join besides the area's (proposed sites).
    """
    scenario = scenario or Scenario()
    cfg = area.config
    epsg = cfg.utm_epsg
    G = nx.MultiDiGraph()
    xy: dict[str, tuple[float, float]] = {}
    to_metric = gpd.GeoSeries([], crs=4326)

    # modelled land lattice
    lat_xy, lat_land, lat_edges = land_lattice(area.layers["land"],
                                               spacing_m=float(cfg.get("network.lattice_m", 400)),
                                               epsg=epsg)
    lonlat = gpd.GeoSeries(gpd.points_from_xy(lat_xy[:, 0], lat_xy[:, 1]), crs=epsg).to_crs(4326)
    off = _kmh_to_m_per_min(_offroad_speed(cfg, scenario))
    for i, p in enumerate(lonlat):
        xy[f"l:{i}"] = (p.x, p.y)
    G.add_nodes_from((f"l:{i}", {"kind": "lattice", "land_id": lat_land[i]}) for i in range(len(lat_xy)))
    for a, b, m in lat_edges:
        for s, t in ((a, b), (b, a)):
            G.add_edge(f"l:{s}", f"l:{t}", minutes=m / off, mode="offroad", mapped=False)

    # mapped roads, joined to the lattice at each road node
    rnodes, redges = _road_edges(area, epsg)
    for n, (x, y) in rnodes.items():
        xy[n] = (x, y)
        G.add_node(n, kind="road")
    for u, v, m, hw, oneway_known, maxspeed in redges:
        speed = _kmh_to_m_per_min(_road_speed(cfg, hw, scenario, maxspeed))
        G.add_edge(u, v, minutes=m / speed, mode="road", mapped=True)
        if not oneway_known:  # pack roads have no one-way tags: both ways
            G.add_edge(v, u, minutes=m / speed, mode="road", mapped=True)
    land_nodes = [f"l:{i}" for i in range(len(lat_xy))]
    land_metric = lat_xy
    if rnodes:
        r_ids = list(rnodes)
        r_metric = np.array([[p.x, p.y] for p in gpd.GeoSeries(
            gpd.points_from_xy([rnodes[n][0] for n in r_ids], [rnodes[n][1] for n in r_ids]),
            crs=4326).to_crs(epsg)])
        tree = cKDTree(lat_xy)
        dist, idx = tree.query(r_metric)
        for n, d, j in zip(r_ids, dist, idx):
            G.add_edge(n, f"l:{j}", minutes=d / off, mode="offroad", mapped=False)
            G.add_edge(f"l:{j}", n, minutes=d / off, mode="offroad", mapped=False)
        land_nodes += r_ids
        land_metric = np.vstack([lat_xy, r_metric])
    tree = cKDTree(land_metric)
    snap_max = float(cfg.get("network.snap_max_m", 3000))
    access_speed = off
    net = Network(graph=G, scenario=scenario, xy=xy, land_nodes=land_nodes, land_tree=tree,
                  epsg=epsg, access_m_per_min=access_speed)

    def join(node: str, lon: float, lat: float) -> None:
        p = gpd.GeoSeries(gpd.points_from_xy([lon], [lat]), crs=4326).to_crs(epsg).iloc[0]
        d, j = tree.query([p.x, p.y])
        if d > snap_max:
            net.not_joined[node] = f"{d / 1000:.1f} km from the nearest land node (limit {snap_max / 1000:g} km)"
            return
        xy[node] = (lon, lat)
        minutes = d / access_speed
        G.add_edge(node, land_nodes[j], minutes=minutes, mode="access", mapped=False)
        G.add_edge(land_nodes[j], node, minutes=minutes, mode="access", mapped=False)
        net.joined[node] = minutes

    del to_metric
    # bridges the sources state between islands
    bridges = area.layers.get("bridges")
    if bridges is not None and not bridges.empty:
        for geom in bridges.geometry:
            (x1, y1), (x2, y2) = geom.coords[0], geom.coords[-1]
            a = gpd.GeoSeries(gpd.points_from_xy([x1, x2], [y1, y2]), crs=4326).to_crs(epsg)
            d, j = tree.query([[a.iloc[0].x, a.iloc[0].y], [a.iloc[1].x, a.iloc[1].y]])
            length = float(a.iloc[0].distance(a.iloc[1])) + float(d.sum())
            speed = _kmh_to_m_per_min(_road_speed(cfg, "unclassified", scenario))
            for s, t in ((j[0], j[1]), (j[1], j[0])):
                G.add_edge(land_nodes[s], land_nodes[t], minutes=length / speed, mode="bridge",
                           mapped=False)

    # facilities, villages, ports
    fac = area.layers["facilities"]
    if extra_facilities is not None and not extra_facilities.empty:
        fac = pd.concat([fac, extra_facilities], ignore_index=True)
    fac = fac[fac.geometry.notna() & ~fac.geometry.is_empty]
    for fid, g in zip(fac["facility_id"], fac.geometry):
        join(f"f:{fid}", g.x, g.y)
    tw = area.layers["townships"]
    tw = tw[tw.geometry.notna() & ~tw.geometry.is_empty]
    for code, g in zip(tw["code"], tw.geometry):
        join(f"t:{code}", g.x, g.y)
    vil = area.layers["villages"]
    vil = vil[vil.geometry.notna() & ~vil.geometry.is_empty]
    for code, g in zip(vil["code"], vil.geometry):
        join(f"v:{code}", g.x, g.y)
    ports = area.layers["ports"]
    node_of_port = {}
    for pid, g in zip(ports["port_id"], ports.geometry):
        join(f"p:{pid}", g.x, g.y)
        node_of_port[pid] = f"p:{pid}"

    sea = ferry_edges(ports, area.layers["sealinks"], cfg, scenario, node_of_port=node_of_port)
    node_of_fac = {fid: f"f:{fid}" for fid in fac["facility_id"] if f"f:{fid}" in net.joined}
    stations = fac[(fac["kind"] == "boat_station") & fac["facility_id"].isin(node_of_fac)]
    sea += boat_edges(stations, ports, cfg, scenario, node_of_station=node_of_fac,
                      node_of_port=node_of_port)
    sea += air_edges(fac, cfg, scenario, node_of_facility=node_of_fac)
    for e in sea:
        G.add_edge(e.u, e.v, minutes=e.minutes, mode=e.mode, mapped=e.mapped, link_id=e.link_id,
                   note=e.note)
    return net


class NetworkCache:
    """Builds each scenario's network of an area once and hands it out again."""

    def __init__(self, area: Area, *, hour: float | None = None) -> None:
        self.area = area
        self.hour = hour
        self._nets: dict[Scenario, Network] = {}

    def get(self, scenario: Scenario) -> Network:
        """The network for a scenario (built on first request).

        With an ``hour`` set on the cache, a scenario without its own hour is
        taken at that hour (ferry waits and sailing hours).
        """
        if self.hour is not None and scenario.hour is None:
            scenario = scenario.with_(hour=self.hour)
        if scenario not in self._nets:
            self._nets[scenario] = build_network(self.area, scenario=scenario)
        return self._nets[scenario]
