"""On-call emergency vessels: they cross at night, stop in a closure, and go round the islands."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import shapely
import shapely.ops

from islandcare.errors import InputError
from islandcare.network.assemble import build_network
from islandcare.network.scenario import Scenario
from islandcare.network.sea import haversine_km
from islandcare.network.searoute import sea_router
from islandcare.network.vessels import vessels


@pytest.mark.parametrize("key", ["shengsi", "putuo"])
def test_at_night_the_outlying_islands_are_reached_by_emergency_vessel_and_say_so(packs, key):
    area = packs[key]
    night = build_network(area, scenario=Scenario(profile="ambulance", night=True, air_grounded=True))
    assert not any(d["mode"] == "ferry" for _, _, d in night.graph.edges(data=True))
    hospital = "f:" + area.layers["facilities"].set_index("name").loc[
        area.config.get("area.county_hospital"), "facility_id"]
    rev = night.reverse_engine
    to_hospital = rev.nearest([hospital])
    land_only = build_network(area, scenario=Scenario(profile="ambulance", sea_closed=True,
                                                      air_grounded=True)).reverse_engine
    by_land = land_only.nearest([hospital])
    reached = 0
    tw = area.layers["townships"]
    ports = area.layers["ports"]
    for code, outlying in zip(tw["code"], tw["outlying_island"], strict=True):
        node = f"t:{code}"
        has_port = code in set(ports["township_code"])
        if not (outlying and has_port and night.has(node)):
            continue
        if np.isfinite(by_land.minutes[land_only.node_index[node]]):
            continue  # bridged to the hospital's island: no boat needed
        assert np.isfinite(to_hospital.minutes[rev.node_index[node]]), code
        path = list(reversed(rev.path(to_hospital, node)))
        legs = night.engine.legs(path)
        boat = [lg for lg in legs if lg.mode == "boat"]
        assert boat and not any(lg.mapped for lg in boat)  # modelled, and said so
        note = night.graph[boat[0].from_node][boat[0].to_node][0]["note"]
        assert "area setting, modelled" in note and "by sea" in note
        reached += 1
    assert reached >= 2
    # in a weather closure no vessel sails
    closed = build_network(area, scenario=Scenario(profile="ambulance", sea_closed=True))
    assert not any(d["mode"] == "boat" for _, _, d in closed.graph.edges(data=True))
    # a resident's car does not summon one
    drive = build_network(area, scenario=Scenario(profile="drive", night=True))
    assert not any(d["mode"] == "boat" for _, _, d in drive.graph.edges(data=True))


@pytest.mark.parametrize("key", ["shengsi", "putuo"])
def test_no_boat_leg_crosses_land(packs, key):
    area = packs[key]
    cfg = area.config
    router = sea_router(area.layers["land"], cfg.get("area.bbox"), epsg=cfg.utm_epsg,
                        spacing_m=float(cfg.get("sea.route_spacing_m")))
    land = shapely.union_all(area.layers["land"].to_crs(cfg.utm_epsg).geometry.to_numpy())
    ports = area.layers["ports"]
    pts = [(g.x, g.y) for g in ports.geometry]
    km = router.km(pts)
    crossed_straight = 0
    for i in range(len(pts)):
        for j in range(i + 1, len(pts)):
            line = router.line(pts[i], pts[j])
            # the route's length is what the boat edges count
            assert line.length / 1000 == pytest.approx(km[i, j], rel=1e-6)
            assert km[i, j] >= haversine_km(*pts[i], *pts[j]) * 0.995
            # off the piers' first 150 m (they stand on the shore) the route is at sea
            inner = shapely.ops.substring(line, 150, line.length - 150)
            assert inner.intersection(land).length < 1.0, (ports["port_id"][i], ports["port_id"][j])
            straight = shapely.LineString([line.coords[0], line.coords[-1]])
            crossed_straight += shapely.ops.substring(straight, 150, straight.length - 150
                                                      ).intersection(land).length > 100
    assert crossed_straight >= 1  # the straight line would have crossed an island somewhere


def test_a_vessel_at_an_unknown_pier_is_an_input_error(packs):
    area = packs["shengsi"]
    settings = dict(area.config.settings)
    settings["sea"] = {**settings["sea"], "emergency_vessels": [{"pier": "atlantis", "name": "x", "night": True}]}
    cfg = dataclasses.replace(area.config, settings=settings)
    with pytest.raises(InputError, match=r"atlantis.*not a port"):
        vessels(cfg, area.layers["ports"])


@pytest.mark.parametrize("key", ["shengsi", "putuo", "fenghua"])
def test_joins_stay_on_land(packs, key):
    import geopandas as gpd

    area = packs[key]
    epsg = area.config.utm_epsg
    net = build_network(area, scenario=Scenario(profile="drive"))
    tol = float(area.config.get("network.shore_tolerance_m"))
    land = shapely.union_all(area.layers["land"].to_crs(epsg).geometry.to_numpy()).buffer(tol + 1)
    edges = [(u, v) for u, v, d in net.graph.edges(data=True) if d["mode"] in ("offroad", "access")]
    assert edges
    ends = [net.xy[u] for u, _ in edges] + [net.xy[v] for _, v in edges]
    pts = gpd.GeoSeries(gpd.points_from_xy([p[0] for p in ends], [p[1] for p in ends]),
                        crs=4326).to_crs(epsg)
    xy = np.column_stack([pts.x, pts.y])
    m = len(edges)
    lines = shapely.linestrings(np.stack([xy[:m], xy[m:]], axis=1))
    wet = np.flatnonzero(~shapely.covered_by(lines, land))
    assert not len(wet), [edges[i] for i in wet[:5]]
