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

__all__ = ["land_lattice"]

_NEIGHBOURS = ((1, 0), (0, 1), (1, 1), (1, -1))


def land_lattice(land: gpd.GeoDataFrame, *, spacing_m: float,
                 epsg: int) -> tuple[np.ndarray, list[str], list[tuple[int, int, float]]]:
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
        polygon of each node; ``edges`` (i, j, metres) pairs, each once.
        An island smaller than the spacing still gets one node (its
        representative point), so no inhabited rock is left without a node.
    """
    metric = land.to_crs(epsg)
    xs: list[np.ndarray] = []
    ids: list[str] = []
    edges: list[tuple[int, int, float]] = []
    offset = 0
    for land_id, geom in zip(metric["land_id"], metric.geometry):
        minx, miny, maxx, maxy = geom.bounds
        gx = np.arange(minx + spacing_m / 2, maxx, spacing_m)
        gy = np.arange(miny + spacing_m / 2, maxy, spacing_m)
        if len(gx) and len(gy):
            mx, my = np.meshgrid(gx, gy)
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
        for dr, dc in _NEIGHBOURS:
            r2, c2 = rows + dr, cols + dc
            ok = (r2 >= 0) & (r2 < inside.shape[0]) & (c2 >= 0) & (c2 < inside.shape[1])
            r1, c1, r2, c2 = rows[ok], cols[ok], r2[ok], c2[ok]
            j = index[r2, c2]
            has = j >= 0
            r1, c1, r2, c2, j = r1[has], c1[has], r2[has], c2[has], j[has]
            i = index[r1, c1]
            midx = (mx[r1, c1] + mx[r2, c2]) / 2
            midy = (my[r1, c1] + my[r2, c2]) / 2
            on_land = shapely.contains_xy(geom, midx, midy)
            length = spacing_m * (2 ** 0.5 if dr and dc else 1.0)
            for a, b in zip(i[on_land], j[on_land]):
                edges.append((int(a), int(b), length))
        offset += len(rows)
    xy = np.vstack(xs) if xs else np.zeros((0, 2))
    return xy, ids, edges
