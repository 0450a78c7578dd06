"""Pre-hospital emergency: response times and the ambulance norm.

Response time = the station's activation delay (call handling and dispatch,
the area's ``ambulance.activation_minutes`` unless the station says its own)
+ travel by road, emergency boat or helicopter chain (ambulance profile).
When the data holds no ambulance station, the hospitals stand in as bases
(a stated assumption: 120 vehicles in these counties are hospital-based in
the sources we have, which give no station address).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from islandcare.analyses.basis import point_basis
from islandcare.analyses.routes import unreached_reason
from islandcare.data.pack import Area
from islandcare.network.assemble import NetworkCache
from islandcare.network.scenario import Scenario

__all__ = ["ResponseResult", "ambulance_norm", "emergency_bases", "response_summary", "response_times"]

BASE_KINDS = ("ambulance_station", "boat_station", "air_base")


@dataclass
class ResponseResult:
    """Per-place response minutes and the bases used."""

    table: pd.DataFrame
    bases_rule: str


def emergency_bases(area: Area) -> tuple[pd.DataFrame, str]:
    """Return the existing emergency bases and the rule that chose them (hospitals stand in when none)."""
    fac = area.layers["facilities"]
    status = fac["status"].fillna("existing")
    live = fac[status == "existing"]
    stations = live[live["kind"].isin(("ambulance_station", "boat_station"))]
    air = live[live["kind"] == "air_base"]
    if stations.empty:
        kinds = list(area.config.get("ambulance.stand_in_bases"))
        referral = (live["referral"].fillna(False).astype(bool) if "referral" in live
                    else pd.Series(False, index=live.index))
        hosp = live[live["kind"].isin(kinds) & ~referral]
        what = "hospitals" if kinds == ["hospital"] else " and ".join(k.replace("_", " ") + "s" for k in kinds)
        return (pd.concat([hosp, air]),
                f"no ambulance station is in the data: the area's {what} stand in as ambulance "
                "bases (assumption), with the air base's helicopter")
    return pd.concat([stations, air]), "ambulance and boat stations in the data, with the air base"


def response_times(area: Area, places: pd.DataFrame, nets: NetworkCache, *,
                   scenario: Scenario | None = None,
                   extra: list[tuple[str, float]] | None = None) -> ResponseResult:
    """Response minutes to every place from the emergency bases.

    Parameters
    ----------
    extra
        Extra bases as (land node, start delay minutes), for what-if.
    """
    scenario = scenario or Scenario(profile="ambulance")
    net = nets.get(scenario)
    eng = net.engine
    cfg = area.config
    bases, rule = emergency_bases(area)
    default_delay = float(cfg.get("ambulance.activation_minutes"))
    sources: list[str] = []
    delays: list[float] = []
    names: list[str] = []
    quality: list[str | None] = []
    xy: list[tuple[float, float] | None] = []
    for _, b in bases.iterrows():
        node = f"f:{b['facility_id']}"
        if not net.has(node):
            continue
        quality.append(b.get("location_quality"))
        xy.append((b.geometry.x, b.geometry.y))
        # the helicopter's dispatch is already in its air edges
        own = b.get("activation_min")
        delay = 0.0 if b["kind"] == "air_base" else (default_delay if pd.isna(own) else float(own))
        sources.append(node)
        delays.append(delay)
        names.append(b["name"])
    for node, delay in extra or []:
        sources.append(node)
        delays.append(delay)
        names.append("proposed site")
        quality.append("approximate")
        xy.append(None)
    target_town = float(cfg.get("ambulance.response_target_minutes"))
    target_country = float(cfg.typed.ambulance.countryside_target_minutes)
    out = places.copy()
    out["response_min"] = np.nan
    out["target_min"] = np.where(out["settlement_class"] == "town", target_town, target_country)
    out["base"] = None
    out["response_modes"] = None
    out["response_status"] = None
    out["response_reason"] = None
    out["response_basis"] = None
    near_m = float(cfg.get("verdict.assumed_within_m"))
    near = eng.nearest(sources, delays=delays) if sources else None
    for i, node in out["node"].items():
        if node is None or not net.has(node):
            out.at[i, "response_status"] = "unknown"
            out.at[i, "response_reason"] = "no known point for this place"
            continue
        j = eng.node_index[node]
        t = float(near.minutes[j]) if near is not None else math.inf
        out.at[i, "response_min"] = t
        if near is None or not np.isfinite(t):
            why = (unreached_reason(net, area, sources[0], node) if sources
                   else "no emergency base with a point is in the data")
            out.at[i, "response_status"] = "unknown" if "in the data" in why else "underserved"
            out.at[i, "response_reason"] = f"not reached: {why}"
            continue
        out.at[i, "base"] = names[int(near.source[j])]
        legs = eng.legs(eng.path(near, node))
        out.at[i, "response_modes"] = " > ".join(dict.fromkeys(lg.mode for lg in legs))
        k = int(near.source[j])
        lon, lat = out.at[i, "lon"], out.at[i, "lat"]
        out.at[i, "response_basis"] = point_basis(
            modelled_leg=any(not lg.mapped for lg in legs), place_quality=out.at[i, "location_quality"],
            facility_quality=quality[k], facility_xy=xy[k], assumed_within_m=near_m,
            place_xy=None if lon is None or pd.isna(lon) else (float(lon), float(lat)))
        ok = t <= out.at[i, "target_min"]
        out.at[i, "response_status"] = "covered" if ok else "underserved"
        if not ok:
            out.at[i, "response_reason"] = (f"response {t:.0f} min > target {out.at[i, 'target_min']:g} "
                                            f"min from {out.at[i, 'base']}")
    return ResponseResult(out, rule)


def response_summary(table: pd.DataFrame) -> dict:
    """Population-weighted average response and share within target, by class and overall.

    Uses township seats (the only places with a population). Every figure
    carries its denominator: ``people`` (at seats with a stated population),
    ``people_with_time`` (the average's denominator), ``people_not_reached``
    with the seats' names (``not_reached``), ``people_within_target`` (the
    share's numerator; the share is of ``people``), and the seats left out
    because no population is stated (``seats_without_population``).
    """
    all_seats = table[table["unit"] == "township_seat"]
    seats = all_seats[all_seats["population"].notna()]

    def block(df: pd.DataFrame, every: pd.DataFrame) -> dict:
        pop = df["population"].astype(float)
        t = df["response_min"].astype(float)
        reached = np.isfinite(t)
        base = {"people": int(pop.sum()), "people_with_time": int(pop[reached].sum()),
                "people_not_reached": int(pop[~reached].sum()),
                "not_reached": [str(n) for n in df.loc[~reached, "name"]],
                "seats_without_population": [str(n) for n in every.loc[every["population"].isna(), "name"]]}
        if pop[reached].sum() == 0:
            return {**base, "average_response_min": None, "share_within_target": None,
                    "people_within_target": 0}
        avg = float((pop[reached] * t[reached]).sum() / pop[reached].sum())
        inside = float(pop[reached & (t <= df["target_min"])].sum())
        return {**base, "average_response_min": round(avg, 1),
                "share_within_target": round(inside / pop.sum(), 3),
                "people_within_target": int(inside)}

    out = {"all": block(seats, all_seats)}
    for cls in ("town", "countryside"):
        sub = seats[seats["settlement_class"] == cls]
        if len(sub):
            out[cls] = block(sub, all_seats[all_seats["settlement_class"] == cls])
    return out


def ambulance_norm(area: Area) -> pd.DataFrame:
    """Ambulances needed by the norm, per township, against those in the data.

    The rule (planning-rules.md, Shengsi 002 line 189): one ambulance per
    ``residents_per_ambulance`` residents, and one on every outlying island
    township with fewer than ``small_island_threshold`` residents. Read here
    as: each small outlying island township needs one of its own; the other
    townships together need one per 30,000 of their residents (rounded up),
    reported on the row ``(rest of the area)``.
    """
    cfg = area.config
    per = float(cfg.get("ambulance.residents_per_ambulance"))
    if area.meta.get("counties"):
        from islandcare.analyses.counties import county_norm

        return county_norm(area, per=per)
    small = float(cfg.get("ambulance.small_island_threshold"))
    tw = area.layers["townships"]
    fac = area.layers["facilities"]
    live = fac[(fac["status"].fillna("existing") == "existing") &
               fac["kind"].isin(("ambulance_station", "boat_station"))]
    present_by_tw = live.groupby("township_code")["ambulances"].apply(
        lambda s: None if s.isna().all() else int(s.fillna(0).sum()))
    rows = []
    rest_pop, rest_unknown, rest_codes = 0, [], []
    for _, t in tw.iterrows():
        pop = t.get("population")
        outlying = bool(t.get("outlying_island", False))
        if outlying and not pd.isna(pop) and pop < small:
            present = present_by_tw.get(t["code"])
            rows.append({"township_code": t["code"], "township": t["name"], "outlying_island": True,
                         "population": int(pop), "population_year": t.get("population_year"),
                         "rule": f"outlying island township under {small:,.0f}: one of its own",
                         "needed": 1, "present": present,
                         "shortfall": None if present is None else max(0, 1 - present)})
        else:
            if pd.isna(pop):
                rest_unknown.append(t["name"])
            else:
                rest_pop += int(pop)
            rest_codes.append(t["code"])
    present_rest = [present_by_tw.get(c) for c in rest_codes]
    known = [p for p in present_rest if p is not None]
    present = sum(known) if known else None
    needed = math.ceil(rest_pop / per) if rest_pop else 0
    rule = f"one per {per:,.0f} residents"
    if rest_unknown:
        rule += f" (population unknown for {'、'.join(rest_unknown)}: needed is a lower bound)"
    rows.append({"township_code": "", "township": "(rest of the area)", "outlying_island": False,
                 "population": rest_pop, "population_year": "mixed years (see townships)",
                 "rule": rule, "needed": needed, "present": present,
                 "shortfall": None if present is None else max(0, needed - present)})
    out = pd.DataFrame(rows)
    out["present_note"] = np.where(out["present"].isna(),
                                   "ambulance counts are not in the data (gazetteer: not found)", "")
    return out
