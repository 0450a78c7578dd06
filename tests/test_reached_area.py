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


def _one_raster(start, end, *, width_m, cell_m, within):
    """The band as first drawn: one scatter of the disc around every sampled cell, the whole raster traced."""
    import contourpy

    margin = width_m + 2 * cell_m
    near = ((np.maximum(start[:, 0], end[:, 0]) >= within[0] - width_m)
            & (np.minimum(start[:, 0], end[:, 0]) <= within[2] + width_m)
            & (np.maximum(start[:, 1], end[:, 1]) >= within[1] - width_m)
            & (np.minimum(start[:, 1], end[:, 1]) <= within[3] + width_m))
    start, end = start[near], end[near]
    lo = np.maximum(np.minimum(start, end).min(axis=0), np.array(within[:2]) - width_m) - margin
    hi = np.minimum(np.maximum(start, end).max(axis=0), np.array(within[2:]) + width_m) + margin
    nx_, ny_ = (np.ceil((hi - lo) / cell_m).astype(int) + 1)
    seg = end - start
    steps = np.maximum(1, np.ceil(np.hypot(seg[:, 0], seg[:, 1]) / (cell_m / 2)).astype(np.int64))
    k = np.repeat(np.arange(len(steps)), steps + 1)
    first = np.repeat(np.cumsum(steps + 1) - (steps + 1), steps + 1)
    t = (np.arange(len(k)) - first) / np.repeat(steps, steps + 1)
    ij = np.rint((start[k] + seg[k] * t[:, None] - lo) / cell_m).astype(np.int64)
    r = int(width_m // cell_m)
    ij = ij[(ij[:, 0] >= r) & (ij[:, 0] < nx_ - r) & (ij[:, 1] >= r) & (ij[:, 1] < ny_ - r)]
    on_line = np.unique(ij[:, 1] * nx_ + ij[:, 0])
    dy, dx = np.mgrid[-r:r + 1, -r:r + 1]
    disc = (dx * dx + dy * dy) * cell_m ** 2 <= (width_m - cell_m / 4) ** 2
    reached = np.zeros(ny_ * nx_, dtype=np.float64)
    reached[(on_line[:, None] + (dy[disc] * nx_ + dx[disc])[None, :]).ravel()] = 1.0
    gen = contourpy.contour_generator(z=reached.reshape(ny_, nx_), fill_type="OuterOffset")
    polys = []
    for pts, offsets in zip(*gen.filled(0.5, 2.0), strict=True):
        pts = pts * cell_m + lo
        rings = [pts[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)]
        polys.append(shapely.Polygon(rings[0], rings[1:]))
    return shapely.MultiPolygon(polys)


@pytest.mark.parametrize(("width_m", "cell_m"), [(150.0, 50.0), (175.0, 50.0), (100.0, 40.0)])
def test_band_by_band_draws_the_whole_raster(width_m, cell_m):
    """Tracing the raster band by band draws the polygons of tracing it whole, coordinate for coordinate, in order."""
    rng = np.random.default_rng(7)
    for _ in range(20):
        centres = rng.uniform(0, 30_000, (rng.integers(1, 12), 2))  # clusters of roads, some far apart
        start = np.repeat(centres, 30, axis=0) + rng.normal(0, 1_500, (len(centres) * 30, 2))
        end = start + rng.normal(0, 800, start.shape)
        within = (0.0, 0.0, 30_000.0, 30_000.0)  # some roads run past the box: cut at the raster's edge
        drawn = circles._band(start, end, width_m=width_m, cell_m=cell_m, within=within)
        assert shapely.to_wkb(drawn) == shapely.to_wkb(_one_raster(start, end, width_m=width_m, cell_m=cell_m,
                                                                   within=within))
