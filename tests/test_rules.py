"""One rule evaluator (issue 10, item 3): rule objects, reason codes, node ids, and a circle added in an area file.

The vectorised evaluator (:mod:`islandcare.analyses.rules`) is checked
against the per-place semantics it replaced: every place accounted for,
covered exactly when its minutes are within its limit, the minutes those of
the nearest live facility, and coverage that only grows when a site is added.
A circle added to a copy of an area file reaches the verdicts, ``places.csv``,
the map's legend and ``check-site`` with no code naming it.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from islandcare.analyses.coverage import circles_for, evaluate_circle, facility_sources
from islandcare.analyses.places import places
from islandcare.analyses.rules import (
    ResponseRule,
    Sources,
    Unreached,
    evaluate,
    inside,
    live_facilities,
    place_indices,
    status_of,
    unreached,
)
from islandcare.analyses.siting import SiteChecker
from islandcare.data.pack import load_pack
from islandcare.network import nodes
from islandcare.network.assemble import NetworkCache
from islandcare.network.scenario import Scenario

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def shengsi():
    area = load_pack("shengsi")
    return area, places(area), NetworkCache(area)


# --- node ids -------------------------------------------------------------------


def test_node_ids_round_trip():
    node = nodes.facility_node("shengsi-h-001")
    assert node == "f:shengsi-h-001" and nodes.is_facility(node)
    assert nodes.facility_id_of(node) == "shengsi-h-001"
    assert nodes.kind_of(nodes.village_node("330922100001")) == nodes.VILLAGE
    assert nodes.key_of(nodes.township_node("330922100")) == "330922100"
    assert not nodes.is_facility(nodes.port_node("x")) and not nodes.is_facility(None)
    assert nodes.is_land(nodes.land_node(3)) and nodes.is_road(nodes.road_node(7))
    with pytest.raises(ValueError, match="not a facility"):
        nodes.facility_id_of(nodes.village_node("1"))


def test_no_module_builds_node_ids_by_hand():
    """Node ids are built in network/nodes.py only (no ``f"f:..."`` elsewhere in the package)."""
    import re

    pattern = re.compile(r"""f["'](f|v|t|p|l|r|sea):\{|["'](f|v|t|p|l|r|sea):["']|startswith\(["'](f|v|t|p|l|r|sea):""")
    hits = [f"{p.relative_to(REPO)}:{i}" for p in (REPO / "islandcare").rglob("*.py") if p.name != "nodes.py"
            for i, line in enumerate(p.read_text("utf-8").splitlines(), 1) if pattern.search(line)]
    assert hits == []
    for line in ('n = f"f:{fid}"', 'n = "v:" + code', 'if n.startswith("f:"):', 'n = f"sea:{link}:{s}:board"'):
        assert pattern.search(line), line  # the check sees the ways an id is built by hand


# --- which facilities are live --------------------------------------------------


def test_live_facilities_existing_kinds_and_network(shengsi):
    area, _, nets = shengsi
    fac = area.layers["facilities"].copy()
    first = fac.index[0]
    fac.loc[first, "status"] = "planned"
    planned = area.with_layer("facilities", fac)
    fid = fac.loc[first, "facility_id"]
    assert fid not in set(live_facilities(planned)["facility_id"])
    assert fid in set(live_facilities(planned, include_planned=True)["facility_id"])
    hosp = live_facilities(area, kinds=("hospital",))
    assert set(hosp["kind"]) == {"hospital"}
    net = nets.get(Scenario(profile="drive"))
    on = live_facilities(area, net=net)
    assert all(net.has(nodes.facility_node(f)) for f in on["facility_id"])
    # a kind the area does not have: an empty table, not an error
    none = live_facilities(area, kinds=("no_such_kind",), net=net)
    assert none.empty and "facility_id" in none
    assert facility_sources(area, net, ("no_such_kind",)) == []


# --- the evaluator against per-place semantics ----------------------------------


def test_status_from_the_code_alone():
    assert status_of(None) == "covered"
    for code in Unreached:
        assert status_of(code) == ("unknown" if code.is_data_gap else "underserved")
    assert {c for c in Unreached if c.is_data_gap} == {Unreached.NO_POINT, Unreached.NO_LINK_IN_DATA,
                                                       Unreached.NO_BASE_IN_DATA}


def test_circles_match_a_per_place_computation(shengsi):
    """Every place accounted for; minutes are the nearest live facility's; covered iff minutes <= limit."""
    area, pl, nets = shengsi
    for circle in circles_for(area):
        t = evaluate_circle(area, pl, nets, circle, with_legs=False)
        assert len(t) == len(pl)
        assert set(t["status"]) <= {"covered", "underserved", "unknown"}
        for cls, (limit, mode) in circle.limits.items():
            net = nets.get(Scenario(profile=mode, night=circle.night))
            eng = net.engine
            srcs = facility_sources(area, net, circle.kinds)
            near = eng.nearest(srcs)
            rows = t[t["settlement_class"] == cls]
            assert (rows["limit"] == limit).all() and (rows["mode"] == mode).all()
            for _, r in rows.iterrows():
                if r["node"] is None or r["node"] not in eng.node_index:
                    assert r["status"] == "unknown" and r["reason_code"] == Unreached.NO_POINT.value
                    assert np.isnan(r["minutes"])
                    continue
                want = float(near.minutes[eng.node_index[r["node"]]])
                assert r["minutes"] == pytest.approx(want) or (np.isinf(want) and np.isinf(r["minutes"]))
                assert (r["status"] == "covered") == (want <= limit)
                assert pd.isna(r["reason_code"]) == (r["status"] == "covered")
                if np.isfinite(want) and want > limit:
                    assert r["reason_code"] == Unreached.BEYOND_LIMIT.value
                if not pd.isna(r["reason_code"]):
                    assert r["status"] == status_of(Unreached(r["reason_code"]))


def test_unreached_island_is_a_gap_in_the_data_by_its_code(shengsi):
    """Shengsi (its pack alone) has islands with no sea link in the data: unknown, decided by NO_LINK_IN_DATA."""
    from islandcare.analyses.ambulance import response_times

    area, pl, nets = shengsi
    tables = [evaluate_circle(area, pl, nets, c, with_legs=False)[["status", "reason_code", "minutes"]]
              for c in circles_for(area)]
    r = response_times(area, pl, nets).table
    tables.append(r[["response_status", "response_reason_code", "response_min"]].set_axis(
        ["status", "reason_code", "minutes"], axis=1))
    gap = pd.concat(tables)
    gap = gap[gap["reason_code"] == Unreached.NO_LINK_IN_DATA.value]
    assert len(gap) > 0
    assert (gap["status"] == "unknown").all() and np.isinf(gap["minutes"].astype(float)).all()


def test_closed_in_scenario_at_night():
    putuo = load_pack("putuo")
    night = NetworkCache(putuo).get(Scenario(profile="drive", night=True))
    code, words = unreached(night, putuo, "f:putuo-h-001", nodes.township_node("330903106"))
    assert code is Unreached.CLOSED_IN_SCENARIO and status_of(code) == "underserved"
    assert "night" in words


def test_no_source_and_no_point_codes(shengsi):
    area, pl, nets = shengsi
    net = nets.get(Scenario(profile="drive"))
    idx = place_indices(net.engine, pl["node"])
    limit = np.full(len(pl), 20.0)
    res = evaluate(net, area, place_idx=idx, place_nodes=list(pl["node"]), limit=limit, best_minutes=None,
                   best_source=None, sources=Sources())
    on = idx >= 0
    assert (res.code[on] == Unreached.NO_FACILITY).all() and (res.code[~on] == Unreached.NO_POINT).all()
    assert list(res.status[on]) == ["underserved"] * int(on.sum())
    base = evaluate(net, area, place_idx=idx, place_nodes=list(pl["node"]), limit=limit, best_minutes=None,
                    best_source=None, sources=Sources(), no_source=Unreached.NO_BASE_IN_DATA)
    assert set(base.status) == {"unknown"}
    # where the rule does not apply (no limit), no status at all
    nan = evaluate(net, area, place_idx=idx, place_nodes=list(pl["node"]), limit=np.full(len(pl), np.nan),
                   best_minutes=None, best_source=None, sources=Sources())
    assert all(s is None for s in nan.status) and not nan.covered.any()


def test_inside_is_minutes_within_limit():
    m = np.array([1.0, 5.0, np.inf, np.nan, 5.0])
    lim = np.array([5.0, 5.0, 5.0, 5.0, np.nan])
    assert inside(m, lim).tolist() == [True, True, False, False, False]


def test_coverage_only_grows_when_a_site_is_added(shengsi):
    area, pl, nets = shengsi
    circle = next(c for c in circles_for(area) if c.key == "primary_care")
    base = evaluate_circle(area, pl, nets, circle, with_legs=False)
    rule = circle  # a circle is its rule
    extra = {}
    for profile in rule.profiles:
        net = nets.get(rule.scenario(profile))
        seats = pl[(pl["unit"] == "township_seat") & pl["node"].notna()]
        node, _, access = net.nearest_land_node(float(seats["lon"].iloc[-1]), float(seats["lat"].iloc[-1]))
        extra[profile] = [(node, access)]
    more = evaluate_circle(area, pl, nets, circle, extra=extra, with_legs=False)
    was = base["status"] == "covered"
    assert (more.loc[was, "status"] == "covered").all()
    assert (more["minutes"].fillna(np.inf) <= base["minutes"].fillna(np.inf)).all()
    # the site check says the same from its kept states
    checker = SiteChecker(area, pl, nets)
    eff = checker.check("health_centre", [(float(seats["lon"].iloc[-1]), float(seats["lat"].iloc[-1]))])
    c = eff.circles["primary_care"]
    assert c["places_inside_after"] >= c["places_inside_before"] == int(was.sum())


def test_response_rule_and_its_codes(shengsi):
    from islandcare.analyses.ambulance import response_times

    area, pl, nets = shengsi
    rule = ResponseRule.of(area)
    assert rule.site_delay(2.0) == pytest.approx(rule.activation_minutes + 2.0)
    t = response_times(area, pl, nets).table
    st, code = t["response_status"], t["response_reason_code"]
    assert set(st) <= {"covered", "underserved", "unknown"}
    assert ((st == "covered") == code.isna()).all()
    ok = code.isna()
    assert (t.loc[ok, "response_min"] <= t.loc[ok, "target_min"]).all()
    assert (t.loc[code == "beyond_limit", "response_min"] > t.loc[code == "beyond_limit", "target_min"]).all()


# --- a circle added in an area file ---------------------------------------------


_TEST_CIRCLE = """
[circles.test_key]
facility_kinds = ["hospital"]
minutes = { value = 30, source = "test" }
mode = { value = "drive", source = "test" }
"""


@pytest.fixture(scope="module")
def with_test_circle(tmp_path_factory):
    """Shengsi run from a copy of geodata whose area file has one more circle, ``test_key``."""
    root = tmp_path_factory.mktemp("rules") / "geodata"
    shutil.copytree(REPO / "geodata/areas", root / "areas")
    shutil.copytree(REPO / "geodata/packs/shengsi", root / "packs/shengsi")
    f = root / "areas/shengsi.toml"
    text = f.read_text("utf-8")
    at = text.index("[settlement_class]")
    f.write_text(text[:at] + _TEST_CIRCLE.lstrip() + "\n" + text[at:], "utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("ISLANDCARE_GEODATA", str(root))
    from islandcare.pipeline import run_area

    out = root.parent / "out"
    try:
        run = run_area("shengsi", out=out)
        yield run, out / "shengsi", root
    finally:
        mp.undo()


def test_new_circle_reaches_the_verdicts(with_test_circle):
    run, _, _ = with_test_circle
    assert "test_key" in [c.key for c in circles_for(run.area)]
    s = run.summary["circles"]["test_key"]
    assert s["label"] == "test key" and s["limits"]["town"]["minutes"] == 30
    pl = run.report.places
    assert {"test_key_min", "test_key_limit", "test_key_mode", "test_key_status"} <= set(pl.columns)
    under = pl["test_key_status"] == "underserved"
    assert under.any() and (pl["test_key_status"] == "covered").any()
    assert all("test_key" in f for f in pl.loc[under, "failing_rules"])
    assert (pl.loc[under, "status"] == "underserved").all()
    unknown = pl["test_key_status"] == "unknown"
    assert all("test_key" in u or "test_key" in f
               for u, f in zip(pl.loc[unknown, "unknown_rules"], pl.loc[unknown, "failing_rules"], strict=True))


def test_new_circle_minutes_in_places_csv_match_the_engine(with_test_circle):
    run, folder, _ = with_test_circle
    with open(folder / "places.csv", encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].startswith("#")]
    header, body = rows[0], rows[1:]
    col = next(i for i, h in enumerate(header) if "test key minutes" in h)
    lim = next(i for i, h in enumerate(header) if "test key limit" in h)
    code_col = header.index(next(h for h in header if "code" in h))
    got = {r[code_col]: r[col] for r in body}
    assert {r[lim] for r in body if r[lim]} == {"30.0"}
    # independently: the engine's minutes from the nearest existing hospital on the drive network
    area = run.area
    net = NetworkCache(area).get(Scenario(profile="drive"))
    fac = area.layers["facilities"]
    status = fac["status"].fillna("existing")
    hosp = [nodes.facility_node(f) for f, k, st in zip(fac["facility_id"], fac["kind"], status, strict=True)
            if k == "hospital" and st == "existing" and net.has(nodes.facility_node(f))]
    assert hosp
    eng = net.engine
    best = np.min(eng.times(hosp), axis=0)
    pl = places(area)
    checked = 0
    for code, node in zip(pl["code"], pl["node"], strict=True):
        if node is None or node not in eng.node_index:
            assert got[str(code)] == ""
            continue
        want = float(best[eng.node_index[node]])
        cell = got[str(code)]
        if np.isfinite(want):
            assert float(cell) == pytest.approx(want, abs=0.05)
            checked += 1
        else:  # not reached by road: no finite minutes in the table
            assert cell == "" or not np.isfinite(float(cell))
    assert checked >= 5


def test_new_circle_is_in_the_map_legend_and_popups(with_test_circle):
    from islandcare.render.map_layers import _place_popup_rows
    from islandcare.render.maps import Panel, area_map

    run, folder, _ = with_test_circle
    for lang, mark in (("en", "outside the test key circle"), ("zh", "test key未达标")):
        m = area_map(run.area, run.report, lang=lang)
        panels = {c.element_id: c.body for c in m._children.values() if isinstance(c, Panel)}
        assert mark in panels["ic-legend"]
        assert "test key" in panels["ic-legend"].split(mark)[0]  # its reached land's swatch, before its mark
    pl = run.report.places
    placed = pl[pd.to_numeric(pl["lon"], errors="coerce").notna()]
    r = placed[placed["test_key_status"] == "underserved"].iloc[0]
    rows = dict(_place_popup_rows(r, run.report, None, None))
    assert "≤30 min" in rows["test key"] and "驾车 drive" in rows["test key"]
    assert "test key" in rows["failing rules 未达标"]
    page = (folder / "index.html").read_text("utf-8")
    assert page.count("test key") >= len(placed)  # every placed place's popup, the layer and the legend


def test_new_circle_in_check_site(with_test_circle, capsys):
    run, _, root = with_test_circle
    from islandcare.cli import main

    seat = run.report.places[(run.report.places["unit"] == "township_seat")
                             & (run.report.places["test_key_status"] == "underserved")].iloc[0]
    mp = pytest.MonkeyPatch()
    mp.setenv("ISLANDCARE_GEODATA", str(root))
    try:
        assert main(["check-site", "--area", "shengsi", "--kind", "hospital",
                     "--lon", str(seat["lon"]), "--lat", str(seat["lat"])]) == 0
    finally:
        mp.undo()
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith("test key:"))
    assert "places inside" in line
    checker = SiteChecker(run.area, places(run.area), NetworkCache(run.area))
    eff = checker.check("hospital", [(float(seat["lon"]), float(seat["lat"]))]).as_dict()
    got = eff["circles"]["test_key"]
    assert got["places_inside_after"] > got["places_inside_before"]
    assert seat["name"] in got["newly_inside"]
    json.dumps(eff, default=str)  # the app's check-site JSON is this dict


