"""Leaflet controls of the area maps: the boxes and buttons, and the labels read at a glance.

* :class:`Panel`: a block of HTML in a corner (the title box, legend, gaps
  and ambulance norm of :mod:`islandcare.render.map_panels`); the zoom
  buttons, the scale bar and the opening view beside it;
* :class:`PlaceLabels`: township names always, village names from a zoom
  where they do not collide, and a mark beside each underserved place per
  failing rule family (◆ primary care, ▲ night clinic, ■ ambulance response);
* :class:`ExportPng`: a button that saves the current view as PNG, drawn in
  the browser by the vendored ``html-to-image`` (no server, no CDN);
* :func:`gaps_html`: the "what would answer more" panel.

Place names reach the page as JSON and are set with ``textContent``, never as HTML; a
panel's body is HTML its builder has escaped.
"""

from __future__ import annotations

import html
import math
from typing import Any, cast

import pandas as pd
from branca.element import Figure, JavascriptLink, MacroElement
from folium.template import Template

from islandcare.render import style
from islandcare.render.words import Words

__all__ = [
    "HTML_TO_IMAGE_URL",
    "VILLAGE_LABEL_ZOOM",
    "ExportPng",
    "Panel",
    "PlaceLabels",
    "gaps_html",
    "rule_marks",
]

#: Zoom from which village names are shown.
VILLAGE_LABEL_ZOOM = 12
#: What folium links; :mod:`islandcare.render.assets` serves it from ``lib/``.
HTML_TO_IMAGE_URL = "https://cdn.jsdelivr.net/npm/html-to-image@1.11.13/dist/html-to-image.js"


def rule_marks(failing: object) -> str:
    """Return the marks of a place's failing rules: ``◆`` primary care, ``▲`` night, ``■`` response."""
    rules = [r.strip() for r in str(failing or "").split(",") if r.strip()]
    marks = []
    for r in rules:
        mark = style.RULE_MARK.get(r, style.RULE_MARK["other"])[1]
        if mark not in marks:
            marks.append(mark)
    return "".join(marks)


