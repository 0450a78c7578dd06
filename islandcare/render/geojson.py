"""GeoJSON of a map layer as folium makes it, made in arrays.

``folium.GeoJson(frame)`` builds ``json.loads(json.dumps(frame.__geo_interface__))``,
which walks the frame feature by feature and point by point twice (most of a
map's time for a layer of tens of thousands of roads, or of land and service
circles of thousands of points). :func:`features` makes the same dictionary
from arrays; folium takes a dictionary as it is, so the map is the same.
:func:`line_features` is the same for a layer of lines.

:func:`merged_line_features` is for a layer too big to draw road by road: one
feature per group of rows (a road class, its source, inside or beyond the
district), its lines joined where they meet end to end and its points rounded to
0.1 m, so the browser and folium handle a few features instead of a hundred
thousand.
"""

from __future__ import annotations

import itertools
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["features", "line_features", "merged_line_features", "shape_features"]

_LINESTRING, _POLYGON, _MULTILINESTRING, _MULTIPOLYGON = 1, 3, 5, 6
_TYPES = {_LINESTRING: "LineString", _POLYGON: "Polygon", _MULTILINESTRING: "MultiLineString",
          _MULTIPOLYGON: "MultiPolygon"}


def _all_of(frame: gpd.GeoDataFrame, kinds: tuple[int, ...]) -> bool:
    """Whether ``frame`` is in WGS-84 with unique columns and only non-empty 2-D geometries of ``kinds``."""
    geoms = frame.geometry.to_numpy()
    return not (frame.crs is None or not frame.crs.equals("EPSG:4326") or not frame.columns.is_unique
                or not len(geoms) or shapely.is_missing(geoms).any() or shapely.is_empty(geoms).any()
                or not np.isin(shapely.get_type_id(geoms), kinds).all()
                or shapely.has_z(geoms).any())


def _all_lines(frame: gpd.GeoDataFrame) -> bool:
    """Whether ``frame`` is in WGS-84 with unique columns and only non-empty 2-D (multi)line strings."""
    return _all_of(frame, (_LINESTRING, _MULTILINESTRING))


def _point_lists(geoms: np.ndarray) -> list[list[list[float]]]:
    """Return the points of each geometry (a non-empty line or ring), as lists of ``[x, y]``."""
    if not len(geoms):
        return []
    coords, which = shapely.get_coordinates(geoms, return_index=True)
    bounds = np.r_[0, np.flatnonzero(np.diff(which)) + 1, len(which)].tolist()
    points = coords.tolist()  # one conversion, then slices
    return [points[a:b] for a, b in itertools.pairwise(bounds)]


def _coordinates(geoms: np.ndarray) -> list[Any] | None:
    """Return the GeoJSON ``coordinates`` of each geometry, or ``None`` if one has an empty part.

    As shapely's ``__geo_interface__`` gives them (lists for its tuples): a line's
    points; a polygon's rings, the exterior first; a list of those per part of a
    multi-geometry.
    """
    parts, owner = shapely.get_parts(geoms, return_index=True)
    if shapely.is_empty(parts).any():
        return None
    part_coords: list[Any] = [None] * len(parts)
    is_polygon = shapely.get_type_id(parts) == _POLYGON
    lines = np.flatnonzero(~is_polygon)
    for i, points in zip(lines.tolist(), _point_lists(parts[lines]), strict=True):
        part_coords[i] = points
    polygons = np.flatnonzero(is_polygon)
    if len(polygons):
        rings, ring_owner = shapely.get_rings(parts[polygons], return_index=True)
        for i in polygons.tolist():
            part_coords[i] = []
        for k, points in zip(ring_owner.tolist(), _point_lists(rings), strict=True):
            part_coords[polygons[k]].append(points)
    out: list[Any] = [[] for _ in range(len(geoms))]
    for g, coords in zip(owner.tolist(), part_coords, strict=True):
        out[g].append(coords)
    multi = np.isin(shapely.get_type_id(geoms), (_MULTILINESTRING, _MULTIPOLYGON)).tolist()
    return [parts_of if is_multi else parts_of[0] for parts_of, is_multi in zip(out, multi, strict=True)]


def _collection(geoms: np.ndarray, rows: list[dict[str, Any]], ids: list[str], box: list[float]
                ) -> dict[str, Any] | None:
    """Return the feature collection of ``geoms`` with their properties, ids and the collection's ``box``.

    ``None`` when a geometry has an empty part (folium is then left to convert it).
    """
    coordinates = _coordinates(geoms)
    if coordinates is None:
        return None
    types = [_TYPES[k] for k in shapely.get_type_id(geoms).tolist()]
    bounds = shapely.bounds(geoms).tolist()
    feats = [{"id": fid, "type": "Feature", "properties": row,
              "geometry": {"type": kind, "coordinates": coords}, "bbox": bbox}
             for fid, row, kind, coords, bbox in zip(ids, rows, types, coordinates, bounds, strict=True)]
    return {"type": "FeatureCollection", "features": feats, "bbox": box}


