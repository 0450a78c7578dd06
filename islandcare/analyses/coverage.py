"""Service circles: who lies within the minutes of a facility, by which, and why not.

Each place (village or township seat, see :mod:`islandcare.analyses.places`)
gets its class's minutes and travel mode from the area file, the best time
from the circle's facilities, the facility that gives it, the legs' data
quality, and a status:

``covered``      within the minutes;
``underserved``  reached, but not within the minutes (or not reached although
                 the data has a way there);
``unknown``      no point for the place, or not reached because the data has
                 no sea link to its island (a gap in the data, not in care).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from islandcare.analyses.basis import point_basis
from islandcare.analyses.rules import (
    CircleRule,
    Outcome,
    Rule,
    evaluate,
    live_rows,
    place_indices,
    rule_sources,
)
from islandcare.data.pack import Area
from islandcare.engine import Nearest
from islandcare.network import nodes
from islandcare.network.assemble import Network, NetworkCache

__all__ = ["Circle", "CircleResult", "circles_for", "evaluate_circle", "facility_sources",
           "status_counts"]

STATUSES = ("covered", "underserved", "unknown")


#: One service circle's rule, read from the area file: the circle's :class:`~islandcare.analyses.rules.CircleRule`
#: (``limits`` maps a settlement class, town or countryside, to (minutes, travel profile); ``kinds``
#: are the facility kinds that serve it).
Circle = CircleRule


@dataclass
class CircleResult:
    """A circle evaluated on an area: per-place table and the reached land."""

    circle: Circle
    table: pd.DataFrame
    polygons: dict[str, BaseGeometry] = field(default_factory=dict)


#: Labels of the circles the plans name (an area file may set its own ``label``).
_LABELS = {"primary_care": "primary care 基层医疗服务圈", "night_clinic": "night clinic 夜间诊疗服务圈"}


def circles_for(area: Area) -> list[Circle]:
    """Every circle the area file defines under ``[circles.<key>]``, primary care first.

    A circle is a setting, not code: ``facility_kinds`` and either
    ``town_minutes``/``countryside_minutes`` (with ``town_mode`` and
    ``countryside_mode``) or one ``minutes`` (with ``mode``), as the schema
    :class:`islandcare.settings.CircleSettings` checks; ``night = true``
    evaluates it in the night scenario; ``label`` names it.
    """
    cfg = area.config
    tables = cfg.typed.circles
    out = []
    for key in sorted(tables, key=lambda k: (k != "primary_care", k)):
        t, base = tables[key], f"circles.{key}"
        limits = t.limits()
        if t.split:
            sources = {"town": cfg.source(f"{base}.town_minutes"),
                       "countryside": cfg.source(f"{base}.countryside_minutes")}
        else:
            sources = {"all": cfg.source(f"{base}.minutes")}
        out.append(Circle(key=key, label=t.label or _LABELS.get(key, key.replace("_", " ")),
                          kinds=tuple(t.facility_kinds), limits=limits,
                          night=t.night is True, sources=sources))
    return out


def facility_sources(area: Area, net: Network, kinds: tuple[str, ...], *,
                     include_planned: bool = False) -> list[str]:
    """Network nodes of the facilities of some kinds that are on the network (see :func:`live_facilities`)."""
    ids = area.layers["facilities"]["facility_id"].to_numpy()  # the ids only: no selection of the layer's rows
    return [nodes.facility_node(f) for f in ids[live_rows(area, kinds=kinds, include_planned=include_planned, net=net)]]


def evaluate_circle(area: Area, places: pd.DataFrame, nets: NetworkCache, circle: Circle, *,
                    extra: dict[str, list[tuple[str, float]]] | None = None,
                    with_legs: bool = True) -> pd.DataFrame:
    """Evaluate one circle for every place (its :class:`~islandcare.analyses.rules.CircleRule`).

    Parameters
    ----------
    area, places, nets
        The area, its places table, and the network cache.
    circle
        The circle's rule.
    extra
        Extra sources per travel profile as (land node, start delay minutes):
        proposed sites joined to the network (what-if).
    with_legs
        Whether to trace each place's path for its modes and data quality.

    Returns
    -------
    DataFrame
        ``places`` with ``minutes``, ``limit``, ``mode``, ``facility_id``,
        ``facility``, ``path_modes``, ``modelled_leg``, ``basis`` (see
        :mod:`islandcare.analyses.basis`; None without a time or legs),
        ``status``, ``reason`` and ``reason_code`` (an
        :class:`~islandcare.analyses.rules.Unreached` value, None when inside).
    """
    rule = circle
    out = places.copy()
    n = len(out)
    cols = {c: np.full(n, np.nan) for c in ("minutes", "limit")}
    for c in ("mode", "facility_id", "facility", "path_modes", "status", "reason", "reason_code",
              "rule_source", "basis"):
        cols[c] = np.full(n, None, dtype=object)
    cols["modelled_leg"] = np.zeros(n, dtype=bool)
    cls = out["settlement_class"].to_numpy()
    for profile in rule.profiles:
        net = nets.get(rule.scenario(profile))
        srcs = rule_sources(rule, area, net).plus((extra or {}).get(profile))
        near: Nearest | None = net.engine.nearest(list(srcs.nodes), delays=list(srcs.delays)) if len(srcs) else None
        res = evaluate(net, area, place_idx=place_indices(net.engine, out["node"]), place_nodes=list(out["node"]),
                       limit=rule.limit_array(out, profile),
                       best_minutes=None if near is None else near.minutes,
                       best_source=None if near is None else near.source, sources=srcs)
        _fill(cols, res, rule, profile, cls)
        if with_legs and near is not None:
            _legs(cols, res, area, net, near, out)
    for c, v in cols.items():
        out[c] = v
    return out


def _fill(cols: dict[str, np.ndarray], res: Outcome, rule: Rule, profile: str, cls: np.ndarray) -> None:
    """Write one profile's outcome into the circle's columns (rows where it applies)."""
    rows = np.flatnonzero(res.applies)
    got = res.source[rows] >= 0
    cols["limit"][rows] = res.limit[rows]
    cols["minutes"][rows] = res.minutes[rows]
    cols["mode"][rows] = profile
    cols["rule_source"][rows] = [rule.source_of(c) for c in cls[rows]]
    cols["status"][rows] = res.status[rows]
    cols["reason_code"][rows] = [None if c is None else c.value for c in res.code[rows]]
    ids = np.array((*res.sources.ids, ""), dtype=object)
    names = np.array((*res.sources.names, ""), dtype=object)
    cols["facility_id"][rows[got]] = ids[res.source[rows[got]]]
    cols["facility"][rows[got]] = names[res.source[rows[got]]]
    cols["reason"][rows] = [rule.reason(res.code[i], minutes=float(res.minutes[i]), limit=float(res.limit[i]),
                                        cls=str(cls[i]), mode=profile, source=cols["facility"][i],
                                        why=str(res.why[i])) for i in rows]


def _legs(cols: dict[str, np.ndarray], res: Outcome, area: Area, net: Network, near: Nearest,
          places: pd.DataFrame) -> None:
    """Trace each reached place's path: its modes, whether a leg is modelled, and its basis."""
    eng = net.engine
    near_m = float(area.config.get("verdict.assumed_within_m"))
    lon, lat = places["lon"].to_numpy(), places["lat"].to_numpy()
    quality = places["location_quality"].to_numpy()
    node = places["node"].to_numpy()
    for i in np.flatnonzero(res.applies & (res.source >= 0)):
        k = int(res.source[i])
        legs = eng.legs(eng.path(near, node[i]))
        cols["path_modes"][i] = " > ".join(dict.fromkeys(lg.mode for lg in legs))
        cols["modelled_leg"][i] = any(not lg.mapped for lg in legs)
        cols["basis"][i] = point_basis(
            modelled_leg=bool(cols["modelled_leg"][i]), place_quality=quality[i],
            facility_quality=res.sources.quality[k],
            place_xy=None if lon[i] is None or pd.isna(lon[i]) else (float(lon[i]), float(lat[i])),
            facility_xy=res.sources.xy[k], assumed_within_m=near_m)


def status_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Per township: villages covered / underserved / unknown, and the seat's status and people."""
    # the few columns it reads, before selecting rows (a wide table's row selection copies every column)
    cols = table[["unit", "code", "township_code", "township", "status", "minutes", "population",
                  "population_year"]]
    vil = cols[cols["unit"] == "village"]
    counts = (vil.groupby(["township_code", "township", "status"])["code"].count()
              .unstack("status", fill_value=0)
              .reindex(columns=list(STATUSES), fill_value=0))
    seats = cols[cols["unit"] == "township_seat"].set_index("township_code")
    counts = counts.reset_index()
    counts["villages"] = counts[list(STATUSES)].sum(axis=1)
    counts["seat_status"] = counts["township_code"].map(seats["status"])
    counts["seat_minutes"] = counts["township_code"].map(seats["minutes"])
    counts["population"] = counts["township_code"].map(seats["population"])
    counts["population_year"] = counts["township_code"].map(seats["population_year"])
    return counts
