"""The OpenStreetMap path end to end on a real island: Samsø (ODbL extract in ../shared).

``fetch --area samsoe --osm-file`` builds the pack and the cache in a scratch
geodata folder; the tests then check the model against the raw file: ferry
minutes against the ``duration`` tags, the hospital and helipad against their
ways, every named village and hamlet assessed, and village-to-hospital times
against shortest road paths computed here with networkx from the raw ways.
"""

from __future__ import annotations

import math
import shutil
from itertools import pairwise
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from shapely.geometry import Polygon

from islandcare.cli import main

REPO = Path(__file__).resolve().parents[1]
PBF = REPO.parent / "shared/geodata-sources/osm/samsoe_2020-03-09.osm.pbf"

osmium = pytest.importorskip("osmium")


def _minutes(text: str) -> float:
    """An OSM duration written H:MM, as minutes (the form all three Samsø ferries use)."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


@pytest.fixture(scope="module")
def raw() -> dict:
    """What the test reads from the file itself: ferries, health ways, places, drive ways."""
    if not PBF.exists():
        pytest.skip(f"{PBF} not found")
    out: dict = {"ferries": {}, "ways": {}, "places": {}, "aerodrome": None, "drive": []}
    for obj in osmium.FileProcessor(str(PBF), osmium.osm.NODE | osmium.osm.WAY).with_locations():
        tags = dict(obj.tags)
        if obj.is_node():
            if tags.get("place") in ("village", "hamlet", "isolated_dwelling") and tags.get("name"):
                out["places"][f"osm-node-{obj.id}"] = tags["name"]
            continue
        coords = [(n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()]
        if tags.get("route") == "ferry":
            out["ferries"][f"osm-way-{obj.id}"] = tags.get("duration")
        if tags.get("amenity") == "hospital" or tags.get("aeroway") == "helipad":
            out["ways"][f"osm-way-{obj.id}"] = Polygon(coords)
        if tags.get("aeroway") == "aerodrome":
            out["aerodrome"] = Polygon(coords).representative_point()
        if tags.get("place") in ("village", "hamlet", "isolated_dwelling") and tags.get("name"):
            out["places"][f"osm-way-{obj.id}"] = tags["name"]
        if "highway" in tags:
            out["drive"].append((tags, [(n.ref, (n.location.lon, n.location.lat)) for n in obj.nodes]))
    return out


@pytest.fixture(scope="module")
def root(tmp_path_factory, raw) -> Path:
    """A geodata folder with the area files, after `fetch --area samsoe --osm-file`."""
    root = tmp_path_factory.mktemp("geodata")
    shutil.copytree(REPO / "geodata/areas", root / "areas")
    mp = pytest.MonkeyPatch()
    mp.setenv("ISLANDCARE_GEODATA", str(root))
    try:
        assert main(["fetch", "--area", "samsoe", "--osm-file", str(PBF), "-q"]) == 0
    finally:
        mp.undo()
    return root


@pytest.fixture(scope="module")
def area(root):
    from islandcare.data.conflate import load_osm_cache, with_osm
    from islandcare.data.pack import load_pack

    mp = pytest.MonkeyPatch()
    mp.setenv("ISLANDCARE_GEODATA", str(root))
    try:
        area, _ = with_osm(load_pack("samsoe"), load_osm_cache("samsoe"))
    finally:
        mp.undo()
    return area


@pytest.fixture()
def geodata(root, monkeypatch) -> Path:
    monkeypatch.setenv("ISLANDCARE_GEODATA", str(root))
    return root


def test_the_committed_pack_is_what_fetch_builds(root):
    """geodata/packs/samsoe is the output of the same code a user's fetch runs."""
    for path in sorted((REPO / "geodata/packs/samsoe").glob("*")):
        assert (root / "packs/samsoe" / path.name).read_bytes() == path.read_bytes(), path.name


def test_each_ferry_crosses_in_its_osm_duration(area, raw):
    links = area.layers["sealinks"].set_index("link_id")
    assert len(raw["ferries"]) == 3
    for link_id, duration in raw["ferries"].items():
        assert links.loc[link_id, "crossing_min"] == _minutes(duration)
        assert links.loc[link_id, "crossing_quality"] == "stated"
    # Aarhus–Sælvig is tagged motor_vehicle=no: an ambulance cannot ride it
    assert not links.loc["osm-way-436079268", "ambulance_can_ride"]
    assert links.loc["osm-way-38192155", "ambulance_can_ride"]


