"""Words and text helpers of the area maps: the bilingual labels, minutes, popups.

The labels of the map's layers and popups are written in both languages
(``达标 covered``); the title box and legend take theirs from
:mod:`islandcare.render.words`. Every value from a table passes through
:func:`_esc` or :func:`islandcare._escape.html_text` before it reaches the page.
Names with a leading underscore are shared inside :mod:`islandcare.render` only.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from typing import cast

import folium
import pandas as pd

from islandcare._escape import template_safe

__all__: list[str] = []

# Words.
_STATUS_ZH = {"covered": "达标 covered", "underserved": "服务不足 underserved",
              "unknown": "未知 unknown"}
_RULE_ZH = {"primary_care": "基层医疗 primary care", "night_clinic": "夜间诊疗 night clinic",
            "ambulance_response": "急救反应 ambulance response"}
#: The popup's row name of the circles the plans name (another circle's row is its ``label``).
_CIRCLE_ROW = {"primary_care": "primary care 基层医疗", "night_clinic": "night clinic 夜间诊疗"}
_MODE_ZH = {"walk": "步行 walk", "drive": "驾车 drive", "ambulance": "救护车 ambulance"}
_LEG_ZH = {"access": "接入 access", "road": "道路 road", "offroad": "模型陆路 modelled land",
           "bridge": "桥 bridge", "boarding": "登船 boarding", "wait": "候船 wait",
           "ferry": "轮渡 ferry", "boat": "急救艇 boat", "air": "直升机 air"}
_CLASS_ZH = {"town": "城区 town", "countryside": "农村 countryside"}
_ROAD_ZH = {"motorway": "高速公路", "trunk": "干线公路", "primary": "主要道路",
            "secondary": "次要道路", "tertiary": "三级道路", "residential": "居住区道路",
            "unclassified": "乡村道路"}
_APPROX = " (approximate point 近似位置)"


# ----------------------------------------------------------------------- text helpers


def _missing(v: object) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):  # lists and the like
        return False


def _plain(v: object) -> str:
    return "—" if _missing(v) or v == "" else str(v)


def _esc(v: object) -> str:
    return html.escape(_plain(v))


def _count(v: object) -> str:
    return "—" if _missing(v) else f"{int(cast(float, v)):,}"


def _minutes(x: object) -> str:
    """Minutes as a popup says them: ``12 min``, ``not reached 未到达`` or ``—``."""
    try:
        x = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    if math.isnan(x):
        return "—"
    return "not reached 未到达" if math.isinf(x) else f"{x:.0f} min"


def _words(items: object, table: dict[str, str], sep: str) -> str:
    """Items of ``a > b`` or ``a, b`` in Chinese and English, joined again; '' when none."""
    if _missing(items):
        return ""
    words = [table.get(w.strip(), w.strip()) for w in str(items).split(sep) if w.strip()]
    return (" › " if sep == ">" else ", ").join(words)


def _popup(title: str, rows: Iterable[tuple[str, str]], *, width: int = 400) -> folium.Popup:
    """Build a popup: the title, then a table of (label, HTML value) rows."""
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return folium.Popup(template_safe(f"<div class='ic-pop'><b>{html.escape(title)}</b><table>"
                                      f"{body}</table></div>"), max_width=width)


def _rows(pairs: Iterable[tuple[str, object]]) -> list[tuple[str, str]]:
    """Popup rows from plain values: escaped, the missing ones left out."""
    return [(k, html.escape(str(v))) for k, v in pairs if not _missing(v) and v != ""]
