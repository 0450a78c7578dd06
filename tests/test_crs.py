"""Tests for islandcare.crs: WGS-84 / GCJ-02 / BD-09 conversions."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from islandcare.crs import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    parse_crs,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from islandcare.errors import InputError

GEOD = Geod(ellps="WGS84")

#: 泗礁岛, Shengsi county seat.
SHENGSI = (122.45, 30.72)

#: Points across the three areas (Shengsi, Putuo 沈家门, Fenghua 溪口) and the box.
LON = np.array([122.45, 122.30, 121.24, 122.0, 121.5, 122.95])
LAT = np.array([30.72, 29.95, 29.67, 30.0, 29.4, 30.21])


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in metres on the WGS-84 ellipsoid."""
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def test_gcj02_offset_at_shengsi_is_about_half_a_kilometre():
    lon, lat = wgs84_to_gcj02(*SHENGSI)
    assert 400 < metres(*SHENGSI, lon, lat) < 700
    assert lon > SHENGSI[0]  # GCJ-02 lies east and south here
    assert lat < SHENGSI[1]


def test_bd09_offset_at_shengsi_is_about_a_kilometre():
    lon, lat = wgs84_to_bd09(*SHENGSI)
    d_bd = metres(*SHENGSI, lon, lat)
    d_gcj = metres(*SHENGSI, *wgs84_to_gcj02(*SHENGSI))
    assert 800 < d_bd < 1500
    assert d_bd > d_gcj


def test_known_value_beijing():
    # The published test point of the transform (Tiananmen).
    lon, lat = wgs84_to_gcj02(116.404, 39.915)
    assert lon == pytest.approx(116.410244, abs=1e-6)
    assert lat == pytest.approx(39.916404, abs=1e-6)


def test_gcj02_round_trip_within_half_a_metre():
    lon, lat = gcj02_to_wgs84(*wgs84_to_gcj02(LON, LAT))
    assert np.max(metres(LON, LAT, lon, lat)) < 0.5
    back = wgs84_to_gcj02(*gcj02_to_wgs84(LON, LAT))
    assert np.max(metres(LON, LAT, *back)) < 0.5


def test_bd09_round_trip_within_half_a_metre():
    lon, lat = bd09_to_wgs84(*wgs84_to_bd09(LON, LAT))
    assert np.max(metres(LON, LAT, lon, lat)) < 0.5
    lon, lat = bd09_to_gcj02(*gcj02_to_bd09(LON, LAT))
    assert np.max(metres(LON, LAT, lon, lat)) < 0.5


def test_vectorised_matches_scalar_and_keeps_shape():
    grid_lon, grid_lat = np.meshgrid(LON, LAT)
    lon, lat = wgs84_to_gcj02(grid_lon, grid_lat)
    assert lon.shape == grid_lon.shape
    one = wgs84_to_gcj02(grid_lon[2, 3], grid_lat[2, 3])
    assert np.ndim(one[0]) == 0
    assert (lon[2, 3], lat[2, 3]) == pytest.approx(one)


def test_input_arrays_are_not_modified():
    lon, lat = LON.copy(), LAT.copy()
    out = to_wgs84(lon, lat, crs="wgs84")
    out[0][0] = 0.0
    gcj02_to_wgs84(lon, lat)
    assert np.array_equal(lon, LON) and np.array_equal(lat, LAT)


def test_outside_china_unchanged_by_gcj02():
    lon = np.array([2.35, -74.0, 151.2, 100.0])  # Paris, New York, Sydney, Bay of Bengal
    lat = np.array([48.85, 40.7, -33.9, 0.5])
    assert out_of_china(lon, lat).all()
    assert np.array_equal(wgs84_to_gcj02(lon, lat)[0], lon)
    assert np.array_equal(gcj02_to_wgs84(lon, lat)[1], lat)
    assert not out_of_china(*SHENGSI)


def test_nan_stays_nan():
    lon, lat = to_wgs84(np.array([np.nan, 122.45]), np.array([np.nan, 30.72]), crs="bd09")
    assert np.isnan(lon[0]) and np.isnan(lat[0])
    assert np.isfinite(lon[1])


@pytest.mark.parametrize(
    ("name", "key"),
    [("wgs84", "wgs84"), ("WGS-84", "wgs84"), ("EPSG:4326", "wgs84"), ("GCJ-02", "gcj02"),
     ("gcj02", "gcj02"), ("BD-09", "bd09"), ("bd09", "bd09")],
)
def test_parse_crs(name, key):
    assert parse_crs(name) == key


def test_to_wgs84_dispatches():
    g = wgs84_to_gcj02(*SHENGSI)
    b = wgs84_to_bd09(*SHENGSI)
    assert to_wgs84(*g, crs="gcj02") == pytest.approx(SHENGSI, abs=1e-7)
    assert to_wgs84(*b, crs="bd09") == pytest.approx(SHENGSI, abs=1e-7)
    assert to_wgs84(*SHENGSI, crs="wgs84") == pytest.approx(SHENGSI)


def test_unknown_crs_is_an_input_error():
    with pytest.raises(InputError, match="gcj02"):
        to_wgs84(122.45, 30.72, crs="cgcs2000")


def test_shape_mismatch_is_rejected():
    with pytest.raises(ValueError, match="same shape"):
        wgs84_to_gcj02(np.zeros(3), np.zeros(2))
