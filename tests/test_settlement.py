"""Town or countryside from the official urban–rural class (2016), the register suffix where unmatched."""

from __future__ import annotations

import copy
import dataclasses

import pandas as pd
import pytest

from islandcare.analyses.places import places
from islandcare.data.pack import load_pack

AREAS = ["shengsi", "putuo", "fenghua"]


@pytest.fixture(scope="module")
def village_places():
    return {a: places(load_pack(a)).query("unit == 'village'") for a in AREAS}


def test_official_class_for_427_villages(village_places):
    allv = pd.concat(village_places.values())
    assert len(allv) == 508
    official = allv["class_rule"].str.startswith("official urban–rural class 2016: ")
    assert int(official.sum()) == 427
    codes = allv.loc[official, "class_rule"].str.extract(r": (\d{3}) ")[0]
    # 1xx (城镇) town, 2xx (乡村) countryside
    assert ((codes.str[0] == "1") == (allv.loc[official, "settlement_class"] == "town")).all()
    fallback = allv.loc[~official, "class_rule"]
    assert len(fallback) == 81 and fallback.str.endswith("(no official 2016 class matched)").all()
    # by hand, from shared/geodata-sources/village_urban_rural_code_2016_vonng.csv
    row = allv.set_index("code").loc["330213001001"]  # 奉中社区, 111 主城区
    assert (row["settlement_class"], row["class_rule"]) == ("town", "official urban–rural class 2016: 111 主城区")
    assert (allv["class_rule"] == "official urban–rural class 2016: 220 村庄").sum() == 267


def test_town_codes_are_a_setting():
    area = load_pack("fenghua")
    settings = copy.deepcopy(area.config.settings)
    settings["settlement_class"]["town_codes"] = ["111", "112"]  # only 城区 as town
    narrow = dataclasses.replace(area, config=dataclasses.replace(area.config, settings=settings))
    wide_v = places(area).query("unit == 'village'")
    narrow_v = places(narrow).query("unit == 'village'")
    moved = (wide_v["settlement_class"] == "town") & (narrow_v["settlement_class"] == "countryside")
    rules = wide_v.loc[moved, "class_rule"].str.extract(r": (\d{3}) ")[0]
    assert moved.sum() > 0 and set(rules) <= {"121", "122", "123"}
    assert not ((wide_v["settlement_class"] == "countryside") & (narrow_v["settlement_class"] == "town")).any()


def test_urban_townships_absent_means_the_seat_and_empty_means_none():
    """``settlement_class.urban_townships``: left out, the county seat's township is the urban one; ``[]``, none is."""
    area = load_pack("shengsi")
    seat = area.config.get("area.county_seat_township")

    def seats(value: object) -> pd.Series:
        settings = copy.deepcopy(area.config.settings)
        if value is None:
            settings["settlement_class"].pop("urban_townships")
        else:
            settings["settlement_class"]["urban_townships"] = value
        other = dataclasses.replace(area, config=dataclasses.replace(area.config, settings=settings))
        return places(other).query("unit == 'township_seat'").set_index("code")["settlement_class"]

    absent, empty = seats(None), seats([])
    assert absent[seat] == "town" and (absent.drop(seat) == "countryside").all()
    assert (empty == "countryside").all() and len(empty) == len(absent) > 1
