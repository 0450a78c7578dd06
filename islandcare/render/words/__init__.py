"""The words maps, summaries, reports and command output are written in.

One string table per language, as data: ``zh.toml`` and ``en.toml`` beside
this file, with the same keys (``tests/test_words.py`` checks it). Code asks
for a word by its dotted key; a key missing from a table comes back as
``⟦key⟧`` so that a test can find it in any output.

The language of an area is ``area.lang`` in its file (``zh`` for the Chinese
areas); ``--lang`` on the command line overrides it.
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from pathlib import Path

from islandcare.errors import InputError

__all__ = ["LANGS", "MISSING", "Words", "area_lang", "words"]

LANGS = ("zh", "en")
MISSING = "⟦{}⟧"
_DIR = Path(__file__).resolve().parent


def _flatten(tree: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in tree.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


class Words:
    """The string table of one language.

    Parameters
    ----------
    lang
        ``zh`` or ``en``.
    table
        Dotted key → text (or, under ``reasons``, a list of [pattern, text]).
    """

    def __init__(self, lang: str, table: dict[str, object]) -> None:
        self.lang = lang
        self.table = table

    def __call__(self, key: str, **values: object) -> str:
        """Return the text of ``key`` with ``{name}`` fields filled from ``values``."""
        text = self.table.get(key)
        if not isinstance(text, str):
            return MISSING.format(key)
        return text.format(**values) if values else text

    def get(self, key: str, default: str) -> str:
        """Return the text of ``key``, or ``default`` (for open lists such as facility kinds)."""
        text = self.table.get(key)
        return text if isinstance(text, str) else default

    def reason(self, text: object) -> str:
        """Return a reason written by the analyses in this language (English kept where no pattern fits).

        Reasons join clauses with ``; `` and ``: ``; each clause is matched
        against the ``reasons.patterns`` of the table.
        """
        if text is None or (isinstance(text, float) and math.isnan(text)):
            return ""
        out = []
        for part in str(text).split("; "):
            out.append(self._clause(part))
        return "；".join(out) if self.lang == "zh" else "; ".join(out)

    def _clause(self, part: str) -> str:
        for pattern, repl in _patterns(self.lang):
            m = pattern.fullmatch(part)
            if m:
                return repl.format(*(self._clause(g) if g and g != part else (g or "")
                                       for g in m.groups()))
        return part


@functools.cache
def _load(lang: str) -> dict[str, object]:
    path = _DIR / f"{lang}.toml"
    with path.open("rb") as fh:
        return _flatten(tomllib.load(fh))


@functools.cache
def _patterns(lang: str) -> list[tuple[re.Pattern[str], str]]:
    pairs = _load(lang).get("reasons.patterns", [])
    if not isinstance(pairs, list):
        raise TypeError(f"words/{lang}.toml: reasons.patterns must be a list of [pattern, text] pairs")
    return [(re.compile(p), r) for p, r in pairs]


def words(lang: str) -> Words:
    """Return the string table of ``lang`` (``zh`` or ``en``).

    Raises
    ------
    InputError
        For a language with no table.
    """
    if lang not in LANGS:
        raise InputError(f"Unknown language '{lang}': choose one of {', '.join(LANGS)}.")
    return Words(lang, _load(lang))


def area_lang(config: object, lang: str | None = None) -> str:
    """Return the language to write an area in: ``lang`` if given, else the area's ``area.lang``."""
    if lang:
        return lang
    get = getattr(config, "get", None)
    return str(get("area.lang")) if get else "zh"


def export_columns(w: Words, columns: dict[str, str]) -> dict[str, str]:
    """Export headers in ``w``'s language (both languages kept), for the keys of ``columns``.

    A key with no ``columns.<key>`` entry keeps its header from ``columns``.
    """
    return {k: w.get(f"columns.{k}", v) for k, v in columns.items()}


def export_rows(frame, w: Words):
    """Return a copy of an export table with its reason column in ``w``'s language."""
    out = frame.copy()
    if "reason" in out:
        out["reason"] = [w.reason(r) for r in out["reason"]]
    return out
