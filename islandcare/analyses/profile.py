"""A day profile per place: the minutes at every departure time of the day.

For departures every ``profile.step_minutes`` over ``profile.window`` (area
file; default every 10 minutes over 24 hours), clock-true
(:mod:`islandcare.engine_td`: each ferry waits from the arrival at its pier for
the next sailing in its direction; day-only helicopters fly between sunrise
and sunset):

``primary_care_min``  the resident leaves the place for the nearest facility
                      of the primary care circle (the circle's mode);
``response_min``      the ambulance leaves its base (activation included);
``county_min``        the patient leaves the place for the county hospital by
                      the best mix of land, sea and air.

Per place: median, 90th percentile and worst of each, and the share of the
day inside the circle (primary care) or the response target. A ferry with no
timetable in the data keeps its average wait at every hour (said so in the
assumptions).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from islandcare.analyses.coverage import circles_for, facility_sources
from islandcare.analyses.referral import hospital_nodes
from islandcare.analyses.rules import ResponseRule, rule_sources
from islandcare.data.pack import Area
from islandcare.engine_td import ClockEngine
from islandcare.network.assemble import Network, NetworkCache
from islandcare.network.daylight import flies_at
from islandcare.network.scenario import Scenario

__all__ = ["PROFILE_COLUMNS", "day_profile", "departures", "profile_summary"]

#: Per-place summary columns, with their headers (Chinese and English).
PROFILE_COLUMNS: dict[str, str] = {
    "primary_care_share_of_day": "primary care: share of the day inside 基层医疗全天达标比例",
    "primary_care_p90_min": "primary care 90th percentile minutes 基层医疗90%分位(分钟)",
    "primary_care_worst_min": "primary care worst minutes 基层医疗最长(分钟)",
    "response_share_of_day": "ambulance response: share of the day within target 急救全天达标比例",
    "response_p90_min": "response 90th percentile minutes 急救90%分位(分钟)",
    "response_worst_min": "response worst minutes 急救最长(分钟)",
    "county_median_min": "to county hospital, median over the day 县医院全天中位(分钟)",
    "county_p90_min": "to county hospital, 90th percentile 县医院90%分位(分钟)",
    "county_worst_min": "to county hospital, worst 县医院最长(分钟)",
}

MEASURES = ("primary_care", "response", "county")


def departures(area: Area) -> np.ndarray:
    """Departure clock minutes of the area's day profile (window and step from the area file)."""
    cfg = area.config
    lo, hi = cfg.get("profile.window")
    step = float(cfg.get("profile.step_minutes"))

    def minutes(text: str) -> float:
        h, m = str(text).split(":")
        return int(h) * 60 + int(m)

    return np.arange(minutes(lo), minutes(hi), step, dtype=np.float64)


def _clock(m: float) -> str:
    return f"{int(m) // 60:02d}:{int(m) % 60:02d}"


