"""``islandcare serve``: the area's map in a local web page, with site checks on click.

A small web server on 127.0.0.1 only (standard library
:class:`http.server.ThreadingHTTPServer`, nothing to install). Everything is
computed once at start (:meth:`App.build`); a click costs one site check and
one reached-land polygon, well under a second.

Routes
------
``GET /``
    The area's offline map (:func:`islandcare.render.maps.area_map`) with a
    panel: facility-kind selector, results box, table upload, downloads.
``GET /app.js``, ``GET /lib/<library>/<file>``
    The panel's script and the vendored Leaflet files (no CDN).
``GET /api/info``
    Area key and title, the facility kinds and whether each has a rule here.
``POST /api/check-site``
    JSON ``{kind, lon, lat}`` (WGS-84) -> :meth:`SiteEffect.as_dict` plus
    ``lines`` (the text ``islandcare check-site`` prints), ``circle`` (GeoJSON
    FeatureCollection of the land the new site reaches within each circle's
    minutes, or null when the kind serves no circle) and ``ms``.
``POST /api/validate[?crs=wgs84|gcj02|bd09]``
    A facilities table, as ``multipart/form-data`` (field ``file``) or as the
    raw body with its name (URL-encoded) in an ``X-Filename`` header ->
    ``{ok, rows, problems: [{row, column, message, severity, text}], summary}``.
``GET /api/underserved.csv``, ``.xlsx``, ``.geojson``
    The underserved places, as ``islandcare run`` and ``islandcare underserved``
    write them: headers and reasons in the area's language (``area.lang``, or
    the ``lang`` given to :meth:`App.build`), the other language kept in the
    headers.

Mistakes (bad JSON, missing fields, unknown kind, a site off land, a body over
:data:`MAX_BODY` bytes, unknown paths) get ``{"error": "..."}`` with a 4xx
status; an unexpected exception gets a 500 with its message. The server keeps
running either way.

The package, by concern:

:mod:`islandcare.app.api`
    :class:`App`: what the server hands out, computed once (the area, its
    analysis, the page, the downloads, the site checker), and the answers
    of the API (check a site, validate a table, info).
:mod:`islandcare.app.page`
    The page of ``GET /``: the offline map with the side panel, filled from
    the files in ``islandcare/app/web/`` (``panel.html``, ``page.css``,
    ``page.js``), every inserted value escaped for where it lands.
:mod:`islandcare.app.server`
    The HTTP server on 127.0.0.1 and its request handler (routes, bodies,
    errors as JSON).
"""

from __future__ import annotations

from islandcare.app.api import DOWNLOADS, MAX_BODY, App, HttpError
from islandcare.app.api import _downloads as _downloads
from islandcare.app.page import render_page
from islandcare.app.server import DEFAULT_PORT, HOST, AppServer, make_server
from islandcare.data.schema import FACILITY_KINDS as FACILITY_KINDS

#: The page builder under the name the tests and benchmarks know.
_page = render_page

__all__ = ["DEFAULT_PORT", "DOWNLOADS", "HOST", "MAX_BODY", "App", "AppServer", "HttpError", "make_server",
           "render_page"]
