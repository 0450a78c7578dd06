"""Travel times and the legs of a trip, by the fastest mix of modes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from islandcare.analyses.rules import unreached
from islandcare.data.pack import Area
from islandcare.errors import InputError
from islandcare.network import nodes
from islandcare.network.assemble import Network

__all__ = ["Trip", "facility_node", "land_of", "place_label", "place_node", "times_from", "trip", "unreached_reason"]


@dataclass(frozen=True)
class Trip:
    """A trip from one node to another: total minutes and its legs as a table."""

    source: str
    target: str
    minutes: float
    legs: pd.DataFrame  # columns: mode, minutes, mapped, from, to

    @property
    def reached(self) -> bool:
        """Whether the target is reached at all (finite minutes)."""
        return bool(np.isfinite(self.minutes))

    @property
    def modes(self) -> str:
        """The mode sequence, e.g. ``access > road > boarding > wait > ferry > access``."""
        return " > ".join(self.legs["mode"]) if len(self.legs) else ""

    @property
    def rests_on_modelled(self) -> bool:
        """Whether any leg of the route is modelled rather than mapped."""
        return bool(len(self.legs) and (~self.legs["mapped"]).any())


def facility_node(area: Area, facility_id: str) -> str:
    """Network node of a facility, or an InputError naming the known ids."""
    fac = area.layers["facilities"]
    if facility_id not in set(fac["facility_id"]):
        sample = ", ".join(fac["facility_id"].head(8))
        msg = f"No facility '{facility_id}' in {area.key}. Known ids include: {sample} ..."
        raise InputError(msg)
    return nodes.facility_node(facility_id)


def place_node(area: Area, code: str) -> str:
    """Network node of a village (12-digit code) or township seat (9-digit code)."""
    if code in set(area.layers["villages"]["code"]):
        return nodes.village_node(code)
    if code in set(area.layers["townships"]["code"]):
        return nodes.township_node(code)
    msg = (f"No village or township '{code}' in {area.key}: give a 12-digit village code or a "
           "9-digit township code from the register.")
    raise InputError(msg)


def place_label(area: Area, node: str) -> str:
    """Return a readable name for a network node (facility, village, township seat, port)."""
    kind, key = nodes.kind_of(node), nodes.key_of(node)
    table = {nodes.FACILITY: ("facilities", "facility_id"), nodes.VILLAGE: ("villages", "code"),
             nodes.TOWNSHIP: ("townships", "code"), nodes.PORT: ("ports", "port_id")}.get(kind)
    if table is None:
        return node
    layer, col = table
    df = area.layers[layer]
    hit = df[df[col] == key]
    return f"{hit.iloc[0]['name']} ({key})" if len(hit) else node


def _name(area: Area, node: str) -> str:
    kind = nodes.kind_of(node)
    if kind in (nodes.FACILITY, nodes.VILLAGE, nodes.TOWNSHIP, nodes.PORT):
        return place_label(area, node)
    return {nodes.LAND: "land", nodes.ROAD: "road", nodes.SEA: "pier"}.get(kind, kind)


def trip(net: Network, area: Area, source: str, target: str) -> Trip:
    """Return the fastest trip from ``source`` to ``target`` (network node ids)."""
    for node in (source, target):
        if not net.has(node):
            why = net.not_joined.get(node, "it has no known point")
            msg = f"{place_label(area, node)} is not on the network: {why}."
            raise InputError(msg)
    eng = net.engine
    path = eng.path(source, target)
    if not path:
        return Trip(source, target, float("inf"),
                    pd.DataFrame(columns=["mode", "minutes", "mapped", "from", "to"]))
    legs = eng.legs(path)
    rows = [{"mode": lg.mode, "minutes": lg.minutes, "mapped": lg.mapped,
             "from": _name(area, str(lg.from_node)), "to": _name(area, str(lg.to_node))}
            for lg in legs]
    return Trip(source, target, float(sum(lg.minutes for lg in legs)), pd.DataFrame(rows))


def times_from(net: Network, source: str, targets: list[str]) -> pd.Series:
    """Minutes from one node to many (``inf`` where not reached or not on the network)."""
    eng = net.engine
    row = eng.times([source])[0]
    out = {}
    for t in targets:
        out[t] = float(row[eng.node_index[t]]) if t in eng.node_index else float("inf")
    return pd.Series(out, dtype=float)


def land_of(net: Network, node: str) -> str | None:
    """Return the land polygon (island) a joined node stands on."""
    return net.land_id.get(node)


def unreached_reason(net: Network, area: Area, source: str, target: str) -> str:
    """Why ``target`` is not reached from ``source``, in words (its code: :func:`~.rules.unreached`)."""
    return unreached(net, area, source, target)[1]
