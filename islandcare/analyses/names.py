"""Places and facilities by name: Chinese as written, or pinyin, with suggestions.

``resolve(area, text)`` accepts a facility id, a village (12-digit) or
township (9-digit) code, a port id, or a name: Chinese (``枸杞乡``, or a part
that names one place, ``枸杞``) or pinyin with or without tones and spaces
(``gouqi``, ``Gou Qi Xiang``). A name that matches several, or none, is an
:class:`~islandcare.errors.InputError` listing the closest names.
"""

from __future__ import annotations

import difflib
import re

from islandcare.data.pack import Area
from islandcare.errors import InputError

__all__ = ["candidates", "pinyin_key", "resolve"]

# Administrative suffixes a user may leave out (longest first).
_SUFFIXES = ("社区居委会", "村委会", "居委会", "街道", "社区", "镇", "乡", "村")


def pinyin_key(text: str) -> str:
    """Lower-case toneless pinyin without spaces (``枸杞乡`` → ``gouqixiang``); ASCII kept as is."""
    from pypinyin import lazy_pinyin

    return re.sub(r"[^a-z0-9]", "", "".join(lazy_pinyin(str(text))).lower())


def candidates(area: Area) -> list[tuple[str, str]]:
    """Every (name, network node) a user may ask for: facilities, township seats, villages, ports."""
    out: list[tuple[str, str]] = []
    for layer, col, prefix in (("facilities", "facility_id", "f"), ("townships", "code", "t"),
                               ("villages", "code", "v"), ("ports", "port_id", "p")):
        df = area.layers[layer]
        out += [(str(n), f"{prefix}:{k}") for n, k in zip(df["name"], df[col], strict=True)]
    return out


def _bare(name: str) -> str:
    for s in _SUFFIXES:
        if name.endswith(s) and len(name) > len(s):
            return name[: -len(s)]
    return name


def resolve(area: Area, text: str, *, role: str = "--to") -> str:
    """Return the network node a user means by ``text`` (id, code or name).

    Raises
    ------
    InputError
        When nothing or several things match, with the closest names.
    """
    text = str(text).strip()
    ids = {"facilities": ("facility_id", "f"), "townships": ("code", "t"), "villages": ("code", "v"),
           "ports": ("port_id", "p")}
    for layer, (col, prefix) in ids.items():
        if text in set(area.layers[layer][col].astype(str)):
            return f"{prefix}:{text}"
    cands = candidates(area)
    ascii_text = text.isascii()
    key = pinyin_key(text) if ascii_text else text
    for match in (
        lambda n: n == text,
        lambda n: _bare(n) == text,
        (lambda n: pinyin_key(n) == key or pinyin_key(_bare(n)) == key) if ascii_text else (lambda n: False),
        (lambda n: key in pinyin_key(n)) if ascii_text else (lambda n: text in n),
    ):
        hits = list(dict.fromkeys(node for name, node in cands if match(name)))
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            names = "、".join(dict.fromkeys(name for name, node in cands if node in hits))
            raise InputError(f"{role} '{text}' matches several places in {area.key}: {names}. "
                             "Give the full name, or its code or id.")
    pool = {pinyin_key(n) if ascii_text else n: n for n, _ in cands}
    near = difflib.get_close_matches(key, list(pool), n=5, cutoff=0.5)
    hint = ("Did you mean: " + "、".join(pool[k] for k in near) + "?") if near else (
        "Give a facility id, a village or township code, or a name as written.")
    raise InputError(f"No facility '{text}' (nor village, township or port of that name) in "
                     f"{area.key} ({role}). {hint}")
