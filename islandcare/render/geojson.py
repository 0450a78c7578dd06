"""GeoJSON of a layer of lines as folium makes it, made in arrays.

``folium.GeoJson(frame)`` builds ``json.loads(json.dumps(frame.__geo_interface__))``,
which walks the frame feature by feature twice (most of a map's time for a
layer of tens of thousands of roads). :func:`line_features` makes the same
dictionary from arrays; folium takes a dictionary as it is, so the map is the
same.

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

__all__ = ["line_features", "merged_line_features"]

_LINESTRING, _MULTILINESTRING = 1, 5


def _all_lines(frame: gpd.GeoDataFrame) -> bool:
    """Whether ``frame`` is in WGS-84 with unique columns and only non-empty 2-D (multi)line strings."""
    geoms = frame.geometry.to_numpy()
    return not (frame.crs is None or not frame.crs.equals("EPSG:4326") or not frame.columns.is_unique
                or not len(geoms) or shapely.is_missing(geoms).any() or shapely.is_empty(geoms).any()
                or not np.isin(shapely.get_type_id(geoms), (_LINESTRING, _MULTILINESTRING)).all()
                or shapely.has_z(geoms).any())


def line_features(frame: gpd.GeoDataFrame) -> dict[str, Any] | gpd.GeoDataFrame:
    """Return the GeoJSON dictionary folium would make of ``frame``, or ``frame`` itself when it is not all lines.

    Only a frame in WGS-84 whose geometries are all non-empty (multi)line strings is
    converted (a road layer); any other is returned unchanged for folium to
    convert.
    """
    if not _all_lines(frame):
        return frame
    geoms = frame.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms)
    coords, which = shapely.get_coordinates(geoms, return_index=True)
    cuts = np.flatnonzero(np.diff(which)) + 1
    lines: list[Any] = [part.tolist() for part in np.split(coords, cuts)]
    for i in np.flatnonzero(kinds == _MULTILINESTRING):  # one list of points per part
        lines[i] = [shapely.get_coordinates(part).tolist() for part in shapely.get_parts(geoms[i])]
    types = ["MultiLineString" if k == _MULTILINESTRING else "LineString" for k in kinds.tolist()]
    bounds = shapely.bounds(geoms).tolist()
    cols = frame.columns.drop(frame.geometry.name)
    if len(cols):
        props = frame[cols].astype(object)
        props[pd.isna(frame[cols]).values] = None
        names = list(cols)
        rows = [dict(zip(names, row, strict=True)) for row in props.to_numpy().tolist()]
    else:
        rows = [{} for _ in range(len(geoms))]
    ids = [str(i) for i in np.asarray(frame.index)]
    features = [{"id": fid, "type": "Feature", "properties": row,
                 "geometry": {"type": kind, "coordinates": line}, "bbox": box}
                for fid, row, kind, line, box in zip(ids, rows, types, lines, bounds, strict=True)]
    return {"type": "FeatureCollection", "features": features, "bbox": frame.total_bounds.tolist()}


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
