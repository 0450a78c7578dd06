"""What a verdict rests on: ``exact``, ``modelled`` or ``assumed``.

A time is only as good as the weakest thing under it:

``exact``     every leg rests on mapped data and both ends are exact points;
``modelled``  some leg is modelled (off-road lattice, access leg, a crossing
              from distance, an unknown timetable, an on-call boat);
``assumed``   the facility and the place stand on the same approximate point,
              or within ``verdict.assumed_within_m`` of each other with one of
              them approximate (a health centre placed on its township seat
              "covers" the seat by construction, not by data).

A place with no time has no basis (``None``).
"""

from __future__ import annotations

from collections.abc import Iterable

from islandcare.network.sea import haversine_km

__all__ = ["BASES", "point_basis", "verdict_label", "weakest"]

#: From strongest to weakest.
BASES: tuple[str, ...] = ("exact", "modelled", "assumed")


def weakest(bases: Iterable[object]) -> str | None:
    """Return the weakest of some bases (``None`` and NaN ignored); ``None`` when there is none."""
    found = [b for b in bases if isinstance(b, str) and b in BASES]
    return max(found, key=BASES.index) if found else None


def point_basis(*, modelled_leg: bool, place_quality: object, facility_quality: object,
                place_xy: tuple[float, float] | None, facility_xy: tuple[float, float] | None,
                assumed_within_m: float) -> str:
    """Return the basis of one place's time to one facility.

    Parameters
    ----------
    modelled_leg
        Whether any leg of the path is modelled.
    place_quality, facility_quality
        ``location_quality`` of the two ends (``exact``, ``approximate``, ``none``).
    place_xy, facility_xy
        (lon, lat) of the two ends, when known.
    assumed_within_m
        Two ends this close, one of them approximate, make the time ``assumed``.
    """
    approx = "approximate" in (str(place_quality), str(facility_quality))
    if (approx and place_xy is not None and facility_xy is not None
            and 1000 * haversine_km(*place_xy, *facility_xy) <= assumed_within_m):
        return "assumed"
    exact_points = str(place_quality) == "exact" and str(facility_quality) == "exact"
    return "exact" if exact_points and not modelled_leg else "modelled"


def verdict_label(status: object, basis: object) -> str:
    """``covered on data``, ``covered (assumed)``, or the status itself."""
    if status == "covered":
        return "covered (assumed)" if basis == "assumed" else "covered on data"
    return str(status)