def _properties(frame: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Return each row's properties as geopandas gives them: the values as objects, a missing one as ``None``."""
    names = list(frame.columns.drop(frame.geometry.name))
    columns = []
    for name in names:  # column by column: a frame-wide mask costs more than the rows of a small layer
        values, missing = frame[name].astype(object).to_numpy(), pd.isna(frame[name]).to_numpy()
        columns.append([None if gone else v for v, gone in zip(values.tolist(), missing.tolist(), strict=True)])
    if not names:
        return [{} for _ in range(len(frame))]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def features(frame: gpd.GeoDataFrame) -> dict[str, Any] | gpd.GeoDataFrame:
    """Return the GeoJSON dictionary folium would make of ``frame``, or ``frame`` itself when it cannot.

    Only a frame in WGS-84 whose geometries are all non-empty 2-D (multi)line
    strings or (multi)polygons (no empty part) is converted; any other is returned
    unchanged for folium to convert. The dictionary is
    ``json.loads(json.dumps(frame.__geo_interface__))``: an ``id`` (the index as
    text), the properties (a missing value as ``None``), the geometry and a
    ``bbox`` per feature, and the frame's ``bbox``.
    """
    if not _all_of(frame, tuple(_TYPES)):
        return frame
    out = _collection(frame.geometry.to_numpy(), _properties(frame), [str(i) for i in np.asarray(frame.index)],
                      frame.total_bounds.tolist())
    return frame if out is None else out


def shape_features(geom: BaseGeometry, properties: dict[str, str]) -> dict[str, Any] | gpd.GeoDataFrame:
    """Return the GeoJSON dictionary folium would make of one shape with text ``properties``.

    That is :func:`features` of the one-row frame
    ``GeoDataFrame({k: [v], ...}, geometry=[geom], crs=4326)`` (its ``id`` is
    ``"0"``), made without the frame; the frame itself is returned when
    :func:`features` would return it.
    """
    geoms = np.array([geom], dtype=object)
    ok = (not shapely.is_missing(geom) and not shapely.is_empty(geom) and not shapely.has_z(geom)
          and int(shapely.get_type_id(geom)) in _TYPES)
    out = _collection(geoms, [dict(properties)], ["0"], list(geom.bounds)) if ok else None
    if out is None:
        return gpd.GeoDataFrame({k: [v] for k, v in properties.items()}, geometry=[geom], crs=4326)
    return out


def line_features(frame: gpd.GeoDataFrame) -> dict[str, Any] | gpd.GeoDataFrame:
    """Return the GeoJSON dictionary folium would make of ``frame``, or ``frame`` itself when it is not all lines.

    Only a frame in WGS-84 whose geometries are all non-empty (multi)line strings is
    converted (a road layer), as :func:`features` converts it; any other is
    returned unchanged for folium to convert.
    """
    if not _all_lines(frame):
        return frame
    return features(frame)


def merged_line_features(frame: gpd.GeoDataFrame, *, by: list[str], sums: tuple[str, ...] = (),
                         digits: int = 6) -> dict[str, Any]:
    """Return a GeoJSON feature collection of one MultiLineString per group of ``frame``'s rows.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Lines in WGS-84, as :func:`line_features` takes.
    by : list of str
        Columns whose values make a group; they are the feature's properties
        (a missing value as ``None``).
    sums : tuple of str, optional
        Numeric columns summed over the group (rounded to 0.1) into the feature's
        properties.
    digits : int, optional
        Decimals the coordinates are rounded to (6: about 0.1 m).

    Returns
    -------
    dict
        A FeatureCollection with ``id``, ``properties`` and ``bbox`` per feature,
        its lines merged where they meet end to end (``shapely.line_merge``).

    Raises
    ------
    ValueError
        When ``frame`` is not a layer of lines in WGS-84.
    """
    if not _all_lines(frame):
        raise ValueError("merged_line_features takes non-empty 2-D (multi)line strings in EPSG:4326")
    geoms = frame.geometry.to_numpy()
    features: list[dict[str, Any]] = []
    for key, rows in frame.groupby(by, sort=True, dropna=False).indices.items():
        values = key if isinstance(key, tuple) else (key,)
        props: dict[str, Any] = {col: (None if pd.isna(v) else v.item() if isinstance(v, np.generic) else v)
                                 for col, v in zip(by, values, strict=True)}
        for col in sums:
            props[col] = round(float(frame[col].to_numpy()[rows].sum()), 1)
        merged = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(shapely.get_parts(geoms[rows]))))
        coords, which = shapely.get_coordinates(merged, return_index=True)
        coords = np.round(coords, digits)
        bounds = np.r_[0, np.flatnonzero(np.diff(which)) + 1, len(which)].tolist()
        points = coords.tolist()  # one conversion, then slices: a list of points per line
        lines = [points[a:b] for a, b in itertools.pairwise(bounds)]
        box = [*coords.min(axis=0).tolist(), *coords.max(axis=0).tolist()]
        features.append({"id": str(len(features)), "type": "Feature", "properties": props,
                         "geometry": {"type": "MultiLineString", "coordinates": lines}, "bbox": box})
    return {"type": "FeatureCollection", "features": features, "bbox": frame.total_bounds.tolist()}
