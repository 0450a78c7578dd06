"""Helicopter legs: dispatch, flight at cruise speed, landing.

An air base reaches each helipad in dispatch minutes + distance / cruise +
landing minutes. A patient flown from a helipad to a hospital pad waits for the
helicopter to come from its base, then flies; the two are counted one after
the other (the way to the pad is not overlapped with the helicopter's
approach), a conservative choice stated on the maps.

Landing sites: built helipads (``helipad``, or a planner's ``landing_site``),
hospital pads, and, where an inhabited outlying island township has none in
the data and the area sets ``helicopter.improvised_landing_sites``, an
improvised site at its seat (the ``t:`` node), every such leg marked modelled
and noted *assumed*. Day-only flights fly between sunrise and sunset
(:mod:`islandcare.network.daylight`): at a clock hour outside them, none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from islandcare.config import AreaConfig
from islandcare.network.daylight import flies_at
from islandcare.network.scenario import Scenario
from islandcare.network.sea import SeaEdge, haversine_km

__all__ = ["air_edges", "flight_minutes", "flights", "flying"]


def flight_minutes(km: float, cfg: AreaConfig) -> float:
    """Minutes in the air for a distance, at the area's cruise speed."""
    return km / float(cfg.get("speeds.helicopter")) * 60.0


IMPROVISED_NOTE = "improvised landing site at the township seat (assumed: area setting)"


def improvised_sites(facilities: pd.DataFrame, townships: pd.DataFrame | None, cfg: AreaConfig, *,
                     node_of_township: dict[str, str] | None) -> pd.DataFrame:
    """Landing sites assumed at the seats of outlying island townships without a pad in the data.

    Returns rows like facilities (``facility_id`` is the seat's ``t:`` node,
    ``kind`` ``landing_site``, ``location_quality`` ``assumed``).
    """
    cols = ["facility_id", "name", "kind", "geometry", "location_quality", "note"]
    if townships is None or not node_of_township or not bool(
            cfg.get("helicopter.improvised_landing_sites")):
        return pd.DataFrame(columns=cols)
    fac = facilities[facilities.get("status", "existing").fillna("existing") == "existing"]  # as rules.live_facilities
    with_pad = set(fac.loc[fac["kind"].isin(("helipad", "landing_site")), "township_code"].dropna())
    has_pad = fac.get("has_pad", pd.Series(False, index=fac.index)).fillna(False).astype(bool)
    with_pad |= set(fac.loc[(fac["kind"] == "hospital") & has_pad, "township_code"].dropna())
    rows = []
    for _, t in townships.iterrows():
        node = node_of_township.get(t["code"])
        pop = t.get("population")
        inhabited = pd.isna(pop) or float(pop) > 0
        if (node and bool(t.get("outlying_island", False)) and inhabited
                and t["code"] not in with_pad and t.geometry is not None):
            rows.append({"facility_id": node, "name": f"{t['name']} (improvised landing site)",
                         "kind": "landing_site", "geometry": t.geometry,
                         "location_quality": "assumed", "note": IMPROVISED_NOTE})
    return pd.DataFrame(rows, columns=cols)


def air_edges(facilities: pd.DataFrame, cfg: AreaConfig, scenario: Scenario, *,
              node_of_facility: dict[str, str], townships: pd.DataFrame | None = None,
              node_of_township: dict[str, str] | None = None) -> list[SeaEdge]:
    """Air edges for a scenario: base → landing site, and site → hospital pad (ambulance only).

    ``townships`` and ``node_of_township`` (seat nodes on the network) add the
    improvised landing sites the area file allows (see :func:`improvised_sites`).
    """
    if not flying(cfg, scenario):
        return []
    return flights(facilities, cfg, node_of_facility=node_of_facility, townships=townships,
                   node_of_township=node_of_township)


def flying(cfg: AreaConfig, scenario: Scenario) -> bool:
    """Tell whether helicopters fly in a scenario (ambulance profile, not grounded, daylight if day-only)."""
    if scenario.air_grounded or scenario.profile != "ambulance":
        return False
    day_only = bool(cfg.get("helicopter.day_only"))
    return not (day_only and (scenario.night or not flies_at(cfg, scenario.hour)))  # day-only: not after dark


def flights(facilities: pd.DataFrame, cfg: AreaConfig, *, node_of_facility: dict[str, str],
            townships: pd.DataFrame | None = None,
            node_of_township: dict[str, str] | None = None) -> list[SeaEdge]:
    """Return the air edges when helicopters fly (the same in every scenario where :func:`flying`)."""
    fac = facilities  # rows picked by masks (no frame built per selection)
    existing = (fac.geometry.notna() & fac["facility_id"].isin(node_of_facility)
                & (fac.get("status", "existing").fillna("existing") == "existing"))  # not proposed or planned
    has_pad = fac.get("has_pad", pd.Series(False, index=fac.index)).fillna(False).astype(bool)
    base_sites = _sites(fac, existing & (fac["kind"] == "air_base"))
    if not base_sites:
        return []
    pad_sites = _sites(fac, existing & fac["kind"].isin(("helipad", "landing_site")))
    hospital_sites = _sites(fac, existing & (fac["kind"] == "hospital") & has_pad)
    extra = improvised_sites(facilities, townships, cfg, node_of_township=node_of_township)
    node_of_facility = {**node_of_facility, **{n: n for n in extra["facility_id"]}}
    pad_sites += _sites(extra, pd.Series(True, index=extra.index))
    dispatch = float(cfg.get("helicopter.dispatch_minutes"))
    landing = float(cfg.get("helicopter.landing_minutes"))
    out: list[SeaEdge] = []
    arrival: dict[str, float] = {}
    for pid, px, py, _ in pad_sites + hospital_sites:
        arrival[pid] = min(dispatch + flight_minutes(haversine_km(bx, by, px, py), cfg) + landing
                           for _, bx, by, _ in base_sites)
    for bid, bx, by, _ in base_sites:
        for pid, px, py, note in pad_sites:
            km = haversine_km(bx, by, px, py)
            out.append(SeaEdge(node_of_facility[bid], node_of_facility[pid],
                               dispatch + flight_minutes(km, cfg) + landing, "air", False,
                               f"air:{bid}",
                               "dispatch + flight + landing" + (f"; {note}" if note else "")))  # "" or None: none
    for pid, px, py, note in pad_sites:
        for hid, hx, hy, _ in hospital_sites:
            km = haversine_km(px, py, hx, hy)
            out.append(SeaEdge(node_of_facility[pid], node_of_facility[hid],
                               arrival[pid] + flight_minutes(km, cfg) + landing,
                               "air", False, f"air:{pid}",
                               "helicopter comes to the pad, then flies the patient to the hospital pad"
                               + (f"; {note}" if isinstance(note, str) else "")))
    return out


def _sites(frame: pd.DataFrame, rows: pd.Series) -> list[tuple[str, float, float, object]]:
    """Return (facility id, lon, lat, note) per row picked by ``rows`` (a mask): the fields a flight needs."""
    ids, geoms = frame["facility_id"].tolist(), frame["geometry"].tolist()
    notes = frame["note"].tolist() if "note" in frame else [None] * len(frame)
    return [(ids[k], geoms[k].x, geoms[k].y, notes[k] if isinstance(notes[k], str) else None)
            for k in np.flatnonzero(rows.to_numpy(dtype=bool))]
