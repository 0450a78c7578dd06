"""Tests for islandcare.data.tables.read_table."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import box

from islandcare.crs import wgs84_to_bd09, wgs84_to_gcj02
from islandcare.data.schema import FACILITY_COLUMNS, SETTLEMENT_COLUMNS
from islandcare.data.tables import TableResult, read_table
from islandcare.errors import InputError, Problem

SOURCES = Path(__file__).resolve().parents[2] / "shared" / "geodata-sources"
SHENGSI_LAND = SOURCES / "gshhg_full_polygons_shengsi.geojson"

#: On 泗礁岛 (land), in the sea east of it, and on 嵊山岛 (land, far from 泗礁).
SIJIAO = (122.45, 30.72)
SIJIAO_2 = (122.46, 30.725)
SEA = (122.60, 30.60)
SHENGSHAN = (122.82, 30.72)

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def land():
    if not SHENGSI_LAND.exists():
        pytest.skip(f"GSHHG island polygons not found at {SHENGSI_LAND}")
    return gpd.read_file(SHENGSI_LAND).union_all()


def write(tmp_path: Path, text: str, name: str = "facilities.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def errors_of(exc: pytest.ExceptionInfo[InputError]) -> list[Problem]:
    return [p for p in exc.value.problems if p.severity == "error"]


def only_error(exc: pytest.ExceptionInfo[InputError]) -> Problem:
    errors = errors_of(exc)
    assert len(errors) == 1, errors
    return errors[0]


def metres(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


GOOD_CSV = f"""facility_id,name,kind,lon,lat,opens,closes,ambulances,beds,activation_min,status,备注
SS-H1,嵊泗县人民医院,hospital,{SIJIAO[0]},{SIJIAO[1]},,,3,150,1.5,existing,县医院
SS-C1,菜园镇卫生院,health_centre,{SIJIAO_2[0]},{SIJIAO_2[1]},8:00,17:30,,,,,
SS-B1,海上急救艇,boat_station,{SEA[0]},{SEA[1]},,,,,,proposed,
"""


# --------------------------------------------------------------------------- good tables


def test_good_csv_loads_with_types(tmp_path, land):
    result = read_table(write(tmp_path, GOOD_CSV), kind="facilities", land=land)
    assert isinstance(result, TableResult)
    assert result.problems == []
    frame = result.frame
    assert isinstance(frame, gpd.GeoDataFrame)
    assert frame.crs.to_epsg() == 4326
    assert list(frame.columns[: len(FACILITY_COLUMNS)]) == [c.name for c in FACILITY_COLUMNS]
    assert "备注" in frame.columns  # extra column kept
    assert "lon" not in frame.columns and "lat" not in frame.columns  # they became geometry
    assert frame["name"].tolist() == ["嵊泗县人民医院", "菜园镇卫生院", "海上急救艇"]
    assert str(frame["beds"].dtype) == "Int64"
    assert frame["beds"].iloc[0] == 150 and pd.isna(frame["beds"].iloc[1])
    assert frame["activation_min"].dtype == np.float64
    assert frame["opens"].iloc[1] == "08:00"  # normalised
    assert pd.isna(frame["opens"].iloc[0])
    assert pd.isna(frame["township_code"]).all()  # optional schema column added, empty
    assert frame.geometry.iloc[0].coords[0] == pytest.approx(SIJIAO)
    assert result.rows == [2, 3, 4]


def test_gbk_csv_with_chinese_names(tmp_path, land):
    path = write(tmp_path, GOOD_CSV, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_text(encoding="utf-8")  # really not UTF-8
    frame = read_table(path, kind="facilities", land=land).frame
    assert frame["name"].iloc[0] == "嵊泗县人民医院"
    assert frame["备注"].iloc[0] == "县医院"


def test_utf8_bom_csv(tmp_path):
    frame = read_table(write(tmp_path, GOOD_CSV, encoding="utf-8-sig"), kind="facilities").frame
    assert frame["facility_id"].iloc[0] == "SS-H1"


def test_xlsx_with_chinese_coordinate_columns(tmp_path, land):
    path = tmp_path / "villages.xlsx"
    table = pd.DataFrame(
        {
            "code": [330922100002, 330922100004],  # stored as numbers by Excel
            "name": ["沙河社区居委会", "海滨社区居委会"],
            "population": [2100, 1850.0],
            "settlement_class": ["town", "Town"],
            "经度": [SIJIAO[0], SIJIAO_2[0]],
            "纬度": [SIJIAO[1], SIJIAO_2[1]],
        }
    )
    table.to_excel(path, index=False)
    frame = read_table(path, kind="villages", land=land).frame
    assert frame["code"].tolist() == ["330922100002", "330922100004"]
    assert frame["population"].tolist() == [2100, 1850]
    assert frame["settlement_class"].tolist() == ["town", "town"]
    assert list(frame.columns[: len(SETTLEMENT_COLUMNS)]) == [c.name for c in SETTLEMENT_COLUMNS]
    assert frame.geometry.iloc[1].coords[0] == pytest.approx(SIJIAO_2)


def test_xlsx_rows_are_sheet_rows_and_other_sheets_are_named(tmp_path):
    path = tmp_path / "facilities.xlsx"
    good = pd.DataFrame({"facility_id": ["A", "B"], "name": ["甲", "乙"],
                         "kind": ["hospital", "诊所"], "lng": [122.45, 122.46],
                         "lat": [30.72, 30.725]})
    with pd.ExcelWriter(path) as writer:
        good.to_excel(writer, sheet_name="机构", index=False)
        good.to_excel(writer, sheet_name="说明", index=False)
    with pytest.raises(InputError) as exc:
        read_table(path, kind="facilities")
    problem = only_error(exc)
    assert (problem.row, problem.column) == (3, "kind")
    warnings = [p for p in exc.value.problems if p.severity == "warning"]
    assert "说明" in warnings[0].message
    with pytest.raises(InputError, match="no sheet '其他'"):
        read_table(path, kind="facilities", sheet="其他")


def test_geojson_points_rows_are_feature_numbers(tmp_path, land):
    def feature(fid, kind, point):
        return {"type": "Feature",
                "properties": {"facility_id": fid, "name": "卫生室", "kind": kind},
                "geometry": {"type": "Point", "coordinates": list(point)}}

    data = {"type": "FeatureCollection",
            "features": [feature("V1", "village_clinic", SIJIAO),
                         feature("V2", "village_clinic", SIJIAO_2)]}
    path = write(tmp_path, json.dumps(data, ensure_ascii=False), "f.geojson")
    frame = read_table(path, kind="facilities", land=land).frame
    assert frame.geometry.iloc[1].coords[0] == pytest.approx(SIJIAO_2)

    data["features"].append(feature("V3", "clinic", SIJIAO))
    data["features"].append(feature("V4", "hospital", SEA))
    data["features"].append({"type": "Feature", "properties": {"facility_id": "V5", "name": "x",
                             "kind": "hospital"}, "geometry": {"type": "LineString",
                             "coordinates": [[122.4, 30.7], [122.5, 30.7]]}})
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_table(path, kind="facilities", land=land)
    got = {(p.row, p.column) for p in errors_of(exc)}
    assert got == {(3, "kind"), (4, "geometry"), (5, "geometry")}


def test_location_quality_none_gives_empty_geometry(tmp_path):
    text = "code,name,location_quality,lon,lat\n330922100002,沙河社区,none,,\n"
    result = read_table(write(tmp_path, text, "v.csv"), kind="villages")
    assert result.frame.geometry.iloc[0].is_empty


def test_sealinks_need_no_coordinates(tmp_path):
    text = ("link_id,from_port,to_port,vessel,crossing_min,bidirectional,departures,first_sailing\n"
            "L1,泗礁,嵊山,fast_ferry,55,是,07:30; 13:00,7:30\n"
            "L2,泗礁,洋山,ferry,,no,,\n")
    frame = read_table(write(tmp_path, text, "links.csv"), kind="sealinks").frame
    assert frame["bidirectional"].tolist() == [True, False]
    assert frame["departures"].iloc[0] == "07:30;13:00"
    assert frame["first_sailing"].iloc[0] == "07:30"
    assert frame["crossing_min"].iloc[0] == 55.0 and np.isnan(frame["crossing_min"].iloc[1])
    assert frame.geometry.is_empty.all()


# --------------------------------------------------------------------------- one mistake each


def bad_csv(**change: str) -> str:
    """GOOD_CSV with cells of row 3 (SS-C1) replaced; ``_header`` replaces the header."""
    lines = GOOD_CSV.splitlines()
    header = lines[0].split(",")
    cells = lines[2].split(",")
    for key, value in change.items():
        if key == "_header":
            lines[0] = value
        else:
            cells[header.index(key)] = value
    lines[2] = ",".join(cells)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "row", "column", "says"),
    [
        pytest.param(GOOD_CSV.replace(",kind,", ",kinds,", 1), None, "kind",
                     ["missing required column 'kind'", "facility_id, name, kinds, lon"],
                     id="missing-column"),
        pytest.param(bad_csv(beds="abc"), 3, "beds", ["expected a number, found 'abc'"],
                     id="text-in-number"),
        pytest.param(bad_csv(ambulances="2.5"), 3, "ambulances", ["whole number"],
                     id="fraction-in-int"),
        pytest.param(bad_csv(activation_min="-3"), 3, "activation_min", ["at least 0"],
                     id="negative"),
        pytest.param(bad_csv(lon=str(SEA[0]), lat=str(SEA[1])), 3, "lon",
                     ["in the sea", "km from the nearest land", "boat_station"], id="in-the-sea"),
        pytest.param(bad_csv(facility_id="SS-H1"), 3, "facility_id",
                     ["duplicate facility_id 'SS-H1'", "rows 2 and 3"], id="duplicate-id"),
        pytest.param(bad_csv(kind="卫生所"), 3, "kind",
                     ["unknown value '卫生所'", "health_centre", "village_clinic", "helipad"],
                     id="unknown-kind"),
        pytest.param(bad_csv(opens="8点"), 3, "opens", ["HH:MM", "'8点'"], id="bad-time"),
        pytest.param(bad_csv(closes="24:30"), 3, "closes", ["HH:MM"], id="bad-time-range"),
        pytest.param(bad_csv(lon=str(SIJIAO_2[1]), lat=str(SIJIAO_2[0])), 3, "lon", ["swapped"],
                     id="swapped-lon-lat"),
        pytest.param(bad_csv(lat="95"), 3, "lat", ["between -90 and 90"], id="lat-range"),
        pytest.param(bad_csv(lon="", lat=""), 3, "lon", ["no coordinates"], id="no-point"),
        pytest.param(bad_csv(lat=""), 3, "lat", ["empty"], id="half-point"),
        pytest.param(bad_csv(name=""), 3, "name", ["empty"], id="empty-required"),
        pytest.param(bad_csv(status="maybe"), 3, "status", ["existing, proposed, planned"],
                     id="bad-choice"),
        pytest.param(bad_csv(beds="5,6", 备注="备注"), 3, None, ["13 values", "12 columns"],
                     id="ragged-row"),
    ],
)
def test_each_mistake_names_row_and_column(tmp_path, land, text, row, column, says):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as exc:
        read_table(path, kind="facilities", land=land)
    problem = only_error(exc)
    assert (problem.file, problem.row, problem.column) == (str(path), row, column)
    for words in says:
        assert words in problem.message
    assert "nothing was loaded" in str(exc.value)


def test_several_mistakes_are_all_reported(tmp_path, land):
    text = f"""facility_id,name,kind,lon,lat,beds,opens
