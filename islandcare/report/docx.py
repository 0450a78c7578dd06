"""The report as a Word file (python-docx), written atomically."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from islandcare._io import atomic_write
from islandcare.report.content import Content, Table
from islandcare.report.fonts import cjk_font

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

__all__ = ["write_docx"]


def _font(doc, family: str) -> None:
    """Body text in ``family`` for Latin and East Asian characters alike."""
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Table Grid"):
        try:
            st = doc.styles[name]
        except KeyError:
            continue
        st.font.name = family
        rpr = st.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), family)


def _table(doc, t: Table, *, widths_cm: tuple[float, ...] = ()) -> None:
    table = doc.add_table(rows=1, cols=len(t.header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, t.header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in t.rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=False):
            cell.text = text
    for row in table.rows:
        for i, cell in enumerate(row.cells):
            if i < len(widths_cm):
                cell.width = Cm(widths_cm[i])
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(8.5)


def _document(content: Content) -> DocxDocument:
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.left_margin = sec.right_margin = Cm(2)
    _font(doc, cjk_font())
    doc.add_heading(content.title, level=0)
    doc.add_paragraph(content.subtitle)
    doc.add_paragraph(content.made).runs[0].italic = True
    for s in content.sections:
        doc.add_heading(s.heading, level=1)
        for p in s.paragraphs:
            doc.add_paragraph(p)
        for b in s.bullets:
            doc.add_paragraph(b, style="List Bullet")
        for t in s.tables:
            _table(doc, t, widths_cm=(4.5, 3.8, 3.8, 4.9) if t is content.headline else ())
        for f in s.figures:
            doc.add_picture(io.BytesIO(f.png), width=Cm(16))
            doc.add_paragraph(f.caption, style="Caption")
    return doc


def write_docx(content: Content, path: Path) -> Path:
    """Write ``content`` as a ``.docx`` at ``path`` (atomically: no half-written file)."""
    doc = _document(content)
    return atomic_write(Path(path), lambda tmp: doc.save(str(tmp)))
