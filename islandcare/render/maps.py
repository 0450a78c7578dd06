"""Folium maps of an area: land, outline, roads, sea links, facilities, villages.

The map carries its own base (the pack's land and outline), so it reads with
no tiles at all; every layer's name says where its data comes from, and
approximate points are drawn hollow.
"""

from __future__ import annotations

import html
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement, Template

from islandcare.data.pack import Area
from islandcare.data.schema import FACILITY_KINDS

__all__ = ["KIND_STYLE", "area_map", "write_area_map"]

#: Colour and radius of each facility kind on the map.
KIND_STYLE: dict[str, tuple[str, int]] = {
    "hospital": ("#c0392b", 9),
    "health_centre": ("#e67e22", 7),
    "community_station": ("#f1c40f", 6),
    "village_clinic": ("#27ae60", 5),
    "night_clinic": ("#8e44ad", 6),
    "ambulance_station": ("#2980b9", 7),
    "boat_station": ("#16a085", 7),
    "helipad": ("#2c3e50", 7),
    "air_base": ("#000000", 9),
}


def _esc(v: object) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "—"
    return html.escape(str(v))


def _popup(title: str, rows: list[tuple[str, object]]) -> folium.Popup:
    body = "".join(f"<tr><th style='text-align:left;padding-right:6px'>{html.escape(k)}</th>"
                   f"<td>{_esc(v)}</td></tr>" for k, v in rows)
    return folium.Popup(f"<b>{html.escape(title)}</b><table>{body}</table>", max_width=380)


def _source_of(gdf: gpd.GeoDataFrame) -> str:
    if "source" not in gdf or gdf.empty:
        return ""
    first = str(gdf["source"].dropna().iloc[0]) if gdf["source"].notna().any() else ""
    return first.split(";")[0][:60]


def _add_base(m: folium.Map, area: Area) -> None:
    land = area.layers["land"]
    folium.GeoJson(
        land[["land_id", "kind", "area_km2", "source", "geometry"]],
        name=f"陆地 Land — {_source_of(land)}",
        style_function=lambda _: {"fillColor": "#f3efe0", "color": "#b8ad8a",
                                  "weight": 0.6, "fillOpacity": 1.0},
        tooltip=folium.GeoJsonTooltip(["land_id", "area_km2"], aliases=["岛/陆地", "km²"]),
    ).add_to(m)
    outline = area.layers["outline"]
    folium.GeoJson(
        outline[["code", "name", "geometry"]],
        name=f"行政边界 Outline — {_source_of(outline)}",
        style_function=lambda _: {"fill": False, "color": "#7f8c8d", "weight": 1.5,
                                  "dashArray": "6 4"},
    ).add_to(m)


def _add_roads(m: folium.Map, area: Area) -> None:
    roads = area.layers["roads"]
    if roads.empty:
        return
    folium.GeoJson(
        roads[["highway", "km", "geometry"]],
        name=f"主要道路 Major roads — {_source_of(roads)}",
        style_function=lambda _: {"color": "#d35400", "weight": 2.2, "opacity": 0.9},
    ).add_to(m)
    bridges = area.layers.get("bridges")
    if bridges is not None and not bridges.empty:
        fg = folium.FeatureGroup(name="桥 Bridges (stated, drawn approximately)")
        for _, b in bridges.iterrows():
            folium.PolyLine([(y, x) for x, y in b.geometry.coords], color="#d35400", weight=3,
                            dash_array="2 4", popup=_popup(b["name"], [("source", b["source"])])
                            ).add_to(fg)
        fg.add_to(m)


_PORT_ICON = ("<div style='width:10px;height:10px;background:#fff;border:2px solid #1b4f72;"
              "transform:rotate(45deg)'></div>")


