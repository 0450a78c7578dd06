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

The parts live beside this module: :mod:`~islandcare.render.map_style`
(colours, symbols, swatches, CSS, colour bar), :mod:`~islandcare.render.map_text`
(bilingual labels, minutes, popups), :mod:`~islandcare.render.map_controls`
(Leaflet controls: panels, zoom, scale, view, labels, PNG export),
:mod:`~islandcare.render.map_panels` (title box, legend, ambulance norm) and
:mod:`~islandcare.render.map_layers` (one function per layer).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

import folium
from branca.element import Element, Figure
from folium import plugins

from islandcare.data.pack import Area
from islandcare.render.map_controls import ExportPng, Panel, PlaceLabels, _FitView, _Scale, _Zoom, gaps_html
from islandcare.render.map_layers import (
    _add_base,
    _add_bridges,
    _add_circles,
    _add_facilities,
    _add_helicopter,
    _add_osm_unmatched,
    _add_places,
    _add_roads,
    _add_sea,
    _air_bases,
    _plain_places,
    _view_bounds,
    flight_rings,
    unmatched_osm_places,
)
from islandcare.render.map_layers import _facility_offsets as _facility_offsets
from islandcare.render.map_panels import _legend_html, _norm_html, _title_html
from islandcare.render.map_style import (
    _CSS,
    _HELI,
    _OUTSIDE,
    _UNDERSERVED,
    _WATER,
    KIND_STYLE,
    MINUTES_MAX,
    minutes_colormap,
)
from islandcare.render.words import area_lang, words

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
    bases = _air_bases(area)  # the legend, the helicopter rings and the pads' popups
    Panel(_legend_html(area, report, w, bases=bases), position="bottomleft", element_id="ic-legend").add_to(m)
    if report is not None:
        from islandcare.render.summary import report_gaps

        Panel(gaps_html(report_gaps(report), w), position="bottomleft",
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
    _add_helicopter(m, area, bases=bases)
    _add_osm_unmatched(m, area, w)
    places = _add_places(m, area, report, cmap, w)
    _add_facilities(m, area, bases=bases)
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