def test_the_ferries_reach_the_road_network(area, geodata):
    """The Samsø piers of each ferry are joined to land; the ferry edge has the stated minutes."""
    from islandcare.network.assemble import build_network

    net = build_network(area)
    ferry = {d["link_id"]: d["minutes"] for _, _, d in net.graph.edges(data=True)
             if d["mode"] == "ferry"}
    assert ferry == {"osm-way-38192155": 60, "osm-way-392728788": 75, "osm-way-436079268": 60}
    for port in ("osm-node-4494985756", "osm-node-3959167056", "osm-node-4110596809"):
        assert f"p:{port}" in net.joined


def test_hospital_and_helipad_have_exact_points_on_their_ways(area, raw):
    fac = area.layers["facilities"].set_index("facility_id")
    for fid, kind in (("osm-way-676577282", "hospital"), ("osm-way-220139364", "helipad")):
        row = fac.loc[fid]
        assert row["kind"] == kind
        assert row["location_quality"] == "exact"
        assert raw["ways"][fid].contains(row.geometry)
    assert fac.loc["osm-way-676577282", "name"] == "Samsø Sundheds- og Akuthus"


def test_every_named_village_and_hamlet_is_assessed(root, raw, geodata, tmp_path):
    assert main(["run", "--area", "samsoe", "--out", str(tmp_path), "-q"]) == 0
    places = pd.read_csv(tmp_path / "samsoe/places.csv", encoding="utf-8-sig", dtype=str)
    villages = places[places["code 代码"].str.startswith("osm-")]
    assert dict(zip(villages["code 代码"], villages["name 名称"], strict=True)) == raw["places"]
    assert len(raw["places"]) == 31  # 5 villages, 24 hamlets, 2 isolated dwellings
    assert set(villages["verdict 结论"]) <= {"covered", "underserved"}
    summary = (tmp_path / "samsoe/summary.json").read_text("utf-8")
    assert '"unknown": 0' in summary


