"""Sea links as graph edges: boarding, waiting for a sailing, crossing.

A scheduled ferry is three edges in a row, so a path's legs show each part:
``boarding`` (the area's boarding minutes, or the link's own), ``wait`` (the
expected wait for the next sailing at the scenario's hour, or half the
headway) and ``ferry`` (the crossing: stated minutes, or the sea distance
times a detour factor at the area's ferry speed, marked modelled).
Emergency boats go from a boat station to every port at the boat speed over
the straight sea distance (a fair start; marked modelled).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from islandcare.config import AreaConfig
from islandcare.network.nodes import sea_node
from islandcare.network.scenario import Scenario

__all__ = [
    "SeaEdge",
    "boat_edges",
    "departure_minutes",
    "direction_departures",
    "expected_wait",
    "ferry_edges",
    "haversine_km",
    "modelled_crossing_minutes",
]

DAY = 1440.0


@dataclass(frozen=True)
class SeaEdge:
    """One edge of the sea model (nodes are ids in the network)."""

    u: str
    v: str
    minutes: float
    mode: str
    mapped: bool
    link_id: str
    note: str
    #: Clock minutes (0-1440) of the sailings of this edge's direction, for a
    #: ``wait`` edge whose timetable is known; empty otherwise (no clock).
    departures: tuple[float, ...] = ()


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km."""
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def _clock(text: object) -> float | None:
    if text is None or (isinstance(text, float) and math.isnan(text)) or str(text).strip() == "":
        return None
    parts = str(text).strip().split(":")  # "HH:MM" (or "HH:MM:SS" from a time column)
    return int(parts[0]) * 60 + int(parts[1])


