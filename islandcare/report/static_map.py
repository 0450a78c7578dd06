"""Static maps of an area for the report, drawn from the pack's own layers (no tiles).

Each figure: the sea as background, land inside and outside the district,
the district outline, roads, optionally the land a circle reaches, and the
places coloured by a value (verdict or minutes), with township names. The
colours and marks are those of the web maps (:mod:`islandcare.render.style`).
"""

from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from islandcare.analyses.report import AreaReport
from islandcare.render import style
from islandcare.render.words import Words
from islandcare.report.fonts import cjk_font

__all__ = ["figure_png", "minutes_cmap"]

_MAX = 60.0


def minutes_cmap() -> LinearSegmentedColormap:
    """Return the minutes scale of the maps, 0 to 60 minutes."""
    return LinearSegmentedColormap.from_list("ic_minutes", style.MINUTES_COLOURS)


def _view(rep: AreaReport) -> tuple[float, float, float, float]:
    from islandcare.render.maps import _view_bounds

    (s, w), (n, e) = _view_bounds(rep.area)
    pad = 0.04 * max(e - w, n - s)
    return w - pad, e + pad, s - pad, n + pad


def _base(ax, rep: AreaReport, w: Words) -> list:
    area = rep.area
    land = area.layers["land"]
    inside = land.intersects(area.outline_geom)
    ax.set_facecolor(style.SEA)
    if (~inside).any():
        land[~inside].plot(ax=ax, color=style.LAND_OUT, edgecolor="#a0a0a0", linewidth=0.3)
    land[inside].plot(ax=ax, color=style.LAND_IN, edgecolor="#a89f80", linewidth=0.3)
    roads = area.layers["roads"]
    if not roads.empty:
        roads.plot(ax=ax, color=style.ROAD, linewidth=0.35, alpha=0.8)
    area.layers["outline"].boundary.plot(ax=ax, color=style.OUTLINE, linewidth=0.8,
                                         linestyle=(0, (4, 3)))
    return [Patch(facecolor=style.SEA, edgecolor="none", label=w("map.sea")),
            Patch(facecolor=style.LAND_IN, edgecolor="#a89f80", label=w("map.land_inside")),
            Patch(facecolor=style.LAND_OUT, edgecolor="#a0a0a0", label=w("map.land_outside"))]


def _labels(ax, rep: AreaReport, font: str, box: tuple[float, float, float, float]) -> None:
    seats = rep.places[(rep.places["unit"] == "township_seat")].dropna(subset=["lon"])
    x0, x1, y0, y1 = box
    for _, r in seats.iterrows():
        x, y = float(r["lon"]), float(r["lat"])
        if x0 <= x <= x1 and y0 <= y <= y1:
            ax.annotate(str(r["township"] or r["name"]), (x, y), xytext=(4, 4),
                        textcoords="offset points", fontsize=6.5, fontfamily=font, color="#222",
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                              "alpha": 0.7})


def _placed(rep: AreaReport) -> pd.DataFrame:
    return rep.places[pd.to_numeric(rep.places["lon"], errors="coerce").notna()]


def _mark(failing: object) -> str:
    rules = [r.strip() for r in str(failing or "").split(",") if r.strip()]
    for key in style.RULE_MARK:  # the first rule with a mark of its own, in the marks' order
        if key in rules:
            return style.RULE_MARK[key][0]
    return style.RULE_MARK["other"][0]


def _status_layer(ax, rep: AreaReport, w: Words, circle: str | None) -> list:
    handles: list[Artist] = []
    if circle and circle in rep.circles:
        res = rep.circles[circle]
        import geopandas as gpd

        geoms = [g for g in res.polygons.values() if not g.is_empty]
        if geoms:
            gpd.GeoSeries(geoms, crs=4326).plot(ax=ax, color=style.REACHED, alpha=0.35,
                                                 linewidth=0)
            handles.append(Patch(facecolor=style.REACHED, alpha=0.35, label=w("map.reached")))
    pl = _placed(rep)
    col = f"{circle}_status" if circle and f"{circle}_status" in pl else "status"
    for status in ("unknown", "covered", "underserved"):
        sub = pl[pl[col] == status]
        if sub.empty:
            continue
        colour = style.STATUS_COLOUR[status]
        if status == "underserved":
            for mark, grp in sub.groupby(sub["failing_rules"].map(_mark)):
                ax.scatter(grp["lon"].astype(float), grp["lat"].astype(float), s=28, marker=mark,
                           c=colour, edgecolors="black", linewidths=0.5, zorder=5)
        else:
            ax.scatter(sub["lon"].astype(float), sub["lat"].astype(float), s=18, c=colour,
                       marker="o", edgecolors="black" if status == "covered" else "#555",
                       linewidths=0.4, zorder=4)
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=colour,
                              markeredgecolor="black", label=f"{w('status.' + status)} "
                              f"{len(sub)}"))
    return handles


