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
"""

from __future__ import annotations

import dataclasses
import functools
import html
import json
import math
import mimetypes
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import folium
import numpy as np
import pandas as pd
import shapely

from islandcare._escape import js_literal
from islandcare.analyses.circles import reached_area
from islandcare.analyses.coverage import circles_for
from islandcare.analyses.siting import AMBULANCE_KINDS, SiteChecker
from islandcare.data.pack import Area
from islandcare.data.schema import FACILITY_KINDS
from islandcare.errors import MAX_SHOWN, InputError, capped_lines, format_problem
from islandcare.network.scenario import Scenario
from islandcare.render.words import Words, area_lang, export_columns, export_rows, words

__all__ = ["DEFAULT_PORT", "HOST", "MAX_BODY", "App", "AppServer", "make_server"]

HOST = "127.0.0.1"
"""The server listens on this address only: the machine itself, never the network."""

DEFAULT_PORT = 8765
MAX_BODY = 10 * 1024 * 1024
"""Largest request body accepted, in bytes (an upload of a table)."""

#: Download format (also the file suffix) -> content type.
DOWNLOADS: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}

Step = Callable[[str, Callable[[], Any]], Any]

_EXAMPLE = '{"kind": "village_clinic", "lon": 122.45, "lat": 30.72}'


class HttpError(Exception):
    """A request the server refuses, with its status and a message for the user."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


# --------------------------------------------------------------------------- the app


def _effect_lines(effect) -> list[str]:
    from islandcare.render.text import effect_lines

    return effect_lines(effect)


def _plain(obj: Any) -> Any:
    """JSON-safe copy: numpy scalars to Python, NaN/inf/NA to None."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (str, bool, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if obj is pd.NA or obj is pd.NaT:
        return None
    return str(obj)


def _safe_name(name: str) -> str:
    """Return the file's own name, without any folder part, for a temporary copy."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].replace("\x00", "").strip()
    base = base.lstrip(".")[-120:]
    return base or "upload"


def _serves(area: Area) -> set[str]:
    """Facility kinds the site check has a rule for in this area."""
    kinds = {k for c in circles_for(area) for k in c.kinds}
    return kinds | set(AMBULANCE_KINDS) | {"helipad"}


