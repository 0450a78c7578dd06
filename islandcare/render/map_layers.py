"""Layers of the area maps, bottom to top: base, circles, roads, bridges, sea, helicopter, places, facilities.

Each ``_add_*`` function draws one concern of :func:`islandcare.render.maps.area_map`
as its own entry in the layer control, with its symbol. Also here: the
helicopter's flight-time rule (:func:`flight_rings`), the view the map opens
on, and the OpenStreetMap places not in the register
(:func:`unmatched_osm_places`). Names with a leading underscore are shared
inside :mod:`islandcare.render` only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import branca.colormap as cm
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from islandcare._escape import html_text
from islandcare.analyses.rules import live_facilities
from islandcare.config import AreaConfig
from islandcare.data.pack import Area
from islandcare.data.schema import FACILITY_KINDS
from islandcare.network.air import flight_minutes
from islandcare.network.sea import haversine_km
from islandcare.render.geojson import features, line_features, merged_line_features, shape_features
from islandcare.render.map_controls import rule_marks
from islandcare.render.map_style import (
    _BRIDGE,
    _FERRY,
    _FERRY_SWATCH,
    _HELI,
    _LAND,
    _LAND_EDGE,
    _LAND_OUTSIDE,
    _NO_TIME,
    _OUTLINE,
    _RING,
    _ROAD_OTHER,
    _ROAD_STYLE,
    _UNDERSERVED,
    KIND_STYLE,
    MINUTES_MAX,
    _fac_icon,
    _named,
    _port_icon,
    _swatch_dot,
    _swatch_fill,
    _swatch_line,
    circle_fill,
)
from islandcare.render.map_text import (
    _APPROX,
    _CIRCLE_ROW,
    _CLASS_ZH,
    _LEG_ZH,
    _MODE_ZH,
    _ROAD_ZH,
    _RULE_ZH,
    _STATUS_ZH,
    _minutes,
    _missing,
    _plain,
    _popup,
    _rows,
    _words,
)
from islandcare.render.profile_strip import STRIP_ROWS, profile_strip
from islandcare.render.words import Words, words

if TYPE_CHECKING:
    from islandcare.analyses.report import AreaReport

__all__ = ["flight_rings", "unmatched_osm_places"]

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
    bases = live_facilities(area, kinds=("air_base",))
    return bases[bases.geometry.notna()]


def _pad_reach(area: Area, lon: float, lat: float, *, bases: gpd.GeoDataFrame | None = None) -> str:
    """When the helicopter reaches a point from the nearest air base, as popup text.

    ``bases`` are the area's air bases (:func:`_air_bases`), when already found.
    """
    bases = _air_bases(area) if bases is None else bases
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
        features(land), name=_named(_swatch_fill(_LAND, edge=_LAND_EDGE), "陆地 Land"),
        style_function=lambda f: {
            "fillColor": _LAND if f["properties"]["in_area"] else _LAND_OUTSIDE,
            "color": _LAND_EDGE, "weight": 0.6, "fillOpacity": 1.0},
        tooltip=folium.GeoJsonTooltip(["land_id", "area_km2", "source"],
                                      aliases=["岛/陆地 land", "km²", "source 来源"]),
    ).add_to(m)
    folium.GeoJson(
        features(area.layers["outline"][["code", "name", "source", "geometry"]].assign(
            name=lambda d: d["name"].map(html_text, na_action="ignore"),
            source=lambda d: d["source"].map(html_text, na_action="ignore"))),
        name=_named(_swatch_line(_OUTLINE, weight=1.6, dash="6 4"), "行政边界 Outline of the district"),
        style_function=lambda _: {"fill": False, "color": _OUTLINE, "weight": 1.6,
                                  "dashArray": "6 4"},
        tooltip=folium.GeoJsonTooltip(["name", "code", "source"],
                                      aliases=["区县 district", "code", "source 来源"]),
    ).add_to(m)


def _add_circles(m: folium.Map, report: AreaReport) -> None:
    """Draw the land each service circle reaches, per settlement class (night circle off)."""
    keys = list(report.circles)
    for key, res in report.circles.items():
        fills = circle_fill(key, keys)
        for cls, geom in res.polygons.items():
            if geom.is_empty:
                continue
            minutes, mode = res.circle.limits[cls]
            name = (f"{res.circle.label}: {_CLASS_ZH.get(cls, cls)} ≤{minutes:g} min "
                    f"{_MODE_ZH.get(mode, mode)}")
            colour = fills.get(cls, "#888888")
            folium.GeoJson(
                shape_features(geom, {"circle": name}),
                name=_named(_swatch_fill(colour, edge=colour, opacity=0.35), name),
                show=key == keys[0],  # the first circle (primary care) on at start
                style_function=lambda _, c=colour: {"fillColor": c, "color": c, "weight": 0.6,
                                                    "fillOpacity": 0.3},
                tooltip=html_text(f"{name} (land reached 可达陆地)"),
            ).add_to(m)


def _road_class(highway: object) -> str:
    return str(highway).removesuffix("_link")


def _split_at_outline(lines: gpd.GeoDataFrame, outline: BaseGeometry) -> gpd.GeoDataFrame:
    """Lines cut at the district outline; ``inside`` says which side each part lies on."""
    geoms = lines.geometry.to_numpy()
    box, (x0, y0, x1, y1) = shapely.bounds(geoms), outline.bounds
    # a line whose box is clear of the outline's lies wholly outside: no overlay needed (GEOS gives the same)
    far = (box[:, 0] > x1) | (box[:, 2] < x0) | (box[:, 1] > y1) | (box[:, 3] < y0)
    # of the others, one that misses the outline has no part inside and one in its interior none outside:
    # those overlays would be empty, and the empty parts are dropped below
    near = np.flatnonzero(~far)
    probe = shapely.from_wkb(shapely.to_wkb(outline))  # a copy to prepare: the pack's outline stays as it is
    shapely.prepare(probe)
    meets, within = np.zeros(len(geoms), dtype=bool), np.zeros(len(geoms), dtype=bool)
    meets[near] = shapely.intersects(probe, geoms[near])
    within[near] = shapely.contains_properly(probe, geoms[near])
    cut_in, cut_out = geoms.copy(), geoms.copy()
    cut_in[~meets] = shapely.LineString()  # empty: dropped below, as the empty intersections are
    cut_in[meets] = shapely.intersection(geoms[meets], outline)
    cut_out[within] = shapely.LineString()
    cut_out[~far & ~within] = shapely.difference(geoms[~far & ~within], outline)
    parts = pd.concat([lines.assign(geometry=gpd.GeoSeries(cut_in, index=lines.index, crs=lines.crs), inside=True),
                       lines.assign(geometry=gpd.GeoSeries(cut_out, index=lines.index, crs=lines.crs), inside=False)],
                      ignore_index=True)
    return gpd.GeoDataFrame(parts[~parts.geometry.is_empty], geometry="geometry", crs=lines.crs)


def _escaped(values: pd.Series) -> pd.Series:
    """``values`` as HTML text, missing ones left missing (each distinct value escaped once)."""
    return values.map({v: html_text(v) for v in values.dropna().unique()})


_ROAD_FEATURES_MAX = 20_000
"""Roads drawn one by one, each with its own tooltip, up to this many; a bigger layer (an OpenStreetMap
graph of tens of thousands of nodes) is drawn as one merged line per class, source and side of the outline."""


def _add_roads(m: folium.Map, area: Area) -> None:
    """Draw the mapped roads, one layer per class; parts beyond the district faint.

    Up to :data:`_ROAD_FEATURES_MAX` roads each is a feature with its class, km and
    source in its tooltip; above, the roads of a class are merged into one feature
    per source and side of the outline, its tooltip giving the km drawn (each road
    cut at the outline counted by the share of its length on that side).
    """
    roads = area.layers["roads"]
    if roads.empty:
        return
    merged = len(roads) > _ROAD_FEATURES_MAX
    roads = roads[["highway", "km", "source", "geometry"]]
    if merged:
        roads = roads.assign(deg=shapely.length(roads.geometry.to_numpy()))
    roads = _split_at_outline(roads, area.outline_geom)
    if merged:
        whole = roads.pop("deg").to_numpy()
        share = np.divide(shapely.length(roads.geometry.to_numpy()), whole, out=np.ones_like(whole),
                          where=whole > 0)
        roads["km"] = roads["km"].to_numpy() * share
    roads["cls"] = roads["highway"].map(_road_class)
    present = set(roads["cls"])
    for cls in [c for c in _ROAD_STYLE if c in present] + sorted(present - set(_ROAD_STYLE)):
        colour, weight = _ROAD_STYLE.get(cls, _ROAD_OTHER)
        label = (f"{_ROAD_ZH.get(cls, '其他道路')} {cls} road, mapped, "
                 f"{area.config.speed_kmh(cls):g} km/h")
        part = roads[roads["cls"] == cls].drop(columns="cls").assign(
            highway=lambda d: _escaped(d["highway"]), source=lambda d: _escaped(d["source"]))
        folium.GeoJson(
            merged_line_features(part, by=["highway", "source", "inside"], sums=("km",)) if merged
            else line_features(part),
            name=_named(_swatch_line(colour, weight=weight), label),
            style_function=lambda f, c=colour, w=weight: {
                "color": c, "weight": w, "opacity": 0.95 if f["properties"]["inside"] else 0.4},
            tooltip=folium.GeoJsonTooltip(["highway", "km", "source"],
                                          aliases=["class 等级", "km (all drawn 共计)" if merged else "km",
                                                   "source 来源"]),
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


def _add_helicopter(m: folium.Map, area: Area, *, bases: gpd.GeoDataFrame | None = None) -> None:
    """Flight-time rings around each air base, labelled with their minutes (``bases``: :func:`_air_bases`, if found)."""
    bases, rings = _air_bases(area) if bases is None else bases, flight_rings(area)
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


def _add_facilities(m: folium.Map, area: Area, *, bases: gpd.GeoDataFrame | None = None) -> None:
    """One layer per facility kind; the popup of a pad says when the helicopter gets there.

    ``bases`` are the area's air bases (:func:`_air_bases`), when already found.
    """
    fac = area.layers["facilities"]
    offsets = _facility_offsets(fac)
    placed = fac[fac.geometry.notna() & ~fac.geometry.is_empty]
    rows_of_kind = placed.groupby("kind", sort=False).indices  # positions, in the layer's order
    bases = _air_bases(area) if bases is None else bases
    for kind, label in FACILITY_KINDS.items():
        if kind not in rows_of_kind:
            continue
        sub = placed.take(rows_of_kind[kind])
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
                ("helicopter 直升机到达", _pad_reach(area, f.geometry.x, f.geometry.y, bases=bases) if pad
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
        names = {**{k: res.circle.label for k, res in report.circles.items()}, **_RULE_ZH}
        rows += _rows([("failing rules 未达标", _words(r.get("failing_rules"), names, ",")),
                       ("cannot tell 无法判断", _words(r.get("unknown_rules"), names, ",")),
                       ("reason 原因", r.get("reason") if w is None or w.lang == "en"
                        else w.reason(r.get("reason"))),
                       ("reason (English)", r.get("reason") if w is not None and w.lang != "en"
                        and w.reason(r.get("reason")) != r.get("reason") else None)])
        for key, res in report.circles.items():  # every circle of the area file, by its columns
            circle = res.circle
            if cls not in circle.limits:
                continue
            limit, mode = circle.limits[cls]
            took = _MODE_ZH.get(str(r.get(f"{key}_mode")), "")
            times = (f"<b>{_minutes(r.get(f'{key}_min'))}</b> {took} — limit "
                     f"≤{limit:g} min {_MODE_ZH.get(mode, mode)} ({_CLASS_ZH.get(cls, cls)})")
            rows.append((_CIRCLE_ROW.get(key, circle.label), times))
            rows += _rows([("limit source 标准来源", circle.sources.get(cls, circle.sources.get("all")))])
        legs = _words(r.get("response_modes"), _LEG_ZH, ">")
        rows += _rows([
            ("nearest facility 最近机构", r.get("nearest_facility")),
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
    strip_rows, rows_of_place = pd.DataFrame(), {}
    if profile is not None and not profile.empty:  # the strips' columns only: each place's rows taken faster
        strip_rows = profile[["depart", *(c for row in STRIP_ROWS for c in row[:2] if c in profile)]]
        rows_of_place = profile.groupby(["unit", "code"], sort=False).indices  # positions, in its order
    labels = {} if report is None else {k: res.circle.label for k, res in report.circles.items()}
    for _, r in placed.iterrows():
        seat = r["unit"] == "township_seat"
        day = rows_of_place.get((r["unit"], r["code"]))
        strip = "" if day is None else profile_strip(strip_rows.take(day), w or words("zh"))
        minutes = pd.to_numeric(r.get("primary_care_min"), errors="coerce")
        timed = report is not None and not _missing(minutes) and math.isfinite(minutes)
        status = str(r.get("status")) if report is not None else ""
        ring, weight, dash = _RING.get(status, _RING["covered"])
        tip = str(r["name"]) + (f": {_STATUS_ZH.get(status, status)}, primary care "
                                f"{_minutes(minutes)}" if report is not None else "")
        if status == "underserved" and w is not None:  # which rule fails, with its mark
            tip += " — " + " ".join(
                f"{rule_marks(rule)} {w.get(f'rule.{rule}', labels.get(rule, rule))}"
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
