"""The input defects of issue 9: each test failed on the code before the fix.

Commands are called in-process through :func:`islandcare.cli.main` (fast) and
the exit code checked: 1 for a mistake in the input, 2 for a usage mistake,
never 4 ("a bug") and never a traceback.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest

from islandcare._escape import html_text, js_literal, sheet_cell
from islandcare.cli import main
from islandcare.data.tables import read_table
from islandcare.errors import InputError

REPO = Path(__file__).resolve().parents[1]
PACK = REPO / "geodata" / "packs" / "shengsi"

#: On 泗礁岛 (land); 菜园镇 area of 嵊泗.
SIJIAO = (122.45, 30.72)


def pack_facilities_csv(tmp_path: Path, *, points: bool = True) -> Path:
    """The pack's hospitals and health centres as a planner's CSV (no ambulance station)."""
    fac = gpd.read_file(PACK / "facilities.geojson")
    fac = fac[fac["kind"].isin(["hospital", "health_centre"])]
    path = tmp_path / ("fac.csv" if points else "fac_nopoint.csv")
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["facility_id", "name", "kind", "lon", "lat", "location_quality"])
        for _, f in fac.iterrows():
            w.writerow([f["facility_id"], f["name"], f["kind"],
                        f.geometry.x if points else "", f.geometry.y if points else "",
                        "exact" if points else "none"])
    return path


def run_main(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


# ---------------------------------------------------------------- run with planner facilities


@pytest.mark.parametrize("points", [True, False], ids=["no-station", "no-point"])
def test_run_with_a_facilities_table_without_station_or_points(tmp_path, capsys, points):
    table = pack_facilities_csv(tmp_path, points=points)
    code, _out, err = run_main(["run", "--area", "shengsi", "--out", str(tmp_path / "out"),
                               "--facilities", str(table), "--replace-facilities", "-q"], capsys)
    assert code == 0, err
    folder = tmp_path / "out" / "shengsi"
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    if points:
        assert "hospitals stand in" in summary["ambulance"]["bases"]
    manifest = json.loads((folder / "run.json").read_text("utf-8"))
    assert manifest["inputs"]["facilities"]["path"] == str(table)
    written = {f["path"] for f in manifest["files"]}
    assert {"index.html", "summary.json", "underserved.csv", "places.csv"} <= written
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]
    root = json.loads((tmp_path / "out" / "run.json").read_text("utf-8"))
    assert root["areas"] == {"shengsi": "shengsi/run.json"}


def test_facilities_table_adds_and_updates_by_id(tmp_path, capsys):
    table = tmp_path / "mine.csv"
    table.write_text("facility_id,name,kind,lon,lat\n"
                     "shengsi-h-001,嵊泗县人民医院,hospital,122.4537,30.7239\n"
                     "new-1,黄龙乡急救点,ambulance_station,122.565,30.660\n", encoding="utf-8")
    from islandcare.data.pack import load_pack, with_planner_tables

    area = load_pack("shengsi")
    n_pack = len(area.layers["facilities"])
    merged, notes = with_planner_tables(area, facilities=table)
    assert len(merged.layers["facilities"]) == n_pack + 1
    assert any("1 facilities added, 1 updated" in n and f"{n_pack - 1} of the pack's kept" in n
               for n in notes)
    replaced, notes = with_planner_tables(area, facilities=table, replace_facilities=True)
    assert sorted(replaced.layers["facilities"]["facility_id"]) == ["new-1", "shengsi-h-001"]


# ---------------------------------------------------------------- exit 1 or 2, never 4


@pytest.mark.parametrize("argv", [
    ["run", "--area", "shengsi", "--hour", "25"],
    ["run", "--area", "shengsi", "--hour", "nan"],
    ["check-site", "--area", "shengsi", "--kind", "helipad", "--lon", "nan", "--lat", "30.7"],
    ["times", "--area", "shengsi", "--to", "330922100201", "--hour", "-1"],
    ["propose", "--area", "shengsi", "--kind", "helipad", "--count", "0"],
])
def test_bad_option_values_are_usage_errors(argv, capsys):
    code, _, err = run_main(argv, capsys)
    assert code == 2
    assert "error:" in err


def test_out_pointing_at_a_file_is_exit_1(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    code, _, err = run_main(["run", "--area", "shengsi", "--out", str(afile), "-q"], capsys)
    assert code == 1 and "is a file" in err
    assert afile.read_text() == "x"


@pytest.mark.parametrize("target", ["folder", "toolong", "unwritable"])
def test_underserved_output_mistakes_are_exit_1(tmp_path, capsys, target):
    out = {"folder": tmp_path,
           "toolong": tmp_path / ("x" * 300 + ".csv"),
           "unwritable": Path("/proc/islandcare-test/u.csv")}[target]
    code, _, err = run_main(["underserved", "--area", "shengsi", "-o", str(out), "-q"], capsys)
    assert code == 1, err
    assert "error:" in err


def test_format_disagreeing_with_suffix_is_refused(tmp_path, capsys):
    out = tmp_path / "x.xlsx"
    code, _, err = run_main(["underserved", "--area", "shengsi", "--format", "csv",
                             "-o", str(out), "-q"], capsys)
    assert code == 1 and "ends in .xlsx" in err
    assert not out.exists()


def _validate(path: Path, kind: str, capsys, *extra: str) -> tuple[int, str, str]:
    return run_main(["validate", str(path), "--as", kind, *extra], capsys)


def test_damaged_xlsx_is_exit_1(tmp_path, capsys):
    good = tmp_path / "good.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["facility_id", "name", "kind", "lon", "lat"])
    wb.active.append(["a", "x", "hospital", *SIJIAO])
    wb.save(good)
    data = good.read_bytes()
    for i, cut in enumerate([data[: len(data) // 2], data.replace(b"worksheets", b"worksheetz"),
                             b"PK\x03\x04" + b"\0" * 100]):
        bad = tmp_path / f"bad{i}.xlsx"
        bad.write_bytes(cut)
        code, _, err = _validate(bad, "facilities", capsys)
        assert code == 1, err
        assert f"bad{i}.xlsx" in err and "Excel" in err


def test_deeply_nested_geojson_is_exit_1(tmp_path, capsys):
    path = tmp_path / "deep.geojson"
    path.write_text("[" * 100000 + "]" * 100000)
    code, _, err = _validate(path, "facilities", capsys)
    assert code == 1 and "nested too deeply" in err


def test_big5_file_is_refused_not_read_as_mojibake(tmp_path, capsys):
    path = tmp_path / "big5.csv"
    text = ("facility_id,name,kind,lon,lat\n"
            "a,嵊泗縣人民醫院,hospital,122.45,30.72\n"
            "b,菜園鎮衛生院,health_centre,122.46,30.725\n")
    path.write_bytes(text.encode("big5"))
    code, _, err = _validate(path, "facilities", capsys)
    assert code == 1 and "Big5" in err


def test_gbk_file_is_not_taken_for_big5(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("facility_id,name,kind,lon,lat\na,嵊泗县人民医院,hospital,122.45,30.72\n"
                     "b,菜园镇卫生院,health_centre,122.46,30.725\n".encode("gbk"))
    assert read_table(path, kind="facilities").frame["name"].tolist() == [
        "嵊泗县人民医院", "菜园镇卫生院"]


# ---------------------------------------------------------------- rows not swallowed


def test_unbalanced_quote_does_not_swallow_rows(tmp_path, capsys):
    rows = [f"f{i},卫生院{i},health_centre,122.45,30.72" for i in range(9)]
    rows[2] = 'f2,"卫生院2,health_centre,122.45,30.72'
    path = tmp_path / "q.csv"
    path.write_text("facility_id,name,kind,lon,lat\n" + "\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = _validate(path, "facilities", capsys)
    assert code == 1
    assert "valid" not in out
    assert "row 4" in err and "quote" in err


def test_quote_closed_far_below_is_refused(tmp_path):
    path = tmp_path / "q2.csv"
    path.write_text('facility_id,name,kind,lon,lat\na,"x,hospital,122.45,30.72\n'
                    'b,y,hospital,122.45,30.72\nc,z",hospital,122.45,30.72\n', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_table(path, kind="facilities")
    assert "look like rows" in str(exc.value)


def test_a_real_multiline_cell_is_kept(tmp_path):
    path = tmp_path / "ml.csv"
    path.write_text('facility_id,name,kind,lon,lat,备注\na,x,hospital,122.45,30.72,"第一行\n第二行"\n'
                    "b,y,hospital,122.45,30.72,\n", encoding="utf-8")
    frame = read_table(path, kind="facilities").frame
    assert frame["备注"].iloc[0] == "第一行\n第二行" and len(frame) == 2


# ---------------------------------------------------------------- decimal comma


def test_decimal_comma_is_read_as_decimal_and_said(tmp_path):
    path = tmp_path / "dc.csv"
    path.write_text('facility_id,name,kind,lon,lat,activation_min\na,x,hospital,122.45,30.72,"2,5"\n',
                    encoding="utf-8")
    res = read_table(path, kind="facilities")
    assert res.frame["activation_min"].iloc[0] == pytest.approx(2.5)
    assert any("decimal comma" in p.message and p.column == "activation_min" for p in res.problems)


def test_decimal_comma_in_a_count_is_an_error(tmp_path):
    path = tmp_path / "dc.csv"
    path.write_text('facility_id,name,kind,lon,lat,beds\na,x,hospital,122.45,30.72,"1,5"\n',
                    encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_table(path, kind="facilities")
    (p,) = [p for p in exc.value.problems if p.severity == "error"]
    assert (p.row, p.column) == (2, "beds") and "whole number" in p.message


def test_thousands_separator_in_population(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text('code,name,population,lon,lat\n330922100201,某村,"12,345",122.45,30.72\n',
                    encoding="utf-8")
    assert read_table(path, kind="villages").frame["population"].iloc[0] == 12345


# ---------------------------------------------------------------- escaping


HOSTILE = ["${alert(1)}", "<img src=x onerror=alert(1)>", "a`b", "</script><b>x", "<!--",
           "x\u2028y"]


@pytest.mark.parametrize("name", HOSTILE)
def test_html_text_leaves_nothing_active(name):
    out = html_text(name)
    for bad in ("<", ">", "`", "${", "\\"):
        assert bad not in out


@pytest.mark.parametrize("name", HOSTILE)
def test_js_literal_round_trips_and_cannot_close_the_script(name):
    out = js_literal(name)
    assert json.loads(out) == name
    assert "</" not in out and "<!--" not in out and "\u2028" not in out


def test_map_writes_hostile_names_escaped(packs):
    import folium

    from islandcare.render.maps import area_map

    area = packs["shengsi"]
    fac = area.layers["facilities"].copy()
    fac["name"] = [HOSTILE[i % len(HOSTILE)] for i in range(len(fac))]
    html = area_map(area.with_layer("facilities", fac)).get_root().render()
    assert isinstance(html, str) and folium
    assert "${alert(1)}" not in html
    assert "<img src=x onerror" not in html
    assert "</script><b>x" not in html


def test_spreadsheet_formulas_are_written_as_text(tmp_path):
    import pandas as pd

    from islandcare.export import write_table

    frame = pd.DataFrame({"name": ["=HYPERLINK(\"http://x\")", "+1", "@SUM(A1)", "-2", "ok"],
                          "n": [1, 2, 3, 4, 5]})
    write_table(frame, tmp_path / "x.csv")
    with (tmp_path / "x.csv").open(encoding="utf-8-sig") as fh:
        cells = [r[0] for r in csv.reader(fh)][1:]
    assert cells == ["'=HYPERLINK(\"http://x\")", "'+1", "'@SUM(A1)", "'-2", "ok"]
    write_table(frame, tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    assert [c.data_type for c in ws["A"][1:]] == ["s"] * 5
    assert ws["A2"].value == "=HYPERLINK(\"http://x\")"
    assert sheet_cell(3) == 3


# ---------------------------------------------------------------- writes


def test_an_empty_written_file_never_replaces_the_good_one(tmp_path, monkeypatch):
    import pandas as pd
    from shapely.geometry import Point

    from islandcare import export

    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(*SIJIAO)], crs=4326)
    path = tmp_path / "x.geojson"
    export.write_table(frame, path)
    good = path.read_bytes()
    monkeypatch.setattr(export, "_write_geojson", lambda features, tmp, layer: tmp.write_bytes(b""))
    with pytest.raises(OSError, match="incomplete"):
        export.write_table(frame, path)
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["x.geojson"]
    assert isinstance(pd, object)


@pytest.mark.parametrize("damage", ["cut", "rows_missing"])
def test_a_damaged_written_workbook_never_replaces_the_good_one(tmp_path, monkeypatch, damage):
    import pandas as pd

    from islandcare import export

    frame = pd.DataFrame({"name": ["a", "b", "c"], "n": [1, 2, 3]})
    path = tmp_path / "x.xlsx"
    export.write_table(frame, path)
    good = path.read_bytes()
    real = export._write_xlsx

    def damaged(data, tmp, **kw):
        if damage == "cut":  # a full disk: the file ends early
            real(data, tmp, **kw)
            tmp.write_bytes(tmp.read_bytes()[: len(good) // 2])
        else:  # a complete file with a row short
            real(data.iloc[:-1], tmp, **kw)

    monkeypatch.setattr(export, "_write_xlsx", damaged)
    with pytest.raises(OSError, match="incomplete"):
        export.write_table(frame, path)
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["x.xlsx"]


def test_interrupted_area_folder_leaves_the_old_one(tmp_path):
    import datetime as dt

    from islandcare._runfolder import (
        discard_partial_folders,
        finish_area_folder,
        start_area_folder,
    )

    now = dt.datetime.now(dt.UTC)
    work = start_area_folder(tmp_path, "shengsi")
    (work / "index.html").write_text("first")
    finish_area_folder(work, tmp_path / "shengsi", area="shengsi", started=now, inputs={},
                       options={})
    work = start_area_folder(tmp_path, "shengsi")
    (work / "index.html").write_text("second, half")
    discard_partial_folders()  # what main() does when a run stops
    assert (tmp_path / "shengsi" / "index.html").read_text() == "first"
    assert json.loads((tmp_path / "shengsi" / "run.json").read_text())["files"] == [
        {"path": "index.html", "bytes": 5}]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shengsi"]


# ---------------------------------------------------------------- bounded reading


def test_excel_claiming_a_million_rows_is_read_quickly(tmp_path):
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["facility_id", "name", "kind", "lon", "lat"])
    ws.append(["a", "x", "hospital", *SIJIAO])
    ws.cell(1048576, 16384).font = Font(bold=True)  # the used range now claims A1:XFD1048576
    path = tmp_path / "big.xlsx"
    wb.save(path)
    assert path.stat().st_size < 10_000
    assert len(read_table(path, kind="facilities").frame) == 1


def test_messages_are_capped(tmp_path, capsys):
    path = tmp_path / "many.csv"
    path.write_text("facility_id,name,kind,lon,lat\n"
                    + "".join(f"f{i},x,hospitl,122.45,30.72\n" for i in range(450)),
                    encoding="utf-8")
    code, _, err = _validate(path, "facilities", capsys)
    assert code == 1
    assert err.count("column 'kind'") == 200
    assert "and 250 more" in err


# ---------------------------------------------------------------- one set of checks


def test_validate_refuses_sea_links_naming_unknown_ports(tmp_path, capsys):
    path = tmp_path / "links.csv"
    path.write_text("link_id,from_port,to_port,vessel\nL1,nowhere,elsewhere,ferry\n",
                    encoding="utf-8")
    code, out, _ = _validate(path, "sealinks", capsys)
    assert code == 0 and "not checked without --area: the ports the links name exist" in out
    code, _, err = _validate(path, "sealinks", capsys, "--area", "shengsi")
    assert code == 1 and "unknown port 'nowhere'" in err and "column 'from_port'" in err


def test_village_codes_must_have_12_digits(tmp_path, capsys):
    path = tmp_path / "v.csv"
    path.write_text("code,name,lon,lat\n3309221002,某村,122.45,30.72\n", encoding="utf-8")
    code, _, err = _validate(path, "villages", capsys)
    assert code == 1 and "12-digit" in err and "row 2" in err


def test_village_code_outside_the_register_is_a_warning(tmp_path, capsys):
    path = tmp_path / "v.csv"
    path.write_text("code,name,lon,lat\n330922999999,新村,122.45,30.72\n", encoding="utf-8")
    code, out, _ = _validate(path, "villages", capsys, "--area", "shengsi")
    assert code == 0 and "adds a new place" in out


def test_port_far_out_at_sea_is_refused(tmp_path, capsys):
    path = tmp_path / "p.csv"
    path.write_text("port_id,name,lon,lat\nP1,远海码头,123.2,30.6\n", encoding="utf-8")
    code, out, _ = _validate(path, "ports", capsys)
    assert code == 0 and "not checked without --area: distance from land" in out
    code, _, err = _validate(path, "ports", capsys, "--area", "shengsi")
    assert code == 1 and "in the sea" in err


def test_check_site_at_sea_is_refused_like_validate(capsys):
    # 3 km east of 泗礁岛, open sea: validate refuses a clinic there, so must check-site
    code, _, err = run_main(["check-site", "--area", "shengsi", "--kind", "village_clinic",
                             "--lon", "122.57", "--lat", "30.60", "-q"], capsys)
    assert code == 1 and "in the sea" in err


def test_site_checker_refuses_a_click_at_sea(packs):
    from islandcare.analyses.places import places
    from islandcare.analyses.siting import SiteChecker
    from islandcare.network.assemble import NetworkCache

    area = packs["shengsi"]
    checker = SiteChecker(area, places(area), NetworkCache(area))
    with pytest.raises(InputError, match="in the sea"):
        checker.check("village_clinic", [(122.57, 30.60)])


def test_no_traceback_from_a_subprocess(tmp_path):
    import subprocess

    path = tmp_path / "deep.geojson"
    path.write_text("[" * 100000 + "]" * 100000)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "islandcare.cli", "validate", str(path),
                           "--as", "facilities"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr


def test_app_answer_to_a_table_of_bad_rows_is_capped(packs):
    from islandcare.app import App

    app = App.__new__(App)  # validate needs only the area
    app.area = packs["shengsi"]
    data = ("facility_id,name,kind,lon,lat\n"
            + "".join(f"f{i},x,hospitl,122.45,30.72\n" for i in range(5000))).encode()
    answer = app.validate("many.csv", data)
    assert answer["ok"] is False
    assert len(answer["problems"]) == 200 and answer["more"] == 4800
    assert "first 200 of 5000" in answer["summary"]
    assert len(json.dumps(answer, ensure_ascii=False)) < 300_000  # bounded, whatever the rows