def test_run_says_which_roads_it_uses(root, geodata, tmp_path, capsys):
    assert main(["run", "--area", "samsoe", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "roads: OpenStreetMap 2020-03-09" in out
    assert "cached 20" in out  # the cache's own date
    assert "31 matched to register villages, 0 ambiguous, 0 unmatched" in out


def test_a_helicopter_leg_reaches_the_helipad(area, raw, tmp_path, geodata):
    """With a planner's air base (here: put at Samsø Flyveplads), the pad is reached by air."""
    from islandcare.data.pack import with_planner_tables
    from islandcare.network.assemble import build_network
    from islandcare.network.scenario import Scenario
    from islandcare.network.sea import haversine_km

    base = raw["aerodrome"]
    table = tmp_path / "base.csv"
    table.write_text("facility_id,name,kind,lon,lat\n"
                     f"test-base,test air base,air_base,{base.x:.6f},{base.y:.6f}\n", "utf-8")
    mine, _ = with_planner_tables(area, facilities=table)
    fac = mine.layers["facilities"]
    assert {"test-base", "osm-way-220139364", "osm-way-676577282"} <= set(fac["facility_id"])
    net = build_network(mine, scenario=Scenario(profile="ambulance"))
    air = {(u, v): d["minutes"] for u, v, d in net.graph.edges(data=True) if d["mode"] == "air"}
    pad = fac.set_index("facility_id").loc["osm-way-220139364"].geometry
    km = haversine_km(base.x, base.y, pad.x, pad.y)
    cfg = area.config
    expected = (cfg.get("helicopter.dispatch_minutes") + km / cfg.get("speeds.helicopter") * 60
                + cfg.get("helicopter.landing_minutes"))
    assert air[("f:test-base", "f:osm-way-220139364")] == pytest.approx(expected)
    # by air alone (roads and off-road legs left out) the pad is reached in those minutes
    only_air = net.graph.edge_subgraph([(u, v, k) for u, v, k, d in net.graph.edges(keys=True, data=True)
                                        if d["mode"] == "air"])
    assert nx.shortest_path_length(only_air, "f:test-base", "f:osm-way-220139364",
                                   weight="minutes") == pytest.approx(expected)


def _hand_graph(raw, cfg) -> nx.DiGraph:
    """Drive ways of the file as a graph of raw nodes, minutes at the area's speeds."""
    from islandcare.data.osm import _is_drive_way
    from islandcare.network.sea import haversine_km

    G = nx.DiGraph()
    for tags, nodes in raw["drive"]:
        if not _is_drive_way(tags):
            continue
        limit = tags.get("maxspeed", "")
        kmh = float(limit) if limit.isdigit() else cfg.speed_kmh(tags["highway"])
        for (a, pa), (b, pb) in pairwise(nodes):
            minutes = haversine_km(*pa, *pb) / kmh * 60
            pairs = [(a, b)] if tags.get("oneway") == "yes" else [(a, b), (b, a)]
            for s, t in pairs:
                if not G.has_edge(s, t) or G[s][t]["minutes"] > minutes:
                    G.add_edge(s, t, minutes=minutes)
    return G


def test_village_to_hospital_times_are_shortest_road_paths(area, raw, geodata):
    """Hospital → village: access leg + shortest road path on the raw ways + access leg."""
    from islandcare.network.assemble import build_network

    net = build_network(area)
    eng = net.engine
    hosp = "f:osm-way-676577282"
    times = eng.times([hosp])[0]
    G = _hand_graph(raw, area.config)

    def joined_to(node: str) -> tuple[str, float]:
        (_, land, d), = [e for e in net.graph.out_edges(node, data=True) if e[2]["mode"] == "access"]
        return land, d["minutes"]

    h_node, h_access = joined_to(hosp)
    assert h_node.startswith("r:")
    code = {name: c for c, name in raw["places"].items()}
    checked = 0
    for name in ("Tranebjerg", "Onsbjerg", "Nordby", "Kolby", "Ørby", "Ballen", "Langør"):
        v = f"v:{code[name]}"
        v_node, v_access = joined_to(v)
        assert v_node.startswith("r:"), name
        road = nx.shortest_path_length(G, int(h_node[2:]), int(v_node[2:]), weight="minutes")
        hand = h_access + road + v_access
        assert times[eng.node_index[v]] == pytest.approx(hand, abs=0.01), name
        checked += 1
    assert checked == 7
    # no village is farther than its road path allows (off-road shortcuts can only shorten)
    for c in raw["places"]:
        v_node, v_access = joined_to(f"v:{c}")
        if v_node.startswith("r:"):
            road = nx.shortest_path_length(G, int(h_node[2:]), int(v_node[2:]), weight="minutes")
            assert times[eng.node_index[f"v:{c}"]] <= h_access + road + v_access + 0.01
    assert not math.isinf(times[eng.node_index[f"v:{code['Nordby']}"]])


def test_counts_per_source_reach_the_summary(area):
    sources = area.meta["sources"]
    assert sources["facilities"] == {"OpenStreetMap": 2}
    assert sources["villages_with_point"] == {"OpenStreetMap": 31}
    assert sources["sealinks"] == {"OpenStreetMap": 3}
    assert area.meta["places_matching"]["matched"] == 31


def test_the_pack_alone_gives_the_cached_times(root, area, tmp_path, monkeypatch):
    """Without the cache, the pack's roads (with maxspeed and oneway) give the same minutes."""
    from islandcare.data.pack import load_pack
    from islandcare.network.assemble import build_network

    monkeypatch.setenv("ISLANDCARE_GEODATA", str(root))
    cached = build_network(area)
    bare = tmp_path / "geodata"
    shutil.copytree(root / "areas", bare / "areas")
    shutil.copytree(root / "packs", bare / "packs")
    monkeypatch.setenv("ISLANDCARE_GEODATA", str(bare))
    alone = build_network(load_pack("samsoe"))
    hosp = "f:osm-way-676577282"
    a, b = cached.engine.times([hosp])[0], alone.engine.times([hosp])[0]
    villages = [n for n in cached.engine.nodes if n.startswith("v:")]
    assert len(villages) == 31
    for v in villages:  # lengths differ only by rounding (pack coordinates to 1e-6 degrees)
        assert b[alone.engine.node_index[v]] == pytest.approx(a[cached.engine.node_index[v]], abs=0.15)
