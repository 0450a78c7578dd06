"""Helicopter legs: dispatch, flight at cruise speed, landing.

An air base reaches each helipad in dispatch minutes + distance / cruise +
landing minutes. A patient flown from a helipad to a hospital pad waits for the
helicopter to come from its base, then flies; the two are counted one after
the other (the way to the pad is not overlapped with the helicopter's
approach), a conservative choice stated on the maps.
"""

from __future__ import annotations

import pandas as pd

from islandcare.config import AreaConfig
from islandcare.network.scenario import Scenario
from islandcare.network.sea import SeaEdge, haversine_km

__all__ = ["air_edges", "flight_minutes"]


def flight_minutes(km: float, cfg: AreaConfig) -> float:
    """Minutes in the air for a distance, at the area's cruise speed."""
    return km / float(cfg.get("speeds.helicopter")) * 60.0


def air_edges(facilities: pd.DataFrame, cfg: AreaConfig, scenario: Scenario, *,
              node_of_facility: dict[str, str]) -> list[SeaEdge]:
    """Air edges for a scenario: base → pad, and pad → hospital pad (ambulance profile only)."""
    if scenario.air_grounded or scenario.profile != "ambulance":
        return []
    if scenario.night and bool(cfg.get("helicopter.day_only", True)):
        return []
    placed = facilities[facilities.geometry.notna() & facilities["facility_id"].isin(node_of_facility)]
    existing = placed[placed.get("status", "existing").fillna("existing") != "planned"]
    bases = existing[existing["kind"] == "air_base"]
    pads = existing[existing["kind"] == "helipad"]
    has_pad = existing.get("has_pad", pd.Series(False, index=existing.index)).fillna(False)
    hospital_pads = existing[(existing["kind"] == "hospital") & has_pad.astype(bool)]
    if bases.empty:
        return []
    dispatch = float(cfg.get("helicopter.dispatch_minutes"))
    landing = float(cfg.get("helicopter.landing_minutes"))
    out: list[SeaEdge] = []
    arrival: dict[str, float] = {}
    for _, pad in pd.concat([pads, hospital_pads]).iterrows():
        best = min(dispatch + flight_minutes(haversine_km(b.geometry.x, b.geometry.y,
                                                          pad.geometry.x, pad.geometry.y), cfg)
                   + landing for _, b in bases.iterrows())
        arrival[pad["facility_id"]] = best
    for _, b in bases.iterrows():
        for _, pad in pads.iterrows():
            km = haversine_km(b.geometry.x, b.geometry.y, pad.geometry.x, pad.geometry.y)
            out.append(SeaEdge(node_of_facility[b["facility_id"]], node_of_facility[pad["facility_id"]],
                               dispatch + flight_minutes(km, cfg) + landing, "air", False,
                               f"air:{b['facility_id']}", "dispatch + flight + landing"))
    for _, pad in pads.iterrows():
        for _, h in hospital_pads.iterrows():
            km = haversine_km(pad.geometry.x, pad.geometry.y, h.geometry.x, h.geometry.y)
            out.append(SeaEdge(node_of_facility[pad["facility_id"]], node_of_facility[h["facility_id"]],
                               arrival[pad["facility_id"]] + flight_minutes(km, cfg) + landing,
                               "air", False, f"air:{pad['facility_id']}",
                               "helicopter comes to the pad, then flies the patient to the hospital pad"))
    return out