class App:
    """Everything the server hands out, computed once.

    Parameters
    ----------
    area
        The area.
    checker
        Its site checker.
    page
        The HTML of ``GET /``.
    downloads
        Format (``csv``, ``xlsx``, ``geojson``) -> the underserved file's bytes.
    underserved
        How many places are underserved.
    """

    def __init__(self, area: Area, checker: SiteChecker, *, page: bytes,
                 downloads: dict[str, bytes], underserved: int = 0) -> None:
        self.area, self.checker = area, checker
        self.page, self.downloads, self.underserved = page, downloads, underserved
        self._lock = threading.Lock()  # the checker caches lazily: one check at a time

    @classmethod
    def build(cls, area_key: str, *, step: Step | None = None, lang: str | None = None
              ) -> App:
        """Load an area, analyse it, draw its page, write its exports, warm up.

        Parameters
        ----------
        area_key
            Area name, e.g. ``shengsi``.
        step
            ``step(label, fn)`` runs ``fn`` and may report progress (as
            :meth:`islandcare.cli.Console.step` does); by default just runs it.
        lang
            ``zh`` or ``en`` for the map and the downloads; default the area
            file's ``area.lang``.
        """
        from islandcare.analyses.places import places
        from islandcare.analyses.report import analyse_area, place_frame
        from islandcare.data.pack import load_pack
        from islandcare.network.assemble import NetworkCache

        run = step or (lambda _label, fn: fn())
        from islandcare.data.conflate import load_osm_cache, with_osm

        area = run("load offline pack", lambda: load_pack(area_key))
        osm = run("read the OpenStreetMap cache", lambda: load_osm_cache(area_key))
        area, _ = run("lay the OpenStreetMap cache over the pack", lambda: with_osm(area, osm))
        if osm is not None:  # drawn as their own layer, off at start
            from islandcare.render.maps import unmatched_osm_places

            area.meta["osm_unmatched_places"] = unmatched_osm_places(area, osm.places)
        report = run("analyse (circles, response, land-sea-air)", lambda: analyse_area(area))
        under = place_frame(report, status="underserved")
        w = words(area_lang(area.config, lang))
        page = run("draw the map page",
                   lambda: _page(area, report, underserved=len(under), lang=w.lang))
        downloads = run("write the underserved exports", lambda: _downloads(area, under, w))
        checker = SiteChecker(area, places(area), report.nets or NetworkCache(area))  # networks built once
        app = cls(area, checker, page=page, downloads=downloads, underserved=len(under))
        run("warm up the site check", app.warm_up)
        return app

    def warm_up(self) -> None:
        """Build every network and baseline a click needs, by checking each kind once."""
        net = self.checker.nets.get(Scenario(profile="drive"))
        lon, lat = net.xy[net.land_nodes[0]]  # a point of the network: surely on land
        for kind in FACILITY_KINDS:
            self.check_site({"kind": kind, "lon": lon, "lat": lat})

    # --- check a site --------------------------------------------------------------

    def check_site(self, payload: Any) -> dict:
        """Answer ``POST /api/check-site``.

        Parameters
        ----------
        payload
            The decoded JSON: ``{"kind": str, "lon": number, "lat": number}``.

        Returns
        -------
        dict
            ``SiteEffect.as_dict()`` plus ``lines``, ``circle`` and ``ms``.

        Raises
        ------
        HttpError
            400 if a field is missing or not a number.
        InputError
            For an unknown kind or a site off land (the checker's message).
        """
        kind, lon, lat = _site_request(payload)
        t0 = time.perf_counter()
        with self._lock:
            effect = self.checker.check(kind, [(lon, lat)])
            circle = self._new_circle(effect, lon, lat)
        out = effect.as_dict()
        out["lines"] = _effect_lines(effect)
        out["circle"] = circle
        out["ms"] = round((time.perf_counter() - t0) * 1000, 1)
        return _plain(out)

    def _new_circle(self, effect, lon: float, lat: float) -> dict | None:
        """Return the land the site alone reaches within each of its circles' minutes."""
        groups: dict[tuple, list[str]] = {}
        for c in self.checker.circles:
            if c.key in effect.circles:
                for cls, (minutes, mode) in c.limits.items():
                    groups.setdefault((c.key, c.label, mode, c.night, minutes), []).append(cls)
        if "helipad" in effect.circles:
            limit = float(self.area.config.get("air.helipad_coverage_minutes"))
            groups[("helipad", effect.circles["helipad"]["label"], "drive", False, limit)] = ["all"]
        if not groups:
            return None
        features = []
        for (key, label, mode, night, minutes), classes in groups.items():
            net = self.checker.nets.get(Scenario(profile=mode, night=night))
            node, _metres, access = net.nearest_land_node(lon, lat)
            best = net.engine.times([node], cutoff=minutes, delays=[access])[0]
            geom = reached_area(net, best, minutes, land=self.area.land_union,
                                epsg=self.area.config.utm_epsg)
            if geom.is_empty:
                continue
            who = ", ".join(classes)
            features.append({
                "type": "Feature",
                "properties": {"circle": key, "label": label, "classes": who, "minutes": minutes,
                               "mode": mode, "text": f"{label}: {who} {minutes:g} min by {mode}"},
                "geometry": json.loads(shapely.to_geojson(geom)),
            })
        return {"type": "FeatureCollection", "features": features}

    # --- validate a table ----------------------------------------------------------

    def validate(self, name: str, data: bytes, *, crs: str = "wgs84") -> dict:
        """Answer ``POST /api/validate``: check an uploaded facilities table.

        Parameters
        ----------
        name
            The file's name; its suffix tells the format.
        data
            The file's bytes.
        crs
            Coordinate system of its points (``wgs84``, ``gcj02``, ``bd09``).

        Returns
        -------
        dict
            ``{ok, rows, problems, summary}``; ``ok`` is false when the table
            has errors (then ``rows`` is None). The problems' ``text`` is the
            line ``islandcare validate`` prints.
        """
        from islandcare.data.tables import read_table

        if not data:
            raise HttpError(400, f"The file {name!r} is empty: choose a facilities table.")
        safe = _safe_name(name)
        with tempfile.TemporaryDirectory(prefix="islandcare-upload-") as tmp:
            path = Path(tmp) / safe
            path.write_bytes(data)
            try:
                res = read_table(path, kind="facilities", crs=crs, land=self.area.land_union,
                                 area_outline=self.area.outline_geom)
            except InputError as exc:
                ok, rows, problems, summary = False, None, exc.problems, exc.args[0]
            else:
                ok, rows, problems = True, len(res.frame), res.problems
                summary = (f"{safe}: {rows} rows, valid as facilities"
                           f"{f' ({len(problems)} warnings)' if problems else ''}.")
        problems = [dataclasses.replace(p, file=safe) for p in problems]
        shown = problems[:MAX_SHOWN]  # a 10 MB table of bad rows must not answer 168 MB
        if len(problems) > len(shown):
            summary += f" The first {len(shown)} of {len(problems)} problems are listed."
        return _plain({"ok": ok, "rows": rows, "summary": summary,
                       "more": len(problems) - len(shown), "problems": [
            {"row": p.row, "column": p.column, "message": p.message, "severity": p.severity,
             "text": format_problem(p)} for p in shown]})

    # --- static answers ------------------------------------------------------------

    def info(self) -> dict:
        """Answer ``GET /api/info``."""
        serves = _serves(self.area)
        return {"area": self.area.key, "title": self.area.config.title,
                "underserved": self.underserved,
                "kinds": [{"kind": k, "label": v, "has_rule": k in serves}
                          for k, v in FACILITY_KINDS.items()]}


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise HttpError(400, f"'{name}' must be a number, not {json.dumps(value)}.")
    try:
        x = float(value)
    except ValueError:
        raise HttpError(400, f"'{name}' must be a number, not {value!r}.") from None
    if not math.isfinite(x):
        raise HttpError(400, f"'{name}' must be a finite number.")
    return x


