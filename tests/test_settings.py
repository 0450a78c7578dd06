"""Area settings are typed and checked: a wrong key or value names the file and the key."""

from __future__ import annotations

import dataclasses
import os
import pickle
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from islandcare.cli import main
from islandcare.config import area_keys, area_problems, load_area
from islandcare.errors import InputError
from islandcare.network.scenario import PROFILES
from islandcare.settings import MODES, AreaSettings, CircleSettings, schema_keys

REPO = Path(__file__).resolve().parents[1]
AREAS = REPO / "geodata" / "areas"


@pytest.fixture
def geodata(tmp_path, monkeypatch):
    """A copy of geodata/areas (and the shengsi pack) that ISLANDCARE_GEODATA points at."""
    root = tmp_path / "geodata"
    shutil.copytree(AREAS, root / "areas")
    shutil.copytree(REPO / "geodata/packs/shengsi", root / "packs/shengsi")
    monkeypatch.setenv("ISLANDCARE_GEODATA", str(root))
    return root


def _edit(root: Path, key: str, old: str, new: str) -> Path:
    path = root / "areas" / f"{key}.toml"
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


def _problem(exc: pytest.ExceptionInfo[InputError]) -> str:
    return "\n".join(f"{p.file}: {p.message}" for p in exc.value.problems)


def test_every_shipped_area_file_loads_typed():
    keys = area_keys()
    assert {"shengsi", "putuo", "fenghua", "jiaxing", "shaoxing", "samsoe"} <= set(keys)
    for key in keys:
        cfg = load_area(key)
        assert isinstance(cfg.typed, AreaSettings)
        assert isinstance(cfg.typed.circles["primary_care"], CircleSettings)
        assert area_problems(key) == []
    s = load_area("shengsi").typed
    assert (s.circles["primary_care"].town_minutes, s.circles["primary_care"].countryside_minutes) == (15, 20)
    assert s.circles["night_clinic"].limits() == {"town": (15.0, "drive"), "countryside": (15.0, "drive")}
    assert s.sea.emergency_vessels[0].pier == "shengsi-port-caiyuan" and s.sea.emergency_vessels[0].night is True
    assert load_area("samsoe").get("area.in_all") is False and load_area("putuo").get("area.in_all") is True


def test_the_settings_are_frozen():
    cfg = load_area("shengsi")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.typed.ambulance.response_target_minutes = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.typed.circles["primary_care"].town_minutes = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        cfg.typed.circles["extra"] = cfg.typed.circles["primary_care"]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.typed = cfg.typed  # type: ignore[misc]
    assert isinstance(cfg.typed.area.bbox, tuple) and isinstance(cfg.typed.settlement_class.urban_townships, tuple)


def test_the_settings_travel_to_worker_processes():
    cfg = load_area("putuo")
    back = pickle.loads(pickle.dumps(cfg))
    assert back.typed == cfg.typed and back.source("sea.boarding_minutes") == cfg.source("sea.boarding_minutes")


def test_get_is_strict_and_sources_are_kept():
    cfg = load_area("shengsi")
    assert cfg.get("ambulance.response_target_minutes") == 13
    assert "Shaoxing plan 003 line 487" in cfg.source("ambulance.response_target_minutes")
    assert "002 line 135" in cfg.source("circles.primary_care.town_minutes")
    assert cfg.get("helicopter.day_hours") is None  # optional, absent: sunrise and sunset
    with pytest.raises(KeyError, match=r"ambulance\.response_target_minute"):
        cfg.get("ambulance.response_target_minute")
    with pytest.raises(KeyError):
        cfg.source("sea.no_such_key")
    with pytest.raises(TypeError):
        cfg.get("sea.boarding_minutes", 10)  # type: ignore[call-arg]


def test_an_unknown_key_names_the_file_and_the_closest_key(geodata):
    path = _edit(geodata, "shengsi", "town_minutes = { value = 15", "town_minute = { value = 15")
    with pytest.raises(InputError) as exc:
        load_area("shengsi")
    text = _problem(exc)
    assert f"{path}: circles.primary_care.town_minute: unknown key (did you mean " \
           "'circles.primary_care.town_minutes'?)" in text
    # the circle now lacks the key it was renamed from: said too, in the same file
    assert f"{path}: circles.primary_care.town_minutes: missing" in text


