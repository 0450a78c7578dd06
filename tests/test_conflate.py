"""Conflation rules: planner over OpenStreetMap over the pack; places matched by name."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from islandcare.config import load_area
from islandcare.data.conflate import (
    conflate_facilities,
    match_places,
    similar_names,
    strip_suffix,
    with_origin,
)

#: The distances the area files set (geodata/areas/_defaults.toml [conflate]).
_CFG = load_area("putuo")
_M = {"same_m": float(_CFG.get("conflate.same_facility_m")),
      "approximate_m": float(_CFG.get("conflate.approximate_facility_m"))}


def _fac(rows, origin):
    frame = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=4326)
    return with_origin(frame, origin)


def _row(fid, name, kind, lon, lat, quality="exact", **extra):
    return {"facility_id": fid, "name": name, "kind": kind, "location_quality": quality,
            "location_note": None, "source": extra.pop("source", "test"),
            "geometry": Point(lon, lat), **extra}


# 0.001 deg of latitude is 111 m; of longitude at 30 N about 96 m
def test_same_kind_similar_name_close_is_one_facility():
    osm = _fac([_row("o1", "桃花镇卫生院", "health_centre", 122.0, 30.0)], "OpenStreetMap")
    pack = _fac([_row("p1", "桃花镇 卫生院", "health_centre", 122.0, 30.002, ambulances=1)], "pack")
    out, notes = conflate_facilities([osm, pack], epsg=32651, **_M)
    assert list(out["facility_id"]) == ["o1"]  # OpenStreetMap over the pack
    assert out.iloc[0]["ambulances"] == 1  # a value only the pack has is kept
    assert out.iloc[0]["origin"] == "OpenStreetMap" and len(notes) == 1


def test_too_far_another_kind_or_another_name_stay_apart():
    osm = _fac([_row("o1", "桃花镇卫生院", "health_centre", 122.0, 30.0)], "OpenStreetMap")
    far = _fac([_row("p1", "桃花镇卫生院", "health_centre", 122.0, 30.004)], "pack")  # 444 m
    kind = _fac([_row("p2", "桃花镇卫生院", "hospital", 122.0, 30.0)], "pack")
    name = _fac([_row("p3", "虾峙镇卫生院", "health_centre", 122.0, 30.0)], "pack")
    for pack in (far, kind, name):
        out, _ = conflate_facilities([osm, pack], epsg=32651, **_M)
        assert len(out) == 2


def test_an_approximate_pack_point_gives_way_to_an_exact_one():
    """The pack's 浙江普陀医院 sits on its township seat, 3 km off; OSM has the building."""
    planner = _fac([_row("me", "浙江普陀医院", "hospital", 122.30, 29.95, quality="approximate",
                         source="my table")], "planner")
    osm = _fac([_row("o1", "普陀医院", "hospital", 122.33, 29.95)], "OpenStreetMap")
    out, _ = conflate_facilities([planner, osm], epsg=32651, **_M)
    assert len(out) == 1
    row = out.iloc[0]
    assert row["facility_id"] == "me" and row["source"] == "my table"  # the planner's row wins
    assert row.geometry.equals(Point(122.33, 29.95))  # with the exact point
    assert row["location_quality"] == "exact"
    assert "OpenStreetMap" in row["location_note"]


def test_two_rows_of_one_source_are_never_merged():
    osm = _fac([_row("o1", "卫生室", "village_clinic", 122.0, 30.0),
                _row("o2", "卫生室", "village_clinic", 122.0, 30.0005)], "OpenStreetMap")
    out, _ = conflate_facilities([osm], epsg=32651, **_M)
    assert len(out) == 2


@pytest.mark.parametrize(("name", "bare"), [("新街社区居委会", "新街"), ("东沙村", "东沙"),
                                            ("东沙村委会", "东沙"), ("村", "村"), ("平阳浦村村委会", "平阳浦"),
                                            ("Nordby", "Nordby")])
def test_strip_suffix(name, bare):
    assert strip_suffix(name) == bare


def test_similar_names():
    assert similar_names("Samsø Sundheds- og Akuthus", "Samsø Sundheds og Akuthus")
    assert not similar_names("桃花镇卫生院", "虾峙镇卫生院")
    assert not similar_names("", "x")


