"""One proposed site checked as a table row is: a point in degrees, on land unless it works from the water.

``check-site --lon/--lat`` and a click in the app use this, so they refuse
what ``validate`` refuses (a clinic 3 km out at sea).
"""

from __future__ import annotations

import math

import numpy as np

from islandcare.errors import InputError, Problem

__all__ = ["check_site_point"]


def check_site_point(area, kind: str, point: tuple[float, float], *, source: str) -> None:
    """Raise InputError if ``point`` (lon, lat in WGS-84) is no place for a ``kind`` site.

    Parameters
    ----------
    area
        The area (its land is used).
    kind
        The facility kind of the site.
    point
        Longitude and latitude in WGS-84.
    source
        Where the point came from, named in the message (``--lon/--lat``, ``click``).
    """
    from islandcare.data.tables import _check_land, _check_point, _Report

    lon, lat = (float(v) for v in point)
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InputError(f"{source}: expected a longitude and latitude in degrees, "
                         f"found ({lon}, {lat})")
    bad = _check_point(lon, lat)
    if bad is not None:
        raise InputError(f"{source}: {bad[1]}")
    report = _Report(source)
    no_row: list[int | None] = [None]  # a site on the command line has no table row
    _check_land("facilities", area.land_union, np.array([lon]), np.array([lat]),
                {"kind": [kind]}, no_row, None, area.config.utm_epsg, report)
    errors = [p for p in report.problems if p.severity == "error"]
    if errors:
        raise InputError(f"{source}: the site ({lon:.5f}, {lat:.5f}) is refused: "
                         f"{errors[0].message}", [Problem(source, None, None, errors[0].message)])
