"""Folium maps of an area: where care arrives in time, and how sure we are.

The map carries its own base (the pack's land and district outline on a
water-coloured background), so it reads with no tiles at all. On it:

* roads by class, solid because they are mapped; a legend note says that
  land away from them is travelled on a modelled lattice, at what speed and
  on whose word; bridges; ferry routes (dashed where the crossing time is
  modelled) and ports;
* facilities by kind, each kind its own symbol, hollow where the point is
  approximate; facilities with no known point are listed in the legend;
* the service circles as the land they reach (night circle off at start);
* the places (villages with a point, township seats) filled by their best
  time to primary care on a colour bar, ringed red when underserved, dashed
  when the verdict is unknown, grey when there is no time;
* helicopter flight-time rings around the air base, each pad's minutes;
* a title box with the headline figures, the legend, and the ambulance norm
  by township in a collapsible panel.

The layer control doubles as the legend of the layers: each entry shows the
layer's symbol. Every box is a Leaflet control (nothing ``position: fixed``),
so the map can sit in a page beside other panels.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

import branca.colormap as cm
import folium
import geopandas as gpd
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from folium import plugins
from folium.template import Template
from shapely.geometry.base import BaseGeometry

from islandcare._escape import html_text, template_safe
from islandcare.config import AreaConfig
from islandcare.data.pack import Area
from islandcare.data.schema import FACILITY_KINDS
from islandcare.network.air import flight_minutes
from islandcare.network.sea import haversine_km
from islandcare.render import style
from islandcare.render.map_controls import ExportPng, PlaceLabels, gaps_html, rule_marks
from islandcare.render.profile_strip import profile_strip
from islandcare.render.words import Words, area_lang, words

if TYPE_CHECKING:
    from islandcare.analyses.report import AreaReport

__all__ = [
    "KIND_STYLE",
    "MINUTES_MAX",
    "Panel",
    "area_map",
    "flight_rings",
    "minutes_colormap",
    "unmatched_osm_places",
    "write_area_map",
]

#: Colour and size (px) of each facility kind's symbol.
KIND_STYLE: dict[str, tuple[str, int]] = {
    "hospital": ("#c0392b", 18),
    "health_centre": ("#e67e22", 15),
    "community_station": ("#b7950b", 13),
    "village_clinic": ("#27ae60", 12),
    "night_clinic": ("#8e44ad", 15),
    "ambulance_station": ("#2471a3", 15),
    "boat_station": ("#117a65", 15),
    "helipad": ("#2c3e50", 16),
    "landing_site": ("#5d6d7e", 14),
    "air_base": ("#000000", 18),
}

#: Glyph and shape of each facility kind's symbol.
_KIND_GLYPH: dict[str, tuple[str, str]] = {
    "hospital": ("+", "square"),
    "health_centre": ("+", "square"),
    "community_station": ("+", "round"),
    "village_clinic": ("+", "round"),
    "night_clinic": ("夜", "square"),
    "ambulance_station": ("急", "square"),
    "boat_station": ("艇", "square"),
    "helipad": ("H", "round"),
    "landing_site": ("h", "round"),
    "air_base": ("H", "square"),
}

#: Upper end (minutes) of the colour bar of times to primary care.
MINUTES_MAX = 60.0

# Colours.
# (sea, land inside and outside, verdicts: islandcare.render.style, shared with the report)
_WATER, _OUTSIDE = style.SEA, "#dcdcd8"
_LAND, _LAND_EDGE, _LAND_OUTSIDE = style.LAND_IN, "#b8ad8a", style.LAND_OUT
_OUTLINE = "#566573"
_UNDERSERVED, _NO_TIME = style.STATUS_COLOUR["underserved"], "#a6a6a6"
_FERRY, _PORT, _HELI, _BRIDGE = "#1f5f99", "#1b4f72", "#34495e", "#d35400"
_CIRCLE_FILL = {"primary_care": {"town": style.REACHED, "countryside": "#56b4a0"},
                "night_clinic": {"town": "#cc79a7", "countryside": "#e0a9c8"}}
_CIRCLE_OTHER = {"town": "#e6550d", "countryside": "#fdae6b"}
_ROAD_STYLE = {"motorway": ("#a50f15", 4.0), "trunk": ("#d35400", 3.0),
               "primary": ("#e67e22", 2.6), "secondary": ("#d4ac0d", 2.2),
               "tertiary": ("#7f8c8d", 1.8)}
_ROAD_OTHER = ("#95a5a6", 1.4)

# Words.
_STATUS_ZH = {"covered": "达标 covered", "underserved": "服务不足 underserved",
              "unknown": "未知 unknown"}
_RULE_ZH = {"primary_care": "基层医疗 primary care", "night_clinic": "夜间诊疗 night clinic",
            "ambulance_response": "急救反应 ambulance response"}
_MODE_ZH = {"walk": "步行 walk", "drive": "驾车 drive", "ambulance": "救护车 ambulance"}
_LEG_ZH = {"access": "接入 access", "road": "道路 road", "offroad": "模型陆路 modelled land",
           "bridge": "桥 bridge", "boarding": "登船 boarding", "wait": "候船 wait",
           "ferry": "轮渡 ferry", "boat": "急救艇 boat", "air": "直升机 air"}
_CLASS_ZH = {"town": "城区 town", "countryside": "农村 countryside"}
_ROAD_ZH = {"motorway": "高速公路", "trunk": "干线公路", "primary": "主要道路",
            "secondary": "次要道路", "tertiary": "三级道路", "residential": "居住区道路",
            "unclassified": "乡村道路"}
_APPROX = " (approximate point 近似位置)"
#: Ring of a place by verdict: colour, width, dashes.
_RING: dict[str, tuple[str, float, str | None]] = {
    "covered": ("#333333", 1.2, None), "underserved": (_UNDERSERVED, 3.5, None),
    "unknown": ("#555555", 2.0, "3 3")}

# ----------------------------------------------------------------------- text helpers


def _missing(v: object) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):  # lists and the like
        return False


def _plain(v: object) -> str:
    return "—" if _missing(v) or v == "" else str(v)


def _esc(v: object) -> str:
    return html.escape(_plain(v))


def _count(v: object) -> str:
    return "—" if _missing(v) else f"{int(cast(float, v)):,}"


def _minutes(x: object) -> str:
    """Minutes as a popup says them: ``12 min``, ``not reached 未到达`` or ``—``."""
    try:
        x = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    if math.isnan(x):
        return "—"
    return "not reached 未到达" if math.isinf(x) else f"{x:.0f} min"


def _words(items: object, table: dict[str, str], sep: str) -> str:
    """Items of ``a > b`` or ``a, b`` in Chinese and English, joined again; '' when none."""
    if _missing(items):
        return ""
    words = [table.get(w.strip(), w.strip()) for w in str(items).split(sep) if w.strip()]
    return (" › " if sep == ">" else ", ").join(words)


def _popup(title: str, rows: Iterable[tuple[str, str]], *, width: int = 400) -> folium.Popup:
    """Build a popup: the title, then a table of (label, HTML value) rows."""
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return folium.Popup(template_safe(f"<div class='ic-pop'><b>{html.escape(title)}</b><table>"
                                      f"{body}</table></div>"), max_width=width)


def _rows(pairs: Iterable[tuple[str, object]]) -> list[tuple[str, str]]:
    """Popup rows from plain values: escaped, the missing ones left out."""
    return [(k, html.escape(str(v))) for k, v in pairs if not _missing(v) and v != ""]


# ----------------------------------------------------------------------- symbols


def _swatch_line(colour: str, *, weight: float = 3, dash: str | None = None) -> str:
    d = f" stroke-dasharray='{dash}'" if dash else ""
    return (f"<svg width='30' height='10'><line x1='1' y1='5' x2='29' y2='5' stroke='{colour}' "
            f"stroke-width='{weight}'{d}/></svg>")


def _swatch_fill(fill: str, *, edge: str, opacity: float = 1.0, dash: str = "") -> str:
    d = f" stroke-dasharray='{dash}'" if dash else ""
    return (f"<svg width='30' height='12'><rect x='1' y='1' width='28' height='10' fill='{fill}' "
            f"fill-opacity='{opacity}' stroke='{edge}'{d}/></svg>")


def _swatch_dot(fill: str, *, ring: str, weight: float = 1.5, dash: str = "", r: int = 5) -> str:
    d = f" stroke-dasharray='{dash}'" if dash else ""
    return (f"<svg width='30' height='18'><circle cx='15' cy='9' r='{r}' fill='{fill}' "
            f"stroke='{ring}' stroke-width='{weight}'{d}/></svg>")


_FERRY_SWATCH = (f"<svg width='30' height='12'><line x1='1' y1='3' x2='29' y2='3' "
                 f"stroke='{_FERRY}' stroke-width='2.5'/><line x1='1' y1='9' x2='29' y2='9' "
                 f"stroke='{_FERRY}' stroke-width='2.5' stroke-dasharray='6 4'/></svg>")


def _port_icon(*, exact: bool) -> str:
    fill = _PORT if exact else "#ffffff"
    return (f"<div style='box-sizing:border-box;width:10px;height:10px;background:{fill};"
            f"border:2px solid {_PORT};transform:rotate(45deg)'></div>")


def _fac_icon(kind: str, *, approximate: bool, planned: bool = False) -> str:
    """Build a facility symbol: filled for an exact point, hollow for an approximate one.

    The border is dashed when the facility is only planned.
    """
    colour, size = KIND_STYLE.get(kind, ("#555555", 14))
    glyph, shape = _KIND_GLYPH.get(kind, ("•", "round"))
    bg, fg = ("#ffffff", colour) if approximate else (colour, "#ffffff")
    font = size - 2 if glyph == "+" else max(9, size - 6)
    return (f"<div style='box-sizing:border-box;width:{size}px;height:{size}px;background:{bg};"
            f"color:{fg};border:2px {'dashed' if planned else 'solid'} {colour};"
            f"border-radius:{'50%' if shape == 'round' else '3px'};display:flex;"
            f"align-items:center;justify-content:center;font:bold {font}px/1 sans-serif;"
            f"box-shadow:0 0 2px #fff'>{glyph}</div>")


def _row(symbol: str, text: str) -> str:
    """Build a legend row: symbol, then HTML text."""
    return f"<div class='ic-row'><span class='ic-sym'>{symbol}</span><span>{text}</span></div>"


def _named(symbol: str, text: str) -> str:
    """Build a layer's name in the layer control: its symbol, then its text."""
    return f"<span class='ic-sym'>{symbol}</span>{html.escape(text)}"


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