def day_profile(area: Area, places: pd.DataFrame, nets: NetworkCache) -> pd.DataFrame:
    """One row per place with a point and departure time: the three measures in minutes.

    Columns: ``code``, ``unit``, ``name``, ``depart`` (HH:MM), ``primary_care_min``,
    ``primary_care_limit``, ``response_min``, ``response_target``, ``county_min``
    (``inf`` where not reached).
    """
    cfg = area.config
    if nets.hour is not None:  # the profile runs over the day, whatever hour the report was asked for
        nets = NetworkCache(area)
    T = departures(area)
    # places with a point, and the columns read here
    on = places.loc[places["node"].notna(), ["code", "unit", "name", "settlement_class", "node"]].reset_index(drop=True)
    node = on["node"].to_numpy()
    out = {"primary_care_min": np.full((len(T), len(on)), np.nan),
           "response_min": np.full((len(T), len(on)), np.nan),
           "county_min": np.full((len(T), len(on)), np.nan)}
    limit = np.full(len(on), np.nan)
    clocks: dict[Scenario, ClockEngine] = {}

    def clock(sc: Scenario) -> tuple[ClockEngine, Network]:
        net = nets.get(sc)
        if sc not in clocks:
            clocks[sc] = ClockEngine.from_network(net)
        return clocks[sc], net

    # primary care: each class by its circle's mode
    circle = next((c for c in circles_for(area) if c.key == "primary_care"), None)
    if circle is not None:
        for cls, (lim, mode) in circle.limits.items():
            rows = np.flatnonzero(on["settlement_class"].to_numpy() == cls)
            eng, net = clock(Scenario(profile=mode))
            rows = np.array([i for i in rows if net.has(node[i])], dtype=np.int64)
            limit[rows] = lim
            srcs = facility_sources(area, net, circle.kinds)
            if len(rows) and srcs:
                out["primary_care_min"][:, rows] = eng.minutes_to(
                    srcs, [node[i] for i in rows], depart=T)
    # day-only flights: the air network while the sun is up, the grounded one after dark
    day = np.array([flies_at(cfg, t / 60.0) for t in T])
    response = ResponseRule.of(area)
    hospitals = hospital_nodes(area)
    for lit, sc in ((True, Scenario(profile="ambulance")),
                    (False, Scenario(profile="ambulance", air_grounded=True))):
        sel = np.flatnonzero(day == lit)
        if not len(sel):
            continue
        eng, net = clock(sc)
        cols = np.array([i for i in range(len(on)) if net.has(node[i])], dtype=np.int64)
        nodes = [node[i] for i in cols]
        bases = rule_sources(response, area, net)
        srcs, delays = list(bases.nodes), list(bases.delays)
        if srcs and len(cols):
            out["response_min"][np.ix_(sel, cols)] = eng.arrivals(srcs, depart=T[sel], delays=delays,
                                                                  at=nodes)
        if "county" in hospitals and net.has(hospitals["county"]) and len(cols):
            out["county_min"][np.ix_(sel, cols)] = eng.minutes_to(hospitals["county"], nodes, depart=T[sel])
    target_town = float(cfg.get("ambulance.response_target_minutes"))
    target_country = float(cfg.typed.ambulance.countryside_target_minutes)
    target = np.where(on["settlement_class"].to_numpy() == "town", target_town, target_country)
    n_t, n_p = len(T), len(on)
    frame = pd.DataFrame({
        "code": np.tile(on["code"].to_numpy(), n_t), "unit": np.tile(on["unit"].to_numpy(), n_t),
        "name": np.tile(on["name"].to_numpy(), n_t),
        "depart": np.repeat([_clock(t) for t in T], n_p),
        "primary_care_min": out["primary_care_min"].ravel(),
        "primary_care_limit": np.tile(limit, n_t),
        "response_min": out["response_min"].ravel(), "response_target": np.tile(target, n_t),
        "county_min": out["county_min"].ravel(),
    })
    return frame


def profile_summary(profile: pd.DataFrame) -> pd.DataFrame:
    """Per place (``unit``, ``code``): median, 90th percentile, worst, share of the day inside."""
    # each place's rows (places in order of first appearance), then plain arrays per column
    group, keys = pd.factorize(pd.MultiIndex.from_arrays([profile["unit"], profile["code"]]))
    order = np.argsort(group, kind="stable")
    starts = np.searchsorted(group[order], np.arange(len(keys) + 1))
    minutes = {m: profile[f"{m}_min"].to_numpy(dtype=float) for m in MEASURES}
    limits = {"primary_care": profile["primary_care_limit"].to_numpy(dtype=float),
              "response": profile["response_target"].to_numpy(dtype=float)}
    rows = []
    for k, (unit, code) in enumerate(keys):
        at = order[starts[k]:starts[k + 1]]
        row = {"unit": unit, "code": code}
        for m in MEASURES:
            v = minutes[m][at]
            known = ~np.isnan(v)
            if not known.any():
                row.update({f"{m}_median_min": np.nan, f"{m}_p90_min": np.nan, f"{m}_worst_min": np.nan})
                if m != "county":
                    row[f"{m}_share_of_day"] = np.nan
                continue
            v = v[known]
            # inverted-CDF quantiles: a departure's own minutes, never an average with inf
            median, p90 = np.quantile(v, [0.5, 0.9], method="inverted_cdf")
            row[f"{m}_median_min"] = float(median)
            row[f"{m}_p90_min"] = float(p90)
            row[f"{m}_worst_min"] = float(v.max())
            if m != "county":
                lim = limits[m][at][known]
                row[f"{m}_share_of_day"] = float(np.mean(v <= lim)) if np.isfinite(lim).all() else np.nan
        rows.append(row)
    return pd.DataFrame(rows)
