"""Panels of the area maps: the title box, the legend and the ambulance norm, as HTML.

Each builder returns the HTML body of a :class:`islandcare.render.map_controls.Panel`;
the title box and legend are written in the map's language
(:mod:`islandcare.render.words`). Names with a leading underscore are shared
inside :mod:`islandcare.render` only.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from islandcare.data.pack import Area
from islandcare.data.schema import FACILITY_KINDS
from islandcare.render import style
from islandcare.render.map_layers import _Air, _air_bases, flight_rings
from islandcare.render.map_style import (
    _FERRY_SWATCH,
    _LAND,
    _LAND_EDGE,
    _LAND_OUTSIDE,
    _NO_TIME,
    _UNDERSERVED,
    _WATER,
    _fac_icon,
    _row,
    _swatch_dot,
    _swatch_fill,
    circle_fill,
)
from islandcare.render.map_text import _STATUS_ZH, _count, _esc, _missing, _plain
from islandcare.render.words import Words, words

if TYPE_CHECKING:
    from islandcare.analyses.report import AreaReport

__all__: list[str] = []

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


def _circle_rows(report: AreaReport, w: Words) -> list[str]:
    """Legend rows of every circle of the report: its reached land (after the first) and its mark."""
    e = html.escape
    keys = list(report.circles)
    rows = []
    for i, (key, res) in enumerate(report.circles.items()):
        label = res.circle.label
        if i:  # the first circle's land is the "reached" row above
            fill = circle_fill(key, keys)["town"]
            rows.append(_row(_swatch_fill(fill, edge=fill, opacity=0.35), e(w("map.reached_circle", label=label))))
        mark = style.RULE_MARK.get(key, style.RULE_MARK["other"])[1]
        rows.append(_row(f"<b>{mark}</b>", e(w.get(f"map.mark_{key}", w("map.mark_circle", mark=mark, label=label)))))
    return rows


def _legend_html(area: Area, report: AreaReport | None, w: Words | None = None, *,
                 bases: gpd.GeoDataFrame | None = None) -> str:
    """Build the legend, grouped: care circles, emergency, sea and air, data quality; and sources.

    Folded at start (its heading shows), so that the map stays clear. Each
    layer's own symbol is in the layer control; this box explains the rest.
    ``bases`` are the area's air bases (:func:`~.map_layers._air_bases`), when
    already found.
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
                  *_circle_rows(report, w),
                  group("map.group_emergency"),
                  _row("<b>■</b>", e(w("map.mark_response"))),
                  _row("<b>●</b>", e(w("map.mark_other")))]
    parts.append(_row(_swatch_dot(_NO_TIME if report is None else style.MINUTES_COLOURS[1],
                                  ring="#333", weight=1.2, r=8), e(w("map.seat"))))
    parts.append(group("map.group_sea_air"))
    parts.append(_row(_FERRY_SWATCH, e(w("map.ferries"))))
    if not (_air_bases(area) if bases is None else bases).empty and flight_rings(area):
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
