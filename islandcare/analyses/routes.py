"""Travel times and the legs of a trip, by the fastest mix of modes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from islandcare.data.pack import Area
from islandcare.errors import InputError
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
    return f"f:{facility_id}"


def place_node(area: Area, code: str) -> str:
    """Network node of a village (12-digit code) or township seat (9-digit code)."""
    if code in set(area.layers["villages"]["code"]):
        return f"v:{code}"
    if code in set(area.layers["townships"]["code"]):
        return f"t:{code}"
    msg = (f"No village or township '{code}' in {area.key}: give a 12-digit village code or a "
           "9-digit township code from the register.")
    raise InputError(msg)


def place_label(area: Area, node: str) -> str:
    """Return a readable name for a network node (facility, village, township seat, port)."""
    kind, _, key = node.partition(":")
    table = {"f": ("facilities", "facility_id"), "v": ("villages", "code"),
             "t": ("townships", "code"), "p": ("ports", "port_id")}.get(kind)
    if table is None:
        return node
    layer, col = table
    df = area.layers[layer]
    hit = df[df[col] == key]
    return f"{hit.iloc[0]['name']} ({key})" if len(hit) else node


def _name(area: Area, node: str) -> str:
    kind = node.split(":", 1)[0]
    if kind in ("f", "v", "t", "p"):
        return place_label(area, node)
    return {"l": "land", "r": "road", "sea": "pier"}.get(kind, kind)


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
    """Why ``target`` is not reached from ``source``: a gap in the data or a closure."""
    if not net.has(target):
        return "no known point: time unknown (a gap in the data)"
    src_land, dst_land = land_of(net, source), land_of(net, target)
    if src_land == dst_land:
        return "not reached on its own island (check the network)"
    ports = area.layers["ports"]
    links = area.layers["sealinks"]
    linked = set(links["from_port"]) | set(links["to_port"]) if len(links) else set()
    island_ports = [p for p in ports["port_id"] if p in linked and land_of(net, f"p:{p}") == dst_land]
    if not island_ports:
        return ("no sea link to this island is in the data: a gap in the data, not necessarily "
                "in care")
    sc = net.scenario
    if sc.sea_closed:
        return "sea closed (weather): no boat sails to this island"
    if sc.night:
        return "night: no scheduled ferry sails to this island"
    return "no path in this scenario"
