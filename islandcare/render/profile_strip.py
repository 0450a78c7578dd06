"""A place's day profile as a small 24-hour strip for its map popup.

One row per measure (primary care circle, ambulance response target), one
cell per departure of :mod:`islandcare.analyses.profile`, coloured inside,
outside (over the limit or not reached) or no time. Neighbouring cells of
the same state are drawn as one rectangle (run-length encoded), so that a
place inside all day costs one rectangle per row. Inline SVG, no script;
every text is escaped.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from islandcare._escape import html_text
from islandcare.render import style
from islandcare.render.words import Words

__all__ = ["STRIP_COLOURS", "STRIP_ROWS", "STRIP_WIDTH", "cell_states", "profile_strip", "runs"]

#: Width (px) of the 24 hours.
STRIP_WIDTH = 240
#: Colour of a cell by state: inside the limit, outside it, no time.
STRIP_COLOURS = {"in": style.STATUS_COLOUR["covered"], "out": style.STATUS_COLOUR["underserved"],
                 "none": "#d9d9d9"}
#: The strip's rows: (minutes column, limit column, words key of the row's label).
STRIP_ROWS = (("primary_care_min", "primary_care_limit", "map.strip_primary"),
              ("response_min", "response_target", "map.strip_response"))

_DAY = 1440.0
_BAR, _LABEL, _TICKS = 8, 10, 11


def _clock(text: object) -> float:
    h, m = str(text).split(":")
    return int(h) * 60 + int(m)


def cell_states(rows: pd.DataFrame, minutes: str, limit: str) -> list[str]:
    """Tell the state of each departure of ``rows``: ``in``, ``out`` or ``none``.

    ``in`` when the minutes are within the limit, ``out`` when over it or not
    reached (``inf``), ``none`` when there is no time or no limit.
    """
    mins = pd.to_numeric(rows[minutes], errors="coerce").to_numpy(dtype=float)
    lims = pd.to_numeric(rows[limit], errors="coerce").to_numpy(dtype=float)
    out = []
    for v, lim in zip(mins, lims, strict=True):
        if math.isnan(v) or math.isnan(lim):
            out.append("none")
        else:
            out.append("in" if v <= lim else "out")
    return out


def runs(starts: list[float], states: list[str], step: float) -> list[tuple[float, float, str]]:
    """Merge cells into runs: (start minute, end minute, state), neighbours merged."""
    out: list[tuple[float, float, str]] = []
    for t, s in zip(starts, states, strict=True):
        end = min(t + step, _DAY)
        if out and out[-1][2] == s and math.isclose(out[-1][1], t):
            out[-1] = (out[-1][0], end, s)
        else:
            out.append((t, end, s))
    return out


def _x(minute: float) -> str:
    return f"{minute * STRIP_WIDTH / _DAY:.1f}".removesuffix(".0")


def profile_strip(rows: pd.DataFrame, w: Words) -> str:
    """Draw the 24-hour strip of one place: inline SVG and a one-line legend (HTML).

    Parameters
    ----------
    rows
        The place's rows of the day profile (``depart`` as ``HH:MM``, and the
        columns of :data:`STRIP_ROWS`).
    w
        The words of the map's language.

    Returns
    -------
    str
        Escaped HTML; ``""`` when ``rows`` is empty.
    """
    if rows.empty:
        return ""
    rows = rows.sort_values("depart", key=lambda s: s.map(_clock))
    starts = [_clock(d) for d in rows["depart"]]
    step = float(np.min(np.diff(starts))) if len(starts) > 1 else _DAY
    parts, y = [], 0
    for minutes, limit, key in STRIP_ROWS:
        if minutes not in rows or limit not in rows:
            continue
        parts.append(f"<text x='0' y='{y + _LABEL - 2}'>{html_text(w(key))}</text>")
        y += _LABEL
        for lo, hi, state in runs(starts, cell_states(rows, minutes, limit), step):
            parts.append(f"<rect x='{_x(lo)}' y='{y}' width='{_x(hi - lo)}' height='{_BAR}' "
                         f"fill='{STRIP_COLOURS[state]}' data-s='{state}'/>")
        y += _BAR + 2
    for h in (0, 6, 12, 18, 24):
        x = _x(h * 60.0)
        anchor = "start" if h == 0 else "end" if h == 24 else "middle"
        parts.append(f"<line x1='{x}' y1='{y - 2}' x2='{x}' y2='{y + 1}' stroke='#555'/>"
                     f"<text x='{x}' y='{y + _TICKS - 2}' text-anchor='{anchor}'>{h}</text>")
    height = y + _TICKS
    svg = (f"<svg class='ic-strip' width='{STRIP_WIDTH}' height='{height}' "
           f"viewBox='0 0 {STRIP_WIDTH} {height}' role='img' font-size='9' "
           f"aria-label='{html_text(w('map.strip_title'))}'>{''.join(parts)}</svg>")
    legend = " ".join(
        f"<span style='color:{STRIP_COLOURS[s]}'>■</span>{html_text(w(f'map.strip_{s}'))}"
        for s in ("in", "out", "none"))
    return f"{svg}<div class='ic-note'>{legend}</div>"
