"""Convert coordinates between WGS-84, GCJ-02 and BD-09.

Maps published in China rarely use WGS-84 (EPSG:4326) as it is:

``wgs84``
    GPS, OpenStreetMap, GSHHG, GeoNames.
``gcj02``
    the national "Mars" offset used by Amap (高德), Tencent and most Chinese
    web maps; near Zhoushan a GCJ-02 point lies about 500 m from the WGS-84
    point of the same place.
``bd09``
    Baidu Maps (百度地图): GCJ-02 with a second offset, about 1 km in all.

The forward transform is the published one (Krasovsky ellipsoid,
``a = 6378245.0``, ``ee = 0.00669342162296594323``; BD-09 from GCJ-02 with
``x_pi = π·3000/180``). The inverse transforms are not closed-form: they are
solved by fixed-point iteration to far below a metre. Points outside China
(the usual ``out_of_china`` box) are left unchanged by the GCJ-02 step.

Every function takes longitudes and latitudes in degrees, as scalars or numpy
arrays of the same shape, and returns ``(lon, lat)`` of the same shape (numpy
scalars for scalar input). NaN stays NaN.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from islandcare.errors import InputError

__all__ = [
    "CRS_NAMES",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "out_of_china",
    "parse_crs",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

#: The coordinate systems :func:`to_wgs84` accepts, with what uses them.
CRS_NAMES: dict[str, str] = {
    "wgs84": "WGS-84 (GPS, OpenStreetMap)",
    "gcj02": "GCJ-02 (Amap 高德, Tencent)",
    "bd09": "BD-09 (Baidu 百度)",
}

_A = 6378245.0  # Krasovsky 1940 semi-major axis
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0

#: Stop iterating when a step is below this many degrees (about 1 mm).
_TOLERANCE_DEG = 1e-8
_MAX_ITERATIONS = 20

Coords = tuple[NDArray[np.float64], NDArray[np.float64]]


def _arrays(lon: ArrayLike, lat: ArrayLike) -> Coords:
    x = np.array(lon, dtype=float)
    y = np.array(lat, dtype=float)
    if x.shape != y.shape:
        msg = f"lon and lat must have the same shape, got {x.shape} and {y.shape}"
        raise ValueError(msg)
    return x, y


def _out(x: NDArray[np.float64], y: NDArray[np.float64]) -> Coords:
    """Return numpy scalars for 0-d input, arrays otherwise."""
    return x[()], y[()]


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Whether points lie outside the box where GCJ-02 applies.

    Parameters
    ----------
    lon, lat
        Degrees.

    Returns
    -------
    numpy.ndarray
        True outside 72.004–137.8347 E, 0.8293–55.8271 N (the usual rule).
    """
    x, y = _arrays(lon, lat)
    return ((x < 72.004) | (x > 137.8347) | (y < 0.8293) | (y > 55.8271))[()]