def _site_request(payload: Any) -> tuple[str, float, float]:
    """Check the fields of a check-site request: (kind, lon, lat)."""
    if not isinstance(payload, dict):
        raise HttpError(400, f"Send a JSON object: {_EXAMPLE}.")
    missing = [k for k in ("kind", "lon", "lat") if payload.get(k) in (None, "")]
    if missing:
        raise HttpError(400, f"Missing {', '.join(missing)}: send {{\"kind\", \"lon\", \"lat\"}} "
                             "(longitude and latitude in WGS-84 degrees).")
    kind = payload["kind"]
    if not isinstance(kind, str):
        msg = f"'kind' must be a facility kind such as 'village_clinic', not {json.dumps(kind)}."
        raise HttpError(400, msg)
    lon, lat = _number(payload["lon"], "lon"), _number(payload["lat"], "lat")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise HttpError(400, f"({lon}, {lat}) is not a longitude and latitude in degrees.")
    return kind, lon, lat


def _downloads(area: Area, under: pd.DataFrame, w: Words) -> dict[str, bytes]:
    """Return the underserved table in each download format, as bytes, in ``w``'s language.

    The same headers and reason column as the exports of ``islandcare run``
    (:func:`islandcare.render.words.export_columns` and ``export_rows``).
    """
    from islandcare.analyses.report import UNDERSERVED_COLUMNS
    from islandcare.export import write_table

    under = export_rows(under, w)
    columns = export_columns(w, UNDERSERVED_COLUMNS)
    notes = [f"{k}: {v}" for k, v in area.config.sources.items()] + area.attribution
    out = {}
    with tempfile.TemporaryDirectory(prefix="islandcare-exports-") as tmp:
        for fmt in DOWNLOADS:
            path = write_table(under, Path(tmp) / f"underserved.{fmt}", columns=columns,
                               notes=notes)
            out[fmt] = path.read_bytes()
    return out


# --------------------------------------------------------------------------- the page


