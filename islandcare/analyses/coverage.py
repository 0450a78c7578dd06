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
from islandcare.analyses.routes import unreached_reason
from islandcare.data.pack import Area
from islandcare.engine import Nearest
from islandcare.network.assemble import Network, NetworkCache
from islandcare.network.scenario import Scenario

__all__ = ["Circle", "CircleResult", "circles_for", "evaluate_circle", "facility_sources",
           "status_counts"]

STATUSES = ("covered", "underserved", "unknown")


@dataclass(frozen=True)
class Circle:
    """One service circle's rule, read from the area file.

    ``limits`` maps a settlement class (town/countryside) to (minutes, travel
    profile); ``kinds`` are the facility kinds that serve it.
    """

    key: str
    label: str
    kinds: tuple[str, ...]
    limits: dict[str, tuple[float, str]]
    night: bool = False
    sources: dict[str, str] = field(default_factory=dict)


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
    """Network nodes of the facilities of some kinds that are on the network."""
    fac = area.layers["facilities"]
    status = fac["status"].fillna("existing") if "status" in fac else pd.Series("existing", index=fac.index)
    keep = fac["kind"].isin(kinds) & (include_planned | (status == "existing"))
    return [f"f:{f}" for f in fac.loc[keep, "facility_id"] if net.has(f"f:{f}")]


def _facility_names(area: Area) -> dict[str, str]:
    fac = area.layers["facilities"]
    return {f"f:{i}": n for i, n in zip(fac["facility_id"], fac["name"], strict=True)}


def evaluate_circle(area: Area, places: pd.DataFrame, nets: NetworkCache, circle: Circle, *,
                    extra: dict[str, list[tuple[str, float]]] | None = None,
                    with_legs: bool = True) -> pd.DataFrame:
    """Evaluate one circle for every place.

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
        ``status``, ``reason``.
    """
    names = _facility_names(area)
    fac = area.layers["facilities"]
    fac_quality = {f"f:{i}": q for i, q in zip(fac["facility_id"], fac["location_quality"], strict=True)}
    fac_xy = {f"f:{i}": (g.x, g.y) for i, g in zip(fac["facility_id"], fac.geometry, strict=True)
              if g is not None and not g.is_empty}
    near_m = float(area.config.get("verdict.assumed_within_m"))
    out = places.copy()
    for col in ("minutes", "limit"):
        out[col] = np.nan
    for col in ("mode", "facility_id", "facility", "path_modes", "status", "reason", "rule_source",
                "basis"):
        out[col] = None
    out["modelled_leg"] = False
    profiles = {mode for _, mode in circle.limits.values()}
    for profile in sorted(profiles):
        net = nets.get(Scenario(profile=profile, night=circle.night))
        eng = net.engine
        sources = facility_sources(area, net, circle.kinds)
        delays = [0.0] * len(sources)
        for node, delay in (extra or {}).get(profile, []):
            sources.append(node)
            delays.append(delay)
        near: Nearest | None = eng.nearest(sources, delays=delays) if sources else None
        for cls, (limit, mode) in circle.limits.items():
            if mode != profile:
                continue
            rows = out.index[out["settlement_class"] == cls]
            for i in rows:
                out.at[i, "limit"] = limit
                out.at[i, "mode"] = mode
                out.at[i, "rule_source"] = circle.sources.get(cls, circle.sources.get("all", ""))
                node = out.at[i, "node"]
                if node is None or not net.has(node):
                    out.at[i, "status"] = "unknown"
                    out.at[i, "reason"] = "no known point for this place: time unknown"
                    continue
                j = eng.node_index[node]
                t = float(near.minutes[j]) if near is not None else float("inf")
                out.at[i, "minutes"] = t
                if near is None or not np.isfinite(t):
                    why = ("no facility of this kind has a known point" if near is None else
                           unreached_reason(net, area, sources[0], node))
                    gap = "in the data" in why
                    out.at[i, "status"] = "unknown" if gap else "underserved"
                    out.at[i, "reason"] = f"not reached: {why}"
                    continue
                src = sources[int(near.source[j])]
                out.at[i, "facility_id"] = src[2:] if src.startswith("f:") else "proposed site"
                out.at[i, "facility"] = names.get(src, "proposed site")
                if with_legs:
                    legs = eng.legs(eng.path(near, node))
                    out.at[i, "path_modes"] = " > ".join(dict.fromkeys(lg.mode for lg in legs))
                    out.at[i, "modelled_leg"] = any(not lg.mapped for lg in legs)
                    lon, lat = out.at[i, "lon"], out.at[i, "lat"]
                    out.at[i, "basis"] = point_basis(
                        modelled_leg=bool(out.at[i, "modelled_leg"]),
                        place_quality=out.at[i, "location_quality"],
                        facility_quality=fac_quality.get(src, "approximate"),
                        place_xy=None if lon is None or pd.isna(lon) else (float(lon), float(lat)),
                        facility_xy=fac_xy.get(src), assumed_within_m=near_m)
                if t <= limit:
                    out.at[i, "status"] = "covered"
                else:
                    out.at[i, "status"] = "underserved"
                    out.at[i, "reason"] = (f"outside the {limit:g}-minute {cls} circle ({mode}): "
                                           f"{t:.0f} min to {out.at[i, 'facility']}")
    return out


def status_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Per township: villages covered / underserved / unknown, and the seat's status and people."""
    vil = table[table["unit"] == "village"]
    counts = (vil.pivot_table(index=["township_code", "township"], columns="status",
                              values="code", aggfunc="count", fill_value=0)
              .reindex(columns=list(STATUSES), fill_value=0))
    seats = table[table["unit"] == "township_seat"].set_index("township_code")
    counts = counts.reset_index()
    counts["villages"] = counts[list(STATUSES)].sum(axis=1)
    counts["seat_status"] = counts["township_code"].map(seats["status"])
    counts["seat_minutes"] = counts["township_code"].map(seats["minutes"])
    counts["population"] = counts["township_code"].map(seats["population"])
    counts["population_year"] = counts["township_code"].map(seats["population_year"])
    return counts
