"""What makes a map readable and useful beyond itself: labels, marks, fanned facilities,
the data gaps, the PNG button (maps and app)."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from islandcare.analyses.gaps import data_gaps
from islandcare.render.map_controls import PlaceLabels, rule_marks
from islandcare.render.maps import _facility_offsets, area_map


@pytest.fixture(scope="module")
def reports():
    from test_maps import area_reports

    return area_reports()


def test_rule_marks_one_per_family() -> None:
    assert rule_marks("primary_care") == "◆"
    assert rule_marks("primary_care, ambulance_response") == "◆■"
    assert rule_marks("night_clinic") == "▲"
    assert rule_marks("childcare, fitness") == "●"  # any other circle: one mark, once
    assert rule_marks("") == "" and rule_marks(None) == ""


def test_facilities_at_one_point_fan_out() -> None:
    fac = gpd.GeoDataFrame({"name": ["a", "b", "c", "d"]},
                           geometry=[Point(122, 30), Point(122, 30), Point(122, 30),
                                     Point(122.5, 30)], crs=4326)
    off = _facility_offsets(fac)
    assert set(off) == {0, 1, 2}  # the lone facility stays on its point
    assert len({off[i] for i in (0, 1, 2)}) == 3  # each its own place, so each can be clicked
    assert all(abs((dx * dx + dy * dy) ** 0.5 - 13) < 1 for dx, dy in off.values())


@pytest.mark.parametrize("key", ["shengsi", "putuo", "fenghua"])
def test_every_seat_is_labelled_and_every_underserved_place_marked(reports, key: str) -> None:
    rep = reports[key]
    rows = PlaceLabels(rep.places).rows
    placed = rep.places.dropna(subset=["lon"])
    seats = placed[placed["unit"] == "township_seat"]
    assert sorted(r[2] for r in rows if r[3] == "seat") == sorted(seats["township"])
    assert [r[3] for r in rows] == sorted((r[3] for r in rows), key=lambda u: u != "seat")
    marked = [r for r in rows if r[4]]
    assert len(marked) == int((placed["status"] == "underserved").sum())


def test_gaps_count_what_the_data_lacks(reports) -> None:
    fenghua = {g.key: g for g in data_gaps(reports["fenghua"])}
    vil = reports["fenghua"].area.layers["villages"]
    assert fenghua["no_point"].count == int(vil.geometry.isna().sum()) == 337
    assert fenghua["no_point"].command == "islandcare template villages -o villages.xlsx"
    shengsi = {g.key: g for g in data_gaps(reports["shengsi"])}
    pl = reports["shengsi"].places
    unreached = pl[[c for c in pl.columns if c.endswith("reason_code")]].eq("no_link_in_data").any(axis=1)
    assert shengsi["no_sea_link"].blocked == int(unreached.sum()) > 0
    assert shengsi["no_sea_link"].table == "sealinks"
    # the gaps are sorted by how many places they block
    blocked = [g.blocked for g in data_gaps(reports["putuo"])]
    assert blocked == sorted(blocked, reverse=True)


def test_gaps_counted_once_per_report_and_again_for_another(reports) -> None:
    """The map and the summary share a report's gaps; a report with other places is counted afresh."""
    import dataclasses

    from islandcare.render.summary import report_gaps

    rep = reports["fenghua"]
    assert report_gaps(rep) == data_gaps(rep)
    assert report_gaps(rep) == data_gaps(rep)  # kept, the same
    fewer = dataclasses.replace(rep, places=rep.places[rep.places["location_quality"].ne("none")])
    assert [g.key for g in report_gaps(fewer)] == [g.key for g in data_gaps(fewer)]
    assert "no_point" not in {g.key for g in report_gaps(fewer)}
    assert report_gaps(rep) == data_gaps(rep)


def test_png_button_on_the_map_and_in_the_app(reports) -> None:
    from test_maps import has

    from islandcare.app import _page

    rep = reports["putuo"]
    page = area_map(rep.area, rep).get_root().render()
    assert "htmlToImage.toPng" in page and has(page, "putuo.png")
    app = _page(rep.area, rep, underserved=len(rep.underserved)).decode("utf-8")
    assert "htmlToImage.toPng" in app and "lib/html-to-image/dist/html-to-image.js" in app
    assert "cdn.jsdelivr" not in app
