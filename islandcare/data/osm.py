"""OpenStreetMap layers for an area: drive graph, ferry routes, facilities, ports, places.

Two ways in:

* :func:`fetch_area` asks the Overpass API (through osmnx) for everything
  inside a polygon and keeps the result under ``cache_dir/<area>/``;
  :func:`load_cached` reads that cache back. Without internet,
  :func:`fetch_area` raises :class:`OsmUnavailable` and the caller falls back
  to the offline pack.
* :func:`load_osm_file` reads the same layers from a local ``.osm``,
  ``.osm.bz2`` or ``.osm.pbf`` extract (for instance a Geofabrik download
  clipped to Zhoushan). pyosmium picks the drivable roads and the wanted
  features out of the extract and writes them as two small OSM XML files,
  which osmnx then reads.

Every layer is in WGS-84 (EPSG:4326); text columns use pandas' nullable
``string`` dtype, counts ``Int64``, flags ``boolean``, and a missing geometry
is None. Data © OpenStreetMap contributors,
licensed under the Open Database License (ODbL) 1.0: maps must say so
(:data:`ATTRIBUTION`).

Cache layout (``cache_dir/<area>/``)::

    graph.graphml        drive network (osmnx GraphML)
    ferries.geojson      ferry route lines
    facilities.geojson   health facilities (FACILITY_COLUMNS)
    ports.geojson        ferry terminals and harbours
    places.geojson       named villages, hamlets, towns, ...
    meta.json            area, fetch date, source, attribution, counts

``meta.json`` is written last: a folder without it is an unfinished cache and
:func:`load_cached` ignores it. :func:`save_cache` writes a new cache beside
the old one and swaps it in, so a failed write leaves the old cache whole. osmnx's own HTTP cache lives in
``cache_dir/osmnx-http/``.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import geopandas as gpd
import networkx as nx
import osmnx as ox
import pandas as pd
import requests
import urllib3.exceptions
from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError
from shapely.geometry import LineString, MultiPoint, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from islandcare.data.schema import FACILITY_COLUMNS, PORT_COLUMNS, ColumnSpec
from islandcare.errors import InputError

__all__ = [
    "ATTRIBUTION",
    "FEATURE_TAGS",
    "LAYERS",
    "LAYER_COLUMNS",
    "LICENSE",
    "PLACE_VALUES",
    "REQUESTS_TIMEOUT",
    "OsmData",
    "OsmUnavailable",
    "facility_kind",
    "fetch_area",
    "file_extent",
    "highways_to_xml",
    "load_cached",
    "load_osm_file",
    "save_cache",
]

#: Attribution every map and export built on these layers must show.
ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"
LICENSE = "ODbL 1.0"
SOURCE = "OpenStreetMap"

#: Seconds osmnx waits for the Overpass API before giving up.
REQUESTS_TIMEOUT = 20

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

#: Layer names, in the order they are stored (besides the graph).
LAYERS: tuple[str, ...] = ("ferries", "facilities", "ports", "places")

_CRS = "EPSG:4326"
_MISSING_TAG = "islandcare:missing_nodes"  # put on ferry ways cut by the extract border
_OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.pbf")
_DTYPES = {"str": "string", "time": "string", "int": "Int64", "float": "float64", "bool": "boolean"}

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


class OsmUnavailable(Exception):
    """OpenStreetMap (the Overpass API) could not be reached.

    The message is one line, meant for the user; the caller then uses the
    offline pack.
    """


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


# --------------------------------------------------------------------------
# Fetching from the Overpass API


def fetch_area(
    *,
    area: str,
    polygon: Polygon | MultiPolygon,
    cache_dir: Path,
) -> OsmData:
    """Download the OpenStreetMap layers inside a polygon and cache them.

    Always asks osmnx (whose HTTP cache under ``cache_dir/osmnx-http`` makes a
    repeat cheap); use ``load_cached(area, cache_dir) or fetch_area(...)`` to
    prefer a finished cache.

    Parameters
    ----------
    area
        Short name of the area (``zhoushan``, ``fenghua``): the cache folder.
    polygon
        Area outline in WGS-84 (lon, lat).
    cache_dir
        Folder that holds the caches.

    Returns
    -------
    OsmData
        The layers, also written to ``cache_dir/<area>/``.

    Raises
    ------
    OsmUnavailable
        When the Overpass API cannot be reached or answers with an error.
    InputError
        When ``area`` or ``polygon`` is unusable.
    """
    _check_area(area)
    polygon = _check_polygon(polygon)
    cache_dir = Path(cache_dir)
    fetched = datetime.now(UTC)
    with _osmnx_settings(cache_dir), _network_errors_as_unavailable():
        _check_reachable()
        try:
            graph = _simplify(
                ox.graph_from_polygon(
                    polygon,
                    network_type="drive",
                    retain_all=True,
                    truncate_by_edge=True,
                    simplify=False,
                )
            )
        except (InsufficientResponseError, ValueError):  # no roads in the polygon
            graph = _empty_graph()
        try:
            features = ox.features_from_polygon(polygon, tags=FEATURE_TAGS)
        except InsufficientResponseError:
            features = None
    as_of = fetched.date().isoformat()
    data = OsmData(
        graph=graph,
        **_layers(features, as_of=as_of),
        as_of=as_of,
        source=f"Overpass API {ox.settings.overpass_url}",
    )
    save_cache(data, area=area, cache_dir=cache_dir, fetched=fetched)
    return data


@contextmanager
def _osmnx_settings(cache_dir: Path) -> Iterator[None]:
    """Use the osmnx HTTP cache under ``cache_dir`` and a short timeout, then restore."""
    names = ("use_cache", "cache_folder", "requests_timeout")
    saved = {name: getattr(ox.settings, name) for name in names}
    ox.settings.use_cache = True
    ox.settings.cache_folder = str(cache_dir / "osmnx-http")
    ox.settings.requests_timeout = REQUESTS_TIMEOUT
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(ox.settings, name, value)


def _check_reachable() -> None:
    """Fail fast when the Overpass server cannot be reached.

    osmnx itself would wait a minute after a failed status request before
    trying the query; this probe makes "no internet" quick.
    """
    url = ox.settings.overpass_url.rstrip("/") + "/status"
    requests.get(url, timeout=REQUESTS_TIMEOUT, **ox.settings.requests_kwargs)


@contextmanager
def _network_errors_as_unavailable() -> Iterator[None]:
    """Turn connection errors of requests, urllib3 and osmnx into OsmUnavailable."""
    try:
        yield
    except (
        requests.exceptions.RequestException,
        urllib3.exceptions.HTTPError,
        ResponseStatusCodeError,
        ConnectionError,
        TimeoutError,
    ) as exc:
        raise OsmUnavailable(
            f"OpenStreetMap could not be reached (no internet?): {_short_reason(exc)}; "
            "islandcare will use the offline pack"
        ) from exc


def _short_reason(exc: BaseException) -> str:
    """A few words on why a request failed, e.g. ``127.0.0.1:9: Connection refused``."""
    host = urlparse(ox.settings.overpass_url).netloc or ox.settings.overpass_url
    if isinstance(exc, requests.exceptions.Timeout):
        return f"{host} did not answer within {REQUESTS_TIMEOUT} s"
    text = str(exc)
    found = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text)
    if found:
        return f"{host}: {found.group(1).strip()}"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return f"cannot connect to {host}"
    first = text.splitlines()[0] if text else type(exc).__name__
    return f"{host}: {first[:120]}"


# --------------------------------------------------------------------------
# Reading a local extract


def load_osm_file(path: str | Path, *, polygon: Polygon | MultiPolygon | None = None) -> OsmData:
    """Read the OpenStreetMap layers from a local extract.

    Extracts cut at a border (``osmium extract -s simple``) lose the nodes of
    ways outside it: road edges across such gaps are left out, and ferry
    routes keep what is inside with ``complete`` False (an empty line when
    fewer than two of their points are inside). Extracts made with the
    default ``complete_ways`` strategy have no gaps.

    Parameters
    ----------
    path
        An ``.osm`` (XML), ``.osm.bz2`` or ``.osm.pbf`` file.
    polygon
        Optional outline in WGS-84: roads are cut to it (edges that cross it
        are kept whole) and features that do not touch it are dropped.

    Returns
    -------
    OsmData
        The layers; ``as_of`` is the extract's replication timestamp when its
        header has one, else a ``YYYY-MM-DD`` date in the file name, otherwise
        the file's modification date.

    Raises
    ------
    InputError
        When the file is missing, has another extension or cannot be read.
    """
    path = _check_osm_path(path)
    if polygon is not None:
        polygon = _check_polygon(polygon)
    with tempfile.TemporaryDirectory(prefix="islandcare-osm-") as tmp:
        try:
            extract = _extract_to_xml(path, Path(tmp))
            as_of = _file_date(path)
        except RuntimeError as exc:  # pyosmium: bad header, bad blob, XML error ...
            raise InputError(
                f"{path}: cannot be read as an OpenStreetMap extract "
                f"(.osm, .osm.bz2 or .osm.pbf): {exc}"
            ) from exc
        graph = _graph_from_xml(extract.roads_xml, gaps=extract.road_gaps, polygon=polygon)
        features = _features_from_xml(extract.features_xml, polygon=polygon)
    layers = _layers(features, as_of=as_of)
    cut = [
        row
        for row, inside in extract.cut_ferries
        if polygon is None or (not inside.is_empty and inside.intersects(polygon))
    ]
    if cut:
        layers["ferries"] = _typed(
            pd.concat(
                [layers["ferries"], _frame(cut, LAYER_COLUMNS["ferries"])], ignore_index=True
            ),
            LAYER_COLUMNS["ferries"],
        )
    return OsmData(graph=graph, **layers, as_of=as_of, source=str(path))


def _check_osm_path(path: str | Path) -> Path:
    path = Path(path)
    if not path.name.lower().endswith(_OSM_SUFFIXES):
        raise InputError(
            f"{path}: not an OpenStreetMap extract; expected a file ending in "
            + ", ".join(_OSM_SUFFIXES)
        )
    if not path.is_file():
        raise InputError(
            f"{path}: file not found; expected an OpenStreetMap extract "
            "(.osm, .osm.bz2 or .osm.pbf)"
        )
    return path


def _is_drive_way(tags: Mapping[str, str]) -> bool:
    """Whether a way belongs to osmnx's ``drive`` network."""
    if "highway" not in tags:
        return False
    return not any(rx.search(tags.get(key, "")) for key, rx in _DRIVE_EXCLUDE.items())