def test_an_unknown_key_in_the_defaults_names_the_defaults_file(geodata):
    _edit(geodata, "_defaults", "snap_max_m = {", "snap_maxm = {")
    with pytest.raises(InputError) as exc:
        load_area("putuo")
    text = _problem(exc)
    assert f"{geodata / 'areas' / '_defaults.toml'}: network.snap_maxm: unknown key (did you mean " \
           "'network.snap_max_m'?)" in text
    assert f"{geodata / 'areas' / 'putuo.toml'}: network.snap_max_m: missing" in text


def test_a_missing_required_key_is_named(geodata):
    path = _edit(geodata, "_defaults", "boarding_minutes = {", "# boarding_minutes = {")
    with pytest.raises(InputError) as exc:
        load_area("fenghua")
    assert f"{geodata / 'areas' / 'fenghua.toml'}: sea.boarding_minutes: missing: expected a number" in _problem(exc)
    assert path.name == "_defaults.toml"


@pytest.mark.parametrize(("old", "new", "key", "expected"), [
    ("town_minutes = { value = 15,", 'town_minutes = { value = "15",', "circles.primary_care.town_minutes",
     "expected a number, got the text '15'"),
    ("countryside_minutes = { value = 20,", "countryside_minutes = { value = [20],",
     "circles.primary_care.countryside_minutes", "expected a number, got a list"),
    ("small_island_threshold = { value = 10000,", "small_island_threshold = { value = true,",
     "ambulance.small_island_threshold", "expected a number, got true (true/false)"),
    ('\nmode = { value = "drive",', '\nmode = { value = "boat",', "circles.night_clinic.mode",
     "expected one of 'drive', 'walk', 'ambulance', got the text 'boat'"),
    ("improvised_landing_sites = { value = true,", "improvised_landing_sites = { value = 1,",
     "helicopter.improvised_landing_sites", "expected true or false, got the number 1"),
    ("utm_epsg = 32651", 'utm_epsg = "32651"', "area.utm_epsg", "expected a whole number"),
    ('source = "planning-rules.md: Shengsi plan 002 line 135 (城区15分钟)" }',
     'sorce = "planning-rules.md: Shengsi plan 002 line 135 (城区15分钟)" }',
     "circles.primary_care.town_minutes", "unknown part sorce"),
])
def test_a_wrong_type_names_the_key_and_what_was_expected(geodata, old, new, key, expected):
    path = _edit(geodata, "shengsi", old, new)
    with pytest.raises(InputError) as exc:
        load_area("shengsi")
    assert f"{path}: {key}: " in _problem(exc) and expected in _problem(exc), _problem(exc)


def test_a_circle_needs_its_minutes_and_modes(geodata):
    path = _edit(geodata, "shengsi", 'mode = { value = "drive", source = "assumption: at night residents are driven" }',
                 "")
    with pytest.raises(InputError) as exc:
        load_area("shengsi")
    assert f"{path}: circles.night_clinic.mode: missing" in _problem(exc)


def test_a_replaced_settings_tree_is_checked_again():
    cfg = load_area("shengsi")
    settings = {**cfg.settings, "sea": {**cfg.settings["sea"], "boarding_minutes": "ten"}}
    with pytest.raises(InputError, match=r"sea\.boarding_minutes: expected a number, got the text 'ten'"):
        dataclasses.replace(cfg, settings=settings)


