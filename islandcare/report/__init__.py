"""The report a planner puts in front of a director: Word (``.docx``) or PDF.

:mod:`~islandcare.report.content` gathers the figures and words (one
structure for both formats), :mod:`~islandcare.report.static_map` draws the
maps from the pack's own layers with matplotlib, :mod:`~islandcare.report.docx`
and :mod:`~islandcare.report.pdf` write the files atomically.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_report"]


def write_report(rep, path: Path, *, lang: str | None = None) -> Path:
    """Write the report of an analysed area to ``path`` (``.docx`` or ``.pdf``).

    Parameters
    ----------
    rep
        The area's :class:`~islandcare.analyses.report.AreaReport` (with polygons).
    path
        The file to write; its suffix chooses the format.
    lang
        ``zh`` or ``en``; default the area file's ``area.lang``.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    InputError
        For a suffix other than ``.docx`` or ``.pdf``, or no CJK font installed.
    """
    from islandcare.errors import InputError
    from islandcare.report.content import build_content

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".docx", ".pdf"):
        raise InputError(f"{path}: the report is written as .docx (Word) or .pdf; "
                         f"'{path.suffix or 'no suffix'}' is neither.")
    content = build_content(rep, lang=lang)
    if suffix == ".docx":
        from islandcare.report.docx import write_docx

        return write_docx(content, path)
    from islandcare.report.pdf import write_pdf

    return write_pdf(content, path)
