"""The bad-input suite: generated mistakes in the four planner tables, in four formats.

Every bad case is a three-row table (two good rows from the Shengsi pack, then
one with a single mistake) written as CSV (UTF-8), CSV (GBK, with Chinese
headers), Excel and GeoJSON. Each must be refused with an ``InputError``
naming the file, the row and the column, and nothing may be written. Most
cases call the loader in-process (fast); a handful run the command line as a
subprocess and check the exit code, that no traceback is printed and that no
output folder appears.

The good cases are tables as planners keep them (GBK with Chinese headers and
kinds, Excel with a title row, data on the second sheet, no id column, DMS or
full-width coordinates): each loads with the expected values.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from islandcare.data.pack import load_pack
from islandcare.data.schema import TABLE_SCHEMAS
from islandcare.data.tables import ID_COLUMNS, read_table
from islandcare.errors import InputError
from islandcare.templates import header_label

REPO = Path(__file__).resolve().parents[1]
FORMATS = ("csv", "gbk", "xlsx", "geojson")

#: The columns written for each table (points as lon/lat; sea links have none).
COLUMNS = {
    "facilities": ["facility_id", "name", "kind", "lon", "lat", "opens", "closes", "ambulances",
                   "beds", "activation_min", "status", "location_quality", "township_code"],
    "villages": ["code", "name", "lon", "lat", "population", "settlement_class",
                 "location_quality"],
    "ports": ["port_id", "name", "lon", "lat", "location_quality"],
    "sealinks": ["link_id", "from_port", "to_port", "vessel", "crossing_min", "headway_min",
                 "departures", "first_sailing", "bidirectional", "boarding_min"],
}

#: (column, bad value, words the message must contain); "<dup>" = the first row's id.
MISTAKES: dict[str, list[tuple[str, str, str]]] = {
    "facilities": [
        ("kind", "hospitl", "did you mean 'hospital'"),
        ("kind", "", "empty"),
        ("kind", "医务室", "unknown value"),
        ("name", "", "empty"),
        ("facility_id", "<dup>", "duplicate facility_id"),
        ("opens", "8点", "HH:MM"),
        ("closes", "25:00", "HH:MM"),
        ("ambulances", "-1", "at least 0"),
        ("ambulances", "two", "expected a number"),
        ("beds", "1,5", "whole number"),
        ("beds", "12.5", "whole number"),
        ("activation_min", "abc", "expected a number"),
        ("activation_min", "nan", "expected a number"),
        ("status", "maybe", "existing, proposed, planned"),
        ("location_quality", "sure", "exact, approximate, none"),
        ("lat", "95", "between -90 and 90"),
        ("lon", "200", "between -180 and 180"),
        ("lon", "", "empty"),
        ("lon", "abc", "expected a coordinate"),
        ("lat", "30°75′", "below 60"),
        ("facility_id", "3.30922E+11", "scientific notation"),
    ],
    "villages": [
        ("code", "3309221002", "12-digit"),
        ("code", "3.30922E+11", "scientific notation"),
        ("code", "<dup>", "duplicate code"),
        ("code", "", "empty"),
        ("name", "", "empty"),
        ("population", "-5", "at least 0"),
        ("population", "many", "expected a number"),
        ("population", "1,5", "whole number"),
        ("settlement_class", "suburb", "town, countryside"),
        ("lat", "-95", "between -90 and 90"),
        ("lat", "N", "expected a coordinate"),
    ],
    "ports": [
        ("port_id", "<dup>", "duplicate port_id"),
        ("name", "", "empty"),
        ("lon", "abc", "expected a coordinate"),
        ("lat", "", "empty"),
        ("location_quality", "bad", "exact, approximate, none"),
        ("lat", "122.45", "between -90 and 90"),
    ],
    "sealinks": [
        ("link_id", "<dup>", "duplicate link_id"),
        ("from_port", "", "empty"),
        ("to_port", "<from>", "two different ports"),
        ("vessel", "submarine", "ferry, fast_ferry"),
        ("vessel", "", "empty"),
        ("crossing_min", "-3", "at least 0"),
        ("headway_min", "x", "expected a number"),
        ("departures", "7点", "HH:MM"),
        ("first_sailing", "25:00", "HH:MM"),
        ("bidirectional", "maybe", "yes or no"),
        ("boarding_min", "inf", "expected a number"),
    ],
}


@pytest.fixture(scope="module")
def good_rows() -> dict[str, list[dict[str, str]]]:
    """Two real rows of each table from the Shengsi pack, as text cells."""
    area = load_pack("shengsi")
    out: dict[str, list[dict[str, str]]] = {}
    for table, cols in COLUMNS.items():
        frame = area.layers[table]
        if table != "sealinks":
            frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
        rows = []
        for _, r in frame.head(2).iterrows():
            cells = {}
            for c in cols:
                if c in ("lon", "lat"):
                    cells[c] = f"{(r.geometry.x if c == 'lon' else r.geometry.y):.6f}"
                else:
                    v = r.get(c)
                    cells[c] = "" if v is None or (not isinstance(v, str) and v != v) else (
                        ("yes" if v else "no") if isinstance(v, bool) else
                        str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
            if table == "villages":
                cells["location_quality"] = "exact"
            rows.append(cells)
        assert len(rows) == 2, table
        out[table] = rows
    return out


def write_table(path: Path, table: str, rows: list[dict[str, str]], fmt: str) -> Path:
    """Write ``rows`` as ``fmt``; GBK files get the templates' Chinese headers."""
    cols = COLUMNS[table]
    if fmt in ("csv", "gbk"):
        header = [header_label(c, table) if fmt == "gbk" else c for c in cols]
        lines = [",".join(header)] + [",".join(_csv_cell(r.get(c, "")) for c in cols)
                                      for r in rows]
        path.write_bytes(("\n".join(lines) + "\n").encode("utf-8" if fmt == "csv" else "gbk"))
    elif fmt == "xlsx":
        book = openpyxl.Workbook()
        book.active.append(cols)
        for r in rows:
            book.active.append([r.get(c, "") or None for c in cols])
        book.save(path)
    else:
        features = []
        for r in rows:
            props = {c: (r.get(c) or None) for c in cols if c not in ("lon", "lat")}
            geom = None
            if "lon" in cols and r.get("lon") and r.get("lat"):
                geom = {"type": "Point", "coordinates": [float(r["lon"]), float(r["lat"])]}
            features.append({"type": "Feature", "properties": props, "geometry": geom})
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                                   ensure_ascii=False), encoding="utf-8")
    return path


