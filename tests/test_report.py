"""The director's report: Word and PDF read back, in Chinese and English."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from islandcare.cli import main
from islandcare.render.words import MISSING

docx = pytest.importorskip("docx", reason="python-docx is a dependency (pip install python-docx)")


def _has_cjk_font() -> bool:
    from islandcare.errors import InputError
    from islandcare.report.fonts import cjk_font

    try:
        return bool(cjk_font())
    except InputError:
        return False


if not _has_cjk_font():
    pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)", allow_module_level=True)


@pytest.fixture(scope="module")
def putuo_rep():
    from test_maps import area_reports

    return area_reports()["putuo"]


def _docx_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        parts += [c.text for row in t.rows for c in row.cells]
    return "\n".join(parts)


def test_docx_from_the_command(tmp_path: Path, putuo_rep) -> None:
    out = tmp_path / "r.docx"
    assert main(["report", "--area", "putuo", "-o", str(out), "-q"]) == 0
    doc = docx.Document(str(out))
    text = _docx_text(doc)
    assert "普陀区" in text and MISSING.format("")[:1] not in text
    head = doc.tables[0]
    assert [c.text for c in head.rows[0].cells] == ["目标", "现状", "分母", "依据"]
    s = putuo_rep.summary
    first = head.rows[1].cells
    pc = s["circles"]["primary_care"]
    assert f"{pc['villages']['covered']} 个村/社区达标" in first[1].text
    assert f"名录 {s['villages_in_register']} 个" in first[2].text  # the denominator
    target = s["ambulance"]["target_minutes"]["town"]
    assert any(f"≤{target:g} 分钟" in r.cells[0].text for r in head.rows)
    images = [r for r in doc.part.rels.values() if "image" in r.reltype]
    assert len(images) >= 3
    # every underserved place is listed with its reason
    for name in putuo_rep.underserved["name"]:
        assert name in text
    assert "islandcare template villages" in text  # what to add
    assert not list(tmp_path.glob(".r.docx.*"))  # no temporary file left


@pytest.mark.skipif(not shutil.which("pdftotext") or not Path("/usr/bin/chromium").exists(),
                    reason="needs poppler's pdftotext and Chromium")
def test_pdf_holds_the_chinese_name_and_targets(tmp_path: Path, putuo_rep) -> None:
    from islandcare.report import write_report

    out = write_report(putuo_rep, tmp_path / "r.pdf")
    assert out.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "普陀区" in text
    cfg = putuo_rep.area.config
    for minutes in (cfg.get("circles.primary_care.town_minutes"),
                    cfg.get("ambulance.response_target_minutes")):
        assert f"≤{minutes:g}" in text  # cells wrap, so the unit may sit on the next line
    assert "急救平均反应时间" in text and "分钟" in text


def test_english_report_and_bad_suffix(tmp_path: Path, putuo_rep) -> None:
    from islandcare.errors import InputError
    from islandcare.report import write_report

    out = write_report(putuo_rep, tmp_path / "r.docx", lang="en")
    text = _docx_text(docx.Document(str(out)))
    assert "Headline figures" in text and "average ambulance response" in text
    assert "⟦" not in text
    with pytest.raises(InputError, match=r"\.docx \(Word\) or \.pdf"):
        write_report(putuo_rep, tmp_path / "r.odt")
    assert main(["report", "--area", "putuo", "-o", str(tmp_path / "r.txt"), "-q"]) == 1
