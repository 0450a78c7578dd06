"""Pre-hospital emergency: response times and the ambulance norm.

Response time = the station's activation delay (call handling and dispatch,
the area's ``ambulance.activation_minutes`` unless the station says its own)
+ travel by road, emergency boat or helicopter chain (ambulance profile).
When the data holds no ambulance station, the hospitals stand in as bases
(a stated assumption: 120 vehicles in these counties are hospital-based in
the sources we have, which give no station address).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from islandcare.analyses.basis import point_basis
from islandcare.analyses.rules import (
    EMERGENCY_STATION_KINDS,
    AmbulanceNorm,
    ResponseRule,
    Unreached,
    emergency_bases,
    evaluate,
    live_facilities,
    place_indices,
    rule_sources,
)
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


def response_times(area: Area, places: pd.DataFrame, nets: NetworkCache, *,
                   scenario: Scenario | None = None,
                   extra: list[tuple[str, float]] | None = None) -> ResponseResult:
    """Response minutes to every place from the emergency bases (the :class:`ResponseRule`).

    Parameters
    ----------
    extra
        Extra bases as (land node, start delay minutes), for what-if.

    Returns
    -------
    ResponseResult
        ``places`` with ``response_min``, ``target_min``, ``base``, ``response_modes``,
        ``response_status``, ``response_reason``, ``response_reason_code`` (an
        :class:`~islandcare.analyses.rules.Unreached` value) and ``response_basis``.
    """
    rule = ResponseRule.of(area)
    net = nets.get(scenario or rule.scenario("ambulance"))
    eng = net.engine
    _, bases_rule = emergency_bases(area)
    srcs = rule_sources(rule, area, net).plus(extra)
    near = eng.nearest(list(srcs.nodes), delays=list(srcs.delays)) if len(srcs) else None
    out = places.copy()
    limit = rule.limit_array(out, "ambulance")
    res = evaluate(net, area, place_idx=place_indices(eng, out["node"]), place_nodes=list(out["node"]),
                   limit=limit, best_minutes=None if near is None else near.minutes,
                   best_source=None if near is None else near.source, sources=srcs,
                   no_source=Unreached.NO_BASE_IN_DATA)
    n = len(out)
    names = np.array((*srcs.names, None), dtype=object)
    base = names[res.source]
    modes = np.full(n, None, dtype=object)
    basis = np.full(n, None, dtype=object)
    near_m = float(area.config.get("verdict.assumed_within_m"))
    lon, lat = out["lon"].to_numpy(), out["lat"].to_numpy()
    quality = out["location_quality"].to_numpy()
    node = out["node"].to_numpy()
    if near is not None:
        for i in np.flatnonzero(res.source >= 0):
            k = int(res.source[i])
            legs = eng.legs(eng.path(near, node[i]))
            modes[i] = " > ".join(dict.fromkeys(lg.mode for lg in legs))
            basis[i] = point_basis(
                modelled_leg=any(not lg.mapped for lg in legs), place_quality=quality[i],
                facility_quality=srcs.quality[k], facility_xy=srcs.xy[k], assumed_within_m=near_m,
                place_xy=None if lon[i] is None or pd.isna(lon[i]) else (float(lon[i]), float(lat[i])))
    cls = out["settlement_class"].to_numpy()
    out["response_min"] = res.minutes
    out["target_min"] = limit
    out["base"] = base
    out["response_modes"] = modes
    out["response_status"] = res.status
    out["response_reason"] = [rule.reason(c, minutes=float(res.minutes[i]), limit=float(limit[i]),
                                          cls=str(cls[i]), mode="ambulance", source=base[i], why=str(res.why[i]))
                              for i, c in enumerate(res.code)]
    out["response_reason_code"] = [None if c is None else c.value for c in res.code]
    out["response_basis"] = basis
    return ResponseResult(out, bases_rule)


def response_summary(table: pd.DataFrame) -> dict:
    """Population-weighted average response and share within target, by class and overall.

    Uses township seats (the only places with a population). Every figure
    carries its denominator: ``people`` (at seats with a stated population),
    ``people_with_time`` (the average's denominator), ``people_not_reached``
    with the seats' names (``not_reached``), ``people_within_target`` (the
    share's numerator; the share is of ``people``), and the seats left out
    because no population is stated (``seats_without_population``).
    """
    # the columns read here, before selecting rows (a wide table's row selection copies every column)
    few = table[["unit", "name", "settlement_class", "population", "response_min", "target_min"]]
    all_seats = few[few["unit"] == "township_seat"]
    seats = all_seats[all_seats["population"].notna()]

    def block(df: pd.DataFrame, every: pd.DataFrame) -> dict:
        # plain arrays: the seats have a population, so these sums are those of the columns
        pop = df["population"].to_numpy(dtype=float)
        t = df["response_min"].to_numpy(dtype=float)
        names = df["name"].to_numpy()
        reached = np.isfinite(t)
        base = {"people": int(pop.sum()), "people_with_time": int(pop[reached].sum()),
                "people_not_reached": int(pop[~reached].sum()),
                "not_reached": [str(n) for n in names[~reached]],
                "seats_without_population": [str(n) for n in every.loc[every["population"].isna(), "name"]]}
        if pop[reached].sum() == 0:
            return {**base, "average_response_min": None, "share_within_target": None,
                    "people_within_target": 0}
        avg = float((pop[reached] * t[reached]).sum() / pop[reached].sum())
        inside = float(pop[reached & (t <= df["target_min"].to_numpy(dtype=float))].sum())
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
    norm = AmbulanceNorm.of(area)
    per = norm.residents_per_ambulance
    if area.meta.get("counties"):
        from islandcare.analyses.counties import county_norm

        return county_norm(area, per=per)
    small = norm.small_island_threshold
    tw = area.layers["townships"]
    live = live_facilities(area, kinds=EMERGENCY_STATION_KINDS)
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
    needed = norm.needed(rest_pop)
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
