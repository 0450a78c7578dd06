"""On-call emergency vessels: boats that carry patients when no ferry sails.

Patients cross on on-call emergency boats, patrol boats or tugs (the
gazetteer records such transfers). Boat stations from a planner's table come
first; when the data has none, the area file's ``sea.emergency_vessels``
stands in: on-call vessels at named piers, each with call-out minutes, speed,
and whether it runs at night. None runs in a weather closure. Every leg is
marked modelled, and goes by the sea route round the islands
(:mod:`islandcare.network.searoute`), its length counted.

Two kinds of edge per vessel at home pier ``B``:

``B -> X``  the boat comes out to pier ``X``: call-out + route(B, X);
``X -> Y``  a patient at ``X`` is carried to ``Y``: the boat first comes to
            ``X`` (call-out + route(B, X)), then route(X, Y).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from islandcare.config import AreaConfig
from islandcare.errors import InputError
from islandcare.network.scenario import Scenario
from islandcare.network.sea import SeaEdge
from islandcare.network.searoute import SeaRouter

__all__ = ["vessel_edges", "vessels"]


def vessels(cfg: AreaConfig, ports: pd.DataFrame) -> list[dict]:
    """Return the area file's on-call vessels, checked against the ports (an InputError names a bad pier)."""
    rows = cfg.get("sea.emergency_vessels")
    known = set(ports["port_id"])
    out = []
    for i, v in enumerate(rows, start=1):
        if v.pier not in known:
            msg = (f"{cfg.path}: sea.emergency_vessels entry {i}: pier '{v.pier}' is not a port of "
                   f"{cfg.key} (known: {', '.join(sorted(known))})")
            raise InputError(msg)
        call_out = cfg.get("sea.emergency_boat_launch_minutes") if v.call_out_minutes is None else v.call_out_minutes
        speed = cfg.get("speeds.emergency_boat") if v.speed_kmh is None else v.speed_kmh
        out.append({"pier": v.pier, "name": v.name, "call_out": float(call_out), "speed": float(speed),
                    "night": v.night})
    return out


def vessel_edges(ports: pd.DataFrame, cfg: AreaConfig, scenario: Scenario, *, router: SeaRouter | None,
                 node_of_port: dict[str, str], has_boat_station: bool) -> list[SeaEdge]:
    """Edges of the area's on-call vessels for a scenario (ambulance profile, no closure).

    Parameters
    ----------
    has_boat_station
        Whether the data holds a boat station: then the area setting stands down.
    """
    if (scenario.profile != "ambulance" or scenario.sea_closed or has_boat_station
            or router is None or ports.empty):
        return []
    fleet = [v for v in vessels(cfg, ports) if v["night"] or not scenario.night]
    if not fleet:
        return []
    ids = list(ports["port_id"])
    km = router.km([(g.x, g.y) for g in ports.geometry])
    at = {p: i for i, p in enumerate(ids)}
    out: list[SeaEdge] = []
    for v in fleet:
        b = at[v["pier"]]
        speed = v["speed"] / 60.0  # km per minute
        comes = {x: v["call_out"] + km[b, at[x]] / speed for x in ids}
        lid = f"vessel:{v['pier']}"
        for x in ids:
            if x != v["pier"] and np.isfinite(comes[x]):
                out.append(SeaEdge(node_of_port[v["pier"]], node_of_port[x], comes[x], "boat", False, lid,
                                   f"{v['name']} (area setting, modelled): call-out {v['call_out']:g} min + "
                                   f"{km[b, at[x]]:.1f} km by sea round the islands at {v['speed']:g} km/h"))
            for y in ids:
                if y == x or not np.isfinite(km[at[x], at[y]]) or not np.isfinite(comes[x]):
                    continue
                out.append(SeaEdge(node_of_port[x], node_of_port[y], comes[x] + km[at[x], at[y]] / speed,
                                   "boat", False, lid,
                                   f"{v['name']} (area setting, modelled) comes to the pier, then "
                                   f"{km[at[x], at[y]]:.1f} km by sea at {v['speed']:g} km/h"))
    return out
