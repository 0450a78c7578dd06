"""Refuse an OpenStreetMap extract that does not cover the area it is fetched for.

A foreign extract (another city, another island) read for an area would
otherwise leave an empty road graph in the cache, and every later ``run``
would silently use it. :func:`check_covers` is called before anything is
cached: an extract with no drivable road inside the area outline, or whose
extent covers less than ``osm.min_land_share`` of the area's land, is an
:class:`~islandcare.errors.InputError` naming both extents.
"""

from __future__ import annotations

from pathlib import Path

from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from islandcare.data.osm.layers import OsmData
from islandcare.errors import InputError

__all__ = ["check_covers", "extent_text"]


def extent_text(bounds: tuple[float, float, float, float]) -> str:
    """``lon 10.484–10.735, lat 55.748–56.012``."""
    minx, miny, maxx, maxy = bounds
    return f"lon {minx:.3f}–{maxx:.3f}, lat {miny:.3f}–{maxy:.3f}"


def check_covers(data: OsmData, *, path: Path, extent: tuple[float, float, float, float],
                 key: str, outline: BaseGeometry, land: BaseGeometry | None,
                 min_land_share: float) -> float:
    """Check that an extract read for an area covers it.

    Parameters
    ----------
    data
        The layers read from the file, already cut to the area outline.
    path
        The extract (for the message).
    extent
        Bounds of the extract's nodes (:func:`islandcare.data.osm.file.file_extent`).
    key
        The area name.
    outline
        The area outline (WGS-84).
    land
        The area's land; where it does not meet the outline (or is None) the
        outline stands for it.
    min_land_share
        Least share of the land the extract's extent must cover.

    Returns
    -------
    float
        The share of the area's land inside the extract's extent.

    Raises
    ------
    InputError
        When the extract has no drivable road inside the outline or covers
        less than ``min_land_share`` of the land. Nothing is cached then.
    """
    target = outline
    if land is not None and not land.is_empty:
        inside = land.intersection(outline)
        if not inside.is_empty and inside.area > 0:
            target = inside
    share = target.intersection(box(*extent)).area / target.area if target.area > 0 else 0.0
    where = (f"the file covers {extent_text(extent)}; the area '{key}' spans "
             f"{extent_text(outline.bounds)}")
    advice = ("Nothing was cached. Use an extract that covers the area (for instance a "
              "Geofabrik download clipped to it), or check --area.")
    if data.graph.number_of_nodes() == 0:
        raise InputError(f"{path}: no drivable road inside the outline of '{key}' ({where}). {advice}")
    if share < min_land_share:
        raise InputError(f"{path}: covers only {share:.0%} of the land of '{key}' (at least "
                         f"{min_land_share:.0%} expected; {where}). {advice}")
    return share