def _csv_cell(text: str) -> str:
    return f'"{text}"' if "," in text else text


def bad_cases():
    for table, mistakes in MISTAKES.items():
        for i, (column, value, says) in enumerate(mistakes):
            for fmt in FORMATS:
                if fmt == "geojson" and column in ("lon", "lat"):
                    continue  # points are geometries there: see test_bad_geojson_geometry
                yield pytest.param(table, column, value, says, fmt,
                                   id=f"{table}-{column}-{i}-{fmt}")


CASES = list(bad_cases())


def test_the_suite_is_big_enough():
    assert len(CASES) >= 100
    assert {c.values[4] for c in CASES} == set(FORMATS)
    assert {c.values[0] for c in CASES} == set(TABLE_SCHEMAS)


@pytest.mark.parametrize(("table", "column", "value", "says", "fmt"), CASES)
def test_bad_case_is_refused_with_file_row_and_column(tmp_path, good_rows, table, column,
                                                      value, says, fmt):
    first, second = good_rows[table]
    bad = dict(second)
    if value == "<dup>":
        value = first[ID_COLUMNS[table]]
    elif value == "<from>":
        value = bad["from_port"]
    bad[column] = value
    suffix = {"csv": ".csv", "gbk": ".csv", "xlsx": ".xlsx", "geojson": ".geojson"}[fmt]
    path = write_table(tmp_path / f"{table}-{fmt}{suffix}", table, [first, bad], fmt)
    before = sorted(tmp_path.iterdir())
    with pytest.raises(InputError) as exc:
        read_table(path, kind=table)
    errors = [p for p in exc.value.problems if p.severity == "error"]
    assert errors, exc.value
    row = 2 if fmt == "geojson" else 3
    hit = [p for p in errors if p.row == row and p.column == column and says in p.message]
    assert hit, [(p.row, p.column, p.message) for p in errors]
    assert all(p.file == str(path) for p in exc.value.problems)
    assert path.name in exc.value.args[0] and "nothing was loaded" in exc.value.args[0]
    assert sorted(tmp_path.iterdir()) == before  # nothing written


