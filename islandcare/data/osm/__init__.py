"""OpenStreetMap layers for an area: drive graph, ferry routes, facilities, ports, places.

Two ways in:

* :func:`fetch_area` asks the Overpass API (through osmnx) for everything
  inside a polygon and keeps the result under ``cache_dir/<area>/``;
  :func:`load_cached` reads that cache back. Without internet,
  :func:`fetch_area` raises :class:`OsmUnavailable` and the caller falls back
  to the offline pack.
* :func:`load_osm_file` reads the same layers from a local ``.osm``,
  ``.osm.bz2`` or ``.osm.pbf`` extract (for instance a Geofabrik download
  clipped to Zhoushan).

Every layer is in WGS-84 (EPSG:4326). Data © OpenStreetMap contributors,
licensed under the Open Database License (ODbL) 1.0: maps must say so
(:data:`ATTRIBUTION`).

One module per concern:

* :mod:`~islandcare.data.osm.layers`: :class:`OsmData`, the layer columns and
  dtypes, attribution, typed frames, the area and outline checks;
* :mod:`~islandcare.data.osm.fetch`: download through osmnx and the Overpass
  API, :class:`OsmUnavailable` and its one-line message;
* :mod:`~islandcare.data.osm.file`: read a local extract with pyosmium;
* :mod:`~islandcare.data.osm.cache`: write and read ``cache_dir/<area>/``
  (atomic replace, ``meta.json``);
* :mod:`~islandcare.data.osm.tags`: OSM tags and Chinese name patterns to
  islandcare kinds, the drive filter, road classes and speed limits kept
  through simplification;
* :mod:`~islandcare.data.osm.check`: refuse an extract that does not cover
  its area;
* :mod:`~islandcare.data.osm.pack`: an offline pack built from an extract
  alone (imported on its own: it needs :mod:`islandcare.data.conflate`).

The names below are re-exported here, so ``from islandcare.data import osm``
and ``osm.load_cached(...)`` keep working.
"""

from __future__ import annotations

# private names imported ``as`` themselves are re-exported for the tests that use them
from islandcare.data.osm.cache import load_cached, replace_folder, save_cache
from islandcare.data.osm.fetch import REQUESTS_TIMEOUT, OsmUnavailable, fetch_area
from islandcare.data.osm.file import _extract_to_xml as _extract_to_xml
from islandcare.data.osm.file import file_extent, highways_to_xml, load_osm_file
from islandcare.data.osm.layers import ATTRIBUTION, LAYER_COLUMNS, LAYERS, LICENSE, SOURCE, OsmData
from islandcare.data.osm.layers import _empty_graph as _empty_graph
from islandcare.data.osm.layers import _frame as _frame
from islandcare.data.osm.layers import _typed as _typed
from islandcare.data.osm.tags import (
    FEATURE_TAGS,
    NAME_PATTERNS,
    PLACE_VALUES,
    SPEED_TAGS,
    facility_kind,
)
from islandcare.data.osm.tags import _is_drive_way as _is_drive_way

__all__ = [
    "ATTRIBUTION",
    "FEATURE_TAGS",
    "LAYERS",
    "LAYER_COLUMNS",
    "LICENSE",
    "NAME_PATTERNS",
    "PLACE_VALUES",
    "REQUESTS_TIMEOUT",
    "SOURCE",
    "SPEED_TAGS",
    "OsmData",
    "OsmUnavailable",
    "facility_kind",
    "fetch_area",
    "file_extent",
    "highways_to_xml",
    "load_cached",
    "load_osm_file",
    "replace_folder",
    "save_cache",
]
