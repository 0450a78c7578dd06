"""A font that has Chinese glyphs, for the static maps and the PDF.

Debian and Ubuntu: ``apt-get install fonts-noto-cjk`` (Noto Sans CJK). Other
systems: any font fontconfig or matplotlib finds with one of
:data:`CJK_FAMILIES` in its name.
"""

from __future__ import annotations

import functools
from pathlib import Path

from islandcare.errors import InputError

__all__ = ["CJK_FAMILIES", "cjk_font"]

#: Family names tried in order (the first found is used).
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC",
                "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC",
                "SimHei")
_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
          "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
          "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc")


@functools.cache
def cjk_font() -> str:
    """Register a CJK font with matplotlib and return its family name.

    Returns
    -------
    str
        The family name to pass as ``fontfamily``.

    Raises
    ------
    InputError
        When no CJK font is installed (says what to install).
    """
    from matplotlib import font_manager

    for f in _FILES:
        if Path(f).is_file():
            font_manager.fontManager.addfont(f)
    names = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in names:
            return family
    raise InputError("No font with Chinese characters is installed, so the report's maps would "
                     "show boxes: install one (Debian/Ubuntu: apt-get install fonts-noto-cjk) "
                     "and run again.")
