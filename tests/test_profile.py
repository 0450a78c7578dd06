"""The day profile: every place with a point at every departure, clock-true, summarised honestly."""

from __future__ import annotations

import numpy as np
import pytest

from islandcare.analyses.places import places as make_places
from islandcare.analyses.profile import day_profile, departures, profile_summary
from islandcare.engine_td import ClockEngine, parse_clock
from islandcare.network.assemble import NetworkCache
from islandcare.network.daylight import day_hours
from islandcare.network.scenario import Scenario


@pytest.fixture(scope="module")
def putuo_profile(packs):
    area = packs["putuo"]
    nets = NetworkCache(area)
    pl = make_places(area)
    return area, nets, pl, day_profile(area, pl, nets)


def test_one_row_per_place_with_a_point_and_departure(putuo_profile):
    area, _, pl, prof = putuo_profile
    T = departures(area)
    assert len(T) == 144 and T[1] - T[0] == area.config.get("profile.step_minutes")
    assert len(prof) == pl["node"].notna().sum() * len(T)
    assert set(prof["code"]) == set(pl.loc[pl["node"].notna(), "code"])  # no place dropped


def test_response_follows_daylight_and_the_clock(putuo_profile):
    area, nets, _, prof = putuo_profile
    _rise, _sset = day_hours(area.config)
    seat = prof[prof["code"] == "330903105"].set_index("depart")  # 东极镇
    noon, night = seat.loc["12:00", "response_min"], seat.loc["23:00", "response_min"]
    assert noon < night  # the helicopter by day, an on-call boat after dark
    # the same minutes as the quickest clock-true trip (heap Dijkstra) from any base, at 23:00
    from islandcare.analyses.ambulance import emergency_bases

    net = nets.get(Scenario(profile="ambulance", air_grounded=True))
    eng = ClockEngine.from_network(net)
    bases, _ = emergency_bases(area)
    delay = float(area.config.get("ambulance.activation_minutes"))
    t0 = parse_clock("23:00")
    best = np.inf
    for fid, kind in zip(bases["facility_id"], bases["kind"], strict=True):
        d = 0.0 if kind == "air_base" else delay
        legs = eng.trip(f"f:{fid}", "t:330903105", depart=t0 + d) if net.has(f"f:{fid}") else []
        if legs:
            best = min(best, legs[-1].arrives - t0)
    assert night == pytest.approx(best)


def test_summary_quantiles_and_shares(putuo_profile):
    _, _, _, prof = putuo_profile
    summ = profile_summary(prof)
    for m in ("primary_care", "response", "county"):
        ok = summ[f"{m}_worst_min"].notna()
        med, p90, worst = (summ.loc[ok, f"{m}_{q}_min"] for q in ("median", "p90", "worst"))
        assert (med <= p90).all() and (p90 <= worst).all()
    share = summ["response_share_of_day"].dropna()
    assert ((share >= 0) & (share <= 1)).all()
    one = prof[prof["code"] == "330903105"]
    within = (one["response_min"] <= one["response_target"]).mean()
    assert summ.set_index("code").loc["330903105", "response_share_of_day"] == pytest.approx(within)


@pytest.mark.parametrize("key", ["shengsi", "putuo", "fenghua", "samsoe"])
def test_every_area_flies_in_its_own_daylight(key):
    """The helicopter's day (sunrise to sunset, local clock) holds the morning and the afternoon of each area.

    The hours are computed from ``daylight_date`` on the area's own clock (``area.utc_offset``: UTC+8 in
    Zhejiang, UTC+1 on Samsø); on China's clock Samsø's day would run from about 13:24 to 01:27.
    """
    from islandcare.config import load_area

    cfg = load_area(key)
    assert cfg.get("helicopter.day_hours") is None  # computed, not stated
    rise, sset = day_hours(cfg)
    assert 4.0 < rise < 9.0 and 16.0 < sset < 21.0, (key, rise, sset)