def _add_sea(m: folium.Map, area: Area) -> None:
    links, ports = area.layers["sealinks"], area.layers["ports"]
    if not links.empty:
        fg = folium.FeatureGroup(name="航线 Sea links (dashed: crossing time modelled)")
        for _, s in links.iterrows():
            stated = s.get("crossing_quality") == "stated"
            folium.PolyLine(
                [(y, x) for x, y in s.geometry.coords], color="#2471a3", weight=2.5,
                dash_array=None if stated else "8 6",
                popup=_popup(str(s.get("route_zh") or s["link_id"]), [
                    ("vessel 船型", s.get("vessel")),
                    ("crossing 航行 (min)", s.get("crossing_min")),
                    ("crossing is", s.get("crossing_quality")),
                    ("headway 间隔 (min)", s.get("headway_min")),
                    ("departures 班次", s.get("departures")),
                    ("note", s.get("note")), ("as of", s.get("as_of")),
                    ("source", s.get("source"))]),
            ).add_to(fg)
        fg.add_to(m)
    if not ports.empty:
        fg = folium.FeatureGroup(name="码头 Ports (approximate points)")
        for _, p in ports.iterrows():
            folium.Marker(
                (p.geometry.y, p.geometry.x),
                icon=folium.DivIcon(html=_PORT_ICON, icon_size=(12, 12), icon_anchor=(6, 6)),
                popup=_popup(p["name"], [("location", p["location_quality"]),
                                         ("placed by", p["location_note"]),
                                         ("source", p["source"])]),
                tooltip=p["name"],
            ).add_to(fg)
        fg.add_to(m)


def _add_facilities(m: folium.Map, area: Area) -> None:
    fac = area.layers["facilities"]
    for kind, label in FACILITY_KINDS.items():
        sub = fac[(fac["kind"] == kind) & fac.geometry.notna()]
        if sub.empty:
            continue
        colour, radius = KIND_STYLE[kind]
        fg = folium.FeatureGroup(name=f"{label} ({len(sub)})")
        for _, f in sub.iterrows():
            approx = f["location_quality"] != "exact"
            folium.CircleMarker(
                (f.geometry.y, f.geometry.x), radius=radius, color=colour, weight=2.5,
                fill=True, fill_color="#ffffff" if approx else colour, fill_opacity=0.95,
                tooltip=f"{f['name']}{' (approximate point)' if approx else ''}",
                popup=_popup(f["name"], [
                    ("kind 类别", label), ("status", f.get("status")),
                    ("beds 床位", f.get("beds")), ("ambulances 救护车", f.get("ambulances")),
                    ("location 位置", f["location_quality"]),
                    ("placed by", f.get("location_note")), ("source 来源", f.get("source")),
                    ("license", f.get("license"))]),
            ).add_to(fg)
        fg.add_to(m)


def _add_places(m: folium.Map, area: Area) -> None:
    tw = area.layers["townships"]
    fg = folium.FeatureGroup(name="乡镇驻地 Township seats (population as stated)")
    for _, t in tw[tw.geometry.notna()].iterrows():
        folium.CircleMarker(
            (t.geometry.y, t.geometry.x), radius=3, color="#555555", fill=True, fill_opacity=1,
            tooltip=t["name"],
            popup=_popup(t["name"], [
                ("code 代码", t["code"]), ("population 人口", t.get("population")),
                ("year 年份", t.get("population_year")), ("note", t.get("population_note")),
                ("outlying island 离岛", t.get("outlying_island")),
                ("point", t.get("location_note")), ("source", t.get("source"))]),
        ).add_to(fg)
    fg.add_to(m)
    vil = area.layers["villages"]
    placed = vil[vil.geometry.notna()]
    if not placed.empty:
        fgv = folium.FeatureGroup(name=f"村/社区 Villages with a known point ({len(placed)} of {len(vil)})")
        for _, v in placed.iterrows():
            folium.CircleMarker(
                (v.geometry.y, v.geometry.x), radius=3, color="#34495e", fill=True,
                fill_color="#95a5a6", fill_opacity=1, tooltip=v["name"],
                popup=_popup(v["name"], [("code", v["code"]), ("township", v.get("township")),
                                         ("class", v.get("settlement_class")),
                                         ("class rule", v.get("class_rule")),
                                         ("source", v.get("source"))]),
            ).add_to(fgv)
        fgv.add_to(m)


_LEGEND = """
{% macro html(this, kwargs) %}
<div id="islandcare-legend" style="position: fixed; bottom: 24px; left: 12px; z-index: 9999;
     background: rgba(255,255,255,0.95); padding: 8px 10px; border: 1px solid #999;
     border-radius: 4px; font: 12px/1.35 sans-serif; max-width: 330px;">
{{ this.body }}
</div>
{% endmacro %}
"""


class Legend(MacroElement):
    """A fixed HTML legend box."""

    def __init__(self, body: str) -> None:
        super().__init__()
        self._name = "Legend"
        self.body = body
        self._template = Template(_LEGEND)