def _is_feature(tags: Mapping[str, str]) -> bool:
    """Whether an object carries one of :data:`FEATURE_TAGS`."""
    for key, wanted in FEATURE_TAGS.items():
        value = tags.get(key)
        if value is None:
            continue
        if wanted is True or value == wanted or (isinstance(wanted, list) and value in wanted):
            return True
    return False


@dataclass
class _Extract:
    """What :func:`_extract_to_xml` made of an extract."""

    roads_xml: Path | None  # None: no drivable road
    features_xml: Path
    road_gaps: set[tuple[int, int, int]]  # (way, node, node) joined across missing nodes
    cut_ferries: list[tuple[dict[str, Any], MultiPoint]]  # ferry row, its points inside


def _extract_to_xml(path: Path, workdir: Path) -> _Extract:
    """Write the drive roads and the wanted features of an extract as OSM XML.

    Ways keep only the nodes the extract has. Ferry ways that lost nodes get
    the tag ``islandcare:missing_nodes``; those left with fewer than two
    points come back as rows with an empty line. Relation members that were
    dropped are left out so that osmnx can build every geometry.
    """
    import osmium
    from osmium.osm import mutable

    # Pass 1: multipolygon relations carrying a wanted tag, and their member ways.
    relations: list[tuple[int, dict[str, str], list[tuple[str, int, str]]]] = []
    member_ways: set[int] = set()
    for rel in osmium.FileProcessor(str(path), osmium.osm.RELATION):
        tags = dict(rel.tags)
        if tags.get("type") in ("multipolygon", "boundary") and _is_feature(tags):
            members = [(m.type, m.ref, m.role) for m in rel.members]
            relations.append((rel.id, tags, members))
            member_ways.update(ref for kind, ref, _ in members if kind == "w")

    # Pass 2: nodes and ways, with node locations.
    road_nodes: dict[int, tuple[float, float]] = {}
    road_ways: list[tuple[int, dict[str, str], list[int]]] = []
    road_gaps: set[tuple[int, int, int]] = set()
    feature_nodes: dict[int, tuple[tuple[float, float], dict[str, str]]] = {}
    feature_ways: dict[int, tuple[dict[str, str], list[int]]] = {}
    cut_ferries: list[tuple[dict[str, Any], MultiPoint]] = []
    processor = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
    for obj in processor.with_locations():
        if obj.is_node():
            if obj.location.valid() and _is_feature(obj.tags):
                feature_nodes[obj.id] = ((obj.location.lon, obj.location.lat), dict(obj.tags))
            continue
        tags = dict(obj.tags)
        drive = _is_drive_way(tags)
        feature = obj.id in member_ways or _is_feature(tags)
        if not (drive or feature):
            continue
        refs: list[tuple[int, tuple[float, float]]] = []
        gaps: list[tuple[int, int, int]] = []
        gap = False
        for node in obj.nodes:
            if not node.location.valid():
                gap = True
                continue
            if gap and refs:
                gaps.append((obj.id, refs[-1][0], node.ref))
            gap = False
            refs.append((node.ref, (node.location.lon, node.location.lat)))
        missing = len(obj.nodes) - len(refs)
        if len({ref for ref, _ in refs}) < 2:
            if tags.get("route") == "ferry":
                row = _ferry_row("way", obj.id, tags, LineString(), complete=False)
                cut_ferries.append((row, MultiPoint([loc for _, loc in refs])))
            continue
        if drive:
            road_ways.append((obj.id, tags, [ref for ref, _ in refs]))
            road_nodes.update(refs)
            road_gaps.update(gaps)
        if feature:
            if missing and tags.get("route") == "ferry":
                tags = {**tags, _MISSING_TAG: str(missing)}
            feature_ways[obj.id] = (tags, [ref for ref, _ in refs])
            for ref, loc in refs:
                feature_nodes.setdefault(ref, (loc, {}))

    roads_xml = None
    if road_ways:
        roads_xml = workdir / "roads.osm"
        with osmium.SimpleWriter(str(roads_xml)) as writer:
            for node_id, loc in sorted(road_nodes.items()):
                writer.add_node(mutable.Node(id=node_id, location=loc, version=1))
            for way_id, tags, node_ids in road_ways:
                writer.add_way(mutable.Way(id=way_id, nodes=node_ids, tags=tags, version=1))

    features_xml = workdir / "features.osm"
    with osmium.SimpleWriter(str(features_xml)) as writer:
        for node_id, (loc, tags) in sorted(feature_nodes.items()):
            writer.add_node(mutable.Node(id=node_id, location=loc, tags=tags, version=1))
        for way_id, (tags, node_ids) in sorted(feature_ways.items()):
            writer.add_way(mutable.Way(id=way_id, nodes=node_ids, tags=tags, version=1))
        for rel_id, tags, members in relations:
            kept = [m for m in members if m[0] == "w" and m[1] in feature_ways]
            if any(role in ("outer", "") for _, _, role in kept):
                writer.add_relation(mutable.Relation(id=rel_id, members=kept, tags=tags, version=1))
    return _Extract(roads_xml, features_xml, road_gaps, cut_ferries)


