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
    """Return a header as compared: NFKC, lower case, no spaces, no trailing ``(unit)``."""
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    t = _UNIT.sub("", t).strip() or t
    return re.sub(r"[\s_\-]+", "", t)


@cache
def _data() -> dict:
    with ALIASES_FILE.open("rb") as fh:
        return tomllib.load(fh)


def column_aliases(table: str) -> dict[str, list[str]]:
    """Map each schema column to the names a ``table`` may use for it (own table's and the common ones)."""
    cols = _data().get("columns", {})
    out: dict[str, list[str]] = {}
    for group in (cols.get("*", {}), cols.get(table, {})):
        for column, names in group.items():
            out.setdefault(column, []).extend(names)
    return out


def column_for(table: str, header: str) -> str | None:
    """Return the schema column a header of a ``table`` means, or None if it is not an alias."""
    return _column_index(table).get(header_key(header))


@cache
def _column_index(table: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for column, names in column_aliases(table).items():
        for name in [column, *names]:
            index.setdefault(header_key(name), column)
    return index


def value_aliases(column: str) -> dict[str, list[str]]:
    """Map each schema value to the words a planner may write for it in ``column``."""
    return dict(_data().get("values", {}).get(column, {}))


def value_for(column: str, text: str) -> str | None:
    """Return the schema value a planner's word means in ``column``, or None."""
    return _value_index(column).get(header_key(text))


@cache
def _value_index(column: str) -> dict[str, str]:
    return {header_key(w): value for value, words in value_aliases(column).items() for w in words}
