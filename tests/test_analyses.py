"""Coverage, ambulance norm, land-sea-air and siting on the real packs."""

from __future__ import annotations

import itertools
import math
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from islandcare.analyses.ambulance import ambulance_norm, response_summary
from islandcare.analyses.circles import reached_area
from islandcare.analyses.coverage import circles_for, evaluate_circle
from islandcare.analyses.places import places
from islandcare.analyses.report import analyse_area
from islandcare.analyses.siting import SiteChecker, propose, solve_mclp
from islandcare.data.pack import load_pack
from islandcare.network.assemble import NetworkCache
from islandcare.network.scenario import Scenario

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reports(packs):
    return {k: analyse_area(a) for k, a in packs.items()}


def test_every_register_village_has_exactly_one_verdict(reports, shared_dir):
    register = pd.read_csv(shared_dir / "geodata-sources/villages_fenghua_putuo_shengsi.csv", dtype=str)
    total = 0
    for rep in reports.values():
        vil = rep.places[rep.places["unit"] == "village"]
        want = set(register.loc[register["areaCode"] == rep.area.config.code, "code"])
        assert set(vil["code"]) == want and vil["code"].is_unique
        assert set(vil["status"]) <= {"covered", "underserved", "unknown"}
        s = rep.summary["villages"]
        assert s["covered"] + s["underserved"] + s["unknown"] == len(want)
        # a village with no point is never called underserved: a data gap is not a care gap
        assert (vil.loc[vil["node"].isna(), "status"] == "unknown").all()
        total += len(vil)
    assert total == 508


def test_underserved_rows_say_which_rule_fails_and_why(reports):
    for rep in reports.values():
        under = rep.underserved
        assert (under["failing_rules"].str.len() > 0).all()
        assert (under["reason"].str.len() > 0).all()


def test_ambulance_norm_on_shengsi_island_townships_by_hand(packs):
    norm = ambulance_norm(packs["shengsi"]).set_index("township")
    # populations as the gazetteer states them (latest dated figure): 嵊山 8,183 (2019),
    # 黄龙 6,621 (2017), 枸杞 8,238 (2017), 花鸟 2,171 (2000): each under 10,000 on an outlying island
    for name, pop in (("嵊山镇", 8183), ("黄龙乡", 6621), ("枸杞乡", 8238), ("花鸟乡", 2171)):
        assert norm.loc[name, "population"] == pop
        assert norm.loc[name, "needed"] == 1
    # 洋山镇 (12,130) is outlying but not small; 菜园镇 34,248 and 五龙乡 5,208 share 泗礁岛
    rest = norm.loc["(rest of the area)"]
    assert rest["population"] == 34248 + 12130 + 5208
    assert rest["needed"] == math.ceil((34248 + 12130 + 5208) / 30000) == 2
    # ambulance counts are not in any source: the shortfall is unknown, not zero
    assert norm["present"].isna().all() and norm["shortfall"].isna().all()


def test_average_response_is_population_weighted(reports):
    rep = reports["putuo"]
    seats = rep.response[(rep.response["unit"] == "township_seat") & rep.response["population"].notna()]
    ok = np.isfinite(seats["response_min"].astype(float))
    pop = seats.loc[ok, "population"].astype(float)
    want = (pop * seats.loc[ok, "response_min"].astype(float)).sum() / pop.sum()
    assert response_summary(rep.response)["all"]["average_response_min"] == pytest.approx(want, abs=0.05)


def test_referral_scenarios_order(reports):
    ref = reports["putuo"].referral
    seats = ref[ref["unit"] == "township_seat"]
    for _, r in seats.iterrows():
        # the best mix is never slower than land+sea or air alone; night never faster than day
        assert r["county_best_day"] <= min(r["county_land_sea_day"], r["county_air_day"]) + 1e-9
        assert r["county_best_night"] >= r["county_best_day"] - 1e-9
    # 东极镇 by air in a weather closure, but not by land and sea
    dj = seats.set_index("name").loc["东极镇"]
    assert math.isinf(dj["county_land_sea_closure"]) and math.isfinite(dj["county_best_closure"])


def test_circle_polygon_is_land_reached_not_a_hull(packs):
    area = packs["putuo"]
    nets = NetworkCache(area)
    net = nets.get(Scenario(profile="drive"))
    src = "f:putuo-h-002"  # 六横分院 on 六横岛
    t = net.engine.times([src])[0]
    small = reached_area(net, t, 10, land=area.land_union, epsg=32651)
    big = reached_area(net, t, 20, land=area.land_union, epsg=32651)
    m = lambda g: gpd.GeoSeries([g], crs=4326).to_crs(32651).area.iloc[0]  # noqa: E731
    assert m(small) < m(big)
    assert m(big.difference(area.land_union.buffer(1e-6))) < 1.0  # clipped to land
    reached = [net.xy[n] for n in net.engine.nodes if n in net.xy and t[net.engine.node_index[n]] <= 20]
    hull = shapely.MultiPoint(reached).convex_hull
    assert m(big) < m(hull)


def test_coverage_only_grows_when_a_site_is_added(packs):
    area = packs["shengsi"]
    pl = places(area)
    checker = SiteChecker(area, pl, NetworkCache(area))
    rng = np.random.default_rng(3)
    land = area.layers["land"]
    land = land[land["kind"] == "island"]
    pts = land.sample_points(1, rng=rng).explode().head(12)
    for kind in ("village_clinic", "ambulance_station"):
        for p in pts:
            eff = checker.check(kind, [(p.x, p.y)])
            for c in eff.circles.values():
                assert c["places_inside_after"] >= c["places_inside_before"]
            if eff.response is not None:
                assert eff.response["minutes_saved_total"] >= 0


