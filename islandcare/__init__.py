"""islandcare: where care arrives in time on islands and coasts.

The public Python API (``import islandcare`` stays light: each function
imports what it needs when called)::

    import islandcare

    area = islandcare.load_area("shengsi")          # settings + offline pack
    net = islandcare.build_network(area, night=True) # the travel-time graph of a scenario
    run = islandcare.run_area(area, out="maps")      # what `islandcare run` does
    run.summary["villages"]                          # as in maps/shengsi/summary.json
    effect = islandcare.check_site(area, [(122.45, 30.72)], kind="health_centre")
    table = islandcare.read_table("mine.csv", kind="facilities", area=area)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from islandcare.analyses.siting import SiteChecker, SiteEffect
    from islandcare.data.pack import Area
    from islandcare.data.tables import TableResult
    from islandcare.errors import InputError
    from islandcare.network.assemble import Network
    from islandcare.pipeline import AreaRun, run_area

__version__ = "0.1.0"

__all__ = [
    "AreaRun",
    "InputError",
    "__version__",
    "area_keys",
    "build_network",
    "check_site",
    "load_area",
    "read_table",
    "run_area",
    "site_checker",
]

#: Names resolved on first use from the module that defines them.
_LAZY: dict[str, str] = {"run_area": "islandcare.pipeline", "AreaRun": "islandcare.pipeline",
                         "InputError": "islandcare.errors"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    msg = f"module 'islandcare' has no attribute '{name}'"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def area_keys() -> list[str]:
    """Names of the areas islandcare has files for (``geodata/areas/*.toml``).

    Returns
    -------
    list of str
        Sorted, for example ``["fenghua", "putuo", "shengsi"]``.
    """
    from islandcare.config import area_keys as keys

    return keys()


def load_area(key: str, *, root: str | Path | None = None) -> Area:
    """Load an area: its settings (``geodata/areas/<key>.toml``) and its offline pack.

    Parameters
    ----------
    key
        Area name, e.g. ``"shengsi"`` (see :func:`area_keys`).
    root
        A geodata folder holding ``areas/`` and ``packs/`` (default: the
        package's, or ``$ISLANDCARE_GEODATA``).

    Returns
    -------
    Area
        ``area.config`` holds the settings (``area.config.get("ambulance.response_target_minutes")``
        and where each comes from, ``area.config.source(...)``); ``area.layers`` the
        pack's GeoDataFrames (``villages``, ``townships``, ``facilities``, ``ports``,
        ``sealinks``, ``roads``, ``land``, ...), every row with source, licence and date.

    Raises
    ------
    InputError
        When the area file or pack is missing or malformed.
    """
    from islandcare.data.pack import load_pack

    return load_pack(key, root=Path(root) if root is not None else None)


def build_network(
    area: Area,
    *,
    profile: str = "drive",
    hour: float | None = None,
    night: bool = False,
    sea_closed: bool = False,
    air_grounded: bool = False,
) -> Network:
    """Build an area's land-sea-air travel-time network for one scenario.

    Parameters
    ----------
    area
        From :func:`load_area`.
    profile
        Who travels: ``drive``, ``walk`` or ``ambulance``.
    hour
        Hour of day (0-24) for ferry waits and sailing hours; ``None`` uses the
        average wait.
    night
        No scheduled ferry sails and day-only helicopters do not fly.
    sea_closed
        Weather closure: no boat at all.
    air_grounded
        No helicopter flies.

    Returns
    -------
    Network
        ``net.graph`` (a networkx ``MultiDiGraph`` with minutes on its edges;
        nodes ``v:<code>`` villages, ``t:<code>`` township seats, ``f:<id>``
        facilities) and ``net.engine`` for shortest paths.
    """
    from islandcare.network.assemble import build_network as build
    from islandcare.network.scenario import Scenario

    scenario = Scenario(profile=profile, hour=hour, night=night, sea_closed=sea_closed,
                        air_grounded=air_grounded)
    return build(area, scenario=scenario)


def site_checker(area: Area) -> SiteChecker:
    """Prepare repeated site checks for an area (networks and baselines are kept).

    Parameters
    ----------
    area
        From :func:`load_area`.

    Returns
    -------
    SiteChecker
        Pass it to :func:`check_site` in place of the area.
    """
    from islandcare.analyses.places import places
    from islandcare.analyses.siting import SiteChecker
    from islandcare.network.assemble import NetworkCache

    return SiteChecker(area, places(area), NetworkCache(area))


def check_site(
    area: Area | SiteChecker,
    sites: Sequence[tuple[float, float]],
    *,
    kind: str,
    crs: str = "wgs84",
) -> SiteEffect:
    """Tell what new facilities of one kind at some points would change (as ``islandcare check-site``).

    Parameters
    ----------
    area
        From :func:`load_area`, or a :func:`site_checker` to reuse between checks.
    sites
        ``(lon, lat)`` of each proposed site; each must stand on or next to land.
    kind
        Facility kind, e.g. ``health_centre``, ``ambulance_station``, ``helipad``.
    crs
        The points' coordinate system: ``wgs84``, ``gcj02`` (Amap) or ``bd09`` (Baidu).

    Returns
    -------
    SiteEffect
        Per circle the places inside before and after (``effect.circles``), the
        response-time gain for ambulance kinds (``effect.response``), the places
        newly covered (``effect.newly_covered``) and the rules newly met.

    Raises
    ------
    InputError
        For an unknown kind or a site in the sea.
    """
    from islandcare.analyses.siting import SiteChecker
    from islandcare.crs import to_wgs84

    checker = area if isinstance(area, SiteChecker) else site_checker(area)
    points = []
    for lon, lat in sites:
        x, y = to_wgs84(lon, lat, crs=crs)
        points.append((float(x), float(y)))
    return checker.check(kind, points)


def read_table(
    path: str | Path,
    *,
    kind: str,
    area: Area | None = None,
    crs: str = "wgs84",
    sheet: str | None = None,
) -> TableResult:
    """Read a planner's table (CSV, Excel or GeoJSON) and check every row.

    Parameters
    ----------
    path
        The file.
    kind
        ``facilities``, ``villages``, ``ports`` or ``sealinks``.
    area
        From :func:`load_area`: points are also checked against its land (a
        facility in the sea is an error) and outline (a point far outside is a warning).
    crs
        The points' coordinate system: ``wgs84``, ``gcj02`` (Amap) or ``bd09`` (Baidu).
    sheet
        Excel only: the sheet to read (default the first).

    Returns
    -------
    TableResult
        ``result.frame`` (a GeoDataFrame in WGS-84, typed by the table's schema)
        and ``result.problems`` (warnings, each naming row and column).

    Raises
    ------
    InputError
        Listing every problem (file, row, column, what was expected) when any row is wrong.
    """
    from islandcare.data.tables import read_table as read

    return read(Path(path), kind=kind, crs=crs, sheet=sheet,
                land=area.land_union if area is not None else None,
                area_outline=area.outline_geom if area is not None else None)
