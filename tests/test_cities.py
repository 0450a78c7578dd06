"""Jiaxing and Shaoxing: city-level areas made of files only, reported by county."""

from __future__ import annotations

import csv
import math
import subprocess
import tomllib
from pathlib import Path

import pytest

from islandcare.analyses.ambulance import ambulance_norm
from islandcare.analyses.counties import county_subset, county_table
from islandcare.analyses.report import analyse_area
from islandcare.data.inventory import shared_dir
from islandcare.data.pack import load_pack
from islandcare.errors import InputError

REPO = Path(__file__).resolve().parents[1]
CENSUS = shared_dir() / "geodata-sources" / "county_population_2020_census_jiaxing_shaoxing.csv"


def test_no_city_named_in_code():
    """git grep -il "jiaxing|shaoxing" islandcare geodata/build_packs.py finds nothing."""
    out = subprocess.run(["git", "grep", "-il", r"jiaxing\|shaoxing", "--", "islandcare", "geodata/build_packs.py"],
                         check=False, cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 1 and out.stdout == "", out.stdout


@pytest.mark.parametrize(("key", "townships", "villages", "counties"),
                         [("jiaxing", 72, 1202, 7), ("shaoxing", 103, 2168, 6)])
def test_city_packs_hold_the_register(key, townships, villages, counties):
    area = load_pack(key)
    assert len(area.layers["townships"]) == townships
    assert len(area.layers["villages"]) == villages
    assert len(area.meta["counties"]) == counties
    # every township and village lies in one of the city's counties
    codes = {c["code"] for c in area.meta["counties"]}
    assert set(area.layers["townships"]["code"].str[:6]) <= codes
    assert set(area.layers["villages"]["township_code"].str[:6]) <= codes
    # stems repeat within a city (城南街道 of 越城区 and 城南乡 of 新昌县): points come by code
    tw = area.layers["townships"]
    assert tw["geometry"].notna().sum() >= townships - 7


@pytest.mark.skipif(not CENSUS.exists(), reason="shared census table not here")
def test_shaoxing_ambulances_needed_by_hand():
    """1 per 30,000 residents, rounded up per county, from the 2020 census figures."""
    with CENSUS.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["code"].startswith("3306") and r["code"] != "330600"]
    want = {r["code"]: math.ceil(int(r["population_2020"]) / 30000) for r in rows}
    assert want == {"330602": 35, "330603": 37, "330604": 28, "330624": 14, "330681": 41, "330683": 23}
    norm = ambulance_norm(load_pack("shaoxing")).set_index("township_code")
    for code, n in want.items():
        assert norm.loc[code, "needed"] == n
    assert norm.loc["330600", "needed"] == sum(want.values()) == 178


@pytest.fixture(scope="module")
def jiaxing_report():
    return analyse_area(load_pack("jiaxing"), with_polygons=False)


def test_jiaxing_village_clinic_circle_from_its_area_file(jiaxing_report):
    text = (REPO / "geodata/areas/jiaxing.toml").read_text("utf-8")
    pc = tomllib.loads(text)["circles"]["primary_care"]
    assert pc["town_minutes"]["value"] == 15 and pc["countryside_minutes"]["value"] == 15
    assert "001 line 33" in pc["town_minutes"]["source"]
    t = jiaxing_report.circles["primary_care"].table
    v = t[(t["unit"] == "village") & t["status"].isin(("covered", "underserved"))]
    assert len(v) > 100 and (v["limit"] == 15).all()
    assert ((v["minutes"] <= 15) == (v["status"] == "covered")).all()


def test_every_jiaxing_village_once_and_counties_add_up(jiaxing_report):
    rep = jiaxing_report
    vil = rep.places[rep.places["unit"] == "village"]
    assert len(vil) == 1202 and vil["code"].is_unique
    assert vil["status"].isin(("covered", "underserved", "unknown")).all()
    table = county_table(rep.area, rep.places)
    counties, city = table[:-1], table[-1]
    assert len(counties) == 7 and city["code"] == "330400"
    for k in ("villages", "covered", "underserved", "unknown", "townships", "town", "countryside"):
        assert sum(r[k] for r in counties) == city[k]
    assert city["villages"] == 1202 == city["covered"] + city["underserved"] + city["unknown"]
    assert rep.summary["by_county"][0]["name"] == "南湖区"


def test_one_county_alone():
    area = load_pack("shaoxing")
    one = county_subset(area, "330683")
    assert len(one.layers["villages"]) == 304 and len(one.layers["townships"]) == 15
    with pytest.raises(InputError, match="330681 诸暨市"):
        county_subset(area, "330999")


def test_run_county_unknown_is_exit_1(tmp_path, capsys):
    from islandcare.cli import main

    assert main(["run", "--area", "shengsi", "--county", "330602", "--out", str(tmp_path)]) == 1
    assert "not a city-level area" in capsys.readouterr().err
    assert not (tmp_path / "shengsi-330602").exists()
