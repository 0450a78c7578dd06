"""Area files: thresholds are data, every number says where it comes from."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from islandcare.config import REQUIRED_KEYS, area_keys, load_area
from islandcare.errors import InputError

REPO = Path(__file__).resolve().parents[1]


def test_three_areas_with_the_plans_thresholds():
    assert {"shengsi", "putuo", "fenghua"} <= set(area_keys())
    s, p, f = load_area("shengsi"), load_area("putuo"), load_area("fenghua")
    assert (s.get("circles.primary_care.town_minutes"),
            s.get("circles.primary_care.countryside_minutes")) == (15, 20)
    assert (p.get("circles.primary_care.town_minutes"),
            p.get("circles.primary_care.countryside_minutes")) == (15, 20)
    assert (f.get("circles.primary_care.town_minutes"),
            f.get("circles.primary_care.countryside_minutes")) == (10, 15)
    assert s.get("circles.night_clinic.minutes") == 15
    assert s.get("ambulance.residents_per_ambulance") == 30000
    assert s.get("ambulance.small_island_threshold") == 10000
    assert s.get("ambulance.response_target_minutes") == 13
    assert f.get("ambulance.response_target_minutes") == 11
    assert f.get("ambulance.response_target_countryside_minutes") == 15
    assert s.name_zh == "嵊泗县" and s.code == "330922"


@pytest.mark.parametrize("key", ["shengsi", "putuo", "fenghua", "jiaxing", "shaoxing"])
def test_every_number_cites_its_source(key):
    cfg = load_area(key)
    for dotted in REQUIRED_KEYS:
        if dotted.startswith("area."):  # identifiers and boxes, not measured numbers
            continue
        value = cfg.get(dotted)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert cfg.source(dotted), f"{key}: {dotted} = {value} has no source"
    # sources name the rule list, a standard, the gazetteer or say 'assumption'
    for dotted, src in cfg.sources.items():
        assert any(w in src for w in ("planning-rules.md", "JTG", "CJJ", "gazetteer", "assumption")), (
            f"{key}: {dotted} source '{src}' cites nothing")


def test_unknown_area_is_an_input_error():
    with pytest.raises(InputError, match="Known areas"):
        load_area("atlantis")


def test_a_fourth_area_needs_only_a_file(tmp_path):
    root = tmp_path / "geodata"
    (root / "areas").mkdir(parents=True)
    shutil.copy(REPO / "geodata/areas/_defaults.toml", root / "areas")
    text = (REPO / "geodata/areas/fenghua.toml").read_text("utf-8")
    (root / "areas/jiaxing.toml").write_text(
        text.replace('key = "fenghua"', 'key = "jiaxing"').replace("奉化区", "嘉兴市"), "utf-8")
    cfg = load_area("jiaxing", root=root)
    assert cfg.name_zh == "嘉兴市"
    assert "jiaxing" in area_keys(root=root)


def test_missing_setting_is_named(tmp_path):
    root = tmp_path / "geodata"
    (root / "areas").mkdir(parents=True)
    text = (REPO / "geodata/areas/shengsi.toml").read_text("utf-8")
    (root / "areas/shengsi.toml").write_text(text, "utf-8")  # no _defaults.toml: speeds missing
    with pytest.raises(InputError, match=r"speeds\.offroad"):
        load_area("shengsi", root=root)
