"""One trip, leg by leg, for people and scripts: clock times, data basis, source.

With a departure clock time the trip is clock-true (:mod:`islandcare.engine_td`):
each ferry leg waits from the arrival at its pier for the next sailing in its
direction. Without one the area's average-wait model is used, and the trip
says so.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd

from islandcare.analyses.routes import _name, place_label
from islandcare.data.pack import Area
from islandcare.engine_td import DAY, ClockEngine
from islandcare.errors import InputError
from islandcare.network.assemble import Network

__all__ = ["LEG_COLUMNS", "clock_text", "leg_table", "trip_record"]

LEG_COLUMNS = ["mode", "minutes", "mapped", "from", "to", "leaves", "arrives", "source"]

#: What a leg of each mode rests on, when its edge says nothing itself.
_MODE_SOURCE = {
    "road": "mapped road (pack or OpenStreetMap) at the area's speed for its class",
    "offroad": "modelled land lattice at the area's off-road speed (speeds.offroad)",
    "access": "modelled join from the point to the nearest land node (off-road speed)",
    "bridge": "bridge in the data, at the unclassified-road speed",
}


def clock_text(minutes: float | None) -> str | None:
    """Absolute minutes as ``HH:MM`` with ``+1d`` past midnight; None stays None."""
    if minutes is None or not np.isfinite(minutes):
        return None
    # int(): under numpy < 2, round() of a numpy float is a float
    day, rest = divmod(int(round(minutes)), int(DAY))  # noqa: RUF046
    text = f"{rest // 60:02d}:{rest % 60:02d}"
    return text + (f" +{day}d" if day else "")


def _edge_note(net: Network, u: str, v: str, mode: str) -> str:
    data = net.graph.get_edge_data(u, v) or {}
    edges = list(data.values()) if net.graph.is_multigraph() else [data]
    notes = [d.get("note") for d in sorted(edges, key=lambda d: d.get("minutes", 0.0))
             if d.get("mode") == mode and d.get("note")]
    return str(notes[0]) if notes else _MODE_SOURCE.get(mode, mode)


def leg_table(net: Network, area: Area, source: str, target: str, *,
              depart: float | None = None, clock: ClockEngine | None = None) -> pd.DataFrame:
    """Return the quickest trip's legs (columns :data:`LEG_COLUMNS`); empty when not reached.

    Parameters
    ----------
    depart
        Clock minutes the trip leaves ``source``; None for the average-wait model.
    clock
        A compiled :class:`ClockEngine` of ``net`` (compiled here when None).
    """
    for node in (source, target):
        if not net.has(node):
            why = net.not_joined.get(node, "it has no known point")
            raise InputError(f"{place_label(area, node)} is not on the network: {why}.")
    rows: list[dict] = []
    if depart is None:
        eng = net.engine
        path = eng.path(source, target)
        for u, v in pairwise(path):
            (lg,) = eng.legs([u, v])
            rows.append({"mode": lg.mode, "minutes": lg.minutes, "mapped": lg.mapped, "u": u, "v": v,
                         "leaves": None, "arrives": None})
    else:
        clock = clock or ClockEngine.compile(net.graph)
        for cl in clock.trip(source, target, depart=depart):
            rows.append({"mode": cl.mode, "minutes": cl.minutes, "mapped": cl.mapped,
                         "u": cl.from_node, "v": cl.to_node, "leaves": cl.leaves,
                         "arrives": cl.arrives, "timed": cl.note == "timetable"})
    merged: list[dict] = []
    for r in rows:
        note = ("next sailing in the timetable of this direction" if r.get("timed")
                else _edge_note(net, str(r["u"]), str(r["v"]), r["mode"]))
        if merged and (merged[-1]["mode"], merged[-1]["mapped"], merged[-1]["source"]) == (
                r["mode"], r["mapped"], note):
            merged[-1].update(minutes=merged[-1]["minutes"] + r["minutes"], to=r["v"],
                              arrives=r["arrives"])
        else:
            merged.append({"mode": r["mode"], "minutes": r["minutes"], "mapped": r["mapped"],
                           "from": r["u"], "to": r["v"], "leaves": r["leaves"],
                           "arrives": r["arrives"], "source": note})
    out = pd.DataFrame(merged, columns=LEG_COLUMNS)
    out["from"] = [_name(area, str(n)) for n in out["from"]]
    out["to"] = [_name(area, str(n)) for n in out["to"]]
    return out


def trip_record(area: Area, source: str, target: str, legs: pd.DataFrame, *,
                depart: float | None, profile: str) -> dict:
    """Return a trip as a JSON-ready dict: total, clock times and each leg."""
    total = float(legs["minutes"].sum()) if len(legs) else None
    return {
        "from": place_label(area, source), "to": place_label(area, target), "profile": profile,
        "depart": clock_text(depart),
        "arrive": clock_text(depart + total) if depart is not None and total is not None else None,
        "minutes": None if total is None else round(total, 1),
        "model": ("clock-true: each ferry waits from the arrival at its pier" if depart is not None
                  else "average waits (no departure time given)"),
        "legs": [{"mode": r["mode"], "from": r["from"], "to": r["to"],
                  "minutes": round(float(r["minutes"]), 1),
                  "leaves": clock_text(r["leaves"]), "arrives": clock_text(r["arrives"]),
                  "data": "mapped" if r["mapped"] else "modelled", "source": r["source"]}
                 for _, r in legs.iterrows()],
    }
