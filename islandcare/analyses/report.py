"""Every analysis of an area in one pass, and the verdict for each village.

A place's overall status: ``underserved`` if any rule fails for it (the
reason names each failing rule), else ``unknown`` if any rule cannot be told
(no point, or a gap in the data), else ``covered``. Every village of the
register and every township seat is in exactly one of the three.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from islandcare.analyses.ambulance import ambulance_norm, response_summary, response_times
from islandcare.analyses.basis import verdict_label, weakest
from islandcare.analyses.circles import reached_area
from islandcare.analyses.counties import county_table
from islandcare.analyses.coverage import (
    Circle,
    CircleResult,
    circles_for,
    evaluate_circle,
    facility_sources,
    status_counts,
)
from islandcare.analyses.places import places as make_places
from islandcare.analyses.profile import day_profile, profile_summary
from islandcare.analyses.referral import (
    helipad_coverage,
    hospital_nodes,
    referral_times,
    relocation_effect,
)
from islandcare.analyses.settlement import class_counts
from islandcare.data.pack import Area
from islandcare.network import nodes
from islandcare.network.assemble import NetworkCache
from islandcare.network.scenario import Scenario

__all__ = ["VERDICT_COLUMNS", "AreaReport", "analyse_area", "analysis_steps", "circle_columns", "place_frame",
           "underserved_columns"]

#: Columns of the underserved export before the circles' columns, with their headers.
_COLUMNS_BEFORE: dict[str, str] = {
    "code": "code 代码",
    "name": "name 名称",
    "unit": "unit 类型",
    "township": "township 乡镇",
    "population": "population 人口",
    "population_year": "population year 人口年份",
    "settlement_class": "class 城乡",
    "class_rule": "class rule 城乡依据",
    "failing_rules": "failing rules 未达标规则",
    "reason": "reason 原因",
}

#: Columns of the underserved export after the circles' columns, with their headers.
_COLUMNS_AFTER: dict[str, str] = {
    "nearest_facility": "nearest facility 最近机构",
    "response_min": "ambulance response minutes 急救反应(分钟)",
    "response_modes": "response modes 急救方式",
    "county_land_sea_day": "to county hospital, land+sea, day 县医院(陆海,日)",
    "county_air_day": "to county hospital, air 县医院(空)",
    "county_best_day": "to county hospital, best mix 县医院(最佳)",
    "referral_best_day": "to referral hospital, best mix 转诊医院(最佳)",
    "data_quality": "data quality 数据质量",
}


def circle_columns(circles: Iterable[Circle]) -> dict[str, str]:
    """Each circle's export columns, ``<key>_min``, ``<key>_limit`` and ``<key>_mode``, with headers.

    Headers come from the circle's ``label`` (the words tables may give their own,
    ``columns.<key>_min`` and so on, see :func:`islandcare.render.words.export_columns`).
    """
    out: dict[str, str] = {}
    for c in circles:
        out[f"{c.key}_min"] = f"{c.label} minutes"
        out[f"{c.key}_limit"] = f"{c.label} limit (minutes)"
        out[f"{c.key}_mode"] = f"{c.label} mode"
    return out


def underserved_columns(area: Area) -> dict[str, str]:
    """Columns of the underserved export of an area, with headers: every circle of its area file has its own."""
    return {**_COLUMNS_BEFORE, **circle_columns(circles_for(area)), **_COLUMNS_AFTER}


#: What each verdict rests on (see :mod:`islandcare.analyses.basis`).
VERDICT_COLUMNS: dict[str, str] = {
    "verdict": "verdict, with its basis 结论(依据)",
    "basis": "weakest data under the verdict 依据 (exact/modelled/assumed)",
}


@dataclass
class AreaReport:
    """All results of one area."""

    area: Area
    places: pd.DataFrame                      # one row per place, with overall status
    circles: dict[str, CircleResult] = field(default_factory=dict)
    response: pd.DataFrame | None = None
    response_rule: str = ""
    response_summary: dict = field(default_factory=dict)
    norm: pd.DataFrame | None = None
    referral: pd.DataFrame | None = None
    helipads: pd.DataFrame | None = None
    summary: dict = field(default_factory=dict)
    hour: float | None = None
    relocations: pd.DataFrame | None = None
    profile: pd.DataFrame | None = None       # one row per place and departure time
    nets: NetworkCache | None = field(default=None, repr=False)  # the networks it was computed on

    @property
    def underserved(self) -> pd.DataFrame:
        """Places with status ``underserved``."""
        return self.places[self.places["status"] == "underserved"]


def _quality(*, location_quality: object, modelled_leg: object, unit: object, population_year: object) -> str:
    """One place's data quality flags, from its columns of the same names."""
    flags = []
    if location_quality == "none":
        flags.append("no point")
    elif location_quality == "approximate":
        flags.append("approximate point")
    if modelled_leg:
        flags.append("time rests on a modelled leg")
    if unit == "township_seat":
        flags.append("township population placed at its seat")
    if unit == "township_seat" and str(population_year) in ("not stated", "None", "nan"):
        flags.append("population year not stated")
    return "; ".join(flags)