_CSS = """<style>
.leaflet-container {{ background: {background} !important; font-family: "Noto Sans CJK SC",
  "Noto Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; }}
.ic-panel, .legend.leaflet-control, .leaflet-control-layers {{
  background: rgba(255,255,255,.94); border-radius: 5px; box-shadow: 0 1px 5px rgba(0,0,0,.35);
  font-size: 12px; line-height: 1.35; color: #222; }}
.ic-panel {{ padding: 6px 9px; max-width: 330px; max-height: calc(100vh - 120px);
  overflow-y: auto; }}
.ic-panel details > summary {{ cursor: pointer; font-weight: bold; }}
.ic-note {{ color: #555; font-size: 11px; margin-top: 3px; }}
.ic-panel table {{ border-collapse: collapse; margin-top: 4px; }}
.ic-panel td, .ic-panel th {{ border-bottom: 1px solid #ddd; padding: 2px 5px; text-align: left;
  vertical-align: top; }}
.ic-row {{ display: flex; align-items: center; gap: 4px; margin: 1px 0; }}
.ic-sym {{ flex: 0 0 32px; display: inline-flex; justify-content: center; }}
#ic-title {{ max-width: 360px; }}
#ic-title .ic-name {{ font-size: 16px; font-weight: bold; }}
#ic-legend {{ max-height: calc(100vh - 330px); }}
#ic-norm {{ max-width: 520px; max-height: 45vh; }}
.ic-covered {{ color: #1a7f37; font-weight: bold; }}
.ic-underserved {{ color: {under}; font-weight: bold; }}
.ic-unknown {{ color: #666; font-weight: bold; }}
.leaflet-control-layers-expanded {{ padding: 4px 8px 4px 4px; max-width: 320px; }}
.leaflet-control-layers-list {{ max-height: calc(100vh - 150px); overflow-y: auto; }}
.leaflet-control-layers label {{ margin: 1px 0; }}
.leaflet-control-layers label > span {{ display: flex; align-items: center; }}
.leaflet-control-layers .ic-sym {{ margin-right: 3px; }}
.legend.leaflet-control {{ padding: 0 4px; }}
.ic-pop {{ max-height: min(340px, 55vh); overflow-y: auto; max-width: min(420px, 80vw);
  overflow-wrap: anywhere; }}
.ic-pop td {{ overflow-wrap: anywhere; word-break: break-word; }}
.ic-group {{ font-weight: bold; margin: 6px 0 2px; border-bottom: 1px solid #ccc; }}
.ic-gap {{ margin: 4px 0; }} .ic-gap code {{ font-size: 11px; background: #f1f1f1; padding: 0 3px; }}
#ic-gaps {{ max-width: 330px; }}
.ic-label-wrap {{ background: none; border: none; }}
.ic-label {{ font-size: 11px; color: #333; white-space: nowrap; pointer-events: none;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }}
.ic-label-seat {{ font-size: 13px; font-weight: bold; color: #111; }}
.ic-mark {{ font-size: 11px; color: {under}; white-space: nowrap; pointer-events: none;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff; letter-spacing: 1px; }}
a.ic-export {{ display: block; background: #fff; padding: 3px 7px; font: bold 12px sans-serif;
  color: #222; text-decoration: none; cursor: pointer; }}
.ic-pop table {{ border-collapse: collapse; margin-top: 3px; font-size: 12px; }}
.ic-pop th {{ text-align: left; padding: 1px 6px 1px 0; color: #444; vertical-align: top;
  white-space: nowrap; }}
.ic-strip {{ display: block; width: 100%; max-width: 240px; height: auto; min-width: 180px;
  font-family: sans-serif; fill: #333; }}
.ic-ring-label {{ font: bold 11px sans-serif; color: {heli}; white-space: nowrap;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff; }}
@media (max-width: 800px) {{ .ic-panel {{ max-width: 240px; }} #ic-legend {{ max-height: 30vh; }}
  .leaflet-control-layers-list {{ max-height: 35vh; }} }}
</style>"""


