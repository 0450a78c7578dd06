"""The 24-hour strip of a place's day profile in its map popup (issue 12, item 2)."""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pandas as pd

from islandcare.render.profile_strip import STRIP_COLOURS, STRIP_WIDTH, profile_strip
from islandcare.render.words import Words, words

_RECT = re.compile(r"<rect x='([\d.]+)' y='(\d+)' width='([\d.]+)' height='\d+' "
                   r"fill='(#[0-9a-f]{6})' data-s='(\w+)'/>")


def _cells(svg: str, step: float) -> dict[int, list[str]]:
    """Per strip row (its y): the state of each departure cell, read back from the rectangles."""
    out: dict[int, list[str]] = {}
    for x, y, width, fill, state in _RECT.findall(svg):
        assert STRIP_COLOURS[state] == fill
        n = round(float(width) * 1440 / STRIP_WIDTH / step)
        assert n >= 1
        out.setdefault(int(y), []).extend([state] * n)
        assert math.isclose(float(x) * 1440 / STRIP_WIDTH % step, 0, abs_tol=0.5) or step > 1440
    return out


def _expected(rows: pd.DataFrame, minutes: str, limit: str) -> list[str]:
    v, lim = rows[minutes].to_numpy(dtype=float), rows[limit].to_numpy(dtype=float)
    return ["none" if np.isnan(a) or np.isnan(b) else "in" if a <= b else "out"
            for a, b in zip(v, lim, strict=True)]


def _synthetic() -> pd.DataFrame:
    """Hourly departures: primary care inside 06:00-17:59, not reached at night, 03:00 unknown."""
    hours = np.arange(24)
    pc = np.where((hours >= 6) & (hours < 18), 12.0, np.inf)
    pc[3] = np.nan
    resp = np.where(hours % 2 == 0, 25.0, 35.0)  # target 30: alternating
    return pd.DataFrame({"unit": "village", "code": "X", "depart": [f"{h:02d}:00" for h in hours],
                         "primary_care_min": pc, "primary_care_limit": 15.0,
                         "response_min": resp, "response_target": 30.0})


def test_strip_cells_match_a_synthetic_profile() -> None:
    """Each cell's colour is its departure's state; equal neighbours are one rectangle."""
    rows = _synthetic()
    svg = profile_strip(rows, words("en"))
    cells = _cells(svg, 60.0)
    first, second = sorted(cells)
    assert cells[first] == _expected(rows, "primary_care_min", "primary_care_limit")
    assert cells[second] == _expected(rows, "response_min", "response_target")
    # run-length encoded: 0-2 out, 3 none, 4-5 out, 6-17 in, 18-23 out
    assert svg.count(f"y='{first}'") == 5
    assert cells[first][6:18] == ["in"] * 12 and cells[first][3] == "none"
    for h in ("0", "6", "12", "18", "24"):
        assert f">{h}</text>" in svg
    assert "inside" in svg and "outside" in svg and "no time" in svg


def test_strip_escapes_its_words() -> None:
    """Words reach the SVG escaped (HTML and JavaScript template literal)."""
    hostile = "<img src=x onerror=alert(1)>`${x}`"
    table = {k: hostile for k in words("en").table}
    svg = profile_strip(_synthetic(), Words("en", table))
    assert "<img" not in svg and "`" not in svg and "${" not in svg
    assert "&lt;img" in svg


def test_empty_profile_gives_no_strip() -> None:
    """A place with no profile rows gets no strip."""
    assert profile_strip(_synthetic().iloc[:0], words("zh")) == ""


def test_a_place_inside_part_of_the_day_gets_its_strip_in_the_map_popup() -> None:
    """Putuo's report with one place's profile made part-day: its popup holds the strip."""
    from test_maps import area_reports

    from islandcare.render.maps import area_map

    rep = area_reports()["putuo"]
    assert rep.profile is not None and not rep.profile.empty
    profile = rep.profile.copy()
    unit, code = profile.iloc[0][["unit", "code"]]
    mine = (profile["unit"] == unit) & (profile["code"] == code)
    clock = profile.loc[mine, "depart"].map(lambda d: int(d[:2]))
    # inside from 08:00 to 19:59 (the ferries' day), outside by one minute at night
    profile.loc[mine, "primary_care_min"] = np.where(
        (clock >= 8) & (clock < 20), profile.loc[mine, "primary_care_limit"] - 1,
        profile.loc[mine, "primary_care_limit"] + 1)
    rows = profile[mine]
    step = float(rep.area.config.get("profile.step_minutes"))
    part = dataclasses.replace(rep, profile=profile)
    page = area_map(rep.area, part, lang="en").get_root().render()
    name = rep.places.set_index(["unit", "code"]).loc[(unit, code), "name"]
    svg = profile_strip(rows, words("en"))
    assert svg in page
    cells = _cells(svg, step)
    first, second = sorted(cells)
    assert cells[first] == _expected(rows, "primary_care_min", "primary_care_limit")
    half = 12 * 60 / step
    assert cells[first].count("in") == half and cells[first].count("out") == half
    assert cells[second] == _expected(rows, "response_min", "response_target")
    assert len(cells[first]) == len(rows) == 24 * 60 / step
    # the strip sits in that place's popup, once
    assert page.count(svg) == 1
    popup = next(line for line in page.splitlines() if svg in line)
    assert f"<b>{name}</b>" in popup
