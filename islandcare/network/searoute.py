"""Sea routes around the islands: a lattice over open water.

A boat goes round an island, not through it. The sea lattice is a grid of
points over the area's box, kept off the land polygons, joined to its eight
neighbours when the link stays off land (both ends and three points between
them at sea). A pier joins the nearest sea points it can reach without
crossing land. The route's length between two piers is the shortest path on
the lattice, so the detour round the islands is counted (a grid path is at
most about 8% longer than the true shortest line at sea; no other detour
factor is applied).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from islandcare.network.grid import neighbour_links
from islandcare.network.land import land_union

__all__ = ["SeaRouter", "sea_router"]

_CACHE: dict[tuple, SeaRouter] = {}


@dataclass
class SeaRouter:
    """Shortest sea routes between points, in a metric CRS.

    Attributes
    ----------
    xy
        (n, 2) metric coordinates of the sea lattice points.
    matrix
        CSR matrix of metres between neighbouring sea points.
    land
        The land (metric), prepared, for the joins of piers.
    epsg
        The metric CRS.
    """

    xy: np.ndarray
    matrix: object
    land: BaseGeometry
    epsg: int
    _tree: cKDTree | None = None
    _km: dict = field(default_factory=dict)

    def _metric(self, lonlat: list[tuple[float, float]]) -> np.ndarray:
        pts = gpd.GeoSeries(gpd.points_from_xy([p[0] for p in lonlat], [p[1] for p in lonlat]),
                            crs=4326).to_crs(self.epsg)
        return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])

    def _joins(self, p: np.ndarray, k: int = 12) -> list[tuple[int, float]]:
        """Sea points a pier reaches without crossing land (the nearest ``k`` tried)."""
        if self._tree is None:
            self._tree = cKDTree(self.xy)
        dist, idx = self._tree.query(p, k=min(k, len(self.xy)))
        out = []
        for d, j in zip(np.atleast_1d(dist), np.atleast_1d(idx), strict=True):
            q = self.xy[j]
            f = min(150.0, d / 2) / d if d > 0 else 0.0  # the pier stands on the shore: 150 m may be land
            start = (p[0] + f * (q[0] - p[0]), p[1] + f * (q[1] - p[1]))
            if d < 1 or not self.land.intersects(LineString([start, tuple(q)])):
                out.append((int(j), float(d)))
        if not out:  # a pier in a closed harbour: its nearest sea point
            out = [(int(np.atleast_1d(idx)[0]), float(np.atleast_1d(dist)[0]))]
        return out

    def km(self, points: list[tuple[float, float]]) -> np.ndarray:
        """Sea route km between every pair of (lon, lat) points (``inf`` if no sea path)."""
        key = tuple((round(x, 7), round(y, 7)) for x, y in points)
        if key in self._km:
            return self._km[key].copy()
        if not points:
            return np.zeros((0, 0))
        metric = self._metric(points)
        joins = [self._joins(p) for p in metric]
        # metres from each point to every sea point, by its best join: one search per point, from a
        # node of its own joined to its sea points by the join metres (not one search per join)
        n = len(self.xy)
        jt = [n + a for a, ja in enumerate(joins) for _ in ja]
        jh = [i for ja in joins for i, _ in ja]
        jw = [da for ja in joins for _, da in ja]
        lattice = coo_array(self.matrix)  # each neighbour pair once: both directions, as directed=False reads it
        grown = coo_array((np.concatenate([lattice.data, lattice.data, jw]),
                           (np.concatenate([lattice.row, lattice.col, jt]),
                            np.concatenate([lattice.col, lattice.row, jh]))),
                          shape=(n + len(points), n + len(points))).tocsr()
        reach = dijkstra(grown, directed=True, indices=np.arange(n, n + len(points)))[:, :n]
        out = np.empty((len(points), len(points)))
        for b, jb in enumerate(joins):
            cols = np.array([j for j, _ in jb])
            out[:, b] = np.min(reach[:, cols] + np.array([db for _, db in jb]), axis=1) / 1000.0
        np.fill_diagonal(out, 0.0)
        self._km[key] = out
        return out.copy()

    def line(self, a: tuple[float, float], b: tuple[float, float]) -> LineString:
        """Return the sea route from ``a`` to ``b`` as a metric line (for checks and maps)."""
        pa, pb = self._metric([a, b])
        ja, jb = self._joins(pa), self._joins(pb)
        best = None
        for i, da in ja:
            dist, pred = dijkstra(self.matrix, directed=False, indices=i, return_predecessors=True)
            for j, db in jb:
                total = da + dist[j] + db
                if best is None or total < best[0]:
                    best = (total, i, j, pred)
        if best is None:
            msg = "no sea route: a pier reaches no sea point without crossing land"
            raise ValueError(msg)
        _, i, j, pred = best
        chain = [j]
        while chain[-1] != i and pred[chain[-1]] >= 0:
            chain.append(int(pred[chain[-1]]))
        pts = [tuple(pa)] + [tuple(self.xy[k]) for k in reversed(chain)] + [tuple(pb)]
        return LineString(pts)


def sea_router(land: gpd.GeoDataFrame, bbox: list[float], *, epsg: int,
               spacing_m: float) -> SeaRouter:
    """Return the sea lattice of an area (built once per land, box and spacing).

    Parameters
    ----------
    land
        Land polygons (any CRS).
    bbox
        (lon_min, lat_min, lon_max, lat_max) of the area.
    epsg
        A metric CRS.
    spacing_m
        Distance between sea points.
    """
    key = (tuple(bbox), epsg, spacing_m, len(land), tuple(np.round(land.total_bounds, 6)))
    if key in _CACHE:
        return _CACHE[key]
    union = land_union(land, epsg=epsg)  # prepared
    parts = shapely.get_parts(land.to_crs(epsg).geometry.to_numpy())
    shapely.prepare(parts)
    box = gpd.GeoSeries(gpd.points_from_xy([bbox[0], bbox[2]], [bbox[1], bbox[3]]),
                        crs=4326).to_crs(epsg)
    x0, x1 = sorted(box.x)
    y0, y1 = sorted(box.y)
    gx = np.arange(x0, x1 + spacing_m, spacing_m)
    gy = np.arange(y0, y1 + spacing_m, spacing_m)
    mx, my = np.meshgrid(gx, gy)
    sea = ~shapely.contains_xy(union, mx, my)
    index = -np.ones(sea.shape, dtype=np.int64)
    rows, cols = np.nonzero(sea)
    index[rows, cols] = np.arange(len(rows))
    xy = np.column_stack([mx[rows, cols], my[rows, cols]])
    # lattice points within one spacing (either axis) of a land part's box: a link from any other point
    # has its box clear of every part's box, so it cannot touch land (no line drawn for it)
    near_land = np.zeros(sea.shape, dtype=bool)
    grow = spacing_m * 1.01 + 1.0
    for bx0, by0, bx1, by1 in shapely.bounds(parts):
        c0, c1 = np.searchsorted(gx, bx0 - grow, side="left"), np.searchsorted(gx, bx1 + grow, side="right")
        r0, r1 = np.searchsorted(gy, by0 - grow, side="left"), np.searchsorted(gy, by1 + grow, side="right")
        near_land[r0:r1, c0:c1] = True
    tails, heads, lengths = [], [], []
    for r1, c1, r2, c2, i, j, length in neighbour_links(index, rows, cols, spacing_m=spacing_m):
        near = np.flatnonzero(near_land[r1, c1])
        coords = np.stack([np.column_stack([mx[r1[near], c1[near]], my[r1[near], c1[near]]]),
                           np.column_stack([mx[r2[near], c2[near]], my[r2[near], c2[near]]])], axis=1)
        lines = shapely.linestrings(coords)
        # exact: no corner of land cut; the land parts (prepared) are the query side, as they are few and large
        hit = near[np.unique(shapely.STRtree(lines).query(parts, predicate="intersects")[1])]
        clear = np.ones(len(i), dtype=bool)
        clear[hit] = False
        tails.append(i[clear])
        heads.append(j[clear])
        lengths.append(np.full(int(clear.sum()), length))
    t, h, w = np.concatenate(tails), np.concatenate(heads), np.concatenate(lengths)
    matrix = coo_array((w, (t, h)), shape=(len(xy), len(xy))).tocsr()
    router = SeaRouter(xy=xy, matrix=matrix, land=union, epsg=epsg)
    _CACHE[key] = router
    return router
