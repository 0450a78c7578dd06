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
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from islandcare.network.assemble import Network

__all__ = ["LAND_MODES", "reached_area"]

#: Edge modes that run over land and are drawn.
LAND_MODES = frozenset({"road", "offroad", "access", "bridge"})


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
    eng = net.engine
    idx = eng.node_index
    xy = net.xy
    lines = []
    for u, v, d in net.graph.edges(data=True):
        if d.get("mode") not in LAND_MODES or u not in xy or v not in xy:
            continue
        tu = minutes[idx[u]]
        if not tu <= limit:
            continue
        edge_min = float(d["minutes"])
        frac = 1.0 if edge_min <= 0 else min(1.0, (limit - tu) / edge_min)
        (x1, y1), (x2, y2) = xy[u], xy[v]
        if frac <= 0:
            lines.append(shapely.Point(x1, y1))
            continue
        lines.append(LineString([(x1, y1), (x1 + (x2 - x1) * frac, y1 + (y2 - y1) * frac)]))
    if not lines:
        return shapely.GeometryCollection()
    metric = gpd.GeoSeries(lines, crs=4326).to_crs(epsg)
    band = shapely.union_all(metric.buffer(width_m, quad_segs=4).to_numpy())
    land_m = gpd.GeoSeries([land], crs=4326).to_crs(epsg).iloc[0]
    clipped = shapely.intersection(band, land_m)
    return gpd.GeoSeries([clipped], crs=epsg).to_crs(4326).iloc[0]
