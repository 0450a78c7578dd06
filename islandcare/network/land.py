"""Modelled land travel: a lattice over the land where no road is mapped.

Islands with few or no mapped roads still have people who move about them.
The lattice (a grid of nodes a few hundred metres apart, kept inside the land
polygons, joined to its eight neighbours when the link stays on land) carries
that travel at the area's stated off-road speed. Every lattice edge is marked
``mapped=False`` so maps and exports can say which times rest on it.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from islandcare.network.grid import neighbour_links

__all__ = ["land_lattice", "land_union", "on_land_nearest", "shore_land"]

_SHORE: dict[tuple, object] = {}
_UNION: dict[tuple, tuple[gpd.GeoDataFrame, BaseGeometry]] = {}


def land_union(land: gpd.GeoDataFrame, *, epsg: int) -> BaseGeometry:
    """Return the union of the land polygons in a metric CRS (once per land table and CRS), prepared.

    The shore (grown from it) and the sea lattice (kept off it) share it. It is
    prepared here, before it is shared, so no caller changes it afterwards (a
    prepared geometry gives the same answers).
    """
    key = (epsg, len(land), tuple(np.round(land.total_bounds, 6)))
    held = _UNION.get(key)
    if held is None or held[0] is not land:  # the same table, not just a like one
        union = shapely.union_all(land.to_crs(epsg).geometry.to_numpy())
        shapely.prepare(union)
        held = _UNION[key] = (land, union)
    return held[1]


def shore_land(land: gpd.GeoDataFrame, *, epsg: int, tolerance_m: float):
    """Return the land (metric) grown by ``tolerance_m`` and prepared: what a join may cross.

    The tolerance allows for coastlines and points that do not line up to the
    metre (a pier on the shore, a road along the beach); open water beyond it
    is never crossed by a modelled land leg.
    """
    key = (epsg, tolerance_m, len(land), tuple(np.round(land.total_bounds, 6)))
    if key not in _SHORE:
        union = land_union(land, epsg=epsg).buffer(tolerance_m)
        shapely.prepare(union)
        _SHORE[key] = union
    return _SHORE[key]


def on_land_nearest(tree, points: np.ndarray, shore, *, k: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Per point, the nearest of its ``k`` nearest tree points joined by a line over land.

    Returns
    -------
    dist, index
        Metres and tree index; index -1 (dist inf) where every candidate is
        across open water.
    """
    n = len(points)
    if n == 0:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    k = min(k, tree.n)
    dist, idx = tree.query(points, k=k)
    dist, idx = dist.reshape(n, k), idx.reshape(n, k)
    # the first candidate joined over land, nearest first: each candidate tested only for the points still open
    # (a line from a point off the shore land is never covered by it: only a coincident node joins such a point)
    first = np.zeros(n, dtype=np.int64)
    found = np.zeros(n, dtype=bool)
    ashore = shapely.covered_by(shapely.points(points), shore)
    for c in range(k):
        same = ~found & (dist[:, c] < 1e-6)
        first[same], found[same] = c, True
        todo = np.flatnonzero(~found & ashore)
        if not len(todo):
            continue
        ends = tree.data[idx[todo, c]]
        ok = shapely.covered_by(shapely.linestrings(np.stack([points[todo], ends], axis=1)), shore)
        first[todo[ok]] = c
        found[todo[ok]] = True
    return (np.where(found, dist[np.arange(n), first], np.inf),
            np.where(found, idx[np.arange(n), first], -1))


def land_lattice(land: gpd.GeoDataFrame, *, spacing_m: float,
                 epsg: int) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Lattice nodes and edges over land polygons.

    Parameters
    ----------
    land
        Land polygons (any CRS), with a ``land_id`` column.
    spacing_m
        Distance between lattice nodes in metres.
    epsg
        A metric CRS for the area (UTM).

    Returns
    -------
    xy, land_ids, edges
        ``xy`` is an (n, 2) array of metric coordinates; ``land_ids`` the land
        polygon of each node; ``edges`` an (m, 3) array of (i, j, metres), each pair once.
        An island smaller than the spacing still gets one node (its
        representative point), so no inhabited rock is left without a node.
    """
    metric = land.to_crs(epsg)
    xs: list[np.ndarray] = []
    ids: list[str] = []
    edges: list[np.ndarray] = []  # (i, j, metres) blocks, in order
    offset = 0
    for land_id, geom in zip(metric["land_id"], metric.geometry, strict=True):
        minx, miny, maxx, maxy = geom.bounds
        gx = np.arange(minx + spacing_m / 2, maxx, spacing_m)
        gy = np.arange(miny + spacing_m / 2, maxy, spacing_m)
        if len(gx) and len(gy):
            mx, my = np.meshgrid(gx, gy)
            shapely.prepare(geom)  # many points tested: the same answers, indexed
            inside = shapely.contains_xy(geom, mx, my)
        else:
            inside = np.zeros((0, 0), dtype=bool)
        if not inside.any():
            p = geom.representative_point()
            xs.append(np.array([[p.x, p.y]]))
            ids.append(str(land_id))
            offset += 1
            continue
        index = -np.ones(inside.shape, dtype=np.int64)
        rows, cols = np.nonzero(inside)
        index[rows, cols] = np.arange(len(rows)) + offset
        pts = np.column_stack([mx[rows, cols], my[rows, cols]])
        xs.append(pts)
        ids.extend([str(land_id)] * len(rows))
        for r1, c1, r2, c2, i, j, length in neighbour_links(index, rows, cols, spacing_m=spacing_m):
            midx = (mx[r1, c1] + mx[r2, c2]) / 2
            midy = (my[r1, c1] + my[r2, c2]) / 2
            on_land = shapely.contains_xy(geom, midx, midy)
            edges.append(np.column_stack([i[on_land], j[on_land], np.full(int(on_land.sum()), length)]))
        offset += len(rows)
    xy = np.vstack(xs) if xs else np.zeros((0, 2))
    return xy, ids, np.vstack(edges).astype(float) if edges else np.zeros((0, 3))