def test_cli_names_the_file_and_key_with_exit_1_and_no_traceback(geodata, tmp_path):
    path = _edit(geodata, "shengsi", "town_minutes = { value = 15,", 'town_minutes = { value = "15 min",')
    env = {**os.environ, "ISLANDCARE_GEODATA": str(geodata), "PYTHONPATH": str(REPO)}
    clinics = tmp_path / "clinics.csv"
    clinics.write_text("facility_id,name,kind,lon,lat\na1,菜园镇卫生院,health_centre,122.451,30.724\n", "utf-8")
    for argv in (["run", "--area", "shengsi", "--out", str(tmp_path / "out")],
                 ["areas", "--check"],
                 ["validate", str(clinics), "--as", "facilities", "--area", "shengsi"],
                 ["check-site", "--area", "shengsi", "--kind", "health_centre", "--lon", "122.451", "--lat", "30.724"],
                 ["serve", "--area", "shengsi", "--port", "0"]):  # the app's build stops before it serves
        proc = subprocess.run([sys.executable, "-m", "islandcare.cli", *argv], capture_output=True, text=True,
                              env=env, check=False, timeout=600)
        assert proc.returncode == 1, (argv, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr and "unexpectedly" not in proc.stderr
        assert str(path) in proc.stderr and "circles.primary_care.town_minutes" in proc.stderr, proc.stderr
        assert "expected a number, got the text '15 min'" in proc.stderr


def test_areas_check_reports_each_problem_of_each_file(geodata, capsys):
    _edit(geodata, "shengsi", "town_minutes = { value = 15,", "town_minute = { value = 15,")
    _edit(geodata, "samsoe", "utm_epsg = 32632", "utm_epsg = 32632.5")
    assert main(["areas", "--check"]) == 1
    out, err = capsys.readouterr()
    assert "shengsi.toml: circles.primary_care.town_minute: unknown key" in err
    assert "shengsi.toml: circles.primary_care.town_minutes: missing" in err
    assert "samsoe.toml: area.utm_epsg: expected a whole number, got the number 32632.5" in err
    assert "shengsi — area file not read" in out and "(?-level)" not in out


def test_areas_check_passes_on_the_shipped_files(capsys):
    assert main(["areas", "--check"]) == 0
    assert "problem:" not in capsys.readouterr().err


def test_the_circle_modes_are_the_travel_profiles():
    assert set(MODES) == set(PROFILES)


def test_every_key_the_files_write_is_in_the_schema_and_read_by_code():
    """No key sits in an area file that nothing reads (each schema key is read somewhere)."""
    code = "\n".join(p.read_text("utf-8") for p in [*(REPO / "islandcare").rglob("*.py"),
                                                     REPO / "geodata/build_packs.py"]
                     if p.name != "settings.py")
    # the schema itself counts only where a property reads a field, not where it declares one
    code += re.sub(r"(?m)^    \w+: .*$", "", (REPO / "islandcare/settings.py").read_text("utf-8"))
    unread = []
    for key in schema_keys():
        section, _, name = key.partition(".")
        if section in ("circles", "relocations"):
            continue
        name = name or section
        if not re.search(rf"\b{re.escape(name)}\b", code):
            unread.append(key)
    assert unread == []
    for path in AREAS.glob("*.toml"):
        tree = tomllib.loads(path.read_text("utf-8"))
        assert "plan" not in tree.get("area", {}) and "populous_island_threshold" not in tree.get("ambulance", {})


_SECTIONS = ("area", "circles", "ambulance", "air", "speeds", "sea", "helicopter", "network", "osm", "conflate",
             "verdict", "profile", "settlement_class", "sources", "pack", "relocations")
#: ``cfg.get(..., default)`` / ``config.get(..., default)``, and ``.get("<section>.<key>", default)`` on anything.
_DEFAULTED = [re.compile(r"\b(?:cfg|config)\.get\((?:[^()]|\([^()]*\))*?,"),
              re.compile(r"\bget\(\s*f?[\"'](?:" + "|".join(_SECTIONS) + r")\.[^\"']*[\"']\s*,")]


def test_no_setting_has_a_default_in_code():
    hits = []
    for path in [*sorted((REPO / "islandcare").rglob("*.py")), REPO / "geodata/build_packs.py"]:
        text = path.read_text("utf-8")
        for rx in _DEFAULTED:
            for m in rx.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                hits.append(f"{path.relative_to(REPO)}:{line}: {m.group(0)}")
    assert hits == [], "settings read with a default in code (put the default in _defaults.toml):\n" + "\n".join(hits)


def test_the_default_check_catches_a_defaulted_read():
    for line in ('x = cfg.get("sea.unknown_headway_minutes", 120)',
                 'x = float(area.config.get("air.helipad_coverage_minutes", 15))',
                 'x = self.area.config.get(f"circles.{k}.label", k)',
                 'x = get("area.lang", "zh")'):
        assert any(rx.search(line) for rx in _DEFAULTED), line
    for line in ('x = cfg.get("sea.unknown_headway_minutes")', 'x = area.meta.get("counties", [])',
                 'x = r.get("township", "")'):
        assert not any(rx.search(line) for rx in _DEFAULTED), line


def test_the_official_rule_needs_its_town_codes(geodata):
    path = geodata / "areas" / "putuo.toml"
    text = path.read_text("utf-8")
    path.write_text("\n".join(line for line in text.split("\n") if not line.startswith("town_codes =")), "utf-8")
    with pytest.raises(InputError) as exc:
        load_area("putuo")
    assert f"{path}: settlement_class.town_codes: missing: rule 'official_2016' needs town_codes" in _problem(exc)