def _graph_from_xml(
    roads_xml: Path | None,
    *,
    gaps: set[tuple[int, int, int]],
    polygon: Polygon | MultiPolygon | None,
) -> nx.MultiDiGraph:
    """Build the simplified drive graph, without edges across gaps, optionally cut."""
    if roads_xml is None:
        return _empty_graph()
    graph = ox.graph_from_xml(roads_xml, retain_all=True, simplify=False)
    if gaps:
        across = [
            (u, v, key)
            for u, v, key, osmid in graph.edges(keys=True, data="osmid")
            if (osmid, u, v) in gaps or (osmid, v, u) in gaps
        ]
        graph.remove_edges_from(across)
        graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
    if polygon is not None and len(graph):
        try:
            graph = ox.truncate.truncate_graph_polygon(graph, polygon, truncate_by_edge=True)
        except ValueError:  # no node inside the polygon
            return _empty_graph()
    return _simplify(graph) if len(graph) else _empty_graph()


#: Edge tags that must not change along a simplified edge: each edge then has
#: one road class and one speed limit, and its travel time is exact.
SPEED_TAGS: list[str] = ["highway", "maxspeed"]


def _simplify(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """osmnx simplification that keeps a node wherever the road class or speed limit changes."""
    return ox.simplify_graph(graph, edge_attrs_differ=SPEED_TAGS)


def _features_from_xml(
    features_xml: Path, *, polygon: Polygon | MultiPolygon | None
) -> gpd.GeoDataFrame | None:
    try:
        return ox.features_from_xml(features_xml, polygon=polygon, tags=FEATURE_TAGS)
    except InsufficientResponseError:
        return None


def _file_date(path: Path) -> str:
    """Replication date from the extract's header, else the file's modification date."""
    import osmium

    reader = osmium.io.Reader(str(path), osmium.osm.NOTHING)
    try:
        header = reader.header()
        stamp = header.get("osmosis_replication_timestamp") or header.get("timestamp")
    finally:
        reader.close()
    if stamp and re.match(r"\d{4}-\d\d-\d\d", stamp):
        return stamp[:10]
    named = re.search(r"(?<!\d)(\d{4}-\d\d-\d\d)(?!\d)", path.name)
    if named:  # e.g. samsoe_2020-03-09.osm.pbf: the extract's date as its maker wrote it
        return named.group(1)
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).date().isoformat()