def _legend_html(area: Area) -> str:
    fac = area.layers["facilities"]
    kinds = [k for k in FACILITY_KINDS if (fac["kind"] == k).any()]
    items = "".join(
        f"<div><span style='display:inline-block;width:10px;height:10px;border-radius:5px;"
        f"background:{KIND_STYLE[k][0]};margin-right:5px'></span>{html.escape(FACILITY_KINDS[k])}</div>"
        for k in kinds)
    missing = fac[fac["location_quality"] == "none"]
    note_missing = ""
    if not missing.empty:
        names = "、".join(missing["name"].astype(str))
        note_missing = f"<div style='margin-top:4px'>Not on the map (no point known): {html.escape(names)}</div>"
    attribution = "<br>".join(html.escape(a) for a in area.attribution)
    return (f"<b>{html.escape(area.config.title)}</b>{items}"
            "<div style='margin-top:4px'>Hollow marker = approximate point (placed by a stated "
            "rule, see popup). Dashed sea link = crossing time modelled from distance.</div>"
            f"{note_missing}<div style='margin-top:4px;color:#555;font-size:10px'>{attribution}</div>")


_STATUS_COLOUR = {"covered": "#1a9850", "underserved": "#d73027", "unknown": "#999999"}
_CIRCLE_FILL = {"town": "#4575b4", "countryside": "#74add1"}


def _add_circles(m: folium.Map, report) -> None:
    for key, res in report.circles.items():
        for cls, geom in res.polygons.items():
            if geom.is_empty:
                continue
            minutes, mode = res.circle.limits[cls]
            name = f"{res.circle.label}: {cls} {minutes:g} min by {mode} (land reached)"
            gdf = gpd.GeoDataFrame({"circle": [name]}, geometry=[geom], crs=4326)
            colour = _CIRCLE_FILL[cls] if key == "primary_care" else "#9e9ac8"
            folium.GeoJson(gdf, name=name, show=key == "primary_care",
                           style_function=lambda _, c=colour: {"fillColor": c, "color": c,
                                                               "weight": 0.5, "fillOpacity": 0.35},
                           tooltip=name).add_to(m)


def _add_status(m: folium.Map, report) -> None:
    pl = report.places
    placed = pl[pl["lon"].notna()]
    fg = folium.FeatureGroup(name="核查结果 Places by verdict (green covered, red underserved, grey unknown)")
    for _, r in placed.iterrows():
        colour = _STATUS_COLOUR[r["status"]]
        seat = r["unit"] == "township_seat"
        folium.CircleMarker(
            (r["lat"], r["lon"]), radius=7 if seat else 5, color="#222222" if seat else colour,
            weight=1.5, fill=True, fill_color=colour, fill_opacity=0.9,
            tooltip=f"{r['name']}: {r['status']}",
            popup=_popup(r["name"], [
                ("verdict 结论", r["status"]), ("failing rules", r.get("failing_rules")),
                ("reason 原因", r.get("reason")),
                ("primary care min 基层医疗", _fmt(r.get("primary_care_min"))),
                ("nearest facility", r.get("nearest_facility")),
                ("response min 急救反应", _fmt(r.get("response_min"))),
                ("response modes", r.get("response_modes")),
                ("to county hospital (best, day)", _fmt(r.get("county_best_day"))),
                ("population 人口", r.get("population")), ("year", r.get("population_year")),
                ("class 城乡", f"{r['settlement_class']} ({r['class_rule']})"),
                ("data quality 数据质量", r.get("data_quality"))]),
        ).add_to(fg)
    fg.add_to(m)


def _fmt(x) -> str:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return "—"
    if x != x:
        return "—"
    return "not reached" if x == float("inf") else f"{x:.0f}"


def area_map(area: Area, report=None) -> folium.Map:
    """Build the Folium map of an area (no tiles: the pack's land is the base).

    With a report (:func:`islandcare.analyses.report.analyse_area`), the
    service circles and each place's verdict are drawn too.
    """
    minx, miny, maxx, maxy = area.layers["outline"].total_bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None,
                   zoom_start=10, control_scale=True, prefer_canvas=False)
    m.get_root().header.add_child(folium.Element(
        "<style>.leaflet-container{background:#cfe3ef}</style>"))
    _add_base(m, area)
    _add_roads(m, area)
    _add_sea(m, area)
    if report is not None:
        _add_circles(m, report)
    _add_places(m, area)
    if report is not None:
        _add_status(m, report)
    _add_facilities(m, area)
    Legend(_legend_html(area)).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def write_area_map(area: Area, out_dir: Path, report=None) -> Path:
    """Write ``out_dir/index.html`` (and its offline scripts) for an area."""
    from islandcare.render.assets import write_map

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.html"
    write_map(area_map(area, report), path)
    return path
