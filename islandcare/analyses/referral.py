"""Land–sea–air (海陆空): how fast a patient reaches the county and referral hospitals.

For every place, the fastest time to each hospital by land and sea alone
(helicopters grounded), by air (boats off: road to a pad, fly), and by the
best mix, in three scenarios: day, night (no scheduled ferry, no day-only
flight) and weather closure (no boat). Also helipad coverage: places within
the area's minutes of a pad by road.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from islandcare.analyses.rules import kept_on_area, live_rows, place_indices, place_minutes
from islandcare.data.pack import Area
from islandcare.network import nodes
from islandcare.network.assemble import NetworkCache
from islandcare.network.scenario import Scenario

__all__ = ["MODE_SETS", "SCENARIOS", "helipad_coverage", "hospital_nodes", "referral_times",
           "relocation_effect"]

#: Scenario name → changes to the ambulance profile.
SCENARIOS: dict[str, dict[str, bool]] = {
    "day": {},
    "night": {"night": True},
    "closure": {"sea_closed": True},
}

#: Mode set name → changes that switch the other modes off.
MODE_SETS: dict[str, dict[str, bool]] = {
    "land_sea": {"air_grounded": True},
    "air": {"sea_closed": True},
    "best": {},
}


def hospital_nodes(area: Area) -> dict[str, str]:
    """``county`` and ``referral`` hospital facility ids, by the names in the area file."""
    return dict(kept_on_area(area, "hospital_nodes", lambda: _hospital_nodes(area)))


def _hospital_nodes(area: Area) -> dict[str, str]:
    fac = area.layers["facilities"]
    out = {}
    for role, key in (("county", "area.county_hospital"), ("referral", "area.referral_hospital")):
        name = area.config.get(key)
        hit = fac[fac["name"] == name] if name else fac.iloc[0:0]
        if hit.empty and role == "referral" and "referral" in fac:
            hit = fac[fac["referral"].fillna(False).astype(bool)]
        if len(hit) and hit.geometry.notna().iloc[0]:
            out[role] = nodes.facility_node(hit.iloc[0]["facility_id"])
    return out


def referral_times(area: Area, places: pd.DataFrame, nets: NetworkCache) -> pd.DataFrame:
    """Minutes to the county and referral hospitals per place, mode set and scenario.

    Returns ``places`` with columns ``<hospital>_<modes>_<scenario>`` (e.g.
    ``county_land_sea_night``), ``inf`` where not reached and NaN where the
    place has no point.
    """
    out = places.copy()
    hospitals = hospital_nodes(area)
    for scen, s_changes in SCENARIOS.items():
        for modes, m_changes in MODE_SETS.items():
            sc = Scenario(profile="ambulance", **{**s_changes, **m_changes})
            net = nets.get(sc)
            rev = net.reverse_engine
            at = place_indices(rev, out["node"])  # each place's node on this network, -1 where none
            for role, hnode in hospitals.items():
                col = f"{role}_{modes}_{scen}"
                if not net.has(hnode):
                    out[col] = np.nan
                    continue
                out[col] = place_minutes(rev.times([hnode])[0], at)
    return out


def helipad_coverage(area: Area, places: pd.DataFrame, nets: NetworkCache) -> pd.DataFrame:
    """Road minutes from each place to its nearest helipad, and whether within the area's minutes."""
    limit = float(area.config.get("air.helipad_coverage_minutes"))
    net = nets.get(Scenario(profile="drive"))
    ids = area.layers["facilities"]["facility_id"].to_numpy()  # the ids only: no selection of the layer's rows
    pads = [nodes.facility_node(f) for f in ids[live_rows(area, kinds=("helipad",), net=net)]]
    out = places[["unit", "code", "name", "township", "node"]].copy()
    out["helipad_min"] = np.nan
    out["helipad_limit"] = limit
    if pads:
        rev = net.reverse_engine
        near = rev.nearest(pads)
        out["helipad_min"] = place_minutes(near.minutes, place_indices(rev, out["node"]))
    out["helipad_covered"] = out["helipad_min"] <= limit
    return out


def relocation_effect(area: Area, places: pd.DataFrame,
                      nets: NetworkCache | None = None) -> pd.DataFrame | None:
    """Minutes from each place to each hospital the plan moves, before and after the move.

    Uses the ambulance profile in the day scenario (best mix of modes); the
    "before" network comes from ``nets`` when given. Returns None when the
    area file lists no relocation.
    """
    from islandcare.data.pack import relocated

    if area.meta.get("relocations_applied"):
        return None  # already moved: the summary says so
    moved, notes = relocated(area, year=9999)
    if not notes:
        return None
    sc = Scenario(profile="ambulance")
    nets = nets or NetworkCache(area)
    before_net = nets.get(sc)  # the report's own network, when given
    after_net = NetworkCache(moved, like=nets).get(sc)  # same land and roads: only the joins differ
    rows = []
    for mv in area.config.get("relocations") or []:
        fac = area.layers["facilities"]
        ids = fac.loc[fac["name"] == mv["facility"], "facility_id"]
        if ids.empty:
            continue
        node = nodes.facility_node(ids.iloc[0])
        out = places[["unit", "code", "name", "township", "population", "node"]].copy()
        for label, net in (("before_min", before_net), ("after_min", after_net)):
            rev = net.reverse_engine
            out[label] = place_minutes(rev.times([node])[0], place_indices(rev, out["node"]))
        out["change_min"] = out["after_min"] - out["before_min"]
        out["facility"] = mv["facility"]
        out["moves_to"] = mv["to"]
        out["by"] = mv["by"]
        rows.append(out.drop(columns=["node"]))
    return pd.concat(rows, ignore_index=True) if rows else None