# ----------------------------------------------------------------------- helicopter


@dataclass(frozen=True)
class _Air:
    """The helicopter rule of an area file: minutes lost on the ground and cruise speed."""

    dispatch: float
    landing: float
    speed_kmh: float

    @classmethod
    def of(cls, cfg: AreaConfig) -> _Air:
        return cls(dispatch=float(cfg.get("helicopter.dispatch_minutes")),
                   landing=float(cfg.get("helicopter.landing_minutes")),
                   speed_kmh=float(cfg.get("speeds.helicopter")))

    def sum_text(self, flight: float) -> str:
        return (f"dispatch {self.dispatch:g} + flight {flight:.0f} at {self.speed_kmh:g} km/h "
                f"+ landing {self.landing:g}")


def flight_rings(area: Area, *, every: float = 15.0, up_to: float = 60.0
                 ) -> list[tuple[float, float]]:
    """Helicopter rings around the air base: (minutes after the call, radius in km).

    A ring at ``t`` minutes bounds what a helicopter reaches by then:
    radius = (t − dispatch − landing) × cruise speed, the sum the network's
    air legs use (:mod:`islandcare.network.air`). Rings with no flight time
    left are skipped.

    Parameters
    ----------
    area
        The area (``helicopter.dispatch_minutes``, ``helicopter.landing_minutes``
        and ``speeds.helicopter`` of its file).
    every, up_to
        Ring spacing and the last ring, in minutes.

    Returns
    -------
    list of (float, float)
        With the defaults of ``_defaults.toml`` (15 min dispatch, 5 min
        landing, 220 km/h): 30, 45 and 60 minutes at about 37, 92 and 147 km.
    """
    air = _Air.of(area.config)
    out = []
    for i in range(1, int(up_to // every) + 1):
        t = i * every
        if t > air.dispatch + air.landing:
            out.append((t, (t - air.dispatch - air.landing) * air.speed_kmh / 60.0))
    return out


def _air_bases(area: Area) -> gpd.GeoDataFrame:
    fac = area.layers["facilities"]
    live = fac["status"].fillna("existing") == "existing"
    return fac[(fac["kind"] == "air_base") & fac.geometry.notna() & live]


def _pad_reach(area: Area, lon: float, lat: float) -> str:
    """When the helicopter reaches a point from the nearest air base, as popup text."""
    bases = _air_bases(area)
    if bases.empty:
        return "no air base in the data 数据中无航空基地"
    air = _Air.of(area.config)
    flight, base = min((flight_minutes(haversine_km(b.geometry.x, b.geometry.y, lon, lat),
                                       area.config), str(b["name"])) for _, b in bases.iterrows())
    return (f"{air.dispatch + flight + air.landing:.0f} min from {base}: {air.sum_text(flight)}"
            " (day only 仅白天)")


# ----------------------------------------------------------------------- layers


def _view_bounds(area: Area) -> list[list[float]]:
    """Bounds to open the map on: the outline's parts that hold the area's places.

    An island county's outline can include far-off rocks, and its land layer
    islands beyond the outline (the one carrying the referral hospital, say),
    so the view fits the outline parts within about 1 km of a township seat
    or a village point, or the whole outline when none is.
    """
    outline = area.outline_geom
    parts = list(getattr(outline, "geoms", [outline]))
    points = [g for name in ("townships", "villages") for g in area.layers[name].geometry
              if g is not None and not g.is_empty]
    keep = [p for p in parts if points and bool(shapely.dwithin(p, points, 0.01).any())]
    minx, miny, maxx, maxy = (shapely.union_all(keep) if keep else outline).bounds
    return [[miny, minx], [maxy, maxx]]


def _add_base(m: folium.Map, area: Area) -> None:
    land = area.layers["land"][["land_id", "kind", "area_km2", "source", "geometry"]].copy()
    land["in_area"] = land.intersects(area.outline_geom)
    land["area_km2"] = land["area_km2"].round(2)
    land["source"] = land["source"].map(html_text, na_action="ignore")  # tooltips set innerHTML
    folium.GeoJson(
        land, name=_named(_swatch_fill(_LAND, edge=_LAND_EDGE), "陆地 Land"),
        style_function=lambda f: {
            "fillColor": _LAND if f["properties"]["in_area"] else _LAND_OUTSIDE,
            "color": _LAND_EDGE, "weight": 0.6, "fillOpacity": 1.0},
        tooltip=folium.GeoJsonTooltip(["land_id", "area_km2", "source"],
                                      aliases=["岛/陆地 land", "km²", "source 来源"]),
    ).add_to(m)
    folium.GeoJson(
        area.layers["outline"][["code", "name", "source", "geometry"]].assign(
            name=lambda d: d["name"].map(html_text, na_action="ignore"),
            source=lambda d: d["source"].map(html_text, na_action="ignore")),
        name=_named(_swatch_line(_OUTLINE, weight=1.6, dash="6 4"), "行政边界 Outline of the district"),
        style_function=lambda _: {"fill": False, "color": _OUTLINE, "weight": 1.6,
                                  "dashArray": "6 4"},
        tooltip=folium.GeoJsonTooltip(["name", "code", "source"],
                                      aliases=["区县 district", "code", "source 来源"]),
    ).add_to(m)


def _add_circles(m: folium.Map, report: AreaReport) -> None:
    """Draw the land each service circle reaches, per settlement class (night circle off)."""
    for key, res in report.circles.items():
        fills = _CIRCLE_FILL.get(key, _CIRCLE_OTHER)
        for cls, geom in res.polygons.items():
            if geom.is_empty:
                continue
            minutes, mode = res.circle.limits[cls]
            name = (f"{res.circle.label}: {_CLASS_ZH.get(cls, cls)} ≤{minutes:g} min "
                    f"{_MODE_ZH.get(mode, mode)}")
            colour = fills.get(cls, "#888888")
            folium.GeoJson(
                gpd.GeoDataFrame({"circle": [name]}, geometry=[geom], crs=4326),
                name=_named(_swatch_fill(colour, edge=colour, opacity=0.35), name),
                show=key == "primary_care",
                style_function=lambda _, c=colour: {"fillColor": c, "color": c, "weight": 0.6,
                                                    "fillOpacity": 0.3},
                tooltip=html_text(f"{name} (land reached 可达陆地)"),
            ).add_to(m)


def _road_class(highway: object) -> str:
    return str(highway).removesuffix("_link")


def _split_at_outline(lines: gpd.GeoDataFrame, outline: BaseGeometry) -> gpd.GeoDataFrame:
    """Lines cut at the district outline; ``inside`` says which side each part lies on."""
    parts = pd.concat([lines.assign(geometry=lines.geometry.intersection(outline), inside=True),
                       lines.assign(geometry=lines.geometry.difference(outline), inside=False)],
                      ignore_index=True)
    return gpd.GeoDataFrame(parts[~parts.geometry.is_empty], geometry="geometry", crs=lines.crs)


def _add_roads(m: folium.Map, area: Area) -> None:
    """Draw the mapped roads, one layer per class; parts beyond the district faint."""
    roads = area.layers["roads"]
    if roads.empty:
        return
    roads = _split_at_outline(roads[["highway", "km", "source", "geometry"]], area.outline_geom)
    roads["cls"] = roads["highway"].map(_road_class)
    present = set(roads["cls"])
    for cls in [c for c in _ROAD_STYLE if c in present] + sorted(present - set(_ROAD_STYLE)):
        colour, weight = _ROAD_STYLE.get(cls, _ROAD_OTHER)
        label = (f"{_ROAD_ZH.get(cls, '其他道路')} {cls} road, mapped, "
                 f"{area.config.speed_kmh(cls):g} km/h")
        folium.GeoJson(
            roads[roads["cls"] == cls].drop(columns="cls").assign(
                highway=lambda d: d["highway"].map(html_text, na_action="ignore"),
                source=lambda d: d["source"].map(html_text, na_action="ignore")),
            name=_named(_swatch_line(colour, weight=weight), label),
            style_function=lambda f, c=colour, w=weight: {
                "color": c, "weight": w, "opacity": 0.95 if f["properties"]["inside"] else 0.4},
            tooltip=folium.GeoJsonTooltip(["highway", "km", "source"],
                                          aliases=["class 等级", "km", "source 来源"]),
        ).add_to(m)


def _add_bridges(m: folium.Map, area: Area) -> None:
    bridges = area.layers.get("bridges")
    if bridges is None or bridges.empty:
        return
    fg = folium.FeatureGroup(name=_named(_swatch_line(_BRIDGE, weight=3.5, dash="2 5"),
                                         "桥 Bridges (drawn approximately)"))
    for _, b in bridges.iterrows():
        folium.PolyLine([(y, x) for x, y in b.geometry.coords], color=_BRIDGE, weight=3.5,
                        dash_array="2 5", tooltip=html_text(b["name"]),
                        popup=_popup(str(b["name"]), _rows([("source 来源", b["source"])])),
                        ).add_to(fg)
    fg.add_to(m)


def _add_sea(m: folium.Map, area: Area) -> None:
    """Ferry routes (dashed where the crossing is modelled) and ports."""
    links, ports = area.layers["sealinks"], area.layers["ports"]
    if not links.empty:
        fg = folium.FeatureGroup(name=_named(
            _FERRY_SWATCH, "航线 Sea links (ferries): solid stated, dashed modelled crossing"))
        for _, s in links.iterrows():
            stated = s.get("crossing_quality") == "stated"
            title = str(s.get("route_zh") or s["link_id"])
            sailings = f"{_plain(s.get('first_sailing'))} / {_plain(s.get('last_sailing'))}"
            folium.PolyLine(
                [(y, x) for x, y in s.geometry.coords], color=_FERRY, weight=2.6,
                dash_array=None if stated else "8 6",
                tooltip=html_text(f"{title} ({'crossing stated' if stated else 'crossing modelled'})"),
                popup=_popup(title, _rows([
                    ("vessel 船型", s.get("vessel")),
                    ("crossing 航行 (min)", s.get("crossing_min")),
                    ("crossing is 航行时间", "stated 有出处" if stated else "modelled 按距离估算"),
                    ("headway 间隔 (min)", s.get("headway_min")),
                    ("departures 班次", s.get("departures")),
                    ("first / last 首末班", sailings),
                    ("note 备注", s.get("note")), ("as of 时间", s.get("as_of")),
                    ("source 来源", s.get("source"))])),
            ).add_to(fg)
        fg.add_to(m)
    placed = ports[ports.geometry.notna()]
    if not placed.empty:
        fg = folium.FeatureGroup(name=_named(_port_icon(exact=False),
                                             f"码头 Ports ({len(placed)})"))
        for _, p in placed.iterrows():
            exact = p.get("location_quality") == "exact"
            folium.Marker(
                (p.geometry.y, p.geometry.x),
                icon=folium.DivIcon(html=_port_icon(exact=exact), icon_size=(13, 13),
                                    icon_anchor=(6, 6)),
                tooltip=html_text(f"{p['name']}{'' if exact else _APPROX}"),
                popup=_popup(str(p["name"]), _rows([
                    ("island 岛", p.get("island")), ("location 位置", p.get("location_quality")),
                    ("placed by 定位依据", p.get("location_note")),
                    ("source 来源", p.get("source"))])),
            ).add_to(fg)
        fg.add_to(m)


def _add_helicopter(m: folium.Map, area: Area) -> None:
    """Flight-time rings around each air base, labelled with their minutes."""
    bases, rings = _air_bases(area), flight_rings(area)
    if bases.empty or not rings:
        return
    air = _Air.of(area.config)
    fg = folium.FeatureGroup(name=_named(
        _swatch_line(_HELI, weight=1.6, dash="6 4"),
        f"直升机 Helicopter from the air base: {' / '.join(f'{t:g}' for t, _ in rings)} min"))
    for _, b in bases.iterrows():
        for t, km in rings:
            note = (f"helicopter 直升机: {t:g} min after the call = "
                    f"{air.sum_text(t - air.dispatch - air.landing)}: {km:.0f} km from {b['name']}")
            folium.Circle((b.geometry.y, b.geometry.x), radius=km * 1000, color=_HELI, weight=1.6,
                          dash_array="10 6", fill=False, tooltip=html_text(note)).add_to(fg)
            folium.Marker((b.geometry.y + km / 111.2, b.geometry.x),
                          icon=folium.DivIcon(html=f"<div class='ic-ring-label'>✈ {t:g} min</div>",
                                              icon_size=(70, 14), icon_anchor=(35, 7)),
                          tooltip=html_text(note)).add_to(fg)
    fg.add_to(m)


def _facility_offsets(fac: gpd.GeoDataFrame, *, radius: int = 13) -> dict[object, tuple[int, int]]:
    """Screen offsets (px) that fan out facilities sharing one point, so each can be clicked.

    The point itself is unchanged (popups and exports keep it); only the
    symbol is drawn around it, on a circle of ``radius`` pixels.
    """
    placed = fac[fac.geometry.notna() & ~fac.geometry.is_empty]
    keys = [(round(g.x, 5), round(g.y, 5)) for g in placed.geometry]
    groups: dict[tuple[float, float], list[object]] = {}
    for idx, key in zip(placed.index, keys, strict=True):
        groups.setdefault(key, []).append(idx)
    out: dict[object, tuple[int, int]] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        for i, idx in enumerate(members):
            a = 2 * math.pi * i / len(members) - math.pi / 2
            out[idx] = (round(radius * math.cos(a)), round(radius * math.sin(a)))
    return out


def _add_facilities(m: folium.Map, area: Area) -> None:
    """One layer per facility kind; the popup of a pad says when the helicopter gets there."""
    fac = area.layers["facilities"]
    offsets = _facility_offsets(fac)
    for kind, label in FACILITY_KINDS.items():
        sub = fac[(fac["kind"] == kind) & fac.geometry.notna() & ~fac.geometry.is_empty]
        if sub.empty:
            continue
        fg = folium.FeatureGroup(name=_named(_fac_icon(kind, approximate=False),
                                             f"{label} ({len(sub)})"))
        size = KIND_STYLE.get(kind, ("", 14))[1]
        for _, f in sub.iterrows():
            approx = f["location_quality"] != "exact"
            planned = str(f.get("status") or "existing") != "existing"
            pad = kind == "helipad" or f.get("has_pad") is True
            opens = f.get("opens")
            rows = _rows([
                ("kind 类别", label),
                ("status 状态", "planned 规划" if planned else f.get("status")),
                ("helicopter 直升机到达", _pad_reach(area, f.geometry.x, f.geometry.y) if pad
                 else None),
                ("referral 转诊医院", "yes 是" if f.get("referral") is True else None),
                ("beds 床位", f.get("beds")), ("ambulances 救护车", f.get("ambulances")),
                ("opens 开放", None if _missing(opens) else f"{opens}–{_plain(f.get('closes'))}"),
                ("location 位置", "approximate 近似" if approx else "exact 精确"),
                ("placed by 定位依据", f.get("location_note")),
                ("source 来源", f.get("source")), ("license", f.get("license"))])
            folium.Marker(
                (f.geometry.y, f.geometry.x),
                icon=folium.DivIcon(html=_fac_icon(kind, approximate=approx, planned=planned),
                                    icon_size=(size, size),
                                    icon_anchor=(size // 2 - offsets.get(f.name, (0, 0))[0],
                                                 size // 2 - offsets.get(f.name, (0, 0))[1])),
                tooltip=html_text(f"{f['name']}{_APPROX if approx else ''}"),
                popup=_popup(str(f["name"]), rows),
            ).add_to(fg)
        fg.add_to(m)


def unmatched_osm_places(area: Area, places: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Find the OpenStreetMap places that match no register village of ``area``.

    The rules are those of :func:`islandcare.data.conflate.match_places`
    (name within the township, without suffix, one close match); a place
    whose id already gave a village its point is never counted. Put the
    result in ``area.meta["osm_unmatched_places"]`` for :func:`area_map` to
    draw it as its own layer (off at start).

    Parameters
    ----------
    area
        The area, with the OpenStreetMap places already laid over it
        (:func:`islandcare.data.conflate.with_osm`) or not.
    places
        The OpenStreetMap places (``osm_type``, ``osmid``, ``name``, ``place``
        and points), e.g. ``load_osm_cache(key).places``.

    Returns
    -------
    geopandas.GeoDataFrame
        The unmatched places, with their columns (empty when none).
    """
    from islandcare.data.conflate import match_places

    if places is None or places.empty:
        return gpd.GeoDataFrame({"name": []}, geometry=[], crs=4326)
    placed = places[places.geometry.notna() & ~places.geometry.is_empty].reset_index(drop=True)
    _, _, names = match_places(area, placed)
    notes = " ".join(str(n) for n in area.layers["villages"].get("location_note", [])
                     if isinstance(n, str))
    used = [f"OpenStreetMap {t} {int(i)} (" in notes if not _missing(i) else False
            for t, i in zip(placed["osm_type"], placed["osmid"], strict=True)]
    keep = placed["name"].astype(str).isin(set(names)) & ~pd.Series(used, index=placed.index)
    return placed[keep].reset_index(drop=True)


def _add_osm_unmatched(m: folium.Map, area: Area, w: Words) -> None:
    """OpenStreetMap places not in the register, as a layer off at start (escaped names)."""
    extra = area.meta.get("osm_unmatched_places")
    if extra is None or len(extra) == 0:
        return
    colour = "#7b3294"
    fg = folium.FeatureGroup(name=_named(_swatch_dot("#ffffff", ring=colour, dash="2 2", r=4),
                                         f"{w('map.osm_unmatched')} ({len(extra)})"), show=False)
    for _, p in extra.iterrows():
        if p.geometry is None or p.geometry.is_empty:
            continue
        osm_id = None if _missing(p.get("osmid")) else f"{p.get('osm_type')} {int(p['osmid'])}"
        folium.CircleMarker(
            (p.geometry.y, p.geometry.x), radius=4, color=colour, weight=1.5, dash_array="2 2",
            fill=True, fill_color="#ffffff", fill_opacity=0.9,
            tooltip=html_text(f"{p['name']} ({w('map.osm_unmatched')})"),
            popup=_popup(str(p["name"]), _rows([
                (w("map.osm_unmatched"), w("map.osm_unmatched_note")),
                (w("map.osm_place"), p.get("place")), (w("map.osm_id"), osm_id),
                ("as of 时间", p.get("as_of")),
                ("source 来源", "OpenStreetMap"), ("license", "ODbL")])),
        ).add_to(fg)
    fg.add_to(m)


def minutes_colormap(area: Area) -> cm.LinearColormap:
    """Colour bar of minutes to primary care, 0 to :data:`MINUTES_MAX`.

    Viridis, reversed (readable with the common colour-vision deficiencies):
    yellow at 0, green at the area's shorter limit (town), teal at the longer
    one (countryside), then blue to dark purple: the colour tells at a glance
    on which side of the limits a place falls.

    Parameters
    ----------
    area
        The area (``circles.primary_care.town_minutes`` and
        ``countryside_minutes`` of its file).

    Returns
    -------
    branca.colormap.LinearColormap
        The colour bar; call it with minutes for a ``#rrggbbaa`` colour.
    """
    cfg = area.config
    lo, hi = sorted((float(cfg.get("circles.primary_care.town_minutes")),
                     float(cfg.get("circles.primary_care.countryside_minutes"))))
    stops = [0.0, lo, hi, (hi + MINUTES_MAX) / 2, MINUTES_MAX]
    colours = list(style.MINUTES_COLOURS)
    if lo == hi:
        del stops[2], colours[2]
    cmap = cm.LinearColormap(colours, index=stops, vmin=0, vmax=MINUTES_MAX,
                             caption="基层医疗最短时间 minutes to primary care (分钟)")
    cmap.tick_labels = sorted({0.0, lo, hi, 30.0, 45.0, MINUTES_MAX})
    cmap.width = 330
    return cmap


def _place_popup_rows(r: pd.Series, report: AreaReport | None, source: object,
                      norm: str | None, w: Words | None = None, *,
                      strip: str = "") -> list[tuple[str, str]]:
    """Popup rows of one place: verdict, times, modes, sources and data-quality flags.

    ``strip`` is the place's 24-hour strip (escaped HTML, :mod:`.profile_strip`).
    """
    seat = r["unit"] == "township_seat"
    cls = r.get("settlement_class")
    rows = _rows([("type 类型", "乡镇驻地 township seat, standing for the township's population"
                   if seat else "村/社区 village"), ("township 乡镇", r.get("township"))])
    if report is not None:
        status = str(r.get("status"))
        rows.append(("verdict 结论",
                     f"<span class='ic-{status}'>{_STATUS_ZH.get(status, status)}</span>"))
        share = [f"{label} {100 * float(r[c]):.0f}%" for label, c in (
            ("primary care", "primary_care_share_of_day"), ("response", "response_share_of_day"))
            if c in r.index and not _missing(r[c])]
        rows += _rows([("rests on 依据", {"exact": "exact: mapped legs, exact points",
                                          "modelled": "modelled: a modelled leg",
                                          "assumed": "assumed: the facility stands on the place's "
                                                     "own approximate point"}.get(r.get("basis"))
                        if isinstance(r.get("basis"), str) else None),
                       ("share of the day inside 全天达标", ", ".join(share) or None)])
        if strip:
            rows.append(((w or words("zh"))("map.strip_label"), strip))
        rows += _rows([("failing rules 未达标", _words(r.get("failing_rules"), _RULE_ZH, ",")),
                       ("cannot tell 无法判断", _words(r.get("unknown_rules"), _RULE_ZH, ",")),
                       ("reason 原因", r.get("reason") if w is None or w.lang == "en"
                        else w.reason(r.get("reason"))),
                       ("reason (English)", r.get("reason") if w is not None and w.lang != "en"
                        and w.reason(r.get("reason")) != r.get("reason") else None)])
        pc = report.circles.get("primary_care")
        if pc is not None and cls in pc.circle.limits:
            limit, mode = pc.circle.limits[cls]
            took = _MODE_ZH.get(str(r.get("primary_care_mode")), "")
            times = (f"<b>{_minutes(r.get('primary_care_min'))}</b> {took} — limit "
                     f"≤{limit:g} min {_MODE_ZH.get(mode, mode)} ({_CLASS_ZH.get(cls, cls)})")
            rows.append(("primary care 基层医疗", times))
            rows += _rows([("limit source 标准来源",
                            pc.circle.sources.get(cls, pc.circle.sources.get("all")))])
        legs = _words(r.get("response_modes"), _LEG_ZH, ">")
        rows += _rows([
            ("nearest facility 最近机构", r.get("nearest_facility")),
            ("night clinic 夜间诊疗", _minutes(r["night_clinic_min"])
             if "night_clinic_min" in r.index else None),
            ("ambulance response 急救反应",
             _minutes(r.get("response_min")) + (f" via {legs}" if legs else "")),
            ("county hospital 县医院 (best, day)", _minutes(r.get("county_best_day"))),
            ("referral hospital 转诊医院 (best, day)", _minutes(r.get("referral_best_day"))),
            ("helipad by road 到停机坪", _minutes(r.get("helipad_min")))])
    pop = r.get("population")
    rows += _rows([
        ("population 人口", None if _missing(pop) else
         f"{int(pop):,} ({_plain(r.get('population_year'))})"),
        ("ambulances 救护车 (norm)", norm),
        ("class 城乡", f"{_CLASS_ZH.get(cls, cls)} — {_plain(r.get('class_rule'))}"),
        ("point 位置", f"{_plain(r.get('location_quality'))} — {_plain(r.get('location_note'))}"),
        ("source 来源", source),
        ("data quality 数据质量", r.get("data_quality"))])
    return rows


def _place_sources(area: Area) -> dict[tuple[str, str], object]:
    """Return (unit, code) → the source of the place's row in the pack."""
    out: dict[tuple[str, str], object] = {}
    for unit, layer in (("village", "villages"), ("township_seat", "townships")):
        g = area.layers[layer]
        out.update({(unit, c): s for c, s in zip(g["code"], g.get("source", [None] * len(g)), strict=True)})
    return out


def _norm_by_township(report: AreaReport | None) -> dict[str, str]:
    """Township code → its ambulance norm, for the township seats' popups."""
    if report is None or report.norm is None:
        return {}
    return {str(n["township_code"]): f"needed 需要 {n['needed']}, present 现有 "
            + ("not in the data 数据中没有" if _missing(n["present"]) else str(n["present"]))
            for _, n in report.norm.iterrows() if n["township_code"]}


def _plain_places(area: Area) -> pd.DataFrame:
    from islandcare.analyses.places import places

    return places(area)


def _add_places(m: folium.Map, area: Area, report: AreaReport | None,
                cmap: cm.LinearColormap, w: Words | None = None) -> folium.FeatureGroup:
    """Draw the places: fill = minutes to primary care, ring = verdict; searchable by name."""
    if report is not None:
        pl = report.places
    else:
        from islandcare.analyses.places import places

        pl = places(area)
    placed = pl[pd.to_numeric(pl["lon"], errors="coerce").notna()]
    if report is not None:  # underserved drawn last, on top
        order = {"unknown": 0, "covered": 1, "underserved": 2}
        placed = placed.sort_values("status", key=lambda s: s.map(order), kind="stable")
    n_vil = int((pl["unit"] == "village").sum())
    n_vil_pt = int((placed["unit"] == "village").sum())
    fg = folium.FeatureGroup(name=_named(
        _swatch_dot("#a6d96a", ring=_UNDERSERVED, weight=2.5),
        f"地点 Places: {n_vil_pt} of {n_vil} villages with a point, "
        f"{int((placed['unit'] == 'township_seat').sum())} township seats"))
    sources, norms = _place_sources(area), _norm_by_township(report)
    profile = getattr(report, "profile", None)
    by_place = ({} if profile is None or profile.empty else
                {k: g for k, g in profile.groupby(["unit", "code"], sort=False)})
    for _, r in placed.iterrows():
        seat = r["unit"] == "township_seat"
        day = by_place.get((r["unit"], r["code"]))
        strip = "" if day is None else profile_strip(day, w or words("zh"))
        minutes = pd.to_numeric(r.get("primary_care_min"), errors="coerce")
        timed = report is not None and not _missing(minutes) and math.isfinite(minutes)
        status = str(r.get("status")) if report is not None else ""
        ring, weight, dash = _RING.get(status, _RING["covered"])
        tip = str(r["name"]) + (f": {_STATUS_ZH.get(status, status)}, primary care "
                                f"{_minutes(minutes)}" if report is not None else "")
        if status == "underserved" and w is not None:  # which rule fails, with its mark
            tip += " — " + " ".join(
                f"{rule_marks(rule)} {w.get(f'rule.{rule}', rule)}"
                for rule in str(r.get("failing_rules") or "").split(", ") if rule)
        marker = folium.CircleMarker(
            (float(r["lat"]), float(r["lon"])), radius=11 if seat else 6, color=ring,
            weight=weight, dash_array=dash, fill=True, fill_opacity=0.95, tooltip=html_text(tip),
            fill_color=cmap(min(float(minutes), MINUTES_MAX))[:7] if timed else _NO_TIME,
            popup=_popup(str(r["name"]), _place_popup_rows(
                r, report, sources.get((r["unit"], r["code"])),
                norms.get(str(r.get("township_code"))) if seat else None, w,
                strip=strip), width=440))
        marker.options["name"] = html_text(r["name"])  # what the search box finds (propertyName)
        marker.add_to(fg)
    fg.add_to(m)
    return fg


# ----------------------------------------------------------------------- panels


def _status_word(w: Words, status: str) -> str:
    """Return a verdict in the map's language; the Chinese map keeps the English word beside it."""
    return w(f"status.{status}") + (f" {status}" if w.lang == "zh" else "")


def _count_span(status: str, n: object, w: Words | None = None) -> str:
    word = _STATUS_ZH[status] if w is None else _status_word(w, status)
    return f"<span class='ic-{status}'>{word} {_esc(n)}</span>"


def _title_html(area: Area, report: AreaReport | None, w: Words | None = None) -> str:
    """Build the title box: the area and its headline figures, in ``w``'s language (default zh)."""
    w = w or words("zh")
    out = [(f"<div class='ic-name'>{html.escape(area.config.title)} · "
            f"{html.escape(w('map.title_suffix'))}</div>"),
           f"<div class='ic-note' style='margin-top:0'>{html.escape(w('map.subtitle'))}</div>"]
    vil = area.layers["villages"]
    if report is None:
        n_pt = int((vil.geometry.notna() & ~vil.geometry.is_empty).sum()) if len(vil) else 0
        out.append(f"<div>{html.escape(w('map.villages_register', n=len(vil), pt=n_pt))}</div>")
        return "".join(out)
    s = report.summary
    seats = s["township_seats"]
    for label, counts, extra in (
            (w("map.villages"), s["villages"],
             w("map.with_point", n=s["villages_in_register"], pt=s["villages_with_point"])),
            (w("map.seats"), seats, str(seats["covered"] + seats["underserved"] + seats["unknown"]))):
        spans = " · ".join(_count_span(k, counts[k], w)
                           for k in ("covered", "underserved", "unknown"))
        out.append(f"<div><b>{html.escape(label)}</b> {html.escape(extra)}: {spans}</div>")
    amb = s["ambulance"]
    resp, targets = amb["response"].get("all", {}), amb["target_minutes"]
    target = (f"{targets['town']:g}" if targets["town"] == targets["countryside"]
              else f"{targets['town']:g}/{targets['countryside']:g}")
    avg, share = resp.get("average_response_min"), resp.get("share_within_target")
    line = w("map.response_line", avg="—" if avg is None else f"{avg:g}", target=target)
    if share is not None:
        line += w("map.share_within", pct=f"{100 * share:.0f}")
    out.append(f"<div><b>{html.escape(w('map.response'))}</b>: {line}</div>")
    out.append(f"<div class='ic-note'>{html.escape(w('map.unknown_note'))}</div>")
    return "".join(out)


def _legend_html(area: Area, report: AreaReport | None, w: Words | None = None) -> str:
    """Build the legend, grouped: care circles, emergency, sea and air, data quality; and sources.

    Folded at start (its heading shows), so that the map stays clear. Each
    layer's own symbol is in the layer control; this box explains the rest.
    """
    w = w or words("zh")
    cfg = area.config
    fac = area.layers["facilities"]
    e = html.escape

    def group(key: str) -> str:
        return f"<div class='ic-group'>{e(w(key))}</div>"

    parts = [f"<details><summary>{e(w('map.legend'))}</summary>", group("map.group_circles"),
             _row(_swatch_fill(_WATER, edge=_WATER), e(w("map.sea"))),
             _row(_swatch_fill(_LAND, edge=_LAND_EDGE), e(w("map.land_inside")))]
    if cfg.get("area.islands"):
        parts.append(_row(_swatch_fill(_LAND_OUTSIDE, edge=_LAND_EDGE), e(w("map.land_outside"))))
    else:
        parts.append(f"<div class='ic-note'>{e(w('map.outside_grey'))}</div>")
    if report is not None:
        low, high = style.MINUTES_COLOURS[0], style.MINUTES_COLOURS[2]
        parts += [_row(_swatch_fill(style.REACHED, edge=style.REACHED, opacity=0.35),
                       e(w("map.reached"))),
                  _row(_swatch_dot(low, ring="#333", weight=1.2), e(w("map.fill_minutes"))),
                  _row(_swatch_dot(high, ring=_UNDERSERVED, weight=3),
                       f"{e(w('status.underserved'))}: {e(w('map.ring_fails'))}"),
                  _row("<b>◆</b>", e(w("map.mark_primary"))),
                  _row("<b>▲</b>", e(w("map.mark_night"))),
                  group("map.group_emergency"),
                  _row("<b>■</b>", e(w("map.mark_response"))),
                  _row("<b>●</b>", e(w("map.mark_other")))]
    parts.append(_row(_swatch_dot(_NO_TIME if report is None else style.MINUTES_COLOURS[1],
                                  ring="#333", weight=1.2, r=8), e(w("map.seat"))))
    parts.append(group("map.group_sea_air"))
    parts.append(_row(_FERRY_SWATCH, e(w("map.ferries"))))
    if not _air_bases(area).empty and flight_rings(area):
        air = _Air.of(cfg)
        parts.append("<div class='ic-note'>" + e(w("map.heli_rings", speed=f"{air.speed_kmh:g}",
                                                   dispatch=f"{air.dispatch:g}",
                                                   landing=f"{air.landing:g}")) + "</div>")
    else:
        parts.append(f"<div class='ic-note'>{e(w('map.no_air_base'))}</div>")
    parts.append(group("map.group_quality"))
    if report is not None:
        parts += [_row(_swatch_dot(low, ring="#555", weight=2, dash="3 3"),
                       e(w("map.dashed_unknown"))),
                  _row(_swatch_dot(_NO_TIME, ring="#555", weight=2, dash="3 3"),
                       e(w("map.no_time")))]
    vil = area.layers["villages"]
    no_pt = int((vil.geometry.isna() | vil.geometry.is_empty).sum()) if len(vil) else 0
    if no_pt:
        parts.append(f"<div class='ic-note'>{e(w('map.no_point_note', n=no_pt, total=len(vil)))}"
                     "</div>")
    kinds = [k for k in FACILITY_KINDS if (fac["kind"] == k).any()]
    if kinds:
        parts.append(_row(_fac_icon(kinds[0], approximate=True), e(w("map.approximate"))))
    missing = fac[fac.geometry.isna() | fac.geometry.is_empty]
    if not missing.empty:
        names = "、".join(str(n) if _plain(st) == "existing" else f"{n} ({st})"
                         for n, st in zip(missing["name"], missing["status"].fillna("existing"), strict=True))
        parts.append(f"<div class='ic-note'><b>{e(w('map.no_point_facilities'))}</b>"
                     f"{e(names)}</div>")
    lattice = cfg.get("network.lattice_m")
    parts.append(_row(_swatch_fill(_LAND, edge="#a0522d", dash="2 2"),
                      w("map.modelled", lattice="" if lattice is None else f"{lattice:g} m ",
                        speed=f"{cfg.get('speeds.offroad'):g}")))
    parts.append(f"<div class='ic-note'>{e(w('map.offroad_source'))}"
                 f"{e(cfg.source('speeds.offroad'))}</div>")
    attribution = "<br>".join(e(a) for a in area.attribution)
    parts.append(f"<details><summary>{e(w('map.sources'))}</summary><div class='ic-note'>"
                 f"{attribution}</div></details></details>")
    return "".join(parts)


def _norm_html(report: AreaReport) -> str | None:
    """Build the ambulance norm by township as a collapsible table; None without a norm."""
    norm = report.norm
    if norm is None or norm.empty:
        return None
    needed = int(pd.to_numeric(norm["needed"], errors="coerce").fillna(0).sum())
    present = ("not in the data 数据中没有" if norm["present"].map(_missing).all()
               else str(int(pd.to_numeric(norm["present"], errors="coerce").fillna(0).sum())))
    rows = "".join(
        f"<tr><td>{_esc(n['township'])}</td><td>{'yes 是' if n['outlying_island'] else ''}</td>"
        f"<td>{_count(n['population'])} ({_esc(n['population_year'])})</td>"
        f"<td>{_esc(n['rule'])}</td><td><b>{_esc(n['needed'])}</b></td>"
        f"<td>{'not in the data 数据中没有' if _missing(n['present']) else _esc(n['present'])}</td>"
        f"<td>{'unknown 未知' if _missing(n['shortfall']) else _esc(n['shortfall'])}</td></tr>"
        for _, n in norm.iterrows())
    notes = sorted({str(x) for x in norm.get("present_note", []) if x})
    rule = report.area.config.source("ambulance.residents_per_ambulance")
    return (f"<details><summary>救护车配置 Ambulance norm: {needed} needed · present "
            f"{html.escape(present)}</summary><table><tr><th>乡镇 township</th>"
            "<th>离岛 outlying island</th><th>人口 population (year)</th><th>规则 rule</th>"
            "<th>需要 needed</th><th>现有 present</th><th>缺口 shortfall</th></tr>"
            f"{rows}</table><div class='ic-note'>{html.escape('; '.join(notes))}</div>"
            f"<div class='ic-note'>Rule: {html.escape(rule)}</div></details>")


# ----------------------------------------------------------------------- the map


def area_map(area: Area, report: AreaReport | None = None, *, lang: str | None = None
             ) -> folium.Map:
    """Build the Folium map of an area (no tiles: the pack's land is the base).

    Parameters
    ----------
    area
        The area and its pack (:func:`islandcare.data.pack.load_pack`).
    report
        Its analysis (:func:`islandcare.analyses.report.analyse_area`): adds
        the service circles, each place's times and verdict, the headline
        figures, the colour bar and the ambulance norm. Without it the map
        shows the data alone.
    lang
        ``zh`` or ``en`` for the title, legend and panels; default the area
        file's ``area.lang``.

    Returns
    -------
    folium.Map
        The map; :func:`write_area_map` writes it with its offline scripts.
    """
    bounds = _view_bounds(area)
    (miny, minx), (maxy, maxx) = bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None, zoom_start=10,
                   control_scale=False, zoom_control=False, zoom_snap=0.25, zoom_delta=0.5)
    background = _WATER if area.config.get("area.islands") else _OUTSIDE
    header = cast(Figure, m.get_root()).header
    header.add_child(Element(_CSS.format(background=background, under=_UNDERSERVED, heli=_HELI)),
                     name="islandcare_css")
    header.add_child(Element('<link rel="icon" href="data:,">'), name="favicon")
    # controls, corner by corner, in the order they stack
    w = words(area_lang(area.config, lang))
    Panel(_title_html(area, report, w), position="topleft", element_id="ic-title").add_to(m)
    _Zoom().add_to(m)
    plugins.Fullscreen(position="topleft", title="全屏 Full screen",
                       title_cancel="退出全屏 Exit full screen").add_to(m)
    cmap = minutes_colormap(area)
    if report is not None:
        cmap.add_to(m)  # top right, above the layer control
    _Scale().add_to(m)
    Panel(_legend_html(area, report, w), position="bottomleft", element_id="ic-legend").add_to(m)
    if report is not None:
        from islandcare.analyses.gaps import data_gaps

        Panel(gaps_html(data_gaps(report), w), position="bottomleft",
              element_id="ic-gaps").add_to(m)
    plugins.MousePosition(position="bottomright", separator=" , ", prefix="WGS-84 lon , lat",
                          empty_string="WGS-84", num_digits=4, lng_first=True).add_to(m)
    if report is not None and (norm := _norm_html(report)):
        Panel(norm, position="bottomright", element_id="ic-norm").add_to(m)
    # layers, bottom to top
    _add_base(m, area)
    if report is not None:
        _add_circles(m, report)
    _add_roads(m, area)
    _add_bridges(m, area)
    _add_sea(m, area)
    _add_helicopter(m, area)
    _add_osm_unmatched(m, area, w)
    places = _add_places(m, area, report, cmap, w)
    _add_facilities(m, area)
    PlaceLabels(report.places if report is not None else _plain_places(area)).add_to(m)
    plugins.Search(layer=places, search_label="name", search_zoom=13, position="topleft",
                   placeholder="搜索村/社区 Search a village", collapsed=False).add_to(m)
    ExportPng(filename=f"{area.key}.png", label="⤓ PNG", title=w("map.export_png_title")
              ).add_to(m)
    # folded: its button opens it (on hover or tap), so the map stays clear at 1366×768
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    _FitView(bounds).add_to(m)
    return m


def write_area_map(area: Area, out_dir: Path, report: AreaReport | None = None, *,
                   lang: str | None = None) -> Path:
    """Write ``out_dir/index.html`` and its offline scripts (``lib/``) for an area.

    Parameters
    ----------
    area, report
        As for :func:`area_map`.
    out_dir
        The area's folder; created if needed.

    Returns
    -------
    Path
        The written HTML file.
    """
    from islandcare.render.assets import write_map

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.html"
    write_map(area_map(area, report, lang=lang), path)
    return path
