"""The app's ``/api/underserved.*`` downloads speak the area's language (issue 13, item 2).

They must carry the same headers and reason column as the exports of
``islandcare run`` (:func:`islandcare.render.words.export_columns`, ``export_rows``).
"""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest

from islandcare.analyses.report import place_frame, underserved_columns
from islandcare.app import _downloads
from islandcare.render.words import area_lang, export_columns, words


@pytest.fixture(scope="module")
def shengsi():
    """Shengsi's report (shared with the map tests) and its underserved places."""
    from test_maps import area_reports

    rep = area_reports()["shengsi"]
    under = place_frame(rep, status="underserved")
    assert len(under) > 0
    return rep, under


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_downloads_use_the_words_tables(shengsi, lang: str) -> None:
    """CSV, Excel and GeoJSON headers and reasons match the run's exports in ``lang``."""
    rep, under = shengsi
    w = words(lang)
    got = _downloads(rep.area, under, w)
    want = list(export_columns(w, underserved_columns(rep.area)).values())
    rows = list(csv.reader(io.StringIO(got["csv"].decode("utf-8-sig"))))
    header = rows[0]
    assert header == want[:len(header)] and len(header) >= 10
    first = "代码" if lang == "zh" else "code"
    assert header[0].startswith(first)
    reasons = [r[header.index(export_columns(w, underserved_columns(rep.area))["reason"])]
               for r in rows[1:len(under) + 1]]
    assert reasons == [w.reason(r) for r in under["reason"]]
    if lang == "zh":
        assert any("未到达" in r or "目标" in r for r in reasons)
    else:
        assert not any("未到达" in r for r in reasons)
    sheet = openpyxl.load_workbook(io.BytesIO(got["xlsx"]), read_only=True).worksheets[0]
    assert [c for c in next(sheet.iter_rows(values_only=True)) if c][:len(header)] == header
    props = json.loads(got["geojson"])["features"][0]["properties"]
    assert set(header) <= set(props)


def test_the_app_defaults_to_the_area_language(shengsi) -> None:
    """Without ``lang`` the app writes in the area file's language (Chinese for Shengsi)."""
    rep, under = shengsi
    lang = area_lang(rep.area.config)
    assert lang == "zh"
    header = _downloads(rep.area, under, words(lang))["csv"].decode("utf-8-sig").split("\n")[0]
    assert header.startswith("代码 code,名称 name")
    assert "原因 reason" in header and not header.startswith("code 代码")