class PlaceLabels(MacroElement):
    """Place names and failing-rule marks, as a non-interactive layer under the markers' popups.

    Parameters
    ----------
    places
        Rows with ``unit``, ``name``, ``township``, ``lat``, ``lon`` and
        (optionally) ``failing_rules``.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function (map) {
  var rows = {{ this.rows|tojson }}, zoomFrom = {{ this.zoom }};
  var group = L.layerGroup().addTo(map);
  function icon(text, cls, w, dy) {
    var el = document.createElement("div");
    el.className = cls; el.textContent = text;
    return L.divIcon({html: el, className: "ic-label-wrap", iconSize: [w, 14],
                      iconAnchor: cls === "ic-mark" ? [-6, 16] : [-8, 7 - (dy || 0)]});
  }
  function draw() {
    group.clearLayers();
    var taken = [], z = map.getZoom(), size = map.getSize();
    function free(p, w) {
      for (var i = 0; i < taken.length; i++) {
        var t = taken[i];
        if (p.x < t.x + t.w && p.x + w > t.x && Math.abs(p.y - t.y) < 18) return false;
      }
      return true;
    }
    rows.forEach(function (r) {  // township seats first: they always show
      var ll = L.latLng(r[0], r[1]), p = map.latLngToContainerPoint(ll);
      if (r[4]) group.addLayer(L.marker(ll, {icon: icon(r[4], "ic-mark", 40),
                                             interactive: false, keyboard: false}));
      var w = 13 * r[2].length + 6;
      if (r[3] === "seat") {  // always shown: beside, else below or above, a name in the way
        var dy = [0, 17, -17, 34].find(function (d) { return free({x: p.x + 8, y: p.y + d}, w); });
        dy = dy === undefined ? 0 : dy;
        taken.push({x: p.x + 8, y: p.y + dy, w: w});
        group.addLayer(L.marker(ll, {icon: icon(r[2], "ic-label ic-label-seat", w, dy),
                                     interactive: false, keyboard: false}));
      } else if (z >= zoomFrom && p.x >= 0 && p.y >= 0 && p.x <= size.x && p.y <= size.y
                 && free({x: p.x + 8, y: p.y}, w)) {
        taken.push({x: p.x + 8, y: p.y, w: w});
        group.addLayer(L.marker(ll, {icon: icon(r[2], "ic-label", w),
                                     interactive: false, keyboard: false}));
      }
    });
  }
  map.on("zoomend moveend", draw);
  map.whenReady(draw);
})({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self, places: pd.DataFrame) -> None:
        super().__init__()
        self._name = "PlaceLabels"
        rows = []
        placed = places[pd.to_numeric(places["lon"], errors="coerce").notna()]

        def column(name: str) -> list[Any]:  # a missing column reads as None, as a row's .get does
            return placed[name].tolist() if name in placed else [None] * len(placed)

        for unit, lat, lon, place, township, status, failing in zip(
                *(column(c) for c in ("unit", "lat", "lon", "name", "township", "status", "failing_rules")),
                strict=True):
            seat = unit == "township_seat"
            name = str(township if seat and isinstance(township, str) else place)
            marks = rule_marks(failing) if status == "underserved" else ""
            rows.append([round(float(lat), 6), round(float(lon), 6), name,
                         "seat" if seat else "village", marks])
        rows.sort(key=lambda x: x[3] != "seat")  # seats claim their room first
        self.rows = rows
        self.zoom = VILLAGE_LABEL_ZOOM


class ExportPng(MacroElement):
    """A button (top left) that saves the current view, with its panels, as ``<area>.png``.

    Parameters
    ----------
    filename
        The name the browser saves the image under.
    label, title
        The button's text and tooltip.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function (map) {
  var BUTTONS = /ic-export|leaflet-control-(zoom|layers|search|mouseposition)|fullscreen/;
  var ctl = L.control({position: "topleft"});
  ctl.onAdd = function () {
    var a = L.DomUtil.create("a", "ic-export leaflet-bar");
    a.href = "#"; a.setAttribute("role", "button");
    a.textContent = {{ this.label|tojson }}; a.title = {{ this.title|tojson }};
    L.DomEvent.disableClickPropagation(a);
    L.DomEvent.on(a, "click", function (ev) {
      L.DomEvent.preventDefault(ev);
      var box = map.getContainer();
      window.htmlToImage.toPng(box, {
        pixelRatio: 2, skipFonts: true, backgroundColor: getComputedStyle(box).backgroundColor,
        // buttons are left out of the picture (and their icons need not be read from disk)
        filter: function (n) { return !(n.classList && BUTTONS.test(n.className)); }
      }).then(function (url) {
        var link = document.createElement("a");
        link.download = {{ this.filename|tojson }}; link.href = url;
        document.body.appendChild(link); link.click(); link.remove();
      }).catch(function (err) { console.warn("PNG export failed", err); });
    });
    return a;
  };
  ctl.addTo(map);
})({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self, *, filename: str, label: str, title: str) -> None:
        super().__init__()
        self._name = "ExportPng"
        self.filename, self.label, self.title = filename, label, title

    def render(self, **kwargs) -> str:
        """Add the vendored html-to-image script to the page head, then render the button."""
        cast(Figure, self.get_root()).header.add_child(JavascriptLink(HTML_TO_IMAGE_URL),
                                                       name="html_to_image")
        return super().render(**kwargs)


def gaps_html(gaps: list, w: Words) -> str:
    """Build the "what would answer more" panel: each gap, what it blocks, the template to fill."""
    if not gaps:
        items = f"<div class='ic-note'>{html.escape(w('gap.none'))}</div>"
    else:
        items = "".join(
            f"<div class='ic-gap'>{html.escape(w('gap.' + g.key, count=g.count, blocked=g.blocked))}"
            f"<br><code>{html.escape(g.command)}</code></div>" for g in gaps)
    blocked = sum(g.blocked for g in gaps)
    n = "" if not gaps or math.isnan(blocked) else f" ({len(gaps)})"
    return (f"<details><summary>{html.escape(w('gap.title'))}{n}</summary>{items}</details>")


# ----------------------------------------------------------------------- map elements


class Panel(MacroElement):
    """A block of HTML in a corner of the map, as a Leaflet control.

    Controls stack in their corner in the order they are added (the bottom
    corners grow upwards).

    Parameters
    ----------
    body
        The HTML inside the panel.
    position
        Leaflet corner: ``topleft``, ``topright``, ``bottomleft`` or ``bottomright``.
    element_id
        The panel's ``id``.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var ctl = L.control({position: {{ this.position|tojson }}});
  ctl.onAdd = function () {
    var div = L.DomUtil.create("div", "ic-panel");
    div.id = {{ this.element_id|tojson }};
    div.innerHTML = {{ this.body|tojson }};
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  ctl.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}
""")

    def __init__(self, body: str, *, position: str, element_id: str) -> None:
        super().__init__()
        self._name = "Panel"
        self.body = body
        self.position = position
        self.element_id = element_id


class _Zoom(MacroElement):
    """The zoom buttons, added after the title box so that they sit below it."""

    _template = Template("""
{% macro script(this, kwargs) %}
L.control.zoom({position: "topleft", zoomInTitle: "放大 Zoom in", zoomOutTitle: "缩小 Zoom out"})
  .addTo({{ this._parent.get_name() }});
{% endmacro %}
""")


class _Scale(MacroElement):
    """A metric scale bar."""

    _template = Template("""
{% macro script(this, kwargs) %}
L.control.scale({imperial: false, position: "bottomleft"}).addTo({{ this._parent.get_name() }});
{% endmacro %}
""")


class _FitView(MacroElement):
    """Open the map on ``bounds``, leaving room for the side panels on a wide screen.

    Parameters
    ----------
    bounds
        ``[[south, west], [north, east]]``.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function (map) {
  var wide = map.getSize().x >= {{ this.wide }};
  map.fitBounds({{ this.bounds|tojson }}, {
    paddingTopLeft: [wide ? {{ this.left }} : 10, 10],
    paddingBottomRight: [wide ? {{ this.right }} : 10, 10]});
})({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "FitView"
        self.bounds = bounds
        self.left, self.right, self.wide = 340, 330, 1100
