"""Style of the area maps: colours, facility symbols, legend swatches, page CSS, colour bar.

Colours shared with the report's static maps (sea, land, verdicts, minutes)
come from :mod:`islandcare.render.style`; the ones here are the web map's own.
Names with a leading underscore are shared inside :mod:`islandcare.render` only.
"""

from __future__ import annotations

import html

import branca.colormap as cm

from islandcare.data.pack import Area
from islandcare.render import style

__all__ = ["KIND_STYLE", "MINUTES_MAX", "circle_fill", "minutes_colormap"]

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
#: Fills of the circles not in ``_CIRCLE_FILL``, in turn (an area file may add any circle).
_CIRCLE_PALETTE: tuple[dict[str, str], ...] = (
    {"town": "#e6550d", "countryside": "#fdae6b"},
    {"town": "#3182bd", "countryside": "#9ecae1"},
    {"town": "#756bb1", "countryside": "#bcbddc"},
    {"town": "#31a354", "countryside": "#a1d99b"},
    {"town": "#636363", "countryside": "#bdbdbd"},
)
_CIRCLE_OTHER = _CIRCLE_PALETTE[0]


def circle_fill(key: str, keys: list[str]) -> dict[str, str]:
    """Return a circle's fill per settlement class: its own in the style table, else the palette's next."""
    if key in _CIRCLE_FILL:
        return _CIRCLE_FILL[key]
    others = [k for k in keys if k not in _CIRCLE_FILL]
    return _CIRCLE_PALETTE[others.index(key) % len(_CIRCLE_PALETTE)] if key in others else _CIRCLE_OTHER
_ROAD_STYLE = {"motorway": ("#a50f15", 4.0), "trunk": ("#d35400", 3.0),
               "primary": ("#e67e22", 2.6), "secondary": ("#d4ac0d", 2.2),
               "tertiary": ("#7f8c8d", 1.8)}
_ROAD_OTHER = ("#95a5a6", 1.4)
#: Ring of a place by verdict: colour, width, dashes.
_RING: dict[str, tuple[str, float, str | None]] = {
    "covered": ("#333333", 1.2, None), "underserved": (_UNDERSERVED, 3.5, None),
    "unknown": ("#555555", 2.0, "3 3")}


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


# ----------------------------------------------------------------------- page CSS


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


# ----------------------------------------------------------------------- colour bar


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