def departure_minutes(text: object) -> list[float]:
    """Departure times ``"07:00;08:30"`` as sorted minutes after midnight."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or not str(text).strip():
        return []
    return sorted(m for m in (_clock(t) for t in str(text).split(";")) if m is not None)


def _num(v: Any) -> float | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or pd.isna(v):
        return None
    return float(v)


def expected_wait(link: pd.Series, *, hour: float | None,
                  unknown_headway: float) -> tuple[float, bool, str]:
    """Minutes a traveller waits for the next sailing of a link.

    Returns
    -------
    wait, known, how
        ``known`` is False when the timetable is not in the data and the
        area's ``sea.unknown_headway_minutes`` stood in.
    """
    deps = departure_minutes(link.get("departures"))
    headway = _num(link.get("headway_min"))
    first, last = _clock(link.get("first_sailing")), _clock(link.get("last_sailing"))
    at = None if hour is None else hour * 60.0
    if deps:
        if at is None:
            if len(deps) == 1:
                return DAY / 2, True, "one sailing a day: average wait half a day"
            # average wait for a traveller arriving between the first and last sailing
            # (the night without sailings is the night scenario): sum(g^2) / (2 sum(g))
            gaps = np.diff(deps)
            return (float(np.sum(gaps ** 2) / (2 * np.sum(gaps))), True,
                    f"{len(deps)} sailings a day, average wait during sailing hours")
        nxt = [d for d in deps if d >= at]
        wait = (nxt[0] - at) if nxt else (DAY - at + deps[0])
        return float(wait), True, "wait for the next sailing in the timetable"
    if headway is not None:
        if at is not None and first is not None and last is not None and not first <= at <= last:
            wait = (first - at) if at < first else (DAY - at + first)
            return float(wait), True, "outside sailing hours: wait for the first sailing"
        return headway / 2.0, True, f"half the headway of {headway:g} min"
    return unknown_headway / 2.0, False, (f"timetable not in the data: half of an assumed "
                                          f"{unknown_headway:g}-minute headway")


def direction_departures(link: pd.Series, *, reverse: bool) -> tuple[float, ...]:
    """Clock minutes of a link's sailings in one direction (empty when not known).

    Stated ``departures`` are the sailings from ``from_port`` only: a return
    direction has no clock (a link stated one way is not mirrored). A
    ``headway_min`` with ``first_sailing`` and ``last_sailing`` holds both
    ways: sailings from the first to the last, every headway.
    """
    deps = departure_minutes(link.get("departures"))
    if deps:
        return () if reverse else tuple(deps)
    headway = _num(link.get("headway_min"))
    first, last = _clock(link.get("first_sailing")), _clock(link.get("last_sailing"))
    if headway and first is not None and last is not None and first <= last:
        grid = np.arange(first, last + 1e-9, headway)
        return tuple(float(t) for t in np.union1d(grid, [last]))  # the stated last sailing too
    return ()


def modelled_crossing_minutes(km: float, vessel: object, cfg: AreaConfig) -> float:
    """Return a crossing with no stated minutes: straight km x detour at the vessel's speed.

    A ``fast_ferry`` goes at ``speeds.fast_ferry``, any other vessel at
    ``speeds.ferry``.
    """
    key = "speeds.fast_ferry" if str(vessel) == "fast_ferry" else "speeds.ferry"
    speed = float(cfg.get(key))
    return km * float(cfg.get("sea.detour_factor")) / speed * 60.0


def ferry_edges(ports: pd.DataFrame, links: pd.DataFrame, cfg: AreaConfig,
                scenario: Scenario, *, node_of_port: dict[str, str]) -> list[SeaEdge]:
    """Edges of the scheduled sea links for a scenario (none at night or in a closure)."""
    if scenario.night or scenario.sea_closed or links.empty:
        return []
    pos = {p: (g.x, g.y) for p, g in zip(ports["port_id"], ports.geometry, strict=True)}
    default_boarding = float(cfg.get("sea.boarding_minutes"))
    unknown = float(cfg.get("sea.unknown_headway_minutes"))
    out: list[SeaEdge] = []
    for _, link in links.iterrows():
        a, b = link["from_port"], link["to_port"]
        crossing = _num(link.get("crossing_min"))
        stated = crossing is not None
        if crossing is None:
            crossing = modelled_crossing_minutes(haversine_km(*pos[a], *pos[b]), link.get("vessel"), cfg)
        boarding = _num(link.get("boarding_min"))
        boarding = default_boarding if boarding is None else boarding
        wait, known, how = expected_wait(link, hour=scenario.hour, unknown_headway=unknown)
        both = str(link.get("bidirectional", True)).lower() not in ("false", "0", "no")
        lid = str(link["link_id"])
        for s, t in ((a, b), (b, a)) if both else ((a, b),):
            board_node, wait_node = sea_node(lid, s, "board"), sea_node(lid, s, "wait")
            deps = direction_departures(link, reverse=s != a)
            w, k, why = wait, known, how
            if s != a and departure_minutes(link.get("departures")):
                # the stated sailings leave from_port: the return's clock is not in the data
                n = len(departure_minutes(link.get("departures")))
                w, k = expected_wait(link, hour=None, unknown_headway=unknown)[0], False
                why = (f"return sailings not in the data: taken as {n} a day, average wait "
                       "(modelled)")
            out += [
                SeaEdge(node_of_port[s], board_node, boarding, "boarding", True, lid,
                        "boarding time (area setting)"),
                SeaEdge(board_node, wait_node, w, "wait", k, lid, why, deps),
                SeaEdge(wait_node, node_of_port[t], crossing, "ferry", stated, lid,
                        "stated crossing" if stated else "crossing modelled from distance"),
            ]
    return out


def boat_edges(stations: pd.DataFrame, ports: pd.DataFrame, cfg: AreaConfig, scenario: Scenario,
               *, node_of_station: dict[str, str], node_of_port: dict[str, str],
               router=None) -> list[SeaEdge]:
    """Emergency-boat edges from each boat station to every port (ambulance profile only).

    With a ``router`` (:class:`islandcare.network.searoute.SeaRouter`) the boat
    goes by the sea route round the islands; without one, the straight line
    times the detour factor.
    """
    if scenario.sea_closed or scenario.profile != "ambulance" or stations.empty or ports.empty:
        return []
    speed = float(cfg.get("speeds.emergency_boat"))
    launch = float(cfg.get("sea.emergency_boat_launch_minutes"))
    detour = float(cfg.get("sea.detour_factor"))
    port_xy = [(pg.x, pg.y) for pg in ports.geometry]
    out: list[SeaEdge] = []
    for fid, g in zip(stations["facility_id"], stations.geometry, strict=True):
        routed = router.km([(g.x, g.y), *port_xy])[0, 1:] if router is not None else None
        for k, (pid, pg) in enumerate(zip(ports["port_id"], ports.geometry, strict=True)):
            if routed is not None:
                km, how = float(routed[k]), "launch + sea route round the islands at boat speed"
                if not np.isfinite(km):
                    continue
            else:
                km = haversine_km(g.x, g.y, pg.x, pg.y) * detour
                how = "launch + straight sea distance x detour at boat speed"
            out.append(SeaEdge(node_of_station[fid], node_of_port[pid], launch + km / speed * 60.0,
                               "boat", False, f"boat:{fid}", f"emergency boat: {how}"))
    return out
