"""GeoJSON of a layer of lines as folium makes it, made in arrays.

``folium.GeoJson(frame)`` builds ``json.loads(json.dumps(frame.__geo_interface__))``,
which walks the frame feature by feature twice (most of a map's time for a
layer of tens of thousands of roads). :func:`line_features` makes the same
dictionary from arrays; folium takes a dictionary as it is, so the map is the
same.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["line_features"]

_LINESTRING, _MULTILINESTRING = 1, 5


def line_features(frame: gpd.GeoDataFrame) -> dict[str, Any] | gpd.GeoDataFrame:
    """Return the GeoJSON dictionary folium would make of ``frame``, or ``frame`` itself when it is not all lines.

    Only a frame in WGS-84 whose geometries are all non-empty (multi)line strings is
    converted (a road layer); any other is returned unchanged for folium to
    convert.
    """
    geoms = frame.geometry.to_numpy()
    if (frame.crs is None or not frame.crs.equals("EPSG:4326") or not frame.columns.is_unique
            or not len(geoms) or shapely.is_missing(geoms).any() or shapely.is_empty(geoms).any()
            or not np.isin(shapely.get_type_id(geoms), (_LINESTRING, _MULTILINESTRING)).all()
            or shapely.has_z(geoms).any()):
        return frame
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
