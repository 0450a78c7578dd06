"""Service circles drawn as the land really reached.

The drawn circle is the union of the reached edges — whole edges whose far
end is reached, and the reachable part of frontier edges — buffered by a
small width and clipped to land. (The convex hull of reached nodes, the usual
recipe, overstates the area several times and on islands covers the sea.)
Sea, boarding and air edges are not drawn: a ferry reaches the far pier, and
the land reached from there is drawn.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from islandcare.network.assemble import Network

__all__ = ["LAND_MODES", "reached_area"]

#: Edge modes that run over land and are drawn.
LAND_MODES = frozenset({"road", "offroad", "access", "bridge"})


def _land_edges(net: Network) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Land edges of a network as arrays (cached on the network): u, v, minutes, coords."""
    cache = net.__dict__.get("_land_edge_arrays")
    if cache is None:
        e = net.edges
        land = np.isin(e.mode, [k for k, m in enumerate(e.mode_names) if m in LAND_MODES])
        coords = np.full((len(e.nodes), 2), np.nan)
        for node, (x, y) in net.xy.items():
            if node in e.index:
                coords[e.index[node]] = (x, y)
        land &= ~np.isnan(coords[e.tail, 0]) & ~np.isnan(coords[e.head, 0])
        cache = (e.tail[land], e.head[land], e.minutes[land], coords)
        net.__dict__["_land_edge_arrays"] = cache
    return cache


def reached_area(net: Network, minutes: np.ndarray, limit: float, *, land: BaseGeometry,
                 epsg: int, width_m: float = 150.0) -> BaseGeometry:
    """The land reached within ``limit`` minutes, as a (multi)polygon in WGS-84.

    Parameters
    ----------
    net
        The network the times were computed on.
    minutes
        Per engine node, the best minutes (``net.engine`` order).
    limit
        The circle's minutes.
    land
        Land polygons (WGS-84) to clip to.
    epsg
        Metric CRS for buffering.
    width_m
        Half-width of the band drawn around each reached edge.
    """
    u, v, mins, coords = _land_edges(net)
    tu = minutes[u]
    keep = tu <= limit
    if not keep.any():
        return shapely.GeometryCollection()
    u, v, mins, tu = u[keep], v[keep], mins[keep], tu[keep]
    # whole edge when its far end is reached in time, else the reachable part of it
    frac = np.where(mins <= 0, 1.0, np.minimum(1.0, (limit - tu) / np.where(mins <= 0, 1.0, mins)))
    frac = np.maximum(frac, 1e-6)
    # an edge reached whole in both directions is drawn once
    full = frac >= 1.0
    a, b = np.minimum(u, v), np.maximum(u, v)
    key = a * (len(coords) + 1) + b
    _, first = np.unique(key[full], return_index=True)
    pick = np.concatenate([np.flatnonzero(full)[first], np.flatnonzero(~full)])
    u, v, frac = u[pick], v[pick], frac[pick]
    start = coords[u]
    end = start + (coords[v] - start) * frac[:, None]
    lines = shapely.linestrings(np.stack([start, end], axis=1))
    metric = gpd.GeoSeries(lines, crs=4326).to_crs(epsg)
    band = shapely.union_all(metric.buffer(width_m, quad_segs=2).to_numpy())
    land_m = gpd.GeoSeries([land], crs=4326).to_crs(epsg).iloc[0]
    clipped = shapely.intersection(band, land_m)
    return gpd.GeoSeries([clipped], crs=epsg).to_crs(4326).iloc[0]