@pytest.mark.parametrize(("geometry", "says"), [
    ({"type": "LineString", "coordinates": [[122.4, 30.7], [122.5, 30.7]]}, "Point"),
    ({"type": "Point", "coordinates": ["a", "b"]}, "unreadable"),
    ({"type": "Point", "coordinates": [200, 30.7]}, "between -180 and 180"),
    ({"type": "MultiPoint", "coordinates": [[122.4, 30.7], [122.5, 30.7]]}, "Point"),
    ({"type": "Point", "coordinates": [13630000, 3590000]}, "projected metres"),
])
@pytest.mark.parametrize("table", ["facilities", "villages", "ports"])
def test_bad_geojson_geometry(tmp_path, good_rows, table, geometry, says):
    path = write_table(tmp_path / "t.geojson", table, good_rows[table], "geojson")
    data = json.loads(path.read_text("utf-8"))
    data["features"][1]["geometry"] = geometry
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_table(path, kind=table)
    hit = [p for p in exc.value.problems if p.row == 2 and p.column == "geometry"
           and says in p.message]
    assert hit, [(p.row, p.column, p.message) for p in exc.value.problems]


# ------------------------------------------------------------------ the command line


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "islandcare.cli", *args], capture_output=True,
                          text=True, env=env, timeout=300)


@pytest.mark.parametrize(("table", "column", "value", "fmt"), [
    ("facilities", "kind", "hospitl", "gbk"),
    ("villages", "code", "3309221002", "xlsx"),
    ("sealinks", "vessel", "submarine", "geojson"),
    ("ports", "lat", "95", "csv"),
])
def test_cli_exits_1_without_traceback_and_writes_nothing(tmp_path, good_rows, table, column,
                                                          value, fmt):
    first, second = good_rows[table]
    bad = {**second, column: value}
    suffix = {"csv": ".csv", "gbk": ".csv", "xlsx": ".xlsx", "geojson": ".geojson"}[fmt]
    path = write_table(tmp_path / f"mine{suffix}", table, [first, bad], fmt)
    proc = _cli("validate", str(path), "--as", table)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    row = 2 if fmt == "geojson" else 3
    assert f"row {row}, column '{column}'" in proc.stderr
    if table in ("facilities", "villages"):
        out = tmp_path / "out"
        proc = _cli("run", "--area", "shengsi", "--out", str(out), f"--{table}", str(path), "-q")
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        assert not (out / "shengsi").exists()
        assert not out.exists() or not any(out.iterdir())


# ------------------------------------------------------------------ planners' good tables


def test_gbk_with_chinese_headers_and_kinds(tmp_path):
    text = ("序号,机构名称,机构类型,经度,纬度,床位(张),救护车,开放时间\n"
            "1,嵊泗县人民医院,人民医院,122.4537,30.7239,150,2,\n"
            "2,菜园镇卫生院,中心卫生院,122.451,30.724,\"1,200\",,08:00\n"
            "3,黄龙乡急救点,急救点,122.565,30.660,,1,\n")
    path = tmp_path / "机构.csv"
    path.write_bytes(text.encode("gbk"))
    res = read_table(path, kind="facilities")
    f = res.frame
    assert f["facility_id"].tolist() == ["1", "2", "3"]
    assert f["kind"].tolist() == ["hospital", "health_centre", "ambulance_station"]
    assert f["beds"].tolist()[:2] == [150, 1200]
    assert f["ambulances"].iloc[0] == 2 and f["opens"].iloc[1] == "08:00"
    said = " ".join(p.message for p in res.problems)
    assert "read column '机构类型' as 'kind'" in said and "read '人民医院' as hospital" in said