def _minutes_layer(fig, ax, rep: AreaReport, w: Words, column: str) -> list:
    pl = _placed(rep)
    vals = pd.to_numeric(pl.get(column), errors="coerce")
    ok = vals.notna() & np.isfinite(vals)
    cmap = minutes_cmap()
    sc = ax.scatter(pl.loc[ok, "lon"].astype(float), pl.loc[ok, "lat"].astype(float),
                    c=np.minimum(vals[ok], _MAX), cmap=cmap, vmin=0, vmax=_MAX, s=22,
                    edgecolors="black", linewidths=0.4, zorder=5)
    bad = pl[~ok]
    if len(bad):
        ax.scatter(bad["lon"].astype(float), bad["lat"].astype(float), s=18, c="white",
                   edgecolors="#555", linewidths=0.6, zorder=4)
    cb = fig.colorbar(sc, ax=ax, shrink=0.6, pad=0.02)
    cb.set_label(w("report.minutes_legend"), fontfamily=cjk_font())
    return [Line2D([], [], marker="o", linestyle="", markerfacecolor="white",
                   markeredgecolor="#555", label=w("report.unknown_legend"))] if len(bad) else []


def _quality_layer(ax, rep: AreaReport, w: Words) -> list:
    fac = rep.area.layers["facilities"]
    fac = fac[fac.geometry.notna() & ~fac.geometry.is_empty]
    pl = _placed(rep)
    handles: list[Artist] = []
    for q, colour, key in (("exact", "#0072b2", "report.exact"),
                           ("approximate", "#e69f00", "report.approximate")):
        sub = pl[pl["location_quality"] == q]
        fsub = fac[fac["location_quality"] == q]
        if sub.empty and fsub.empty:
            continue
        ax.scatter(sub["lon"].astype(float), sub["lat"].astype(float), s=16, c=colour,
                   edgecolors="black", linewidths=0.3, zorder=4)
        if len(fsub):
            ax.scatter(fsub.geometry.x, fsub.geometry.y, s=30, marker="P", c=colour,
                       edgecolors="black", linewidths=0.3, zorder=5)
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=colour,
                              markeredgecolor="black", label=f"{w(key)} {len(sub) + len(fsub)}"))
    none = int((rep.places["location_quality"] == "none").sum())
    handles.append(Patch(facecolor="white", edgecolor="#555", label=f"{w('report.no_point')} {none}"))
    return handles


def figure_png(rep: AreaReport, w: Words, *, kind: str, title: str, circle: str | None = None,
               column: str | None = None, dpi: int = 150) -> bytes:
    """One static map as PNG bytes.

    Parameters
    ----------
    rep
        The area's analysis.
    w
        The words to label it with.
    kind
        ``status`` (verdicts, with the circle's reached land), ``minutes``
        (``column`` on the minutes scale) or ``quality`` (exact, approximate
        or no point).
    title
        The figure's title.
    circle, column
        The circle key (``status``) or the minutes column (``minutes``).
    dpi
        Resolution.

    Returns
    -------
    bytes
        The PNG file's content.
    """
    font = cjk_font()
    plt.rcParams["font.family"] = [font, "DejaVu Sans"]
    x0, x1, y0, y1 = _view(rep)
    aspect = 1 / math.cos(math.radians((y0 + y1) / 2))
    width = 7.0
    height = min(9.0, max(4.0, width * (y1 - y0) * aspect / (x1 - x0) * 0.9))
    fig, ax = plt.subplots(figsize=(width, height))
    try:
        handles = _base(ax, rep, w)
        if kind == "status":
            handles += _status_layer(ax, rep, w, circle)
        elif kind == "minutes":
            handles += _minutes_layer(fig, ax, rep, w, str(column))
        elif kind == "quality":
            handles += _quality_layer(ax, rep, w)
        else:
            raise ValueError(f"unknown figure kind {kind!r}")
        _labels(ax, rep, font, (x0, x1, y0, y1))
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect(aspect)
        ax.set_xticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.set_yticks([])
        ax.set_title(title, fontsize=10, fontfamily=font)
        ax.legend(handles=handles, loc="lower left", fontsize=6.5, framealpha=0.9,
                  prop={"family": font, "size": 6.5})
        ax.annotate(w("report.north") + " ↑", xy=(0.97, 0.95), xycoords="axes fraction",
                    ha="right", fontsize=8, fontfamily=font)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        return buf.getvalue()
    finally:
        plt.close(fig)
