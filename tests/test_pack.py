"""The committed offline packs: real, complete, honest about what is approximate."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from islandcare.data.schema import FACILITY_KINDS, LOCATION_QUALITIES

REPO = Path(__file__).resolve().parents[1]


def test_every_register_village_is_in_its_pack(packs, shared_dir):
    register = pd.read_csv(shared_dir / "geodata-sources/villages_fenghua_putuo_shengsi.csv",
                           dtype=str)
    for key, area in packs.items():
        want = set(register.loc[register["areaCode"] == area.config.code, "code"])
        got = list(area.villages["code"])
        assert len(got) == len(set(got)), f"{key}: duplicate village codes"
        assert set(got) == want, f"{key}: villages differ from the register"
    assert sum(len(a.villages) for a in packs.values()) == 508


def test_townships_have_codes_and_cited_populations(packs):
    assert [len(packs[k].townships) for k in ("shengsi", "putuo", "fenghua")] == [7, 9, 12]
    for area in packs.values():
        tw = area.townships
        assert tw["code"].str.fullmatch(r"\d{9}").all()
        with_pop = tw[tw["population"].notna()]
        assert with_pop["population_source"].notna().all()
        assert with_pop["population_year"].notna().all()
    sh = packs["shengsi"].townships.set_index("name")
    # 2019 registered population of 嵊山镇 is the latest dated figure in the gazetteer
    assert sh.loc["嵊山镇", "population"] == 8183
    assert sh.loc["嵊山镇", "population_year"] == "2019"
    # 五龙乡 shares 泗礁岛 with 菜园镇: not an outlying island township
    assert not sh.loc["五龙乡", "outlying_island"]
    assert sh.loc["花鸟乡", "outlying_island"]


def test_facilities_are_known_kinds_and_flag_their_location(packs):
    for key, area in packs.items():
        fac = area.facilities
        assert fac["facility_id"].is_unique
        assert set(fac["kind"]) <= set(FACILITY_KINDS)
        assert set(fac["location_quality"]) <= set(LOCATION_QUALITIES)
        approx = fac[fac["location_quality"] == "approximate"]
        assert approx["location_note"].str.len().gt(10).all(), f"{key}: approximate without rule"
        assert (fac.loc[fac["location_quality"] == "none"].geometry.isna()
                | fac.loc[fac["location_quality"] == "none"].geometry.is_empty).all()
        assert fac["source"].notna().all() and fac["license"].notna().all()


def test_island_facilities_stand_on_land(packs):
    for key in ("shengsi", "putuo"):
        area = packs[key]
        fac = area.facilities[area.facilities.geometry.notna()].to_crs(32651)
        land = area.land.to_crs(32651).union_all()
        dist = fac.distance(land)
        assert (dist < 300).all(), f"{key}: facility in the sea: {fac.loc[dist >= 300, 'name'].tolist()}"


def test_sea_links_join_known_ports(packs):
    for key in ("shengsi", "putuo"):
        area = packs[key]
        ports = set(area.ports["port_id"])
        links = area.sealinks
        assert len(links) > 0
        assert set(links["from_port"]) <= ports and set(links["to_port"]) <= ports
        stated = links[links["crossing_quality"] == "stated"]
        assert stated["crossing_min"].gt(0).all()
        assert links.loc[links["crossing_quality"] == "modelled", "crossing_min"].isna().all()
    # 沈家门 — 普陀山: 15 minutes as the gazetteer states
    pt = packs["putuo"].sealinks.set_index("route_zh")
    assert pt.loc["沈家门半升洞 — 普陀山", "crossing_min"] == 15


def test_packs_are_small_and_attributed():
    # each pack stays small (the two city-level packs are the largest, about 2 MB each)
    for pack in (REPO / "geodata/packs").iterdir():
        if pack.is_dir():
            size = sum(p.stat().st_size for p in pack.rglob("*") if p.is_file())
            assert size < 3 * 1024 * 1024, f"{pack.name}: {size / 1e6:.1f} MB"
    for key in ("shengsi", "putuo", "fenghua"):
        meta = json.loads((REPO / f"geodata/packs/{key}/pack.json").read_text("utf-8"))
        text = " ".join(meta["attribution"])
        for lic in ("ODbL", "LGPL", "MIT", "CC-BY"):
            assert lic in text


def test_committed_packs_match_a_fresh_build(tmp_path, shared_dir):
    sys.path.insert(0, str(REPO / "geodata"))
    import build_packs

    build_packs.main(["--area", "shengsi", "--shared", str(shared_dir), "--out", str(tmp_path)])
    fresh = json.loads((tmp_path / "shengsi/pack.json").read_text("utf-8"))
    committed = json.loads((REPO / "geodata/packs/shengsi/pack.json").read_text("utf-8"))
    assert fresh["counts"] == committed["counts"]


def test_timetables_survive_reading_the_pack(packs):
    links = packs["putuo"].sealinks.set_index("route_zh")
    deps = links.loc["沈家门(墩头) — 虾峙", "departures"]
    # the first row of this route (from 沈家门) lists six sailings, not one time
    assert any(str(d).count(";") == 5 for d in deps)