def _empty_graph() -> nx.MultiDiGraph:
    return nx.MultiDiGraph(crs=ox.settings.default_crs, simplified=True)


# --------------------------------------------------------------------------
# From osmnx features to islandcare layers


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
    """The facility kind of an OSM object, or None when it is not one.

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
    """The point of a feature, and a note when it stands for an area or a line."""
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
    """Opening and closing time of a simple every-day ``opening_hours``.

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


def _frame(rows: list[dict[str, Any]], columns: Mapping[str, str]) -> gpd.GeoDataFrame:
    """A GeoDataFrame with exactly ``columns`` (in order, typed) plus ``geometry``."""
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


# --------------------------------------------------------------------------
# Cache


def save_cache(
    data: OsmData,
    *,
    area: str,
    cache_dir: Path,
    fetched: datetime | None = None,
) -> Path:
    """Write layers to ``cache_dir/<area>/`` (GraphML, GeoJSON, ``meta.json``).

    Parameters
    ----------
    data
        The layers.
    area
        Area name: the folder name.
    cache_dir
        Folder that holds the caches.
    fetched
        When the data was fetched (default: now).

    Returns
    -------
    Path
        The area's cache folder.
    """
    _check_area(area)
    final = Path(cache_dir) / area
    final.parent.mkdir(parents=True, exist_ok=True)
    # written beside the cache, then swapped in: a failure leaves the old cache whole
    folder = Path(tempfile.mkdtemp(prefix=f".{area}.new-", dir=final.parent))
    meta_path = folder / "meta.json"
    try:
        _write_layers(data, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    fetched = fetched or datetime.now(UTC)
    meta = {
        "area": area,
        "fetched": fetched.isoformat(timespec="seconds"),
        "as_of": data.as_of or fetched.date().isoformat(),
        "source": data.source,
        "attribution": ATTRIBUTION,
        "license": LICENSE,
        "created_with": f"islandcare, osmnx {ox.__version__}",
        "graph": {"nodes": data.graph.number_of_nodes(), "edges": data.graph.number_of_edges()},
        "layers": {layer: len(getattr(data, layer)) for layer in LAYERS},
    }
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    replace_folder(folder, final)
    return final


def _write_layers(data: OsmData, folder: Path) -> None:
    ox.save_graphml(data.graph, folder / "graph.graphml")
    for layer in LAYERS:
        frame: gpd.GeoDataFrame = getattr(data, layer)
        frame.to_file(folder / f"{layer}.geojson", driver="GeoJSON")


def replace_folder(new: Path, final: Path) -> None:
    """Put the finished folder ``new`` in place of ``final`` (two renames)."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(final, old)
    try:
        os.replace(new, final)
    except BaseException:
        if old is not None:
            os.replace(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def file_extent(path: str | Path) -> tuple[float, float, float, float]:
    """Bounds (min lon, min lat, max lon, max lat) of the nodes of an extract.

    Raises
    ------
    InputError
        When the file cannot be read or has no node with a location.
    """
    import osmium

    path = _check_osm_path(path)
    lons: list[float] = []
    lats: list[float] = []
    try:
        for node in osmium.FileProcessor(str(path), osmium.osm.NODE):
            if node.location.valid():
                lons.append(node.location.lon)
                lats.append(node.location.lat)
    except RuntimeError as exc:
        raise InputError(f"{path}: cannot be read as an OpenStreetMap extract: {exc}") from exc
    if not lons:
        raise InputError(f"{path}: the extract has no node with a location")
    return (min(lons), min(lats), max(lons), max(lats))


def load_cached(area: str, cache_dir: Path) -> OsmData | None:
    """Read the layers cached by :func:`fetch_area` (or :func:`save_cache`).

    Parameters
    ----------
    area
        Area name.
    cache_dir
        Folder that holds the caches.

    Returns
    -------
    OsmData or None
        None when there is no finished cache for the area.

    Raises
    ------
    InputError
        When the cache is there but damaged (delete the folder and fetch again).
    """
    _check_area(area)
    folder = Path(cache_dir) / area
    meta_path = folder / "meta.json"
    if not meta_path.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        graph = ox.load_graphml(folder / "graph.graphml")
        layers = {
            # DATE_AS_STRING: keep "2024-05-01" and "08:00" as text, not dates and times
            layer: _typed(
                gpd.read_file(folder / f"{layer}.geojson", DATE_AS_STRING="YES"),
                LAYER_COLUMNS[layer],
            )
            for layer in LAYERS
        }
    except Exception as exc:  # a damaged file fails in many ways (XML, GeoJSON, JSON, I/O)
        raise InputError(
            f"{folder}: the OpenStreetMap cache is damaged ({exc}); delete the folder "
            "and fetch again"
        ) from exc
    return OsmData(
        graph=graph, **layers, as_of=meta.get("as_of", ""), source=meta.get("source", ""),
        fetched=meta.get("fetched", ""),
    )


# --------------------------------------------------------------------------
# Checks


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


def highways_to_xml(pbf: str | Path, xml: str | Path) -> Path:
    """Write every ``highway=*`` way of an extract (any mode) as OSM XML osmnx can read.

    For a full street network (walking included), unlike :func:`load_osm_file`
    which keeps the drive roads. Ways crossing the extract's edge name nodes it
    lacks, which osmnx refuses: each way keeps its run of present nodes (a way
    whose run is broken is dropped).
    """
    import osmium

    pbf, xml = Path(pbf), Path(xml)
    present = {n.id for n in osmium.FileProcessor(str(pbf), osmium.osm.NODE)}
    ways: dict[int, list[int]] = {}
    for way in osmium.FileProcessor(str(pbf), osmium.osm.WAY):
        if "highway" not in way.tags:
            continue
        refs = [n.ref for n in way.nodes]
        inside = [i for i, ref in enumerate(refs) if ref in present]
        if len(inside) >= 2 and inside[-1] - inside[0] + 1 == len(inside):
            ways[way.id] = refs[inside[0] : inside[-1] + 1]
    used = {ref for refs in ways.values() for ref in refs}
    with osmium.SimpleWriter(str(xml), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(pbf), osmium.osm.NODE | osmium.osm.WAY):
            if obj.is_node() and obj.id in used:
                writer.add(obj)
            elif obj.is_way() and obj.id in ways:
                writer.add(obj.replace(nodes=ways[obj.id]))
    return xml
