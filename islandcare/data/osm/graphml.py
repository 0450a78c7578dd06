"""The road edges of an osmnx GraphML read directly, as ``osmnx.load_graphml`` would give them.

Building the networkx graph (``osmnx.load_graphml``) is most of a cold run's
time for an OpenStreetMap graph of tens of thousands of nodes; the roads layer
needs only the nodes' positions and a few edge attributes, read here in one
pass of the XML.
"""

from __future__ import annotations

import ast
import contextlib
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import shapely
from shapely import wkt
from shapely.geometry import LineString

__all__ = ["edge_columns", "graphml_road_columns", "read_road_edges"]

_NS = "{http://graphml.graphdrawing.org/xmlns}"
_EDGE_ATTRS = ("length", "highway", "maxspeed", "oneway", "geometry")
_TEXT = ("highway", "maxspeed")  # kept as text unless a list


def _bool(value: object) -> bool:
    """``"True"``/``"False"`` as osmnx converts them (any other text is an error, as there)."""
    if isinstance(value, bool):
        return value
    if value in {"True", "False"}:
        return value == "True"
    msg = f"Invalid literal for boolean: {value!r}."
    raise ValueError(msg)


def _typed(attr: str, text: str) -> object:
    """One edge attribute as ``osmnx.load_graphml`` converts it."""
    value: Any = text
    if (text.startswith("[") and text.endswith("]")) or (text.startswith("{") and text.endswith("}")):
        with contextlib.suppress(SyntaxError, ValueError):
            value = ast.literal_eval(text)
    converters: dict[str, Callable[[Any], object]] = {"length": float, "oneway": _bool}
    convert = converters.get(attr)
    if convert is not None:
        value = [convert(v) for v in value] if isinstance(value, list) else convert(value)
    if attr == "geometry":
        value = wkt.loads(value)
    return value


_Edges = tuple[dict[int, tuple[float, float]], list[tuple[int, int, dict[str, object]]]]
_KEPT: dict[tuple[str, int, int], _Edges | None] = {}


def _version(path: str | Path) -> tuple[str, int, int]:
    st = os.stat(path)
    return str(Path(path).resolve()), st.st_mtime_ns, st.st_size


def forget(path: str | Path) -> None:
    """Drop the edges :func:`read_road_edges` kept of ``path`` (``keep=True``), if any."""
    with contextlib.suppress(OSError):
        _KEPT.pop(_version(path), None)


def read_road_edges(path: str | Path, *, graph_order: bool = True, keep: bool = False) -> _Edges | None:
    """Return the nodes' (x, y) and the edges (u, v, attributes) of an osmnx GraphML file.

    Parameters
    ----------
    path : str or Path
        A GraphML file as ``osmnx.save_graphml`` writes it (a directed graph).
    graph_order : bool, optional
        Edges in the order of the networkx graph (True) or of the file.
    keep : bool, optional
        Keep what was read for the next call on the same file version (which
        takes it), so the network build reads the XML that the cache loader
        read already.

    Returns
    -------
    tuple or None
        Node positions by node id and the edges with their ``length``,
        ``highway``, ``maxspeed``, ``oneway`` and ``geometry`` (those present),
        typed and ordered as ``osmnx.load_graphml(path).edges(data=True)`` gives
        them (with ``graph_order``); None for a file this reader does not take (an undirected graph).

    Raises
    ------
    xml.etree.ElementTree.ParseError, ValueError, KeyError
        When the file is not such a GraphML (as ``osmnx.load_graphml`` fails).
    """
    version = _version(path)
    read = _KEPT.pop(version) if version in _KEPT else _parse(path)
    if keep:
        _KEPT.clear()
        _KEPT[version] = read
    if read is None or not graph_order:
        return read
    xy, edges = read
    # networkx gives a node's edges grouped by neighbour, in the order each neighbour first appears
    pos = {n: i for i, n in enumerate(xy)}
    first: dict[tuple[int, int], int] = {}
    for i, (u, v, _) in enumerate(edges):
        first.setdefault((u, v), i)
    order = sorted(range(len(edges)), key=lambda i: (pos[edges[i][0]], first[edges[i][0], edges[i][1]]))
    return xy, [edges[i] for i in order]


