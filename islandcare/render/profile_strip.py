"""A place's day profile as a small 24-hour strip for its map popup.

One row per measure (primary care circle, ambulance response target), one
cell per departure of :mod:`islandcare.analyses.profile`, coloured inside,
outside (over the limit or not reached) or no time. Neighbouring cells of
the same state are drawn as one rectangle (run-length encoded), so that a
place inside all day costs one rectangle per row. Inline SVG, no script;
every text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

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
    return _states(_numbers(rows[minutes]), _numbers(rows[limit])).tolist()


def _numbers(values: pd.Series) -> np.ndarray:
    """``values`` as floats, text that is no number as NaN (numpy floats as they are)."""
    if isinstance(values.dtype, np.dtype) and values.dtype.kind == "f":
        return values.to_numpy(dtype=float)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


def _states(mins: np.ndarray, lims: np.ndarray) -> np.ndarray:
    """:func:`cell_states` of the minutes and limits as arrays (an array of str)."""
    return np.where(np.isnan(mins) | np.isnan(lims), "none", np.where(mins <= lims, "in", "out"))


def runs(starts: Sequence[float], states: Sequence[str] | np.ndarray, step: float) -> list[tuple[float, float, str]]:
    """Merge cells into runs: (start minute, end minute, state), neighbours merged.

    A cell joins the run before it when it has the same state and starts where
    the run ends (to within ``math.isclose``'s relative tolerance).
    """
    if len(starts) != len(states):
        raise ValueError(f"{len(starts)} starts but {len(states)} states")
    if not len(starts):
        return []
    t = np.asarray(starts, dtype=float)
    s = np.asarray(states)
    ends = np.minimum(t + step, _DAY)
    gap = np.abs(ends[:-1] - t[1:]) > 1e-09 * np.maximum(np.abs(ends[:-1]), np.abs(t[1:]))
    first = np.flatnonzero(np.concatenate(([True], (s[1:] != s[:-1]) | gap)))
    last = np.append(first[1:] - 1, len(t) - 1)
    return list(zip(t[first].tolist(), ends[last].tolist(), s[first].tolist(), strict=True))


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
    starts = [_clock(d) for d in rows["depart"].tolist()]
    if (np.diff(starts) <= 0).any():  # not in order yet (an ordered profile is not sorted again)
        rows = rows.sort_values("depart", key=lambda s: s.map(_clock))
        starts = [_clock(d) for d in rows["depart"].tolist()]
    step = float(np.min(np.diff(starts))) if len(starts) > 1 else _DAY
    parts, y = [], 0
    for minutes, limit, key in STRIP_ROWS:
        if minutes not in rows or limit not in rows:
            continue
        parts.append(f"<text x='0' y='{y + _LABEL - 2}'>{html_text(w(key))}</text>")
        y += _LABEL
        states = _states(_numbers(rows[minutes]), _numbers(rows[limit]))
        for lo, hi, state in runs(starts, states, step):
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
