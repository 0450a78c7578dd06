"""The OpenStreetMap layers of an area, as islandcare holds them.

:class:`OsmData` bundles the drive graph with the ferries, facilities, ports
and places layers. Every layer is in WGS-84 (EPSG:4326); text columns use
pandas' nullable ``string`` dtype, counts ``Int64``, flags ``boolean``, and a
missing geometry is None (:data:`LAYER_COLUMNS`, built by :func:`_frame` and
:func:`_typed`). Data © OpenStreetMap contributors, licensed under the Open
Database License (ODbL) 1.0: maps must say so (:data:`ATTRIBUTION`).

This module also holds the checks of the arguments every way in shares (an
area name, an outline).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import networkx as nx
import pandas as pd
from shapely.geometry import MultiPolygon, Polygon

from islandcare.data.osm.lazy import LazyModule
from islandcare.data.schema import FACILITY_COLUMNS, PORT_COLUMNS, ColumnSpec
from islandcare.errors import InputError

if TYPE_CHECKING:
    import osmnx as ox
else:
    ox = LazyModule("osmnx")

#: Attribution every map and export built on these layers must show.
ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"
LICENSE = "ODbL 1.0"
SOURCE = "OpenStreetMap"

#: Layer names, in the order they are stored (besides the graph).
LAYERS: tuple[str, ...] = ("ferries", "facilities", "ports", "places")

_CRS = "EPSG:4326"
_DTYPES = {"str": "string", "time": "string", "int": "Int64", "float": "float64", "bool": "boolean"}


def _dtypes(specs: tuple[ColumnSpec, ...]) -> dict[str, str]:
    return {spec.name: _DTYPES[spec.kind] for spec in specs}


#: Columns (and pandas dtypes) of each layer, besides ``geometry``.
LAYER_COLUMNS: dict[str, dict[str, str]] = {
    "ferries": {
        "osm_type": "string",
        "osmid": "Int64",
        "name": "string",
        "duration": "string",
        "duration_min": "float64",
        "complete": "boolean",
        "motor_vehicle": "string",
    },
    "facilities": _dtypes(FACILITY_COLUMNS),
    "ports": {**_dtypes(PORT_COLUMNS), "as_of": "string", "license": "string"},
    "places": {
        "osm_type": "string",
        "osmid": "Int64",
        "name": "string",
        "place": "string",
        "population": "string",
    },
}


@dataclass
class OsmData:
    """The OpenStreetMap layers of one area, all in WGS-84.

    Attributes
    ----------
    graph
        Drivable road network (osmnx ``MultiDiGraph``, simplified, every
        component kept so that each island has its own). Nodes have ``x``
        (lon) and ``y`` (lat); edges have ``highway``, ``length`` (metres),
        ``oneway``, and ``maxspeed`` and ``name`` where tagged.
    ferries
        Ferry route lines (``route=ferry`` ways): ``osm_type``, ``osmid``,
        ``name``, ``duration`` (the tag as written), ``duration_min`` and
        ``complete`` (False when a local extract cut the line; its geometry
        then has only the part inside, or is missing: None). Ferry route
        *relations* are not read: their member ways carry ``route=ferry``
        too.
    facilities
        Health facilities with the columns of
        :data:`~islandcare.data.schema.FACILITY_COLUMNS` (see
        :func:`facility_kind` for the kinds).
    ports
        Ferry terminals and harbours with the columns of
        :data:`~islandcare.data.schema.PORT_COLUMNS` plus ``as_of`` and
        ``license``.
    places
        Named places (``place`` in :data:`PLACE_VALUES`): ``osm_type``,
        ``osmid``, ``name``, ``place``, ``population`` (the tag as written),
        point geometry.
    as_of
        Date of the data (``YYYY-MM-DD``): fetch date or file date.
    source
        Where the data came from (Overpass URL or file path).
    fetched
        When the cache was written (ISO 8601), for data read from a cache.
    """

    graph: nx.MultiDiGraph
    ferries: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    ports: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    as_of: str = ""
    source: str = ""
    fetched: str = ""


def _empty_graph() -> nx.MultiDiGraph:
    return nx.MultiDiGraph(crs=ox.settings.default_crs, simplified=True)


def _frame(rows: list[dict[str, Any]], columns: Mapping[str, str]) -> gpd.GeoDataFrame:
    """Return a GeoDataFrame with exactly ``columns`` (in order, typed) plus ``geometry``."""
    table = pd.DataFrame.from_records(rows, columns=[*columns, "geometry"])
    return _typed(table, columns)


def _typed(table: pd.DataFrame, columns: Mapping[str, str]) -> gpd.GeoDataFrame:
    data = {}
    for name, dtype in columns.items():
        values = table[name] if name in table else pd.Series([None] * len(table), index=table.index)
        values = values.astype(object).where(values.notna(), None)
        data[name] = pd.array(list(values), dtype=dtype)
    shapes = list(table["geometry"]) if "geometry" in table else []
    shapes = [None if shape is None or shape.is_empty else shape for shape in shapes]
    geometry = gpd.GeoSeries(shapes, index=table.index, crs=_CRS)
    if geometry.crs is not None and not geometry.crs.equals(_CRS):
        geometry = geometry.to_crs(_CRS)
    return gpd.GeoDataFrame(data, geometry=geometry, crs=_CRS)


def _check_area(area: str) -> None:
    if not isinstance(area, str) or not re.fullmatch(r"\w[\w.-]*", area):
        raise InputError(
            f"area {area!r}: expected a short name of letters, digits, '_', '-' or '.', "
            "such as 'zhoushan'"
        )


def _check_polygon(polygon: Any) -> Polygon | MultiPolygon:
    if not isinstance(polygon, (Polygon, MultiPolygon)) or polygon.is_empty:
        raise InputError(
            f"area outline: expected a non-empty shapely Polygon or MultiPolygon, "
            f"got {type(polygon).__name__}"
        )
    minx, miny, maxx, maxy = polygon.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InputError(
            f"area outline: bounds {polygon.bounds} are not longitude/latitude (WGS-84)"
        )
    if not polygon.is_valid:
        polygon = polygon.buffer(0)
    return polygon
