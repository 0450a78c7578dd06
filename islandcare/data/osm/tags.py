"""OpenStreetMap tags to islandcare: which objects are wanted and what they become.

* which tags are asked for (:data:`FEATURE_TAGS`, :data:`PLACE_VALUES`) and
  which ways belong to the drive network (:func:`_is_drive_way`, osmnx's
  ``drive`` filter);
* road classes and speed limits kept apart when the graph is simplified
  (:data:`SPEED_TAGS`, :func:`_simplify`);
* health facilities by tags and Chinese name patterns (:func:`facility_kind`,
  :data:`NAME_PATTERNS`);
* an osmnx features frame split into the ferries, facilities, ports and
  places layers (:func:`_layers`), with ferry durations, vehicle access and
  simple opening hours read from their tags.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

import geopandas as gpd
import networkx as nx
import pandas as pd
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from islandcare.data.osm.layers import LAYER_COLUMNS, LAYERS, LICENSE, SOURCE, _frame
from islandcare.data.osm.lazy import LazyModule

if TYPE_CHECKING:
    import osmnx as ox
else:
    ox = LazyModule("osmnx")

#: ``place=*`` values kept as places.
PLACE_VALUES: tuple[str, ...] = (
    "village",
    "hamlet",
    "town",
    "suburb",
    "neighbourhood",
    "quarter",
    "isolated_dwelling",
)

#: The OSM tags asked for (osmnx ``tags`` argument); one query for all layers.
FEATURE_TAGS: dict[str, bool | str | list[str]] = {
    "route": "ferry",
    "amenity": ["hospital", "clinic", "doctors", "ferry_terminal"],
    "healthcare": True,
    "emergency": "ambulance_station",
    "aeroway": ["helipad", "heliport"],
    "harbour": True,
    "place": list(PLACE_VALUES),
}

_MISSING_TAG = "islandcare:missing_nodes"  # put on ferry ways cut by the extract border

# osmnx's "drive" network filter (osmnx 2.1 ``_overpass._get_network_filter``
# plus its default ``["access"!~"private"]``), as Python regexes. Overpass
# regexes are unanchored, so ``re.search`` gives the same answer.
_DRIVE_EXCLUDE: dict[str, re.Pattern[str]] = {
    "highway": re.compile(
        "abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|"
        "escalator|footway|no|path|pedestrian|planned|platform|proposed|raceway|"
        "razed|rest_area|service|services|steps|track"
    ),
    "area": re.compile("yes"),
    "access": re.compile("private"),
    "motor_vehicle": re.compile("no"),
    "motorcar": re.compile("no"),
    "service": re.compile("alley|driveway|emergency_access|parking|parking_aisle|private"),
}


def _is_drive_way(tags: Mapping[str, str]) -> bool:
    """Whether a way belongs to osmnx's ``drive`` network."""
    if "highway" not in tags:
        return False
    return not any(rx.search(tags.get(key, "")) for key, rx in _DRIVE_EXCLUDE.items())


class _Tags(Protocol):
    """Tags read by key: a mapping or osmium's ``TagList``."""

    def get(self, key: str, default: None = None, /) -> str | None: ...


def _is_feature(tags: _Tags) -> bool:
    """Whether an object carries one of :data:`FEATURE_TAGS`."""
    for key, wanted in FEATURE_TAGS.items():
        value = tags.get(key)
        if value is None:
            continue
        if wanted is True or value == wanted or (isinstance(wanted, list) and value in wanted):
            return True
    return False


#: Edge tags that must not change along a simplified edge: each edge then has
#: one road class and one speed limit, and its travel time is exact.
SPEED_TAGS: list[str] = ["highway", "maxspeed"]