A1,嵊泗县人民医院,hospital,{SIJIAO[0]},{SIJIAO[1]},150,08:00
A2,菜园镇卫生院,clinic,{SIJIAO_2[0]},{SIJIAO_2[1]},many,08:00

A1,海边卫生室,village_clinic,{SEA[0]},{SEA[1]},,25:61
A4,五龙乡卫生院,health_centre,{SIJIAO[1]},{SIJIAO[0]},,
"""
    with pytest.raises(InputError) as exc:
        read_table(write(tmp_path, text), kind="facilities", land=land)
    got = sorted((p.row, p.column) for p in errors_of(exc))
    # The blank line 4 is counted, as a spreadsheet shows it.
    assert got == [(3, "beds"), (3, "kind"), (5, "facility_id"), (5, "lon"), (5, "opens"),
                   (6, "lon")]
    assert "6 errors" in str(exc.value)


def test_several_files_problems_are_in_row_order(tmp_path):
    text = "facility_id,name,kind,lon,lat\nA,甲,x,122.45,30.72\nB,乙,y,122.45,30.72\n"
    with pytest.raises(InputError) as exc:
        read_table(write(tmp_path, text), kind="facilities")
    assert [p.row for p in exc.value.problems] == [2, 3]


# --------------------------------------------------------------------------- sea, outline, crs


def test_boat_station_in_the_sea_is_accepted(tmp_path, land):
    text = f"facility_id,name,kind,lon,lat\nB1,嵊泗海上急救艇,boat_station,{SEA[0]},{SEA[1]}\n"
    result = read_table(write(tmp_path, text), kind="facilities", land=land)
    assert result.problems == []
    assert result.frame.geometry.iloc[0].coords[0] == pytest.approx(SEA)


def test_near_the_shore_is_on_land(tmp_path, land):
    # 100 m east of 泗礁岛's eastern tip is within the 300 m tolerance.
    east = max(land.geoms, key=lambda g: g.area).bounds[2]
    lon = east + 100 / (111_320 * np.cos(np.radians(30.72)))
    y = max(land.geoms, key=lambda g: g.area).exterior.coords
    lat = next(c[1] for c in y if c[0] == east)
    text = f"facility_id,name,kind,lon,lat\nP1,码头急救点,ambulance_station,{lon},{lat}\n"
    assert read_table(write(tmp_path, text), kind="facilities", land=land).problems == []


def test_village_in_the_sea_is_a_warning(tmp_path, land):
    text = f"code,name,lon,lat\n330922100002,沙河社区,{SEA[0]},{SEA[1]}\n"
    result = read_table(write(tmp_path, text, "v.csv"), kind="villages", land=land)
    assert [(p.severity, p.row) for p in result.problems] == [("warning", 2)]


def test_point_outside_outline_is_a_warning_not_an_error(tmp_path, land):
    outline = box(122.40, 30.68, 122.55, 30.76)  # around 泗礁岛 only
    text = (f"facility_id,name,kind,lon,lat\n"
            f"H1,嵊泗县人民医院,hospital,{SIJIAO[0]},{SIJIAO[1]}\n"
            f"H2,嵊山医院,hospital,{SHENGSHAN[0]},{SHENGSHAN[1]}\n")
    result = read_table(write(tmp_path, text), kind="facilities", land=land, area_outline=outline)
    assert len(result.frame) == 2
    (problem,) = result.problems
    assert (problem.severity, problem.row, problem.column) == ("warning", 3, "lon")
    assert "outside the area outline" in problem.message and "km" in problem.message


@pytest.mark.parametrize(("crs", "forward", "low", "high"),
                         [("gcj02", wgs84_to_gcj02, 400, 700), ("bd09", wgs84_to_bd09, 800, 1500)])
def test_crs_moves_points_by_the_expected_offset(tmp_path, land, crs, forward, low, high):
    shifted = tuple(float(v) for v in forward(*SIJIAO))
    text = f"facility_id,name,kind,lon,lat\nH1,县医院,hospital,{shifted[0]!r},{shifted[1]!r}\n"
    path = write(tmp_path, text)
    as_given = read_table(path, kind="facilities").frame.geometry.iloc[0].coords[0]
    frame = read_table(path, kind="facilities", crs=crs, land=land).frame
    converted = frame.geometry.iloc[0].coords[0]
    assert low < metres(as_given, converted) < high
    assert metres(converted, SIJIAO) < 0.5


def test_unknown_crs_is_rejected(tmp_path):
    with pytest.raises(InputError, match="unknown coordinate system"):
        read_table(write(tmp_path, GOOD_CSV), kind="facilities", crs="baidu")


# --------------------------------------------------------------------------- other tables


def test_sealink_checks(tmp_path):
    text = ("link_id,from_port,to_port,vessel,crossing_min,headway_min,bidirectional,departures\n"
            "L1,泗礁,泗礁,ferry,40,,yes,\n"
            "L2,泗礁,嵊山,ferry,-5,-60,yes,\n"
            "L3,泗礁,嵊山,ship,40,,perhaps,7.30\n"
            "L3,嵊山,泗礁,ferry,40,,yes,\n")
    with pytest.raises(InputError) as exc:
        read_table(write(tmp_path, text, "links.csv"), kind="sealinks")
    got = sorted((p.row, p.column) for p in errors_of(exc))
    assert got == [(2, "to_port"), (3, "crossing_min"), (3, "headway_min"), (4, "bidirectional"),
                   (4, "departures"), (4, "vessel"), (5, "link_id")]


def test_village_code_mangled_by_excel(tmp_path):
    text = "code,name,lon,lat\n3.30922E+11,沙河社区,122.45,30.72\n"
    with pytest.raises(InputError) as exc:
        read_table(write(tmp_path, text, "v.csv"), kind="villages")
    assert "scientific notation" in only_error(exc).message


def test_missing_coordinate_columns(tmp_path):
    text = "port_id,name\nP1,泗礁李柱山码头\n"
    with pytest.raises(InputError) as exc:
        read_table(write(tmp_path, text, "ports.csv"), kind="ports")
    problem = only_error(exc)
    assert problem.row is None and "expected lon and lat" in problem.message


# --------------------------------------------------------------------------- unreadable files


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("empty.csv", b"", "empty"),
        ("header.csv", b"facility_id,name,kind,lon,lat\n", "no data rows"),
        ("table.dat", b"a,b\n1,2\n", "unknown file type '.dat'"),
        ("old.xls", b"\xd0\xcf\x11\xe0", ".xlsx"),
        ("broken.xlsx", b"not a zip", "Excel"),
        ("broken.geojson", b"{\"type\": ", "not valid JSON"),
        ("list.geojson", b"[1, 2]", "FeatureCollection"),
    ],
)
def test_unreadable_files(tmp_path, name, content, says):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as exc:
        read_table(path, kind="facilities")
    problem = only_error(exc)
    assert problem.row is None and says in problem.message


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_table(tmp_path / "nowhere.csv", kind="facilities")


def test_unknown_kind(tmp_path):
    with pytest.raises(InputError, match="facilities, villages, ports, sealinks"):
        read_table(write(tmp_path, GOOD_CSV), kind="hospitals")


def test_distances_to_land_are_measured_in_the_areas_own_utm_zone(tmp_path):
    """A table is checked in the UTM zone of the area's land (Samsø 32N, not Zhejiang's 51N)."""
    import math

    import shapely

    from islandcare.config import area_keys
    from islandcare.data.pack import load_pack
    from islandcare.data.tables import utm_epsg

    for key in ("shengsi", "putuo", "fenghua", "samsoe"):
        area = load_pack(key)
        assert utm_epsg(area.land_union) == area.config.utm_epsg, key
    assert "samsoe" in area_keys()
    area = load_pack("samsoe")
    hospital = area.layers["facilities"].query("kind == 'hospital'").geometry.iloc[0]
    # the west coast at the hospital's latitude, and a point 270 m off it (under the 300 m allowed)
    coast = shapely.LineString([(10.40, hospital.y), (hospital.x, hospital.y)]).intersection(area.land_union.boundary)
    x0 = min(p.x for p in getattr(coast, "geoms", [coast]))
    lon = x0 - 270 / (111_320 * math.cos(math.radians(hospital.y)))
    near = tmp_path / "near.csv"
    near.write_text(f"facility_id,name,kind,lon,lat\nn1,off the coast,village_clinic,{lon:.6f},{hospital.y:.6f}\n",
                    encoding="utf-8")
    assert len(read_table(near, kind="facilities", land=area.land_union).frame) == 1  # in 51N it measured 307 m
