"""Tests for islandcare.export.write_table: CSV, Excel and GeoJSON exports."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point, box

from islandcare import export
from islandcare.errors import InputError
from islandcare.export import write_table

#: 菜园镇 (Shengsi), 黄龙乡 (no geometry), 沈家门 (empty point), 溪口镇 (Fenghua).
CAIYUAN = (122.4512345, 30.7234567)
XIKOU = (121.2467891, 29.6712345)

COLUMNS = {"code": "code 代码", "name": "name 名称", "minutes": "minutes 分钟"}
NOTES = [
    "source: OpenStreetMap 2024",
    "assumption: ferry waits 30 min",
    "rule: > 60 min = underserved",
]


@pytest.fixture
def villages() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": ["330922100", "330922200", "330903001", "330283101"],
            "name": ["菜园镇", "黄龙乡", "沈家门", "溪口镇"],
            "population": pd.array([5210, pd.NA, 880, 12034], dtype="Int64"),
            "minutes": [12.3456, np.inf, 45.04, np.nan],
            "underserved": [False, True, False, True],
            "has_ferry": pd.array([True, pd.NA, False, None], dtype="boolean"),
            "note": pd.array(["岛", None, pd.NA, "山区"], dtype="string"),
        },
        geometry=[Point(CAIYUAN), None, Point(), Point(XIKOU)],
        crs="EPSG:4326",
    )


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"code": str, "code 代码": str})


# -- CSV ------------------------------------------------------------------------


def test_csv_has_bom_and_reads_back_with_chinese_and_lonlat(tmp_path, villages):
    path = write_table(villages, tmp_path / "underserved.csv")

    assert path == tmp_path / "underserved.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    back = read_csv(path)
    assert len(back) == len(villages)
    assert back["name"].tolist() == ["菜园镇", "黄龙乡", "沈家门", "溪口镇"]
    assert "geometry" not in back.columns
    assert list(back.columns[-2:]) == ["lon", "lat"]
    assert back.loc[0, "lon"] == pytest.approx(CAIYUAN[0], abs=1e-6)
    assert back.loc[3, "lat"] == pytest.approx(XIKOU[1], abs=1e-6)
    assert back[["lon", "lat"]].iloc[1:3].isna().all().all()  # None and empty geometry


def test_csv_rounds_floats_writes_inf_and_missing_as_empty(tmp_path, villages):
    path = write_table(villages, tmp_path / "out.csv")

    rows = path.read_text(encoding="utf-8-sig").splitlines()
    header = rows[0].split(",")
    assert header[0] == "code"  # no index column
    minutes = [row.split(",")[header.index("minutes")] for row in rows[1:]]
    assert minutes == ["12.3", "", "45.0", ""]
    population = [row.split(",")[header.index("population")] for row in rows[1:]]
    assert population == ["5210", "", "880", "12034"]
    assert "inf" not in path.read_text(encoding="utf-8-sig").lower()
    lon = rows[1].split(",")[header.index("lon")]
    assert len(lon.split(".")[1]) <= 6


def test_csv_lonlat_is_wgs84_when_frame_is_projected(tmp_path, villages):
    path = write_table(villages.to_crs("EPSG:32651"), tmp_path / "utm.csv")

    back = read_csv(path)
    assert back.loc[0, "lon"] == pytest.approx(CAIYUAN[0], abs=1e-6)
    assert back.loc[0, "lat"] == pytest.approx(CAIYUAN[1], abs=1e-6)


def test_columns_mapping_sets_order_and_labels_then_lonlat(tmp_path, villages):
    mapping = {"name": "name 名称", "code": "code 代码"}
    path = write_table(villages, tmp_path / "out.csv", columns=mapping)

    back = read_csv(path)
    assert list(back.columns) == ["name 名称", "code 代码", "lon", "lat"]
    assert back["code 代码"].tolist()[0] == "330922100"


def test_columns_mapping_may_place_and_label_lonlat(tmp_path, villages):
    mapping = {"lat": "lat 纬度", "lon": "lon 经度", "name": "name 名称"}
    path = write_table(villages, tmp_path / "out.csv", columns=mapping)

    assert list(read_csv(path).columns) == ["lat 纬度", "lon 经度", "name 名称"]


def test_columns_not_in_frame_are_a_programming_error(tmp_path, villages):
    with pytest.raises(ValueError, match="townn"):
        write_table(villages, tmp_path / "out.csv", columns={"townn": "town"})
    assert not list(tmp_path.iterdir())


def test_plain_dataframe_without_geometry(tmp_path):
    frame = pd.DataFrame({"name": ["菜园镇"], "minutes": [np.inf]})
    back = read_csv(write_table(frame, tmp_path / "plain.csv"))

    assert list(back.columns) == ["name", "minutes"]
    assert back["minutes"].isna().all()


def test_polygons_get_no_lonlat(tmp_path):
    frame = gpd.GeoDataFrame({"name": ["菜园镇"]}, geometry=[box(122, 30, 123, 31)], crs=4326)

    assert list(read_csv(write_table(frame, tmp_path / "poly.csv")).columns) == ["name"]


# -- Excel ----------------------------------------------------------------------


def test_xlsx_reads_back_with_labels_and_notes(tmp_path, villages):
    path = write_table(villages, tmp_path / "underserved.xlsx", columns=COLUMNS, notes=NOTES)

    back = pd.read_excel(path, sheet_name=None, dtype={"code 代码": str})
    assert list(back) == ["underserved", "notes"]
    table = back["underserved"]
    assert list(table.columns) == ["code 代码", "name 名称", "minutes 分钟", "lon", "lat"]
    assert len(table) == len(villages)
    assert table["name 名称"].tolist() == ["菜园镇", "黄龙乡", "沈家门", "溪口镇"]
    assert table["code 代码"].tolist()[0] == "330922100"
    assert table["minutes 分钟"].tolist()[:3] == [12.3, pytest.approx(np.nan, nan_ok=True), 45.0]
    assert table["lon"].tolist()[0] == pytest.approx(CAIYUAN[0], abs=1e-6)
    notes = pd.read_excel(path, sheet_name="notes", header=None)[0].tolist()
    assert notes == NOTES


def test_xlsx_header_bold_frozen_and_widths_count_cjk_double(tmp_path, villages):
    path = write_table(villages, tmp_path / "out.xlsx", sheet_name="村 villages")

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["村 villages"]  # no notes -> no notes sheet
    sheet = book["村 villages"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    header = [cell.value for cell in sheet[1]]
    name_col = openpyxl.utils.get_column_letter(header.index("name") + 1)
    code_col = openpyxl.utils.get_column_letter(header.index("code") + 1)
    # "菜园镇" is 3 characters but 6 wide; "330922100" is 9 wide
    assert sheet.column_dimensions[name_col].width >= 6
    assert sheet.column_dimensions[code_col].width >= 9
    assert export._text_width("菜园镇 ab") == 9


def test_xlsx_writes_bool_and_missing_values(tmp_path, villages):
    path = write_table(villages, tmp_path / "out.xlsx")

    sheet = openpyxl.load_workbook(path).active
    header = [cell.value for cell in sheet[1]]
    column = {
        name: [row[i] for row in sheet.iter_rows(min_row=2, values_only=True)]
        for i, name in enumerate(header)
    }
    assert column["underserved"] == [False, True, False, True]
    assert column["has_ferry"] == [True, None, False, None]
    assert column["population"] == [5210, None, 880, 12034]
    assert column["minutes"][1] is None  # inf


def test_xlsx_text_starting_with_equals_stays_text(tmp_path):
    frame = pd.DataFrame({"name": ["=1+1"]})
    sheet = openpyxl.load_workbook(write_table(frame, tmp_path / "f.xlsx")).active

    assert sheet["A2"].value == "=1+1"
    assert sheet["A2"].data_type == "s"


def test_xlsx_invalid_sheet_name(tmp_path, villages):
    with pytest.raises(ValueError, match="sheet_name"):
        write_table(villages, tmp_path / "out.xlsx", sheet_name="a/b")


# -- GeoJSON --------------------------------------------------------------------


def test_geojson_keeps_every_row_and_writes_chinese_as_utf8(tmp_path, villages):
    path = write_table(villages, tmp_path / "underserved.geojson")

    text = path.read_text(encoding="utf-8")
    assert "菜园镇" in text and "黄龙乡" in text
    assert "\\u" not in text
    data = json.loads(text)  # strict JSON: no Infinity / NaN
    assert "name" not in data  # no layer name leaking the temp file name
    assert [f["geometry"] for f in data["features"]][1:3] == [None, None]
    assert data["features"][1]["properties"]["minutes"] is None  # inf
    back = gpd.read_file(path)
    assert len(back) == len(villages)
    assert back["name"].tolist() == ["菜园镇", "黄龙乡", "沈家门", "溪口镇"]
    assert back.crs.to_epsg() == 4326
    assert back.geometry.isna().tolist() == [False, True, True, False]
    assert "lon" not in back.columns


def test_geojson_is_reprojected_to_wgs84_and_mapped(tmp_path, villages):
    path = write_table(villages.to_crs("EPSG:32651"), tmp_path / "out.geojson", columns=COLUMNS)

    back = gpd.read_file(path)
    assert list(back.columns) == ["code 代码", "name 名称", "minutes 分钟", "geometry"]
    assert back.geometry[0].x == pytest.approx(CAIYUAN[0], abs=1e-6)
    assert back.geometry[0].y == pytest.approx(CAIYUAN[1], abs=1e-6)


def test_geojson_from_plain_dataframe_has_null_geometries(tmp_path):
    frame = pd.DataFrame({"name": ["黄龙乡", "菜园镇"]})
    data = json.loads(write_table(frame, tmp_path / "x.geojson").read_text(encoding="utf-8"))

    assert [f["geometry"] for f in data["features"]] == [None, None]


# -- formats, missing values, atomicity ----------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
def test_format_argument_overrides_suffix(tmp_path, villages, fmt):
    path = write_table(villages, tmp_path / "table.out", format=fmt.upper())

    assert path.exists()
    if fmt == "csv":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    elif fmt == "xlsx":
        with path.open("rb") as file:  # openpyxl checks the suffix of a name
            assert openpyxl.load_workbook(file).sheetnames == ["underserved"]
    else:
        assert len(json.loads(path.read_text(encoding="utf-8"))["features"]) == 4


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
def test_all_missing_values_do_not_crash(tmp_path, fmt):
    frame = gpd.GeoDataFrame(
        {
            "i": pd.array([pd.NA, pd.NA], dtype="Int64"),
            "f": pd.array([pd.NA, 1.25], dtype="Float64"),
            "b": pd.array([pd.NA, True], dtype="boolean"),
            "s": pd.array([pd.NA, None], dtype="string"),
            "o": [None, np.nan],
            "x": [-np.inf, np.inf],
        },
        geometry=[None, None],
        crs="EPSG:4326",
    )
    assert write_table(frame, tmp_path / f"empty.{fmt}").stat().st_size > 0


@pytest.mark.parametrize(
    "name, fmt", [("out.xls", None), ("out.json", None), ("out", None), ("out.csv", "shp")]
)
def test_unknown_format_is_an_input_error_naming_the_path(tmp_path, villages, name, fmt):
    path = tmp_path / name
    with pytest.raises(InputError) as info:
        write_table(villages, path, format=fmt)

    message = str(info.value)
    assert str(path) in message
    assert all(f in message for f in ("csv", "xlsx", "geojson"))
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "suffix, writer",
    [("csv", "_write_csv"), ("xlsx", "_write_xlsx"), ("geojson", "_write_geojson")],
)
def test_failed_write_leaves_existing_file_and_no_temp(
    tmp_path, monkeypatch, villages, suffix, writer
):
    target = tmp_path / f"underserved.{suffix}"
    target.write_bytes(b"previous export")

    def broken(data, tmp, **options):
        Path(tmp).write_bytes(b"half a fi")
        raise OSError("disk full")

    monkeypatch.setattr(export, writer, broken)
    with pytest.raises(OSError, match="disk full"):
        write_table(villages, target, notes=NOTES)

    assert target.read_bytes() == b"previous export"
    assert list(tmp_path.iterdir()) == [target]


def test_writes_into_a_new_folder_and_replaces_existing_file(tmp_path, villages):
    target = tmp_path / "new" / "out.csv"
    write_table(villages, target)
    write_table(villages.iloc[:1], target)

    assert len(read_csv(target)) == 1
    assert list(target.parent.iterdir()) == [target]