def _qualities(places: pd.DataFrame) -> pd.Series:
    """Per place: its data quality flags (:func:`_quality`), column by column rather than row by row."""
    none = pd.Series(None, index=places.index, dtype=object)  # a column the table does not have
    flags = [_quality(location_quality=q, modelled_leg=m, unit=u, population_year=y)
             for q, m, u, y in zip(places["location_quality"], places.get("modelled_leg", none), places["unit"],
                                   places.get("population_year", none), strict=True)]
    return pd.Series(flags, index=places.index)


def analysis_steps(area: Area) -> int:
    """How many steps :func:`analyse_area` reports to its ``progress`` callable."""
    return len(circles_for(area)) + 4


def analyse_area(area: Area, *, with_polygons: bool = True, hour: float | None = None,
                 progress=None, with_profile: bool = True) -> AreaReport:
    """Run every analysis of an area (circles, response, norm, referral, helipads).

    Parameters
    ----------
    hour
        Hour of day for ferry waits and sailing hours (default: average waits).
    progress
        Optional callable ``progress(label)`` told before each step.
    with_profile
        Whether to compute the day profile (clock-true minutes at every
        departure time; see :mod:`islandcare.analyses.profile`).
    """
    say = progress or (lambda _label: None)
    nets = NetworkCache(area, hour=hour)
    places = make_places(area)
    report = AreaReport(area=area, places=places, hour=hour, nets=nets)
    # the report's columns after the places' own, in order: one frame built at the end, not column by column
    new: dict[str, object] = {}
    fail_rules: list[list[str]] = [[] for _ in range(len(places))]
    unknown_rules: list[list[str]] = [[] for _ in range(len(places))]
    reasons: list[list[str]] = [[] for _ in range(len(places))]
    for circle in circles_for(area):
        say(f"{circle.key} circle")
        table = evaluate_circle(area, places, nets, circle)
        polys: dict[str, BaseGeometry] = {}
        if with_polygons:
            drawn: dict[tuple[float, str], BaseGeometry | None] = {}  # classes of one limit and mode: one drawing
            for cls, (limit, mode) in circle.limits.items():
                if (limit, mode) not in drawn:
                    net = nets.get(Scenario(profile=mode, night=circle.night))
                    srcs = facility_sources(area, net, circle.kinds)
                    drawn[(limit, mode)] = None
                    if srcs:
                        best = net.engine.nearest(srcs, cutoff=limit).minutes
                        drawn[(limit, mode)] = reached_area(net, best, limit, land=area.land_union,
                                                            epsg=area.config.utm_epsg)
                geom = drawn[(limit, mode)]
                if geom is not None:
                    polys[cls] = geom
        report.circles[circle.key] = CircleResult(circle, table, polys)
        for col in ("minutes", "limit", "mode", "status", "reason_code", "basis"):
            new[f"{circle.key}_{'min' if col == 'minutes' else col}"] = table[col]
        if len(report.circles) == 1:  # the first circle (primary care, circles_for) gives the nearest facility
            new["nearest_facility"] = table["facility"]
            new["modelled_leg"] = table["modelled_leg"]
        for i, (st, why) in enumerate(zip(table["status"], table["reason"], strict=True)):
            if st == "underserved":
                fail_rules[i].append(circle.key)
                reasons[i].append(str(why))
            elif st == "unknown":
                unknown_rules[i].append(circle.key)
                reasons[i].append(str(why))
    say("ambulance response")
    resp = response_times(area, places, nets)
    report.response, report.response_rule = resp.table, resp.bases_rule
    report.response_summary = response_summary(resp.table)
    for col in ("response_min", "response_modes", "response_status", "response_reason_code", "response_basis"):
        new[col] = resp.table[col]
    for i, (st, why) in enumerate(zip(resp.table["response_status"], resp.table["response_reason"], strict=True)):
        if st == "underserved":
            fail_rules[i].append("ambulance_response")
            reasons[i].append(str(why))
        elif st == "unknown":
            unknown_rules[i].append("ambulance_response")
            if str(why) not in reasons[i]:
                reasons[i].append(str(why))
    report.norm = ambulance_norm(area)
    say("land-sea-air referral")
    report.referral = referral_times(area, places, nets)
    for col in ("county_land_sea_day", "county_air_day", "county_best_day", "referral_best_day"):
        new[col] = report.referral.get(col, np.nan)
    report.helipads = helipad_coverage(area, places, nets)
    say("planned hospital moves")
    report.relocations = relocation_effect(area, places, nets)
    new["helipad_min"] = report.helipads["helipad_min"]
    say("day profile")
    if with_profile:
        report.profile = day_profile(area, places, nets)
        per_place = profile_summary(report.profile).set_index(["unit", "code"])
        # one reindex on (unit, code): places the profile has no row for get NaN
        aligned = per_place.reindex(pd.MultiIndex.from_arrays([places["unit"], places["code"]]))
        for col in per_place.columns:
            new[col] = aligned[col].to_numpy()
    status = []
    for f, u in zip(fail_rules, unknown_rules, strict=True):
        status.append("underserved" if f else ("unknown" if u else "covered"))
    new["status"] = status
    merged = pd.concat([places, pd.DataFrame(new, index=places.index)], axis=1)
    basis_cols = [c for c in merged.columns if c.endswith("_basis")]
    # the weakest data under any rule of the verdict
    merged["basis"] = [weakest(bases) for bases in zip(*(merged[c] for c in basis_cols), strict=True)]
    merged["verdict"] = [verdict_label(st, b) for st, b in zip(merged["status"], merged["basis"], strict=True)]
    merged["failing_rules"] = [", ".join(f) for f in fail_rules]
    merged["unknown_rules"] = [", ".join(u) for u in unknown_rules]
    merged["reason"] = ["; ".join(dict.fromkeys(r)) for r in reasons]
    merged["data_quality"] = _qualities(merged)
    report.places = merged
    report.summary = _summary(report)
    return report