def test_excel_with_title_row_on_the_second_sheet_without_id(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "封面"
    book.active.append(["2024年嵊泗县医疗机构统计"])
    sheet = book.create_sheet("机构")
    sheet.append(["嵊泗县医疗机构一览表"])
    sheet.append(["名称", "类型", "坐标", None, "床位数"])
    sheet.merge_cells("C2:D2")
    sheet.append([None, None, "经度", "纬度", None])
    sheet.append(["嵊泗县人民医院", "医院", 122.4537, 30.7239, 150])
    sheet.append(["黄龙乡急救点", "急救分站", 122.565, 30.66, None])
    path = tmp_path / "plan.xlsx"
    book.save(path)
    res = read_table(path, kind="facilities")
    f = res.frame
    assert f["facility_id"].tolist() == ["plan-4", "plan-5"]  # made from file name and row
    assert f["kind"].tolist() == ["hospital", "ambulance_station"]
    assert f.geometry.iloc[1].coords[0] == pytest.approx((122.565, 30.66))
    assert res.rows == [4, 5]
    assert any("no facility_id column" in p.message for p in res.problems)
    assert any("sheet '机构'" in p.message for p in res.problems)


def test_sheet_option_reads_the_named_sheet(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["facility_id", "name", "kind", "lon", "lat"])
    book.active.append(["a", "甲", "hospital", 122.45, 30.72])
    other = book.create_sheet("草稿")
    other.append(["facility_id", "name", "kind", "lon", "lat"])
    other.append(["b", "乙", "health_centre", 122.46, 30.725])
    path = tmp_path / "two.xlsx"
    book.save(path)
    assert read_table(path, kind="facilities", sheet="草稿").frame["name"].tolist() == ["乙"]
    with pytest.raises(InputError, match="no sheet '无'"):
        read_table(path, kind="facilities", sheet="无")


@pytest.mark.parametrize(("lon", "lat"), [
    ("122°27′18″E", "30°43′12″N"),
    ("１２２．４５５", "３０．７２"),
    ("E122.455", "N30.72"),
    ("122度27分18秒", "30度43分12秒"),
    ("122.455°", "30.72°"),
    ("东经122.455", "北纬30.72"),
])
def test_dms_and_full_width_coordinates(tmp_path, lon, lat):
    path = tmp_path / "v.tsv"
    path.write_text(f"代码\t名称\t经度\t纬度\t常住人口\n330922100001\t东海社区居委会\t{lon}\t{lat}\t12,345\n",
                    encoding="utf-8")
    f = read_table(path, kind="villages").frame
    assert f.geometry.iloc[0].coords[0] == pytest.approx((122.455, 30.72), abs=1e-6)
    assert f["population"].iloc[0] == 12345


def test_chinese_class_and_vessel_values(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("统计代码,名称,城乡分类,经度,纬度\n330922100001,东海社区居委会,城区,122.45,30.72\n"
                    "330922100201,某村,农村,122.46,30.725\n", encoding="utf-8")
    assert read_table(path, kind="villages").frame["settlement_class"].tolist() == [
        "town", "countryside"]
    links = tmp_path / "l.csv"
    links.write_text("航线编号,起点码头,终点码头,船型,双向\nL1,a,b,快艇,是\nL2,b,c,车客渡,否\n",
                     encoding="utf-8")
    f = read_table(links, kind="sealinks").frame
    assert f["vessel"].tolist() == ["fast_ferry", "vehicle_ferry"]
    assert f["bidirectional"].tolist() == [True, False]


def test_geojson_crs_member_is_honoured(tmp_path):
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(122.45, 30.72)
    data = {"type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
            "features": [{"type": "Feature", "properties": {"name": "甲", "kind": "医院"},
                          "geometry": {"type": "MultiPoint", "coordinates": [[x, y]]}}]}
    path = tmp_path / "m.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    f = read_table(path, kind="facilities").frame
    assert f.geometry.iloc[0].coords[0] == pytest.approx((122.45, 30.72))
    assert f["kind"].iloc[0] == "hospital"


def test_old_xls_with_title_row_and_chinese_headers(tmp_path):
    xlwt = pytest.importorskip("xlwt", reason="xlwt writes the .xls file of this test")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("村")
    rows = [["嵊泗县村庄人口表"], ["统计代码", "名称", "常住人口", "经度", "纬度"],
            ["330922100001", "东海社区居委会", 1234, 122.455, 30.72]]
    for r, cells in enumerate(rows):
        for c, v in enumerate(cells):
            sheet.write(r, c, v)
    path = tmp_path / "villages.xls"
    book.save(str(path))
    res = read_table(path, kind="villages")
    f = res.frame
    assert f["code"].tolist() == ["330922100001"] and f["population"].tolist() == [1234]
    assert f.geometry.iloc[0].coords[0] == pytest.approx((122.455, 30.72))
    assert res.rows == [3]
