"""Verdicts that say what they rest on; headline figures with their denominators; daylight."""

from __future__ import annotations

import numpy as np
import pytest

from islandcare.analyses.basis import point_basis, verdict_label, weakest
from islandcare.analyses.report import analyse_area
from islandcare.engine_td import ClockEngine, parse_clock
from islandcare.network.assemble import build_network
from islandcare.network.daylight import day_hours, flies_at, sun_hours
from islandcare.network.scenario import Scenario
from islandcare.render.summary import summary_markdown


@pytest.fixture(scope="module")
def shengsi_report(packs):
    return analyse_area(packs["shengsi"], with_polygons=False)


def test_basis_rules():
    common = {"place_xy": (122.0, 30.0), "assumed_within_m": 400}
    # a facility placed on the very point of the place: assumed, whatever the legs
    assert point_basis(modelled_leg=False, place_quality="exact", facility_quality="approximate",
                       facility_xy=(122.0, 30.0), **common) == "assumed"
    # 1 km apart: the time is measured along the network, resting on a modelled leg
    far = (122.0, 30.009)
    assert point_basis(modelled_leg=True, place_quality="exact", facility_quality="approximate",
                       facility_xy=far, **common) == "modelled"
    assert point_basis(modelled_leg=False, place_quality="exact", facility_quality="exact",
                       facility_xy=(122.0, 30.0), **common) == "exact"
    assert weakest(["exact", None, "modelled", float("nan")]) == "modelled"
    assert weakest(["exact", "assumed", "modelled"]) == "assumed"
    assert weakest([None]) is None
    assert verdict_label("covered", "assumed") == "covered (assumed)"
    assert verdict_label("covered", "modelled") == "covered on data"


def test_a_seat_whose_only_facility_was_placed_on_it_is_assumed(packs, shengsi_report):
    fac = packs["shengsi"].layers["facilities"]
    pl = shengsi_report.places.set_index("name")
    # 枸杞乡卫生院 stands on the seat point of 枸杞乡 (no source gives its address)
    centre = fac.set_index("name").loc["枸杞乡卫生院"]
    seat = pl.loc["枸杞乡"]
    assert (centre.geometry.x, centre.geometry.y) == pytest.approx((seat["lon"], seat["lat"]))
    assert seat["primary_care_status"] == "covered" and seat["primary_care_basis"] == "assumed"
    assert seat["basis"] == "assumed"
    for _, r in shengsi_report.places.iterrows():  # never plain "covered"
        assert r["verdict"] in ("covered on data", "covered (assumed)", "underserved", "unknown")
        if r["status"] == "covered":
            assert r["verdict"] == ("covered (assumed)" if r["basis"] == "assumed" else "covered on data")
    c = shengsi_report.summary["circles"]["primary_care"]["township_seats"]
    assert c["covered_on_data"] + c["covered_assumed"] == c["covered"]
    assert c["covered_assumed"] >= 1


def test_headline_figures_carry_their_denominators(packs, shengsi_report):
    r = shengsi_report.summary["ambulance"]["response"]["all"]
    table = shengsi_report.response
    seats = table[table["unit"] == "township_seat"]
    stated = seats[seats["population"].notna()]
    assert r["people"] == int(stated["population"].sum())
    assert r["people_with_time"] + r["people_not_reached"] == r["people"]
    t = stated["response_min"].astype(float)
    assert r["not_reached"] == list(stated.loc[~np.isfinite(t), "name"])
    assert r["people_within_target"] == int(stated.loc[np.isfinite(t) & (t <= stated["target_min"]),
                                                       "population"].sum())
    md = summary_markdown(shengsi_report)
    assert f"over {r['people_with_time']:,} people with a time" in md
    assert f"of {r['people']:,} people" in md
    # Putuo: the four seats with no stated population are named, not silently left out
    putuo = analyse_area(packs["putuo"], with_polygons=False)
    left = putuo.summary["ambulance"]["response"]["all"]["seats_without_population"]
    seats = putuo.places[putuo.places["unit"] == "township_seat"]
    assert left == list(seats.loc[seats["population"].isna(), "name"]) and len(left) >= 1
    assert "left out, no population stated: " + "、".join(left) in summary_markdown(putuo)


def test_sunrise_and_sunset_follow_latitude_and_date():
    rise, sset = sun_hours(30.7, 122.45, day_of_year=80, utc_offset=8)  # equinox, Shengsi
    assert 5.5 < rise < 6.3 and 17.7 < sset < 18.4 and sset - rise == pytest.approx(12.1, abs=0.2)
    w_rise, w_set = sun_hours(30.7, 122.45, day_of_year=355, utc_offset=8)  # winter solstice: shorter day
    s_rise, s_set = sun_hours(30.7, 122.45, day_of_year=172, utc_offset=8)
    assert (w_set - w_rise) < 10.5 < 13.5 < (s_set - s_rise)


def test_a_late_departure_grounds_day_only_flights(packs):
    area = packs["shengsi"]
    _rise, _sset = day_hours(area.config)
    assert flies_at(area.config, 10.0) and not flies_at(area.config, 23.0)

    def air(hour):
        net = build_network(area, scenario=Scenario(profile="ambulance", hour=hour))
        return net, [d for _, _, d in net.graph.edges(data=True) if d["mode"] == "air"]

    day_net, day_air = air(10.0)
    night_net, night_air = air(23.0)
    assert day_air and not night_air  # --hour 23 grounds them without --night
    # the clock-true trip at 23:00 has no air leg, at 10:00 the helicopter lands on 洋山 (no pad:
    # improvised site at the seat, marked assumed)
    seat = "t:330922102"
    legs_day = ClockEngine.compile(day_net.graph).trip("f:shengsi-air-011", seat, depart=parse_clock("10:00"))
    assert any(lg.mode == "air" for lg in legs_day)
    notes = [d["note"] for _, v, d in day_net.graph.edges(data=True) if d["mode"] == "air" and v == seat]
    assert notes and all("assumed" in n for n in notes)
    legs_night = ClockEngine.compile(night_net.graph).trip("f:shengsi-air-011", seat,
                                                            depart=parse_clock("23:00"))
    assert not any(lg.mode == "air" for lg in legs_night)


def test_improvised_sites_only_where_an_island_township_has_no_pad(packs):
    area = packs["putuo"]
    net = build_network(area, scenario=Scenario(profile="ambulance"))
    landed = {v for _, v, d in net.graph.edges(data=True)
              if d["mode"] == "air" and "improvised" in str(d.get("note")) and v.startswith("t:")}
    assert landed
    tw = area.layers["townships"].set_index("code")
    fac = area.layers["facilities"]
    pads = set(fac.loc[(fac["kind"] == "helipad") & (fac["status"] == "existing"), "township_code"])
    for node in landed:
        code = node[2:]
        assert bool(tw.loc[code, "outlying_island"]) and code not in pads
    assert "t:330903105" not in landed  # 东极: 庙子湖 has a built pad in the data
