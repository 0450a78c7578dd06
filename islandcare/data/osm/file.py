"""Read an area's OpenStreetMap layers from a local extract.

:func:`load_osm_file` reads a local ``.osm``, ``.osm.bz2`` or ``.osm.pbf``
extract (for instance a Geofabrik download clipped to Zhoushan). pyosmium
picks the drivable roads and the wanted features out of the extract and
writes them as two small OSM XML files, which osmnx then reads.
:func:`file_extent` gives the bounds of an extract's nodes, and
:func:`highways_to_xml` writes every ``highway=*`` way (any mode) as OSM XML.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import networkx as nx
import pandas as pd
from shapely.geometry import LineString, MultiPoint, MultiPolygon, Polygon

from islandcare.data.osm.layers import (
    LAYER_COLUMNS,
    OsmData,
    _check_polygon,
    _empty_graph,
    _frame,
    _typed,
)
from islandcare.data.osm.lazy import LazyModule
from islandcare.data.osm.tags import (
    _MISSING_TAG,
    FEATURE_TAGS,
    _ferry_row,
    _is_drive_way,
    _is_feature,
    _layers,
    _simplify,
)
from islandcare.errors import InputError

if TYPE_CHECKING:
    import osmnx as ox
    from osmnx import _errors as ox_errors
else:
    ox = LazyModule("osmnx")
    ox_errors = LazyModule("osmnx._errors")

_OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.pbf")


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
        if not isinstance(rel, osmium.osm.Relation):  # the filter yields relations only
            continue
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
        if isinstance(obj, osmium.osm.Node):
            if obj.location.valid() and _is_feature(obj.tags):
                feature_nodes[obj.id] = ((obj.location.lon, obj.location.lat), dict(obj.tags))
            continue
        if not isinstance(obj, osmium.osm.Way):  # the filter yields nodes and ways only
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


def _features_from_xml(
    features_xml: Path, *, polygon: Polygon | MultiPolygon | None
) -> gpd.GeoDataFrame | None:
    try:
        return ox.features_from_xml(features_xml, polygon=polygon, tags=FEATURE_TAGS)
    except ox_errors.InsufficientResponseError:
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
            if isinstance(node, osmium.osm.Node) and node.location.valid():
                lons.append(node.location.lon)
                lats.append(node.location.lat)
    except RuntimeError as exc:
        raise InputError(f"{path}: cannot be read as an OpenStreetMap extract: {exc}") from exc
    if not lons:
        raise InputError(f"{path}: the extract has no node with a location")
    return (min(lons), min(lats), max(lons), max(lats))


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
        if not isinstance(way, osmium.osm.Way) or "highway" not in way.tags:
            continue
        refs = [n.ref for n in way.nodes]
        inside = [i for i, ref in enumerate(refs) if ref in present]
        if len(inside) >= 2 and inside[-1] - inside[0] + 1 == len(inside):
            ways[way.id] = refs[inside[0] : inside[-1] + 1]
    used = {ref for refs in ways.values() for ref in refs}
    with osmium.SimpleWriter(str(xml), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(pbf), osmium.osm.NODE | osmium.osm.WAY):
            if isinstance(obj, osmium.osm.Node) and obj.id in used:
                writer.add(obj)
            elif isinstance(obj, osmium.osm.Way) and obj.id in ways:
                writer.add(obj.replace(nodes=ways[obj.id]))
    return xml
