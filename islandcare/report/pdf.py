"""The report as PDF: an HTML page printed by headless Chromium, written atomically.

Chromium is found at ``$ISLANDCARE_CHROMIUM``, ``/usr/bin/chromium`` or on
the ``PATH`` (Debian: ``apt-get install chromium``). The page is written to
a temporary folder with its images beside it; nothing is fetched.
"""

from __future__ import annotations

import base64
import html
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from islandcare._io import atomic_write
from islandcare.errors import InputError
from islandcare.report.content import Content, Table
from islandcare.report.fonts import cjk_font

__all__ = ["chromium_path", "report_html", "write_pdf"]


def chromium_path() -> str:
    """Return the Chromium to print with.

    Raises
    ------
    InputError
        When none is installed (says what to install).
    """
    for cand in (os.environ.get("ISLANDCARE_CHROMIUM"), "/usr/bin/chromium"):
        if cand and Path(cand).is_file():
            return cand
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise InputError("The PDF report is printed by Chromium, which is not installed: install "
                     "it (Debian/Ubuntu: apt-get install chromium), or write the report as .docx.")


def _table(t: Table, *, cls: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in t.header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                   for row in t.rows)
    return (f"<table class='{cls}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
            "</table>")


def report_html(content: Content) -> str:
    """Return the report as one self-contained HTML page (images inline)."""
    font = cjk_font()
    parts = [f"<h1>{html.escape(content.title)}</h1>",
             f"<p class='sub'>{html.escape(content.subtitle)}</p>",
             f"<p class='made'>{html.escape(content.made)}</p>"]
    for s in content.sections:
        parts.append(f"<h2>{html.escape(s.heading)}</h2>")
        parts += [f"<p>{html.escape(p)}</p>" for p in s.paragraphs]
        if s.bullets:
            parts.append("<ul>" + "".join(f"<li>{html.escape(b)}</li>" for b in s.bullets)
                         + "</ul>")
        parts += [_table(t, cls="headline" if t is content.headline else "") for t in s.tables]
        for f in s.figures:
            data = base64.b64encode(f.png).decode("ascii")
            parts.append(f"<figure><img src='data:image/png;base64,{data}' alt=''>"
                         f"<figcaption>{html.escape(f.caption)}</figcaption></figure>")
    lang = "zh-CN" if content.lang == "zh" else "en"
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(content.title)}</title>
<style>
@page {{ size: A4; margin: 16mm 14mm; }}
body {{ font: 10pt/1.45 "{font}", "Noto Sans CJK SC", sans-serif; color: #111; }}
h1 {{ font-size: 18pt; margin: 0 0 4pt; }} h2 {{ font-size: 13pt; margin: 14pt 0 5pt;
  border-bottom: 1px solid #999; break-after: avoid; }}
.sub {{ font-size: 11pt; margin: 0; }} .made {{ color: #555; font-size: 8.5pt; }}
table {{ border-collapse: collapse; width: 100%; font-size: 8.5pt; margin: 4pt 0 8pt; }}
th, td {{ border: 1px solid #bbb; padding: 2pt 4pt; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }}
th {{ background: #eee; }} td:first-child {{ width: 30%; }}
table.headline td:nth-child(1) {{ width: 26%; }} table.headline td:nth-child(2) {{ width: 22%; }}
table.headline td:nth-child(3) {{ width: 24%; }} table.headline td:nth-child(4) {{ font-size: 7.5pt;
  color: #444; }} tr {{ break-inside: avoid; }}
figure {{ margin: 6pt 0 12pt; break-inside: avoid; text-align: center; }}
figure img {{ max-width: 100%; max-height: 205mm; }}
figcaption {{ font-size: 9pt; color: #333; }}
li {{ margin: 2pt 0; }}
</style></head><body>
{''.join(parts)}
</body></html>
"""


def write_pdf(content: Content, path: Path, *, timeout: float = 120.0) -> Path:
    """Print ``content`` to a PDF at ``path`` (atomically: no half-written file).

    Raises
    ------
    InputError
        When Chromium is missing or could not print the page.
    """
    exe = chromium_path()
    with tempfile.TemporaryDirectory(prefix="islandcare-report-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(report_html(content), encoding="utf-8")

        def write(out: Path) -> None:
            cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update",
                   f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
                   f"--print-to-pdf={out}", page.as_uri()]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  check=False)
            if done.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
                raise InputError(f"Chromium ({exe}) could not print the report to PDF "
                                 f"(exit {done.returncode}): {done.stderr.strip()[-300:]}")

        return atomic_write(Path(path), write)