def _delta(x: NDArray[np.float64], y: NDArray[np.float64]) -> Coords:
    """Return the GCJ-02 offset in degrees at WGS-84 ``(x, y)``."""
    dx, dy = x - 105.0, y - 35.0
    sq = np.sqrt(np.abs(dx))
    trig = 20.0 * np.sin(6.0 * dx * math.pi) + 20.0 * np.sin(2.0 * dx * math.pi)
    t_lat = -100.0 + 2.0 * dx + 3.0 * dy + 0.2 * dy * dy + 0.1 * dx * dy + 0.2 * sq
    t_lat += trig * 2.0 / 3.0
    t_lat += (20.0 * np.sin(dy * math.pi) + 40.0 * np.sin(dy / 3.0 * math.pi)) * 2.0 / 3.0
    t_lat += (160.0 * np.sin(dy / 12.0 * math.pi) + 320.0 * np.sin(dy * math.pi / 30.0)) * 2.0 / 3.0
    t_lon = 300.0 + dx + 2.0 * dy + 0.1 * dx * dx + 0.1 * dx * dy + 0.1 * sq
    t_lon += trig * 2.0 / 3.0
    t_lon += (20.0 * np.sin(dx * math.pi) + 40.0 * np.sin(dx / 3.0 * math.pi)) * 2.0 / 3.0
    t_lon += (150.0 * np.sin(dx / 12.0 * math.pi) + 300.0 * np.sin(dx / 30.0 * math.pi)) * 2.0 / 3.0
    rad = y / 180.0 * math.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (t_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (t_lon * 180.0) / (_A / sqrt_magic * np.cos(rad) * math.pi)
    outside = (x < 72.004) | (x > 137.8347) | (y < 0.8293) | (y > 55.8271)
    return np.where(outside, 0.0, d_lon), np.where(outside, 0.0, d_lat)


def _wgs84_to_gcj02(x: NDArray[np.float64], y: NDArray[np.float64]) -> Coords:
    d_lon, d_lat = _delta(x, y)
    return x + d_lon, y + d_lat


def _gcj02_to_bd09(x: NDArray[np.float64], y: NDArray[np.float64]) -> Coords:
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _invert(forward, x: NDArray[np.float64], y: NDArray[np.float64]) -> Coords:
    """Solve ``forward(u, v) == (x, y)`` by fixed-point iteration."""
    u, v = x.copy(), y.copy()
    for _ in range(_MAX_ITERATIONS):
        fx, fy = forward(u, v)
        step_x, step_y = x - fx, y - fy
        u, v = u + step_x, v + step_y
        steps = np.abs(np.concatenate([np.ravel(step_x), np.ravel(step_y)]))
        if not np.any(steps > _TOLERANCE_DEG):  # NaN steps do not keep us looping
            break
    return u, v


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """Convert WGS-84 degrees to GCJ-02 (unchanged outside China).

    Parameters
    ----------
    lon, lat
        WGS-84 longitude and latitude in degrees, scalars or arrays.

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 ``(lon, lat)``.
    """
    return _out(*_wgs84_to_gcj02(*_arrays(lon, lat)))


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """Convert GCJ-02 degrees to WGS-84 (iterated; error far below a metre).

    Parameters
    ----------
    lon, lat
        GCJ-02 longitude and latitude in degrees, scalars or arrays.

    Returns
    -------
    tuple of numpy.ndarray
        WGS-84 ``(lon, lat)``.
    """
    return _out(*_invert(_wgs84_to_gcj02, *_arrays(lon, lat)))


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """Convert GCJ-02 degrees to BD-09.

    Parameters
    ----------
    lon, lat
        GCJ-02 longitude and latitude in degrees, scalars or arrays.

    Returns
    -------
    tuple of numpy.ndarray
        BD-09 ``(lon, lat)``.
    """
    return _out(*_gcj02_to_bd09(*_arrays(lon, lat)))


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """Convert BD-09 degrees to GCJ-02 (iterated; error far below a metre).

    Parameters
    ----------
    lon, lat
        BD-09 longitude and latitude in degrees, scalars or arrays.

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 ``(lon, lat)``.
    """
    return _out(*_invert(_gcj02_to_bd09, *_arrays(lon, lat)))


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """Convert WGS-84 degrees to BD-09 (through GCJ-02).

    Parameters
    ----------
    lon, lat
        WGS-84 longitude and latitude in degrees, scalars or arrays.

    Returns
    -------
    tuple of numpy.ndarray
        BD-09 ``(lon, lat)``.
    """
    return _out(*_gcj02_to_bd09(*_wgs84_to_gcj02(*_arrays(lon, lat))))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """Convert BD-09 degrees to WGS-84 (through GCJ-02, both steps iterated).

    Parameters
    ----------
    lon, lat
        BD-09 longitude and latitude in degrees, scalars or arrays.

    Returns
    -------
    tuple of numpy.ndarray
        WGS-84 ``(lon, lat)``.
    """
    x, y = _invert(_gcj02_to_bd09, *_arrays(lon, lat))
    return _out(*_invert(_wgs84_to_gcj02, x, y))


def parse_crs(crs: str) -> str:
    """Normalise a coordinate-system name to ``wgs84``, ``gcj02`` or ``bd09``.

    Parameters
    ----------
    crs
        A name such as ``"GCJ-02"``, ``"bd09"`` or ``"EPSG:4326"``; case,
        ``-``, ``_`` and spaces are ignored.

    Returns
    -------
    str
        One of the keys of :data:`CRS_NAMES`.

    Raises
    ------
    InputError
        If the name is none of them.
    """
    key = str(crs).strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    if key in ("epsg:4326", "wgs1984"):
        key = "wgs84"
    if key not in CRS_NAMES:
        known = "; ".join(f"'{k}' = {v}" for k, v in CRS_NAMES.items())
        msg = f"unknown coordinate system '{crs}'; expected one of: {known}"
        raise InputError(msg)
    return key


def to_wgs84(lon: ArrayLike, lat: ArrayLike, *, crs: str) -> Coords:
    """Convert coordinates in ``crs`` to WGS-84.

    Parameters
    ----------
    lon, lat
        Longitude and latitude in degrees, scalars or arrays.
    crs
        ``"wgs84"``, ``"gcj02"`` or ``"bd09"`` (case, ``-`` and ``_`` are
        ignored, so ``"GCJ-02"`` works too).

    Returns
    -------
    tuple of numpy.ndarray
        WGS-84 ``(lon, lat)``.

    Raises
    ------
    InputError
        If ``crs`` is not one of the three.
    """
    key = parse_crs(crs)
    if key == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if key == "bd09":
        return bd09_to_wgs84(lon, lat)
    return _out(*_arrays(lon, lat))
