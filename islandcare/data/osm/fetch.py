"""Download an area's OpenStreetMap layers from the Overpass API (through osmnx).

:func:`fetch_area` asks for everything inside a polygon and keeps the result
under ``cache_dir/<area>/`` (:mod:`islandcare.data.osm.cache`). Without
internet it raises :class:`OsmUnavailable` with a one-line message and the
caller falls back to the offline pack. osmnx's own HTTP cache lives in
``cache_dir/osmnx-http/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import requests
import urllib3.exceptions
from shapely.geometry import MultiPolygon, Polygon

from islandcare.data.osm.cache import save_cache
from islandcare.data.osm.layers import OsmData, _check_area, _check_polygon, _empty_graph
from islandcare.data.osm.lazy import LazyModule
from islandcare.data.osm.tags import FEATURE_TAGS, _layers, _simplify

if TYPE_CHECKING:
    import osmnx as ox
    from osmnx import _errors as ox_errors
else:
    ox = LazyModule("osmnx")
    ox_errors = LazyModule("osmnx._errors")

#: Seconds osmnx waits for the Overpass API before giving up.
REQUESTS_TIMEOUT = 20


class OsmUnavailable(Exception):
    """OpenStreetMap (the Overpass API) could not be reached.

    The message is one line, meant for the user; the caller then uses the
    offline pack.
    """


def fetch_area(
    *,
    area: str,
    polygon: Polygon | MultiPolygon,
    cache_dir: Path,
) -> OsmData:
    """Download the OpenStreetMap layers inside a polygon and cache them.

    Always asks osmnx (whose HTTP cache under ``cache_dir/osmnx-http`` makes a
    repeat cheap); use ``load_cached(area, cache_dir) or fetch_area(...)`` to
    prefer a finished cache.

    Parameters
    ----------
    area
        Short name of the area (``zhoushan``, ``fenghua``): the cache folder.
    polygon
        Area outline in WGS-84 (lon, lat).
    cache_dir
        Folder that holds the caches.

    Returns
    -------
    OsmData
        The layers, also written to ``cache_dir/<area>/``.

    Raises
    ------
    OsmUnavailable
        When the Overpass API cannot be reached or answers with an error.
    InputError
        When ``area`` or ``polygon`` is unusable.
    """
    _check_area(area)
    polygon = _check_polygon(polygon)
    cache_dir = Path(cache_dir)
    fetched = datetime.now(UTC)
    with _osmnx_settings(cache_dir), _network_errors_as_unavailable():
        _check_reachable()
        try:
            graph = _simplify(
                ox.graph_from_polygon(
                    polygon,
                    network_type="drive",
                    retain_all=True,
                    truncate_by_edge=True,
                    simplify=False,
                )
            )
        except (ox_errors.InsufficientResponseError, ValueError):  # no roads in the polygon
            graph = _empty_graph()
        try:
            features = ox.features_from_polygon(polygon, tags=FEATURE_TAGS)
        except ox_errors.InsufficientResponseError:
            features = None
    as_of = fetched.date().isoformat()
    data = OsmData(
        graph=graph,
        **_layers(features, as_of=as_of),
        as_of=as_of,
        source=f"Overpass API {ox.settings.overpass_url}",
    )
    save_cache(data, area=area, cache_dir=cache_dir, fetched=fetched)
    return data


@contextmanager
def _osmnx_settings(cache_dir: Path) -> Iterator[None]:
    """Use the osmnx HTTP cache under ``cache_dir`` and a short timeout, then restore."""
    names = ("use_cache", "cache_folder", "requests_timeout")
    saved = {name: getattr(ox.settings, name) for name in names}
    ox.settings.use_cache = True
    ox.settings.cache_folder = str(cache_dir / "osmnx-http")
    ox.settings.requests_timeout = REQUESTS_TIMEOUT
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(ox.settings, name, value)


def _check_reachable() -> None:
    """Fail fast when the Overpass server cannot be reached.

    osmnx itself would wait a minute after a failed status request before
    trying the query; this probe makes "no internet" quick.
    """
    url = ox.settings.overpass_url.rstrip("/") + "/status"
    requests.get(url, timeout=REQUESTS_TIMEOUT, **ox.settings.requests_kwargs)


@contextmanager
def _network_errors_as_unavailable() -> Iterator[None]:
    """Turn connection errors of requests, urllib3 and osmnx into OsmUnavailable."""
    try:
        yield
    except (
        requests.exceptions.RequestException,
        urllib3.exceptions.HTTPError,
        ox_errors.ResponseStatusCodeError,
        ConnectionError,
        TimeoutError,
    ) as exc:
        raise OsmUnavailable(
            f"OpenStreetMap could not be reached (no internet?): {_short_reason(exc)}; "
            "islandcare will use the offline pack"
        ) from exc


def _short_reason(exc: BaseException) -> str:
    """Return a few words on why a request failed, e.g. ``127.0.0.1:9: Connection refused``."""
    host = urlparse(ox.settings.overpass_url).netloc or ox.settings.overpass_url
    if isinstance(exc, requests.exceptions.Timeout):
        return f"{host} did not answer within {REQUESTS_TIMEOUT} s"
    text = str(exc)
    found = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text)
    if found:
        return f"{host}: {found.group(1).strip()}"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return f"cannot connect to {host}"
    first = text.splitlines()[0] if text else type(exc).__name__
    return f"{host}: {first[:120]}"
