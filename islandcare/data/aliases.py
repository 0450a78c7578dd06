"""Column names and values as planners write them (``aliases.toml`` beside this file).

:func:`column_for` maps a header such as ``床位(张)`` or ``机构名称`` to the
schema column it means; :func:`value_for` maps a value such as ``人民医院``
or ``城区`` to the schema value. The lists are data: add a word to
``aliases.toml``, not to code.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import cache
from pathlib import Path

__all__ = ["ALIASES_FILE", "column_aliases", "column_for", "header_key", "value_aliases",
           "value_for"]

#: The alias lists.
ALIASES_FILE: Path = Path(__file__).with_name("aliases.toml")

_UNIT = re.compile(r"[(\[（【][^)\]）】]*[)\]）】]$")


def header_key(text: str) -> str:
    """A header as compared: NFKC, lower case, no spaces, no trailing ``(unit)``."""
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    t = _UNIT.sub("", t).strip() or t
    return re.sub(r"[\s_\-]+", "", t)


@cache
def _data() -> dict:
    with ALIASES_FILE.open("rb") as fh:
        return tomllib.load(fh)


def column_aliases(table: str) -> dict[str, list[str]]:
    """Schema column -> the names a ``table`` may use for it (own table's and the common ones)."""
    cols = _data().get("columns", {})
    out: dict[str, list[str]] = {}
    for group in (cols.get("*", {}), cols.get(table, {})):
        for column, names in group.items():
            out.setdefault(column, []).extend(names)
    return out


def column_for(table: str, header: str) -> str | None:
    """The schema column a header of a ``table`` means, or None if it is not an alias."""
    key = header_key(header)
    for column, names in column_aliases(table).items():
        if key == header_key(column) or key in {header_key(n) for n in names}:
            return column
    return None


def value_aliases(column: str) -> dict[str, list[str]]:
    """Schema value -> the words a planner may write for it in ``column``."""
    return dict(_data().get("values", {}).get(column, {}))


def value_for(column: str, text: str) -> str | None:
    """The schema value a planner's word means in ``column``, or None."""
    key = header_key(text)
    for value, words in value_aliases(column).items():
        if key in {header_key(w) for w in words}:
            return value
    return None
