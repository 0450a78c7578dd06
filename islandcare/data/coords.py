"""Numbers and coordinates as planners type them.

Read here:

- full-width digits and the full-width point (``１２２．４５``), by Unicode
  NFKC normalisation;
- thousands separators (``12,345``, ``12 345``) in counts;
- a decimal comma (``2,5``) only where it cannot be a thousands separator
  (not followed by exactly three digits), with a note saying so;
- degrees-minutes-seconds (``122°27′18″E``, ``122°27'18"``, ``122度27分18秒``),
  degrees and decimal minutes, and hemisphere letters before or after
  (``E122.45``, ``30.72N``, ``东经122.45``).
"""

from __future__ import annotations

import math
import re
import unicodedata

__all__ = ["BadValue", "normalise", "parse_coordinate", "parse_number"]


class BadValue(ValueError):
    """A cell that is not the number it should be; the message says what was expected."""


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_SPACED = re.compile(r"^[+-]?\d{1,3}( \d{3})+(\.\d+)?$")
_HEMI = {"e": 1, "n": 1, "w": -1, "s": -1, "东经": 1, "北纬": 1, "西经": -1, "南纬": -1,
         "东": 1, "北": 1, "西": -1, "南": -1}
_HEMI_LONGEST_FIRST = sorted(_HEMI, key=len, reverse=True)
_PLAIN = re.compile(r"^\s*[+-]?\d+(\.\d+)?\s*$")
_DMS = re.compile(
    r"^(?P<d>\d+(?:\.\d+)?)\s*(?:°|度|º|d)\s*"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*(?:′|'|分|m)\s*)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)\s*(?:″|\"|''|秒|s)?\s*)?$")


def normalise(text: str) -> str:
    """Full-width digits, point, comma and minus made ASCII; outer spaces removed."""
    text = unicodedata.normalize("NFKC", text).strip()
    return text.replace("−", "-").replace("，", ",").replace("。", ".")


def parse_number(text: str) -> tuple[float, str | None]:
    """Return the number in ``text`` and a note when a comma was read as a decimal point.

    Raises
    ------
    BadValue
        If ``text`` is not a finite number.
    """
    t = normalise(text)
    note = None
    if _THOUSANDS.match(t) or _SPACED.match(t):
        t = t.replace(",", "").replace(" ", "")
    elif _DECIMAL_COMMA.match(t) and not re.search(r",\d{3}$", t):
        t = t.replace(",", ".")
        note = f"read '{text}' as {t} (a decimal comma)"
    try:
        value = float(t)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        if re.fullmatch(r"[+-]?\d+,\d{3}", t):
            msg = f"'{text}' is ambiguous: a thousands separator or a decimal comma? Write it with a point"
        else:
            msg = f"expected a number, found '{text}'"
        raise BadValue(msg)
    return value, note


def parse_coordinate(text: str) -> tuple[float, str | None]:
    """Degrees from a coordinate cell, and a note when it was not plain decimal degrees.

    Raises
    ------
    BadValue
        If ``text`` is neither decimal degrees nor degrees-minutes-seconds.
    """
    if _PLAIN.match(text):  # the usual case: plain decimal degrees
        return float(text), None
    t = normalise(text)
    sign = 1
    for word in _HEMI_LONGEST_FIRST:
        low = t.lower()
        if low.startswith(word):
            sign, t = _HEMI[word], t[len(word):].strip()
            break
        if low.endswith(word) and not low[-len(word) - 1:-len(word)].isalpha():
            sign, t = _HEMI[word], t[: -len(word)].strip()
            break
    t = t.rstrip("°º").strip()
    try:
        value, note = parse_number(t)
        if value < 0 and sign < 0:
            raise BadValue(f"expected a coordinate, found '{text}' (a minus and W/S together)")
        return sign * value, note
    except BadValue:
        pass
    m = _DMS.match(t.replace("’", "'").replace("”", '"').replace("′′", "″"))
    if not m:
        msg = (f"expected a coordinate in degrees (e.g. 122.455, E122.455 or 122°27′18″E), "
               f"found '{text}'")
        raise BadValue(msg)
    d, mi, s = float(m["d"]), float(m["m"] or 0), float(m["s"] or 0)
    if mi >= 60 or s >= 60:
        msg = f"minutes and seconds must be below 60, found '{text}'"
        raise BadValue(msg)
    value = sign * (d + mi / 60 + s / 3600)
    return value, f"read '{text}' as {value:.6f}° (degrees-minutes-seconds)"