def test_new_circle_needs_no_code():
    """No module of the package names the test circle's key."""
    hits = [p for p in (REPO / "islandcare").rglob("*.py") if "test_key" in p.read_text("utf-8")]
    assert hits == []


def test_new_circle_in_the_apps_check_site_and_downloads(with_test_circle):
    """``serve``: the check-site JSON reports the new circle and draws it; the downloads carry its columns."""
    from islandcare.app import App

    run, _, root = with_test_circle
    pl = run.report.places
    seat = pl[(pl["unit"] == "township_seat") & (pl["test_key_status"] == "underserved")].iloc[0]
    mp = pytest.MonkeyPatch()
    mp.setenv("ISLANDCARE_GEODATA", str(root))
    try:
        app = App.build("shengsi", lang="en")
    finally:
        mp.undo()
    out = app.check_site({"kind": "hospital", "lon": float(seat["lon"]), "lat": float(seat["lat"])})
    got = json.loads(json.dumps(out))["circles"]["test_key"]
    assert got["label"] == "test key" and seat["name"] in got["newly_inside"]
    assert any(line.startswith("test key:") for line in out["lines"])
    drawn = {f["properties"]["text"].split(":")[0] for f in (out["circle"] or {}).get("features", [])}
    assert "test key" in drawn
    header = app.downloads["csv"].decode("utf-8-sig").splitlines()[0]
    assert "test key minutes" in header and "test key limit (minutes)" in header