def test_what_if_equals_full_recompute(packs):
    area = packs["putuo"]
    pl = places(area)
    nets = NetworkCache(area)
    checker = SiteChecker(area, pl, nets)
    site = (122.30, 29.95)
    eff = checker.check("village_clinic", [site])
    circle = next(c for c in circles_for(area) if c.key == "primary_care")
    extra = {}
    for profile in ("walk", "drive"):
        node, _, access = nets.get(Scenario(profile=profile)).nearest_land_node(*site)
        extra[profile] = [(node, access)]
    full = evaluate_circle(area, pl, nets, circle, extra=extra, with_legs=False)
    assert (full["status"] == "covered").sum() == eff.circles["primary_care"]["places_inside_after"]


def _brute(cover, weights, k):
    return max(weights[cover[list(combo)].any(axis=0)].sum()
               for combo in itertools.combinations(range(cover.shape[0]), k))


@pytest.mark.parametrize("seed", range(6))
def test_mclp_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    cover = rng.random((9, 14)) < 0.25
    weights = rng.integers(1, 50, size=14).astype(float)
    for k in (1, 2, 3):
        chosen = solve_mclp(cover, weights, k)
        assert len(chosen) == k
        got = weights[cover[chosen].any(axis=0)].sum()
        assert got == pytest.approx(_brute(cover, weights, k))


def test_propose_covers_at_least_the_best_single_site(packs):
    area = packs["shengsi"]
    checker = SiteChecker(area, places(area), NetworkCache(area))
    table, effect = propose(checker, "ambulance_station", 2)
    assert len(table) == 2
    assert effect.response["people_newly_within_target"] > 0
    one, _ = propose(checker, "ambulance_station", 1)
    assert table["weight_covered"].sum() >= one["weight_covered"].sum()


def test_threshold_change_in_the_area_file_changes_the_result(tmp_path):
    root = tmp_path / "geodata"
    shutil.copytree(REPO / "geodata/areas", root / "areas")
    shutil.copytree(REPO / "geodata/packs/shengsi", root / "packs/shengsi")
    base = load_pack("shengsi", root=root)
    strict_text = (root / "areas/shengsi.toml").read_text("utf-8").replace(
        'countryside_minutes = { value = 20', 'countryside_minutes = { value = 0.5')
    (root / "areas/shengsi.toml").write_text(strict_text, "utf-8")
    strict = load_pack("shengsi", root=root)
    assert strict.config.get("circles.primary_care.countryside_minutes") == 0.5

    def covered(area):
        circle = next(c for c in circles_for(area) if c.key == "primary_care")
        t = evaluate_circle(area, places(area), NetworkCache(area), circle, with_legs=False)
        return t[t["settlement_class"] == "countryside"]["status"].eq("covered").sum()

    assert covered(strict) < covered(base)


def test_planned_hospital_move_before_and_after(packs):
    from islandcare.analyses.referral import relocation_effect
    from islandcare.data.pack import relocated

    area = packs["fenghua"]
    moved, notes = relocated(area, year=2026)
    assert notes and "宁波市奉化区人民医院" in notes[0]
    assert relocated(area, year=2020)[1] == []  # not due yet
    fac0 = area.facilities.set_index("name").loc["宁波市奉化区人民医院"]
    fac1 = moved.facilities.set_index("name").loc["宁波市奉化区人民医院"]
    tw = area.townships.set_index("name")
    mid_x = (tw.loc["锦屏街道"].geometry.x + tw.loc["萧王庙街道"].geometry.x) / 2
    assert fac1.geometry.x == pytest.approx(mid_x) and fac1["location_quality"] == "approximate"
    assert fac0.geometry.distance(fac1.geometry) > 0.01
    eff = relocation_effect(area, places(area)).set_index("name")
    # 萧王庙 gets closer, 锦屏 (the old site's street) farther
    assert eff.loc["萧王庙街道", "change_min"] < 0 < eff.loc["锦屏街道", "change_min"]


def test_a_new_circle_is_a_setting_not_code(tmp_path):
    """A 10-minute circle added to the area file is evaluated like the plans' own."""
    root = tmp_path / "geodata"
    shutil.copytree(REPO / "geodata/areas", root / "areas")
    shutil.copytree(REPO / "geodata/packs/putuo", root / "packs/putuo")
    with (root / "areas/putuo.toml").open("a", encoding="utf-8") as f:
        f.write('\n[circles.hospital_10]\nlabel = "hospital within 10 minutes"\n'
                'facility_kinds = ["hospital"]\n'
                'minutes = { value = 10, source = "assumption: test circle" }\nmode = "drive"\n')
    area = load_pack("putuo", root=root)
    keys = [c.key for c in circles_for(area)]
    assert keys[0] == "primary_care" and "hospital_10" in keys
    rep = analyse_area(area, with_polygons=False)
    t = rep.circles["hospital_10"].table
    assert set(t["limit"].dropna()) == {10.0}
    seat = t.set_index("name").loc["六横镇"]  # 六横分院 stands at the 六横 seat
    assert seat["status"] == "covered" and seat["facility"].startswith("普陀医院六横分院")
    assert rep.summary["circles"]["hospital_10"]["label"] == "hospital within 10 minutes"
