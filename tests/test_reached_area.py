"""The drawn circle (a raster union) shows the land the exact union of edge buffers shows."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from islandcare.analyses import circles
from islandcare.analyses.coverage import circles_for, facility_sources
from islandcare.data.pack import load_pack
from islandcare.network.assemble import NetworkCache
from islandcare.network.scenario import Scenario


def _exact(net, best, limit, land, epsg, width_m=150.0):
    """The previous drawing: one buffer per reached (part of an) edge, unioned, clipped to land."""
    u, v, mins, coords = circles._land_edges(net)
    tu = best[u]
    k = tu <= limit
    u, v, mins, tu = u[k], v[k], mins[k], tu[k]
    frac = np.maximum(np.where(mins <= 0, 1.0, np.minimum(1.0, (limit - tu) / np.where(mins <= 0, 1.0, mins))),
                      1e-6)
    m = circles._metric_coords(net, coords, epsg)
    start = m[u]
    end = start + (m[v] - start) * frac[:, None]
    band = shapely.union_all(shapely.buffer(shapely.linestrings(np.stack([start, end], axis=1)), width_m,
                                            quad_segs=2))
    return shapely.intersection(band, gpd.GeoSeries([land], crs=4326).to_crs(epsg).iloc[0])


@pytest.mark.parametrize("key", ["shengsi", "putuo"])
def test_raster_circle_matches_exact_union(key):
    area = load_pack(key)
    nets = NetworkCache(area)
    circle = circles_for(area)[0]
    epsg = area.config.utm_epsg
    checked = 0
    for limit, mode in circle.limits.values():
        net = nets.get(Scenario(profile=mode, night=circle.night))
        srcs = facility_sources(area, net, circle.kinds)
        best = net.engine.nearest(srcs, cutoff=limit).minutes
        drawn = gpd.GeoSeries([circles.reached_area(net, best, limit, land=area.land_union, epsg=epsg)],
                              crs=4326).to_crs(epsg).iloc[0]
        exact = _exact(net, best, limit, area.land_union, epsg)
        assert exact.area > 0
        assert shapely.hausdorff_distance(drawn, exact) < 100.0
        assert shapely.symmetric_difference(drawn, exact).area < 0.05 * exact.area
        # a tighter limit draws less land, never more
        smaller = gpd.GeoSeries([circles.reached_area(net, best, limit / 2, land=area.land_union, epsg=epsg)],
                                crs=4326).to_crs(epsg).iloc[0]
        assert smaller.area < drawn.area
        checked += 1
    assert checked