def _summary(rep: AreaReport) -> dict:
    area = rep.area
    cfg = area.config
    pl = rep.places
    # the columns read here, before selecting rows (a wide table's row selection copies every column)
    few = pl[["unit", "status", "basis", "node", "settlement_class", "class_rule"]]
    vil = few[few["unit"] == "village"]
    seats = few[few["unit"] == "township_seat"]
    circles = {}
    for key, res in rep.circles.items():
        t = res.table[["unit", "code", "name", "township_code", "township", "status", "basis", "minutes",
                       "population", "population_year"]]
        tv, ts = t[t["unit"] == "village"], t[t["unit"] == "township_seat"]
        pop = pd.to_numeric(ts["population"], errors="coerce")
        circles[key] = {
            "label": res.circle.label,
            "limits": {c: {"minutes": m, "mode": mode,
                           "source": res.circle.sources.get(c, res.circle.sources.get("all", ""))}
                       for c, (m, mode) in res.circle.limits.items()},
            "villages": _counts(tv),
            "township_seats": _counts(ts),
            "people_at_seats": {**{s: int(pop[ts["status"] == s].sum()) for s in ("covered", "underserved", "unknown")},
                                **{k: int(pop[_assumed(ts) == a].sum()) for k, a in
                                   (("covered_on_data", False), ("covered_assumed", True))}},
            "seats_without_population": [str(n) for n in ts.loc[pop.isna(), "name"]],
            "people_in_villages_with_population": {
                s: int(pd.to_numeric(tv.loc[tv["status"] == s, "population"], errors="coerce").sum())
                for s in ("covered", "underserved", "unknown")},
            "by_township": status_counts(t).to_dict(orient="records"),
            "reached_land_km2": {c: round(km2, 1) for c, km2 in _km2(res.polygons, cfg.utm_epsg).items()},
        }
    hosp = hospital_nodes(area)
    if rep.helipads is None:
        msg = "internal error: the report has no helipad coverage (build it with analyse_area)"
        raise ValueError(msg)
    return {
        "area": area.key, "title": cfg.title, "code": cfg.code,
        "hour": rep.hour,
        "villages_in_register": len(vil),
        "villages_with_point": int(vil["node"].notna().sum()),
        "villages": _counts(vil),
        "villages_by_class": class_counts(vil),
        "by_county": county_table(area, pl),
        "township_seats": _counts(seats),
        "circles": circles,
        "ambulance": {
            "bases": rep.response_rule,
            "target_minutes": {"town": cfg.get("ambulance.response_target_minutes"),
                               "countryside": cfg.typed.ambulance.countryside_target_minutes},
            "activation_minutes": cfg.get("ambulance.activation_minutes"),
            "response": rep.response_summary,
            "norm": rep.norm.to_dict(orient="records") if rep.norm is not None else [],
        },
        "hospitals": {k: nodes.facility_id_of(v) for k, v in hosp.items()},
        "helipad_coverage_minutes": cfg.get("air.helipad_coverage_minutes"),
        "places_within_helipad_minutes": int(rep.helipads["helipad_covered"].sum()),
        "assumptions": {k: v for k, v in cfg.sources.items() if "assumption" in v},
        "relocations": _relocation_summary(rep.relocations),
        "relocations_applied": list(area.meta.get("relocations_applied", [])),
        # where the data came from (islandcare.data.conflate.with_osm)
        "road_source": area.meta.get("road_source"),
        "sources": area.meta.get("sources", {}),
        "places_matching": area.meta.get("places_matching"),
        "day_profile": _profile_summary(rep),
    }