def _parse(path: str | Path) -> _Edges | None:
    names: dict[str, tuple[str, str]] = {}
    xy: dict[int, tuple[float, float]] = {}
    edges: list[tuple[int, int, dict[str, object]]] = []
    data_tag = f"{_NS}data"
    for _event, el in ElementTree.iterparse(path, events=("end",)):
        tag = el.tag
        if tag == f"{_NS}key":
            names[el.get("id", "")] = (el.get("for", ""), el.get("attr.name", ""))
        elif tag == f"{_NS}graph":
            if el.get("edgedefault", "directed") != "directed":
                return None
        elif tag == f"{_NS}node":
            data = {names[d.get("key", "")][1]: d.text or "" for d in el.iter(f"{_NS}data")}
            xy[int(el.get("id", ""))] = (float(data["x"]), float(data["y"]))
            el.clear()
        elif tag == f"{_NS}edge":
            attrs = {}
            for d in el.iter(data_tag):
                name = names[d.get("key", "")][1]
                if name in _EDGE_ATTRS:
                    text = d.text or ""
                    # plain text (no list) of a text attribute stays as it is: the common case, without a call
                    attrs[name] = text if name in _TEXT and text[:1] not in ("[", "{", "") else _typed(name, text)
            edges.append((int(el.get("source", "")), int(el.get("target", "")), attrs))
            el.clear()
    if any(u not in xy or v not in xy for u, v, _ in edges):
        return None  # an edge to an undeclared node: leave it to networkx
    return xy, edges


def graphml_road_columns(path: str | Path, *, keep: bool = False) -> dict[str, np.ndarray] | None:
    """Return :func:`islandcare.data.conflate.road_columns` of an osmnx GraphML file without building the graph.

    None when :func:`read_road_edges` does not take the file.
    """
    read = read_road_edges(path, keep=keep)
    if read is None:
        return None
    xy, edges = read
    pairs = {(u, v) for u, v, _ in edges}
    return edge_columns(xy, edges, lambda a, b: (a, b) in pairs)


def edge_columns(xy: dict[Any, tuple[float, float]], edges: Iterable[tuple[Any, Any, dict[str, Any]]],
                 has_edge: Callable[[Any, Any], bool]) -> dict[str, np.ndarray]:
    """Return the road columns of nodes' (x, y) and edges (u, v, attributes) in graph order.

    See :func:`islandcare.data.conflate.road_columns`.
    """
    u_, v_, km, hws, speeds, oneway, seen = [], [], [], [], [], [], set()
    geoms: list[LineString | None] = []
    straight: list[tuple[int, tuple[float, float], tuple[float, float]]] = []
    for u, v, d in edges:
        key = (min(str(u), str(v)), max(str(u), str(v)), round(float(d.get("length", 0.0)), 1))
        if key in seen:
            continue
        seen.add(key)
        hw = d.get("highway", "other")
        hw = hw[0] if isinstance(hw, list) else hw
        geom = d.get("geometry")
        if not isinstance(geom, LineString):
            geom = None  # the straight line between its nodes, made below with the others
            straight.append((len(geoms), xy[u], xy[v]))
        speed = _kmh(d.get("maxspeed"))
        u_.append(str(u))
        v_.append(str(v))
        km.append(round(float(d.get("length", 0.0)) / 1000, 3))
        hws.append(str(hw))
        speeds.append(np.nan if speed is None else speed)
        oneway.append(bool(d.get("oneway", False)) and not has_edge(v, u))
        geoms.append(geom)
    if straight:
        lines = shapely.linestrings(np.array([[a, b] for _, a, b in straight], dtype=float))
        for (i, _, _), line in zip(straight, lines.tolist(), strict=True):
            geoms[i] = line
    _, coords, (offsets,) = (shapely.to_ragged_array(geoms) if geoms
                             else (None, np.zeros((0, 2)), (np.zeros(1, dtype=np.int64),)))
    return {"u": np.array(u_, dtype=str), "v": np.array(v_, dtype=str), "km": np.array(km, dtype=float),
            "highway": np.array(hws, dtype=str), "maxspeed": np.array(speeds, dtype=float),
            "oneway": np.array(oneway, dtype=bool), "coords": coords, "offsets": offsets,
            "n_nodes": np.array(len(xy))}


def _kmh(value: object) -> float | None:
    """Return an OSM ``maxspeed`` (or a list of them) as km/h: the lowest, mph converted; None if none."""
    found = []
    for v in value if isinstance(value, list) else [value]:
        m = re.match(r"\s*(\d+(?:\.\d+)?)\s*(mph)?", str(v))
        if m:
            found.append(float(m.group(1)) * (1.609 if m.group(2) else 1.0))
    return min(found) if found else None
