"""Daylight hours for day-only flights: sunrise and sunset from latitude and date.

A day-only helicopter flies between sunrise and sunset. The hours come from
the area file (``helicopter.day_hours = ["06:00", "18:00"]``) when set, else
from the area's latitude and longitude for ``helicopter.daylight_date``
(``MM-DD``) with the NOAA approximation (declination, equation of time, 0.833°
for refraction and the sun's radius), in China Standard Time (UTC+8). Good to
a few minutes, which is all a planner's "after dark" needs.
"""

from __future__ import annotations

import math
from datetime import date

from islandcare.config import AreaConfig

__all__ = ["day_hours", "flies_at", "sun_hours"]


def sun_hours(lat: float, lon: float, *, day_of_year: int, utc_offset: float) -> tuple[float, float]:
    """Sunrise and sunset as clock hours (e.g. 5.9, 18.0).

    Parameters
    ----------
    lat, lon
        Degrees (north, east).
    day_of_year
        1-366.
    utc_offset
        Hours of the clock ahead of UTC (China: 8).
    """
    b = 2 * math.pi * (day_of_year - 81) / 364.0
    eot = 9.87 * math.sin(2 * b) - 7.53 * math.cos(b) - 1.5 * math.sin(b)  # minutes
    decl = math.radians(23.44) * math.sin(2 * math.pi * (284 + day_of_year) / 365.0)
    phi = math.radians(lat)
    cos_w = ((math.sin(math.radians(-0.833)) - math.sin(phi) * math.sin(decl))
             / (math.cos(phi) * math.cos(decl)))
    w = math.degrees(math.acos(max(-1.0, min(1.0, cos_w))))
    noon = 12.0 + utc_offset - lon / 15.0 - eot / 60.0
    return noon - w / 15.0, noon + w / 15.0


def _clock_hours(text: object) -> float:
    h, m = str(text).strip().split(":")
    return int(h) + int(m) / 60.0


def day_hours(cfg: AreaConfig) -> tuple[float, float]:
    """Return the area's flying hours (sunrise, sunset) as clock hours."""
    hours = cfg.get("helicopter.day_hours")
    if hours:
        return _clock_hours(hours[0]), _clock_hours(hours[1])
    lon_min, lat_min, lon_max, lat_max = cfg.get("area.bbox")
    month, day = (int(x) for x in str(cfg.get("helicopter.daylight_date")).split("-"))
    n = date(2001, month, day).timetuple().tm_yday
    return sun_hours((lat_min + lat_max) / 2, (lon_min + lon_max) / 2, day_of_year=n,
                     utc_offset=float(cfg.get("area.utc_offset")))


def flies_at(cfg: AreaConfig, hour: float | None) -> bool:
    """Whether a day-only helicopter flies at a clock hour (None: any daytime hour, yes)."""
    if hour is None or not bool(cfg.get("helicopter.day_only")):
        return True
    rise, sset = day_hours(cfg)
    return rise <= hour % 24 <= sset