def test_places_match_register_villages_by_name_within_their_township(packs):
    """OSM places at 沈家门街道's seat: exact, without suffix, close, ambiguous, and no village.

    沈家门街道 has both 大干社区居委会 and 大干村委会 in the register: a place called 大干 is
    ambiguous and left alone.
    """
    area = packs["putuo"]
    seat = area.layers["townships"].set_index("code").loc["330903001"].geometry
    vil = area.layers["villages"]
    names = dict(zip(vil["name"], vil["code"], strict=True))
    assert {"海星社区居委会", "中洲社区居委会", "鲁家峙村委会", "大干社区居委会", "大干村委会"} <= set(names)
    rows = [("海星社区居委会", 1), ("中洲", 2), ("鲁家峙岛", 3), ("大干", 4), ("不存在的地方", 5)]
    places = gpd.GeoDataFrame(
        {"osm_type": "node", "osmid": [r[1] for r in rows], "name": [r[0] for r in rows],
         "place": "village", "population": None},
        geometry=[Point(seat.x + 0.001 * i, seat.y) for i in range(len(rows))], crs=4326)
    out, counts, unmatched = match_places(area, places, as_of="2024-01-01")
    assert counts == {"osm_places": 5, "matched": 3, "ambiguous": 1, "unmatched": 1,
                      "villages_matched": 3}
    assert unmatched == ["不存在的地方"]
    by_code = out.set_index("code")
    matched = {"海星社区居委会": "exact name", "中洲社区居委会": "without 村/社区",
               "鲁家峙村委会": "close name match"}
    for name, how in matched.items():
        row = by_code.loc[names[name]]
        assert row["location_quality"] == "exact" and row["origin"] == "OpenStreetMap"
        assert how in row["location_note"], (name, row["location_note"])
    # nothing else moved, nothing dropped
    assert len(out) == len(vil)
    others = ~out["code"].isin([names[n] for n in matched])
    assert (out.loc[others, "location_quality"].to_numpy()
            == vil.loc[others.to_numpy(), "location_quality"].to_numpy()).all()
    assert (out.loc[others, "origin"] == "pack").all()


def test_a_place_matching_two_villages_is_ambiguous(packs):
    area = packs["putuo"]
    vil = area.layers["villages"].copy()
    twin = vil.iloc[[0]].copy()
    twin["code"] = "330903001999"
    twin["name"] = vil.iloc[0]["name"].replace("社区居委会", "村")  # 新街村 beside 新街社区居委会
    area = area.with_layer("villages", gpd.GeoDataFrame(pd.concat([vil, twin]), crs=4326))
    seat = area.layers["townships"].set_index("code").loc["330903001"].geometry
    places = gpd.GeoDataFrame({"osm_type": ["node"], "osmid": [9], "name": ["新街"],
                               "place": ["village"], "population": [None]},
                              geometry=[seat], crs=4326)
    _, counts, _ = match_places(area, places)
    assert counts["ambiguous"] == 1 and counts["matched"] == 0


def test_osm_ferry_over_a_pack_link_keeps_its_timetable_and_takes_the_exact_piers(packs):
    """Two OSM terminals near the pack's 沈家门 and 普陀山 piers, and a 20-minute ferry between."""
    from shapely.geometry import LineString

    from islandcare.data import osm
    from islandcare.data.conflate import with_osm

    area = packs["putuo"]
    piers = area.layers["ports"].set_index("port_id").geometry
    a = Point(piers["putuo-port-shenjiamen"].x + 0.01, piers["putuo-port-shenjiamen"].y)
    b = Point(piers["putuo-port-putuoshan"].x, piers["putuo-port-putuoshan"].y + 0.01)
    empty = {k: osm._frame([], osm.LAYER_COLUMNS[k]) for k in ("facilities", "places")}
    ports = osm._frame([
        {"port_id": "osm-node-1", "name": "沈家门半升洞码头", "location_quality": "exact",
         "source": "OpenStreetMap", "geometry": a},
        {"port_id": "osm-node-2", "name": "普陀山码头", "location_quality": "exact",
         "source": "OpenStreetMap", "geometry": b}], osm.LAYER_COLUMNS["ports"])
    ferries = osm._frame([{"osm_type": "way", "osmid": 7, "name": "沈家门—普陀山", "duration": "PT20M",
                           "duration_min": 20.0, "complete": True, "motor_vehicle": "no",
                           "geometry": LineString([a, b])}], osm.LAYER_COLUMNS["ferries"])
    data = osm.OsmData(graph=osm._empty_graph(), ferries=ferries, ports=ports, as_of="2024-05-01",
                       source="test", **empty)
    out, _ = with_osm(area, data)
    got_ports = out.layers["ports"].set_index("port_id")
    assert len(got_ports) == len(area.layers["ports"])  # the same piers, not new ones
    assert got_ports.loc["osm-node-1"].geometry.equals(a)
    assert got_ports.loc["osm-node-1", "township_code"] == area.layers["ports"].set_index(
        "port_id").loc["putuo-port-shenjiamen", "township_code"]
    links = out.layers["sealinks"].set_index("link_id")
    assert len(links) == len(area.layers["sealinks"])
    one = links.loc["putuo-sea-01"]
    assert (one["from_port"], one["to_port"]) == ("osm-node-1", "osm-node-2")
    assert one["crossing_min"] == 20 and "PT20M" in one["note"]
    assert not one["ambulance_can_ride"]
    # the 沈家门 → 虾峙 timetable still hangs on its link, re-pointed at the exact pier
    xia = links.loc["putuo-sea-04"]
    assert xia["from_port"] == "osm-node-1" and xia["departures"].startswith("07:00;08:30")
