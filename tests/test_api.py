"""The public Python API (``islandcare.*``) gives what the command line gives."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

import islandcare
from islandcare.cli import main
from islandcare.errors import InputError


def test_import_islandcare_stays_light():
    code = ("import sys, islandcare; heavy = [m for m in ('geopandas', 'pandas', 'numpy', 'networkx', "
            "'folium', 'shapely', 'scipy') if m in sys.modules]; print(','.join(heavy))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "", f"import islandcare loaded {proc.stdout.strip()}"
    for name in islandcare.__all__:  # every public name resolves
        assert getattr(islandcare, name) is not None
    with pytest.raises(AttributeError):
        _ = islandcare.no_such_thing


@pytest.fixture(scope="module")
def shengsi_run():
    return islandcare.run_area(islandcare.load_area("shengsi"))


def test_run_area_reproduces_the_summary_the_cli_writes(tmp_path, shengsi_run):
    assert main(["run", "--area", "shengsi", "--out", str(tmp_path), "--quiet"]) == 0
    cli = json.loads((tmp_path / "shengsi" / "summary.json").read_text("utf-8"))
    api = shengsi_run.summary
    assert shengsi_run.out is None  # nothing written without out=
    assert api["villages"] == cli["villages"]
    assert api["villages_in_register"] == cli["villages_in_register"] == 38
    assert api["villages_with_point"] == cli["villages_with_point"]
    assert api["township_seats"] == cli["township_seats"]
    avg = api["ambulance"]["response"]["all"]["average_response_min"]
    assert avg == pytest.approx(cli["ambulance"]["response"]["all"]["average_response_min"], abs=1e-9)
    # every village of the register is accounted for, once
    v = api["villages"]
    assert v["covered"] + v["underserved"] + v["unknown"] == 38
    assert v["covered_on_data"] + v["covered_assumed"] == v["covered"]  # the basis split (issue 12)
    assert shengsi_run.index_entry()["headline"]["covered"] == cli["villages"]["covered"]


def test_run_area_with_out_writes_the_cli_files(tmp_path):
    run = islandcare.run_area("shengsi", out=tmp_path)
    assert run.out == tmp_path / "shengsi"
    for name in ("index.html", "summary.json", "summary.md", "places.csv", "underserved.xlsx"):
        assert (run.out / name).is_file(), name


def test_an_ambulance_station_at_an_underserved_seat_brings_it_within_target(shengsi_run):
    area = shengsi_run.area
    places = shengsi_run.report.places
    late = places[(places["unit"] == "township_seat") & (places["response_status"] == "underserved")]
    assert len(late) >= 1
    checker = islandcare.site_checker(area)
    target = float(area.config.get("ambulance.response_target_minutes"))
    for _, seat in late.iterrows():
        assert seat["response_min"] > target
        effect = islandcare.check_site(checker, [(seat["lon"], seat["lat"])], kind="ambulance_station")
        assert seat["name"] in set(effect.newly_covered["name"])
        assert effect.response["places_newly_within_target"] >= 1
        assert effect.response["minutes_saved_max"] >= seat["response_min"] - target


def test_closures_never_make_a_trip_faster(shengsi_run):
    area = shengsi_run.area
    fac = area.layers["facilities"]
    day = islandcare.build_network(area)
    shut = islandcare.build_network(area, sea_closed=True, air_grounded=True)
    night = islandcare.build_network(area, night=True)
    source = next(f"f:{i}" for i, k in zip(fac["facility_id"], fac["kind"], strict=True)
                  if k == "hospital" and day.has(f"f:{i}"))
    seats = [f"t:{c}" for c in area.layers["townships"]["code"] if day.has(f"t:{c}")]

    def minutes(net):
        row = net.engine.times([source])[0]
        return {s: float(row[net.engine.node_index[s]]) if s in net.engine.node_index else math.inf
                for s in seats}

    d, s, n = minutes(day), minutes(shut), minutes(night)
    assert all(s[k] >= d[k] - 1e-9 and n[k] >= d[k] - 1e-9 for k in seats)
    # Shengsi is islands: with no boat and no helicopter some seat reached by day is cut off
    assert any(math.isfinite(d[k]) and math.isinf(s[k]) for k in seats)


def test_read_table_checks_rows_against_the_area(tmp_path, shengsi_run):
    area = shengsi_run.area
    good = tmp_path / "mine.csv"
    good.write_text("facility_id,name,kind,lon,lat\ns1,菜园镇卫生院,health_centre,122.451,30.724\n",
                    encoding="utf-8")
    result = islandcare.read_table(good, kind="facilities", area=area)
    assert list(result.frame["facility_id"]) == ["s1"]
    assert result.frame.geometry.iloc[0].x == pytest.approx(122.451)
    bad = tmp_path / "bad.csv"
    bad.write_text("facility_id,name,kind,lon,lat\ns1,海上诊所,village_clinic,122.60,30.60\n",
                   encoding="utf-8")
    with pytest.raises(islandcare.InputError, match="sea"):  # the public name of the package's InputError
        islandcare.read_table(bad, kind="facilities", area=area)
    assert islandcare.InputError is InputError
    assert len(islandcare.read_table(bad, kind="facilities").frame) == 1  # no area: no land check


def test_the_readme_python_snippet_runs_as_written(tmp_path, monkeypatch):
    """The README's "Python API" block runs as printed, with a planner's table made by `islandcare template`."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    section = readme[readme.index("## Python API"):]
    start = section.index("```python") + len("```python")
    snippet = section[start:section.index("```", start)]
    assert "islandcare.read_table(\"mine.csv\"" in snippet and "islandcare.InputError" in snippet
    monkeypatch.chdir(tmp_path)
    assert main(["template", "facilities", "-o", "mine.csv", "--quiet"]) == 0
    scope: dict = {}
    exec(compile(snippet, "README.md", "exec"), scope)  # the README's own code
    assert (tmp_path / "maps" / "shengsi" / "summary.json").is_file()
    assert scope["table"].frame["facility_id"].notna().all() and len(scope["table"].frame) >= 1
    assert scope["effect"].response is not None