def _page(area: Area, report, *, underserved: int, lang: str | None = None) -> bytes:
    """Return the offline map (in ``lang``, default the area's) with the panel, as UTF-8 HTML."""
    from islandcare.render.assets import write_map
    from islandcare.render.maps import area_map

    m = area_map(area, report, lang=lang)
    for child in m._children.values():  # the list of layers would hide the map: fold it
        if isinstance(child, folium.LayerControl):
            child.options["collapsed"] = True
    with tempfile.TemporaryDirectory(prefix="islandcare-page-") as tmp:
        path = Path(tmp) / "index.html"
        write_map(m, path)  # makes it offline and refuses any remote script
        text = path.read_text("utf-8")
    serves = _serves(area)
    options = "".join(
        f'<option value="{k}"{" selected" if k == "village_clinic" else ""}>'
        f'{html.escape(label)}{"" if k in serves else " — no rule here"}</option>'
        for k, label in FACILITY_KINDS.items())
    config = js_literal({"map": m.get_name(), "area": area.key})
    links = " · ".join(f'<a href="/api/underserved.{f}" download="{area.key}-underserved.{f}">'
                       f'{f.upper() if f != "geojson" else "GeoJSON"}</a>' for f in DOWNLOADS)
    panel = _PANEL.format(title=html.escape(area.config.title), options=options, links=links,
                          underserved=underserved, mb=MAX_BODY // (1024 * 1024), config=config)
    head, sep, tail = text.partition("</head>")
    text = head + _HEAD + sep + tail
    body, sep, end = text.rpartition("</html>")
    return (body + panel + sep + end).encode("utf-8")


_PANEL_WIDTH = 360

_HEAD = f"""<link rel="icon" href="data:,">
<style>
.folium-map {{ width: calc(100% - {_PANEL_WIDTH}px) !important; }}
#ic-panel {{ position: fixed; top: 0; right: 0; bottom: 0; width: {_PANEL_WIDTH}px;
  box-sizing: border-box; padding: 10px 14px; overflow-y: auto; background: #fafafa;
  border-left: 1px solid #bbb; font: 13px/1.4 sans-serif; color: #222; z-index: 1000; }}
#ic-panel h1 {{ font-size: 16px; margin: 0 0 8px; }}
#ic-panel h2 {{ font-size: 14px; margin: 14px 0 6px; }}
#ic-panel select {{ width: 100%; font-size: 13px; }}
#ic-panel ul {{ margin: 4px 0; padding-left: 18px; }}
#ic-panel .ic-note {{ color: #555; margin: 6px 0; }}
#ic-panel .ic-error {{ color: #b03a2e; }}
#ic-panel .ic-warning {{ color: #9a6700; }}
#ic-panel .ic-ok {{ color: #1e7b34; }}
#ic-result {{ min-height: 3em; border: 1px solid #ddd; background: #fff; padding: 6px 8px; }}
.leaflet-container {{ cursor: crosshair; }}
.leaflet-interactive:focus {{ outline: none; }}
</style>
"""

_PANEL = """
<div id="ic-panel">
  <h1>{title}</h1>
  <label for="ic-kind">Facility kind 机构类别</label>
  <select id="ic-kind">{options}</select>
  <p class="ic-note">Click the map to try a site. 点击地图试一个选址。</p>
  <div id="ic-result" aria-live="polite"></div>
  <h2>Check a facility table 检查机构表</h2>
  <label for="ic-crs">coordinates 坐标系</label>
  <select id="ic-crs"><option value="wgs84">WGS-84 (GPS)</option>
    <option value="gcj02">GCJ-02 (Amap, Tencent)</option>
    <option value="bd09">BD-09 (Baidu)</option></select>
  <p><input type="file" id="ic-file" accept=".csv,.xlsx,.geojson,.json"
      data-max-bytes="{mb}"> <span class="ic-note">CSV, Excel or GeoJSON, up to {mb} MB</span></p>
  <div id="ic-validation" aria-live="polite"></div>
  <h2>Underserved places 未达标地点 ({underserved})</h2>
  <p id="ic-downloads">{links}</p>
</div>
<script>window.ISLANDCARE = {config};</script>
<script src="/app.js"></script>
"""

_APP_JS = r"""
(function () {
  "use strict";
  var cfg = window.ISLANDCARE || {};
  var map = window[cfg.map];
  if (!(map instanceof L.Map)) {  // folium names the map map_<id>: find it if renamed
    map = Object.keys(window)
      .map(function (k) { try { return window[k]; } catch (e) { return null; } })
      .filter(function (v) { return v instanceof L.Map; })[0];
  }
  var $ = function (id) { return document.getElementById(id); };
  var result = $("ic-result"), kindSel = $("ic-kind");
  var layer = L.layerGroup().addTo(map);
  var seq = 0;
  map.invalidateSize();

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function show(box, nodes) {
    box.textContent = "";
    nodes.forEach(function (n) { box.appendChild(n); });
  }
  function post(url, body, headers) {
    return fetch(url, {method: "POST", body: body, headers: headers}).then(function (r) {
      return r.json()
        .catch(function () { return {error: "The server answered " + r.status + "."}; })
        .then(function (data) { data._status = r.status; return data; });
    });
  }

  map.on("click", function (e) {
    var kind = kindSel.value, lon = e.latlng.lng, lat = e.latlng.lat, mine = ++seq;
    var label = kindSel.options[kindSel.selectedIndex].text;
    var where = lon.toFixed(5) + ", " + lat.toFixed(5);
    layer.clearLayers();
    L.circleMarker(e.latlng, {radius: 7, color: "#e41a1c", weight: 3, fillColor: "#fff",
                              fillOpacity: 1, interactive: false}).addTo(layer);
    show(result, [el("div", "Checking a " + label + " at " + where + " …", "ic-note")]);
    post("/api/check-site", JSON.stringify({kind: kind, lon: lon, lat: lat}),
         {"Content-Type": "application/json"}).then(function (data) {
      if (mine !== seq) return;
      if (data.error) {
        show(result, [el("div", data.error, "ic-error")]);
        return;
      }
      if (data.circle && data.circle.features.length) {
        var colours = ["#e41a1c", "#ff7f00", "#984ea3", "#377eb8"];
        data.circle.features.forEach(function (f, i) {
          L.geoJSON(f, {interactive: false, style: {color: colours[i % colours.length], weight: 2,
            fillOpacity: 0.2, dashArray: i ? "5 4" : null, className: "ic-new-circle"}})
            .addTo(layer);
        });
      }
      var items = el("ul");
      data.lines.forEach(function (line) { items.appendChild(el("li", line)); });
      var nodes = [el("div", "A " + label + " at " + where + " (" + data.ms + " ms):"), items];
      if (data.circle && data.circle.features.length) {
        nodes.push(el("div", "Drawn: the land this site reaches — " +
          data.circle.features.map(function (f) { return f.properties.text; }).join("; ") + ".",
          "ic-note"));
      }
      show(result, nodes);
    }).catch(function (err) {
      if (mine === seq) show(result, [el("div", "No answer from the server: " + err, "ic-error")]);
    });
  });

  $("ic-file").addEventListener("change", function () {
    var file = this.files[0], box = $("ic-validation");
    if (!file) return;
    var max = Number(this.dataset.maxBytes) * 1024 * 1024;
    if (file.size > max) {
      var big = file.name + " is larger than " + this.dataset.maxBytes + " MB.";
      show(box, [el("div", big, "ic-error")]);
      return;
    }
    show(box, [el("div", "Checking " + file.name + " …", "ic-note")]);
    post("/api/validate?crs=" + encodeURIComponent($("ic-crs").value), file,
         {"X-Filename": encodeURIComponent(file.name), "Content-Type": "application/octet-stream"})
      .then(function (data) {
        if (data.error) { show(box, [el("div", data.error, "ic-error")]); return; }
        var list = el("ul");
        data.problems.forEach(function (p) {
          var where = [p.row !== null ? "row " + p.row : null,
                       p.column !== null ? "column '" + p.column + "'" : null]
                      .filter(Boolean).join(", ");
          list.appendChild(el("li", p.severity + ": " + (where ? where + ": " : "") + p.message,
                              "ic-" + p.severity));
        });
        show(box, [el("div", data.summary, data.ok ? "ic-ok" : "ic-error"), list]);
      }).catch(function (err) {
        show(box, [el("div", "No answer from the server: " + err, "ic-error")]);
      });
  });
})();
"""


# --------------------------------------------------------------------------- the server


class AppServer(ThreadingHTTPServer):
    """The web server of one :class:`App`, on 127.0.0.1.

    Parameters
    ----------
    app
        What to serve.
    port
        TCP port; 0 picks a free one (see :attr:`url`).
    log
        Called with one line per request; None logs nothing.
    """

    daemon_threads = True

    def __init__(self, app: App, *, port: int = DEFAULT_PORT,
                 log: Callable[[str], None] | None = None) -> None:
        self.app, self.log = app, log
        super().__init__((HOST, port), _Handler)

    @property
    def url(self) -> str:
        """The page's address, e.g. ``http://127.0.0.1:8765/``."""
        return f"http://{HOST}:{self.server_address[1]}/"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Report a failure outside a request's own handling, and go on serving."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError)):
            traceback.print_exc(file=sys.stderr)


def make_server(app: App, *, port: int = DEFAULT_PORT,
                log: Callable[[str], None] | None = None) -> AppServer:
    """Return the server of ``app`` on 127.0.0.1, bound but not yet serving.

    Call ``serve_forever()`` on it (in a thread if needed), ``shutdown()`` from
    another thread and ``server_close()`` to stop.

    Raises
    ------
    OSError
        If the port is in use or not allowed.
    """
    return AppServer(app, port=port, log=log)


def _static_files() -> dict[str, Path]:
    from islandcare.render.assets import LIB_DIR, LIBRARIES, STATIC_DIR

    return {f"/{LIB_DIR}/{lib.name}/{f}": STATIC_DIR / lib.name / f
            for lib in LIBRARIES for f in lib.files}


_STATIC = _static_files()


class _Handler(BaseHTTPRequestHandler):
    server: AppServer
    server_version = "islandcare"
    timeout = 60  # seconds a client may stall before its connection is dropped

    # --- plumbing -----------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("GET")  # _send leaves the body out for HEAD

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        t0 = time.perf_counter()
        status = 500
        try:
            url = urlsplit(self.path)
            status = self._route(method, url.path, parse_qs(url.query))
        except HttpError as exc:
            status = self._json({"error": exc.message}, exc.status, headers=exc.headers)
        except InputError as exc:
            status = self._json({"error": exc.args[0],
                                 "problems": capped_lines(exc.problems)}, 400)
        except (ConnectionError, TimeoutError):
            self.close_connection = True
            return
        except Exception as exc:  # noqa: BLE001 (a bug: answer 500 and keep serving)
            traceback.print_exc(file=sys.stderr)
            status = self._json({"error": f"Unexpected error ({type(exc).__name__}: {exc}). "
                                          "The server keeps running; please report this."}, 500)
        finally:
            if self.server.log:
                ms = (time.perf_counter() - t0) * 1000
                when = time.strftime("%H:%M:%S")
                self.server.log(f"{when} {method} {self.path} {status} {ms:.0f} ms")

    def _route(self, method: str, path: str, query: dict[str, list[str]]) -> int:
        app = self.server.app
        gets: dict[str, Callable[[], int]] = {
            "/": lambda: self._send(app.page, "text/html; charset=utf-8", cache="no-cache"),
            "/app.js": lambda: self._send(_APP_JS.encode(), "text/javascript; charset=utf-8",
                                          cache="no-cache"),
            "/api/info": lambda: self._json(app.info()),
            "/favicon.ico": lambda: self._send(b"", "image/x-icon", status=204),
        }
        posts: dict[str, Callable[[], int]] = {
            "/api/check-site": lambda: self._json(app.check_site(self._json_body())),
            "/api/validate": lambda: self._json(app.validate(*self._upload(),
                                                             crs=query.get("crs", ["wgs84"])[0])),
        }
        for fmt, ctype in DOWNLOADS.items():
            name = f"{app.area.key}-underserved.{fmt}"
            gets[f"/api/underserved.{fmt}"] = functools.partial(
                self._send, app.downloads[fmt], ctype,
                headers={"Content-Disposition": f'attachment; filename="{name}"'})
        if path in _STATIC:
            gets[path] = lambda: self._send(_STATIC[path].read_bytes(), _mime(path),
                                            cache="max-age=3600")
        table = gets if method == "GET" else posts
        if path in table:
            return table[path]()
        other = posts if method == "GET" else gets
        if path in other:
            allow = "POST" if method == "GET" else "GET"
            raise HttpError(405, f"{path} answers {allow} only.", headers={"Allow": allow})
        raise HttpError(404, f"Nothing at {path}: the page is at /, the API under /api/.")

    def _send(self, data: bytes, ctype: str, *, status: int = 200, cache: str | None = None,
              headers: dict[str, str] | None = None) -> int:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Content-Type-Options", "nosniff")
        if cache:
            self.send_header("Cache-Control", cache)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)
        return status

    def _json(self, obj: Any, status: int = 200, *, headers: dict[str, str] | None = None) -> int:
        data = json.dumps(obj, ensure_ascii=False, allow_nan=False).encode("utf-8")
        return self._send(data, "application/json; charset=utf-8", status=status, cache="no-store",
                          headers=headers)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors raised by http.server itself (bad request line, unknown method) as JSON."""
        self.close_connection = True
        self.log_message("%s %s %d %s", self.command or "-", getattr(self, "path", "-"), code,
                         message or "")
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        self._json({"error": message or explain or phrase}, code)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # _dispatch logs one line per request, with its time

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log:
            self.server.log(f"{time.strftime('%H:%M:%S')} {format % args}")

    # --- request bodies -----------------------------------------------------------

    def _body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None:
            raise HttpError(411, "Send the body with a Content-Length header.")
        try:
            n = int(length)
        except ValueError:
            raise HttpError(400, f"Content-Length {length!r} is not a number.") from None
        if n < 0:
            raise HttpError(400, f"Content-Length {n} is negative.")
        if n > MAX_BODY:
            self._discard(n)
            raise HttpError(413, f"The request is {n / 1024 / 1024:.1f} MB: the limit is "
                                 f"{MAX_BODY // 1024 // 1024} MB. Split the table or leave out "
                                 "unused columns.")
        return self.rfile.read(n)

    def _discard(self, n: int) -> None:
        """Read and drop a refused body, so the client sees the answer (up to 1 s of waiting)."""
        self.close_connection = True
        if n > 20 * MAX_BODY:
            return
        self.connection.settimeout(1.0)
        try:
            while n > 0:
                chunk = self.rfile.read(min(n, 1 << 16))
                if not chunk:
                    break
                n -= len(chunk)
        except (TimeoutError, ConnectionError):
            pass

    def _json_body(self) -> Any:
        body = self._body()
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            msg = f"The request is not valid JSON ({exc}). Send {_EXAMPLE}."
            raise HttpError(400, msg) from None

    def _upload(self) -> tuple[str, bytes]:
        """(file name, bytes) of an uploaded table: multipart field ``file``, or the raw body."""
        ctype = self.headers.get("Content-Type", "")
        body = self._body()
        if ctype.lower().startswith("multipart/form-data"):
            msg = BytesParser(policy=HTTP).parsebytes(
                b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + body)
            if msg.is_multipart():
                for part in msg.iter_parts():
                    filename = part.get_filename()
                    if filename:
                        payload = part.get_payload(decode=True)
                        return filename, payload if isinstance(payload, bytes) else b""
            raise HttpError(400, "The form holds no file: send the table in a file field.")
        name = unquote(self.headers.get("X-Filename", "")).strip()
        if not name:
            raise HttpError(400, "Name the file in an X-Filename header (its suffix tells the "
                                 "format: .csv, .xlsx or .geojson), or send a multipart form.")
        return name, body


def _mime(path: str) -> str:
    if path.endswith(".js"):
        return "text/javascript; charset=utf-8"
    if path.endswith(".css"):
        return "text/css; charset=utf-8"
    return mimetypes.guess_type(path)[0] or "application/octet-stream"