def _simplify(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Osmnx simplification that keeps a node wherever the road class or speed limit changes."""
    return ox.simplify_graph(graph, edge_attrs_differ=SPEED_TAGS)


#: Chinese name patterns → facility kind, checked in this order on every
#: health facility (OSM often tags a township 卫生院 ``amenity=hospital``).
NAME_PATTERNS: tuple[tuple[str, str], ...] = (
    ("社区卫生服务站", "community_station"),
    ("卫生服务站", "community_station"),
    ("社区卫生服务中心", "health_centre"),
    ("卫生室", "village_clinic"),
    ("卫生院", "health_centre"),
    ("急救站", "ambulance_station"),
    ("急救分站", "ambulance_station"),
)


def facility_kind(tags: Mapping[str, str], name: str = "") -> str | None:
    """Return the facility kind of an OSM object, or None when it is not one.

    The first matching row wins:

    ======================================================  ===================
    OSM tags                                                kind
    ======================================================  ===================
    a health facility (any row below but the helipad)
    whose Chinese name matches :data:`NAME_PATTERNS`        that pattern's kind
    (卫生服务站 → ``community_station``, 社区卫生服务中心
    and 卫生院 → ``health_centre``, 卫生室 →
    ``village_clinic``, 急救站 → ``ambulance_station``)
    ``amenity=hospital`` or ``healthcare=hospital``         ``hospital``
    ``amenity=clinic|doctors`` or
    ``healthcare=clinic|centre|doctor``                     ``health_centre``
    ``emergency=ambulance_station``                         ``ambulance_station``
    ``aeroway=helipad|heliport``                            ``helipad``
    any other ``healthcare=*`` (pharmacy, dentist,
    alternative, blood_donation, laboratory, ...)           not a facility
    ======================================================  ===================

    OSM does not tell a township health centre (卫生院) from other clinics,
    so clinics stay ``health_centre`` unless the Chinese name says
    otherwise.

    Parameters
    ----------
    tags
        The object's tags.
    name
        The name used for the facility (``name:zh`` or ``name``).
    """
    amenity = tags.get("amenity")
    healthcare = tags.get("healthcare")
    hospital = amenity == "hospital" or healthcare == "hospital"
    clinic = amenity in ("clinic", "doctors") or healthcare in ("clinic", "centre", "doctor")
    ambulance = tags.get("emergency") == "ambulance_station"
    if hospital or clinic or ambulance:
        for pattern, kind in NAME_PATTERNS:
            if pattern in (name or ""):
                return kind
    if hospital:
        return "hospital"
    if clinic:
        return "health_centre"
    if ambulance:
        return "ambulance_station"
    if tags.get("aeroway") in ("helipad", "heliport"):
        return "helipad"
    return None


def _layers(features: gpd.GeoDataFrame | None, *, as_of: str) -> dict[str, gpd.GeoDataFrame]:
    """Split an osmnx features frame into the ferries, facilities, ports and places layers."""
    rows: dict[str, list[dict[str, Any]]] = {layer: [] for layer in LAYERS}
    if features is not None and len(features):
        records = features.drop(columns="geometry").to_dict("records")
        for (osm_type, osmid), raw, geometry in zip(
            features.index, records, features.geometry, strict=True
        ):
            tags = {k: str(v).strip() for k, v in raw.items() if _present(v)}
            _sort_feature(rows, osm_type, int(osmid), tags, geometry, as_of)
    return {layer: _frame(rows[layer], LAYER_COLUMNS[layer]) for layer in LAYERS}


def _sort_feature(
    rows: dict[str, list[dict[str, Any]]],
    osm_type: str,
    osmid: int,
    tags: dict[str, str],
    geometry: BaseGeometry,
    as_of: str,
) -> None:
    """Append one OSM feature to the layer(s) it belongs to."""
    if geometry is None or geometry.is_empty:
        return
    name = _name(tags)
    point, note = _point(geometry, osm_type)
    common = {
        "location_quality": "exact",
        "location_note": note,
        "source": SOURCE,
        "as_of": as_of,
        "license": LICENSE,
        "geometry": point,
    }
    if tags.get("route") == "ferry" and geometry.geom_type in ("LineString", "MultiLineString"):
        complete = _MISSING_TAG not in tags
        rows["ferries"].append(_ferry_row(osm_type, osmid, tags, geometry, complete=complete))
    kind = facility_kind(tags, name or "")
    if kind is not None:
        opens, closes = _daily_hours(tags.get("opening_hours"))
        rows["facilities"].append(
            {
                "facility_id": f"osm-{osm_type}-{osmid}",
                "name": name or _unnamed(tags, osm_type, osmid),
                "kind": kind,
                "opens": opens,
                "closes": closes,
                "beds": int(tags["beds"]) if tags.get("beds", "").isdigit() else None,
                "status": "existing",
                **common,
            }
        )
    if tags.get("amenity") == "ferry_terminal" or tags.get("harbour", "no") != "no":
        rows["ports"].append(
            {
                "port_id": f"osm-{osm_type}-{osmid}",
                "name": name or _unnamed(tags, osm_type, osmid),
                **common,
            }
        )
    if tags.get("place") in PLACE_VALUES and name:
        place = {"osm_type": osm_type, "osmid": osmid, "name": name, "place": tags["place"],
                 "population": tags.get("population")}
        rows["places"].append({**place, "geometry": point})


def _name(tags: Mapping[str, str]) -> str | None:
    return tags.get("name:zh-Hans") or tags.get("name:zh") or tags.get("name")


def _ferry_row(
    osm_type: str, osmid: int, tags: Mapping[str, str], geometry: BaseGeometry, *, complete: bool
) -> dict[str, Any]:
    duration = tags.get("duration")
    return {
        "osm_type": osm_type,
        "osmid": osmid,
        "name": _name(tags),
        "duration": duration,
        "duration_min": _duration_min(duration),
        "complete": complete,
        "motor_vehicle": _vehicle_access(tags),
        "geometry": geometry,
    }


def _vehicle_access(tags: Mapping[str, str]) -> str | None:
    """Whether the ferry carries motor vehicles (so an ambulance can ride): ``yes``, ``no`` or None.

    Read from ``motor_vehicle``, then ``motorcar``, then ``vehicle``; None when
    the way says nothing.
    """
    for key in ("motor_vehicle", "motorcar", "vehicle"):
        value = tags.get(key)
        if value:
            return "no" if value.strip().lower() in ("no", "private") else "yes"
    return None


def _present(value: Any) -> bool:
    """Whether a cell of the osmnx features frame holds a tag value."""
    if isinstance(value, (list, tuple, dict)):
        return True
    return not pd.isna(value) and str(value).strip() != ""


def _point(geometry: BaseGeometry, osm_type: str) -> tuple[Point, str | None]:
    """Return the point of a feature, and a note when it stands for an area or a line."""
    if geometry.geom_type == "Point":
        return geometry, None
    shape = "area" if geometry.geom_type in ("Polygon", "MultiPolygon") else "line"
    note = f"representative point of the OSM {osm_type} {shape}"
    return geometry.representative_point(), note


def _unnamed(tags: Mapping[str, str], osm_type: str, osmid: int) -> str:
    what = (
        tags.get("amenity")
        or tags.get("healthcare")
        or tags.get("emergency")
        or tags.get("aeroway")
        or "harbour"
    )
    return f"unnamed {what.replace('_', ' ')} (OSM {osm_type} {osmid})"


def _duration_min(text: str | None) -> float:
    """Minutes of an OSM ``duration`` tag (``HH:MM``, ``HH:MM:SS``, ``MM`` or ``PT1H30M``)."""
    if not text:
        return math.nan
    text = text.strip()
    if text.isdigit():
        return float(text)
    clock = re.fullmatch(r"(\d+):(\d{1,2})(?::(\d{1,2}))?", text)
    if clock:
        hours, minutes, seconds = (int(g or 0) for g in clock.groups())
        return hours * 60 + minutes + seconds / 60
    iso = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", text)
    if iso and any(iso.groups()):
        hours, minutes, seconds = (int(g or 0) for g in iso.groups())
        return hours * 60 + minutes + seconds / 60
    return math.nan


def _daily_hours(text: str | None) -> tuple[str | None, str | None]:
    """Return the opening and closing time of a simple every-day ``opening_hours``.

    Only ``HH:MM-HH:MM`` and ``Mo-Su HH:MM-HH:MM`` are read; ``24/7`` and
    anything else give (None, None). Empty columns mean "always open" in the
    facility schema, so a clinic with weekday hours in OSM reads as always
    open: check facilities before night-time analyses.
    """
    if not text:
        return None, None
    found = re.fullmatch(r"(?:Mo-Su\s+)?(\d{1,2}):(\d\d)\s*-\s*(\d{1,2}):(\d\d)", text.strip())
    if not found:
        return None, None
    h1, m1, h2, m2 = (int(g) for g in found.groups())
    if not (h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60):
        return None, None
    return f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"