def _profile_summary(rep: AreaReport) -> dict:
    """Return the day profile's window, and the places inside their circle only part of the day."""
    if rep.profile is None:
        return {}
    pl = rep.places
    out: dict = {"departures": int(rep.profile["depart"].nunique()),
                 "step_minutes": float(rep.area.config.get("profile.step_minutes")),
                 "first": str(rep.profile["depart"].iloc[0]), "last": str(rep.profile["depart"].iloc[-1])}
    for m in ("primary_care", "response"):
        col = f"{m}_share_of_day"
        if col not in pl:
            continue
        share = pd.to_numeric(pl[col], errors="coerce")
        part = pl.loc[(share > 0) & (share < 1), ["name", "unit", "code", col]]
        out[f"{m}_part_of_day"] = [{"name": str(r["name"]), "unit": r["unit"], "code": r["code"],
                                     "share_of_day": round(float(r[col]), 3)}
                                    for r in part.to_dict("records")]
    return out


def _assumed(table: pd.DataFrame) -> pd.Series:
    """Per row: True for covered on an assumption, False for covered on data, None otherwise."""
    return pd.Series([None if st != "covered" else b == "assumed"
                      for st, b in zip(table["status"], table["basis"], strict=True)], index=table.index, dtype=object)


def _counts(table: pd.DataFrame) -> dict[str, int]:
    """Places per status, with ``covered`` split into on data and assumed."""
    status = table["status"].to_numpy(dtype=object)
    out = {s: int((status == s).sum()) for s in ("covered", "underserved", "unknown")}
    flag = _assumed(table)
    out["covered_on_data"] = int((flag == False).sum())  # noqa: E712 (a None means not covered)
    out["covered_assumed"] = int((flag == True).sum())  # noqa: E712
    return out


def _relocation_summary(table: pd.DataFrame | None) -> list[dict]:
    """Per planned move: population-weighted minutes from township seats, before and after."""
    if table is None:
        return []
    out = []
    for fac, sub in table.groupby("facility", sort=False):
        seats = sub[(sub["unit"] == "township_seat") & sub["population"].notna()
                    & np.isfinite(sub["before_min"]) & np.isfinite(sub["after_min"])]
        pop = seats["population"].astype(float)

        def avg(col: str, pop=pop, seats=seats) -> float | None:
            return round(float((pop * seats[col]).sum() / pop.sum()), 1) if pop.sum() else None

        out.append({"facility": fac, "moves_to": sub["moves_to"].iloc[0], "by": sub["by"].iloc[0],
                    "people_at_seats": int(pop.sum()),
                    "average_minutes_before": avg("before_min"), "average_minutes_after": avg("after_min"),
                    "seats_closer": int((sub.loc[sub["unit"] == "township_seat", "change_min"] < -0.05).sum()),
                    "seats_farther": int((sub.loc[sub["unit"] == "township_seat", "change_min"] > 0.05).sum())})
    return out


def _km2(polygons: dict[str, BaseGeometry], epsg: int) -> dict[str, float]:
    """Square kilometres of each polygon (lon/lat), projected to ``epsg`` together (each point on its own)."""
    import geopandas as gpd

    drawn = {k: g for k, g in polygons.items() if not g.is_empty}
    area = gpd.GeoSeries(list(drawn.values()), crs=4326).to_crs(epsg).area.to_numpy() if drawn else []
    km2 = {k: float(a / 1e6) for k, a in zip(drawn, area, strict=True)}
    return {k: km2.get(k, 0.0) for k in polygons}


def place_frame(rep: AreaReport, *, status: str | None = None):
    """Places (all, or of one status) as a GeoDataFrame for export, one row per place."""
    import geopandas as gpd

    df = rep.places if status is None else rep.places[rep.places["status"] == status]
    df = df.copy()
    geom = gpd.points_from_xy(pd.to_numeric(df["lon"], errors="coerce"),
                              pd.to_numeric(df["lat"], errors="coerce"))
    geom = [None if g.is_empty else g for g in geom]
    return gpd.GeoDataFrame(df, geometry=geom, crs=4326)
