"""Read a planner's table (CSV, Excel, GeoJSON) and check it against its schema.

:func:`read_table` reads facilities, villages, ports or sea links, checks
every row and either returns the table with its warnings or raises one
:class:`~islandcare.errors.InputError` that lists every problem found, each
with file, row, column and what was expected. Rows are never dropped: one
error anywhere stops the whole table.

How rows are counted (``Problem.row``)
    CSV and Excel: the row number a spreadsheet program shows, so the header
    is row 1 and the first data row is row 2 (for a CSV without line breaks
    inside cells this is also the line number in a text editor). Blank rows
    are skipped but still counted. GeoJSON: the feature number, starting at 1.
    ``None`` means the problem concerns the whole file.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import json
import math
import re
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, NoReturn

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.errors import ShapelyError
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry

from islandcare.crs import parse_crs, to_wgs84
from islandcare.data.aliases import column_for, value_for
from islandcare.data.coords import BadValue, parse_coordinate, parse_number
from islandcare.data.schema import FACILITY_KINDS, TABLE_SCHEMAS, WATER_KINDS, ColumnSpec
from islandcare.errors import InputError, Problem

__all__ = [
    "ID_COLUMNS",
    "LAT_NAMES",
    "LON_NAMES",
    "METRIC_CRS",
    "OUTLINE_TOLERANCE_M",
    "SEA_TOLERANCE_M",
    "TableResult",
    "read_table",
    "utm_epsg",
]

#: The column that must be unique in each table kind.
ID_COLUMNS: dict[str, str] = {
    "facilities": "facility_id",
    "villages": "code",
    "ports": "port_id",
    "sealinks": "link_id",
}

#: Accepted names of the longitude and latitude columns, in order of preference
#: (compared without regard to case).
LON_NAMES: tuple[str, ...] = ("lon", "lng", "long", "longitude", "x", "经度")
LAT_NAMES: tuple[str, ...] = ("lat", "latitude", "y", "纬度")

#: Metric CRS for distances where neither land nor outline says where the table is (UTM zone 51N covers
#: Zhejiang, 120–126 E); with land or outline, the UTM zone of their centre (see :func:`utm_epsg`).
METRIC_CRS: int = 32651

#: A facility farther than this from land is "in the sea" (an error).
SEA_TOLERANCE_M: float = 300.0

#: A port farther than this from land is an error (a pier reaches out, not 60 km).
WATER_SEA_TOLERANCE_M: float = 2000.0

#: A point farther than this outside the area outline gets a warning.
OUTLINE_TOLERANCE_M: float = 1000.0

_CSV_SUFFIXES = (".csv", ".tsv", ".txt")
_EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_GEOJSON_SUFFIXES = (".geojson", ".json")
_STR_DTYPE = "str" if int(pd.__version__.split(".")[0]) >= 3 else "string"
_TRUE = frozenset({"true", "yes", "y", "t", "1", "是", "有"})
_FALSE = frozenset({"false", "no", "n", "f", "0", "否", "无"})
_TIME = re.compile(r"^(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?$")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


@dataclass
class TableResult:
    """A table that passed its checks.

    Parameters
    ----------
    frame
        GeoDataFrame in EPSG:4326: every column of the schema (typed: ``str``
        columns as strings, ``int`` as ``Int64``, ``float`` as ``float64``,
        ``bool`` as ``boolean``, ``time`` as ``"HH:MM"`` strings; missing values
        are NA), then the file's extra columns as text, then ``geometry``. The
        coordinate columns (``lon``/``lat`` or their aliases) become the
        geometry and are not kept. A row without a point (``location_quality``
        ``none``, or a sea link without a line) has an empty geometry.
    problems
        Warnings: the table is usable, but these rows deserve a look.
    rows
        For each row of ``frame``, its row number in the file (see the module
        docstring for how rows are counted).
    """

    frame: gpd.GeoDataFrame
    problems: list[Problem] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


@dataclass
class _Raw:
    """A file as text cells, before any checking."""

    header: list[str]
    cells: list[list[str]]
    rows: list[int]
    geometries: list[Any] | None = None  # GeoJSON geometry objects, else None
    crs: str | None = None  # GeoJSON: the (obsolete but common) "crs" member, e.g. EPSG:3857


class _Unreadable(Exception):
    """The file cannot be read at all; the message says why."""


class _Report:
    """Collects problems for one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def error(self, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.file, row, column, message, "error"))

    def warn(self, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.file, row, column, message, "warning"))

    def note(self, row: int | None, column: str | None, message: str) -> None:
        """How something was read (an alias, a decimal comma): not a problem, but said."""
        self.problems.append(Problem(self.file, row, column, message, "note"))

    @property
    def n_errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems)

    def sorted(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: (p.row is not None, p.row or 0))


# --------------------------------------------------------------------------- reading


def _cell_text(value: Any) -> str:
    """Text of one cell or property, as the user would read it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))  # Excel stores 12 and 330922100001 as floats
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip()


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        msg = f"cannot read the text: it is neither UTF-8 nor GBK/GB18030 ({exc.reason})"
        raise _Unreadable(msg) from None
    if _looks_big5(data, text):
        msg = ("the text looks like Big5 (traditional Chinese), which would be read as "
               "garbled characters; save the file as UTF-8 (or GBK) and load it again")
        raise _Unreadable(msg)
    return text


def _common_share(text: str, encoding: str, lo: int, hi: int) -> float:
    """Share of the CJK characters of ``text`` whose two-byte code in ``encoding`` is in lo..hi."""
    cjk = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if not cjk:
        return 1.0
    hits = 0
    for ch in cjk:
        try:
            code = int.from_bytes(ch.encode(encoding), "big")
        except UnicodeEncodeError:
            continue
        hits += lo <= code <= hi
    return hits / len(cjk)


def _looks_big5(data: bytes, gb_text: str) -> bool:
    """Whether bytes that decode as GB18030 are more likely Big5 (mojibake otherwise)."""
    try:
        big5 = data.decode("big5")
    except UnicodeDecodeError:
        return False
    gb_common = _common_share(gb_text, "gb2312", 0xB0A1, 0xD7FE)  # GB2312 level 1
    b5_common = _common_share(big5, "big5", 0xA440, 0xC67E)  # Big5 frequent characters
    return gb_common < 0.8 and b5_common > gb_common + 0.15


def _split_table(records: list[tuple[int, list[str]]]) -> _Raw:
    """Header = first non-blank record; blank records are skipped."""
    stripped = [(n, [c.strip() for c in cells]) for n, cells in records]
    filled = [(n, cells) for n, cells in stripped if any(cells)]
    if not filled:
        msg = "the file is empty"
        raise _Unreadable(msg)
    (_, header), body = filled[0], filled[1:]
    if not body:
        msg = f"the file has a header ({', '.join(h for h in header if h)}) but no data rows"
        raise _Unreadable(msg)
    return _Raw(header=header, cells=[c for _, c in body], rows=[n for n, _ in body])


def _read_csv(path: Path, *, tab: bool = False) -> _Raw:
    text = _decode(path.read_bytes())
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = "\t" if tab else max([",", "\t", ";"], key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    line = 1  # the line the next record starts on
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row = len(records) + 1
            if "unexpected end of data" in str(exc):
                msg = (f"row {row} (line {line}): a quote (\") opens a cell here and is never "
                       f"closed, so every line after it would be swallowed; close the quote "
                       f"or remove it")
            else:
                msg = f"row {row} (line {line}): cannot read as CSV ({exc}); check the quotes"
            raise _Unreadable(msg) from None
        for cell in cells:
            if "\n" in cell and delimiter in cell.split("\n", 1)[1]:
                msg = (f"row {len(records) + 1} (lines {line}-{reader.line_num}): one cell holds "
                       f"several lines that look like rows; an unbalanced quote (\") swallowed "
                       f"them. Close or remove the quote")
                raise _Unreadable(msg)
        records.append((len(records) + 1, cells))
        line = reader.line_num + 1
    return _split_table(_skip_title(records))


def _read_excel(path: Path, sheet: str | None, report: _Report) -> _Raw:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, data_only=True, read_only=True)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError, EOFError,
            zipfile.BadZipFile, InvalidFileException, zipfile.LargeZipFile) as exc:
        msg = (f"cannot read as an Excel workbook ({type(exc).__name__}: {exc}); open it in "
               f"Excel or WPS and save it again as .xlsx")
        raise _Unreadable(msg) from None
    except Exception as exc:  # noqa: BLE001 - a damaged file can fail anywhere in the XML parser
        msg = (f"cannot read as an Excel workbook ({type(exc).__name__}); open it in Excel "
               f"or WPS and save it again as .xlsx")
        raise _Unreadable(msg) from None
    names = book.sheetnames
    if sheet is not None and sheet not in names:
        msg = f"no sheet '{sheet}'; the workbook has: {', '.join(names)} (choose with --sheet)"
        raise _Unreadable(msg)
    records: list[tuple[int, list[str]]] = []
    for name in [sheet] if sheet is not None else names:
        try:
            records = _bounded_rows(book[name].iter_rows(values_only=True))
        except Exception as exc:  # noqa: BLE001 - damaged sheet XML
            msg = (f"cannot read sheet '{name}' ({type(exc).__name__}); open the workbook in "
                   f"Excel or WPS and save it again as .xlsx")
            raise _Unreadable(msg) from None
        if len(records) >= 2 or sheet is not None:  # a header and at least one row
            if len(names) > 1 and sheet is None:
                others = ", ".join(f"'{n}'" for n in names if n != name)
                report.warn(None, None, f"read sheet '{name}', the first that holds a table; "
                            f"the workbook also has {others} (choose another with --sheet)")
            break
    book.close()
    if not records:
        msg = (f"no sheet of the Excel workbook holds a table (sheets: "
               f"{', '.join(names) or 'none'}); is the file damaged?")
        raise _Unreadable(msg)
    return _split_table(_skip_title(records))


def _read_xls(path: Path, sheet: str | None, report: _Report) -> _Raw:
    """Return an old Excel 97-2003 workbook (read with xlrd)."""
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except Exception as exc:  # noqa: BLE001 - xlrd raises many kinds on a damaged file
        msg = (f"cannot read as an Excel 97-2003 workbook ({type(exc).__name__}); open it in "
               f"Excel or WPS and save it as .xlsx")
        raise _Unreadable(msg) from None
    names = book.sheet_names()
    if sheet is not None and sheet not in names:
        msg = f"no sheet '{sheet}'; the workbook has: {', '.join(names)} (choose with --sheet)"
        raise _Unreadable(msg)
    records: list[tuple[int, list[str]]] = []
    for name in [sheet] if sheet is not None else names:
        ws = book.sheet_by_name(name)
        rows = ([_xls_value(c, book.datemode) for c in ws.row(i)] for i in range(ws.nrows))
        records = _bounded_rows(rows)
        if len(records) >= 2 or sheet is not None:
            if len(names) > 1 and sheet is None:
                report.warn(None, None, f"read sheet '{name}', the first that holds a table "
                            f"(choose another with --sheet)")
            break
    return _split_table(_skip_title(records))


def _xls_value(cell: Any, datemode: int) -> Any:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        except (ValueError, OverflowError):
            return cell.value
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None
    return cell.value


def _skip_title(records: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """Drop title rows above the header: leading rows with one filled cell over a wider row."""
    while len(records) > 2:
        filled = sum(bool(c) for c in records[0][1])
        if filled == 1 and sum(bool(c) for c in records[1][1]) > 2:
            records = records[1:]
        else:
            break
    return records


#: An Excel sheet is read until this many empty rows in a row, whatever its used range says.
EXCEL_EMPTY_RUN: int = 1000

#: Columns read from an Excel sheet (a used range can claim 16,384).
EXCEL_MAX_COLUMNS: int = 200


def _bounded_rows(rows: Any) -> list[tuple[int, list[str]]]:
    """Rows of a sheet as text, stopping after :data:`EXCEL_EMPTY_RUN` empty rows."""
    records: list[tuple[int, list[str]]] = []
    empty = 0
    for n, r in enumerate(rows, start=1):
        cells = [_cell_text(v) for v in r[:EXCEL_MAX_COLUMNS]]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            empty += 1
            if empty >= EXCEL_EMPTY_RUN:
                break
            continue
        empty = 0
        records.append((n, cells))
    return records


def _read_geojson(path: Path) -> _Raw:
    try:
        data = json.loads(_decode(path.read_bytes()))
    except json.JSONDecodeError as exc:
        msg = f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise _Unreadable(msg) from None
    except RecursionError:
        msg = "the JSON is nested too deeply to be a GeoJSON table"
        raise _Unreadable(msg) from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        msg = "expected a GeoJSON FeatureCollection"
        raise _Unreadable(msg)
    features = data.get("features") or []
    if not features:
        msg = "the FeatureCollection has no features"
        raise _Unreadable(msg)
    props = [(f.get("properties") or {}) if isinstance(f, dict) else {} for f in features]
    keys = list(dict.fromkeys(k for p in props for k in p))
    header = [str(k).strip() for k in keys]
    cells = [[_cell_text(p.get(k)) for k in keys] for p in props]
    geometries = [f.get("geometry") if isinstance(f, dict) else None for f in features]
    rows = list(range(1, len(features) + 1))
    crs = None
    member = data.get("crs")
    if isinstance(member, dict) and isinstance(member.get("properties"), dict):
        crs = str(member["properties"].get("name") or "") or None
    return _Raw(header=header, cells=cells, rows=rows, geometries=geometries, crs=crs)


def _geojson_crs_to_wgs84(raw: _Raw, xs: np.ndarray, ys: np.ndarray, report: _Report) -> None:
    """Honour a GeoJSON ``crs`` member (EPSG:3857, UTM, CGCS2000...): points become WGS-84."""
    if not raw.crs:
        return
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(raw.crs)
    except CRSError:
        report.error(None, "crs", f"unknown coordinate system '{raw.crs}' in the GeoJSON crs "
                     f"member; use EPSG codes such as EPSG:4326 or leave the member out")
        return
    if crs.is_geographic and ("CRS84" in raw.crs.upper() or crs.to_epsg() in (4326, 4490)):
        return  # longitude, latitude already (CGCS2000 lies within centimetres of WGS-84)
    to = Transformer.from_crs(crs, 4326, always_xy=True)
    has = np.isfinite(xs) & np.isfinite(ys)
    if has.any():
        xs[has], ys[has] = to.transform(xs[has], ys[has])
    report.note(None, "geometry", f"points converted from {raw.crs} (the crs member) to WGS-84")


def _read_raw(path: Path, *, sheet: str | None, report: _Report) -> _Raw:
    suffix = path.suffix.lower()
    known = _CSV_SUFFIXES + _EXCEL_SUFFIXES + _GEOJSON_SUFFIXES
    if suffix not in (*known, ".xls"):
        msg = f"unknown file type '{suffix or '(none)'}'; expected one of: {', '.join(known)}"
        raise _Unreadable(msg)
    if not path.is_file():
        msg = "file not found"
        raise _Unreadable(msg)
    if suffix in _CSV_SUFFIXES:
        return _read_csv(path, tab=suffix == ".tsv")
    if suffix == ".xls":
        return _read_xls(path, sheet, report)
    if suffix in _EXCEL_SUFFIXES:
        return _read_excel(path, sheet, report)
    return _read_geojson(path)


# --------------------------------------------------------------------------- values


class _Bad(ValueError):
    """A cell that does not fit its column; the message says what was expected."""


class _CellNotes(threading.local):
    """Notes about how the cell being parsed was read (a decimal comma, an alias), per thread."""

    def __init__(self) -> None:
        self.items: list[str] = []


_CELL = _CellNotes()


def _number(text: str) -> float:
    try:
        value, note = parse_number(text)
    except BadValue as exc:
        raise _Bad(str(exc)) from None
    if note:
        _CELL.items.append(note)
    return value


def _parse_int(text: str) -> int:
    value = _number(text)
    if not value.is_integer():
        msg = f"expected a whole number, found '{text}'"
        raise _Bad(msg)
    if value < 0:
        msg = f"expected a number of at least 0, found '{text}'"
        raise _Bad(msg)
    return int(value)


def _parse_float(text: str) -> float:
    value = _number(text)
    if value < 0:
        msg = f"expected a number of at least 0, found '{text}'"
        raise _Bad(msg)
    return value


def _parse_time(text: str) -> str:
    m = _TIME.match(text)
    hour, minute = (int(m[1]), int(m[2])) if m else (99, 99)
    if m and (m[3] or "00") == "00" and ((hour < 24 and minute < 60) or (hour, minute) == (24, 0)):
        return f"{hour:02d}:{minute:02d}"
    msg = f"expected a time HH:MM (24-hour clock, e.g. 08:00 or 17:30), found '{text}'"
    raise _Bad(msg)


def _parse_bool(text: str) -> bool:
    word = text.lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    msg = f"expected yes or no (true/false, 1/0, 是/否), found '{text}'"
    raise _Bad(msg)


def _parse_times(text: str) -> str:
    """Return a ``;``-separated list of times, normalised."""
    parts = [p.strip() for p in re.split(r"[;；]", text) if p.strip()]
    bad = [p for p in parts if not _TIME.match(p)]
    if bad:
        msg = (f"expected times HH:MM separated by ';' (e.g. 07:30;12:00), "
               f"found {', '.join(repr(b) for b in bad)}")
        raise _Bad(msg)
    return ";".join(_parse_time(p) for p in parts)


def _parse_choice(text: str, spec: ColumnSpec) -> str:
    value, note, error = _choice(text, spec.name, spec.choices or ())
    if error is not None:
        raise _Bad(error)
    if note is not None:
        _CELL.items.append(note)
    return value


@functools.lru_cache(maxsize=4096)
def _choice(text: str, column: str, choices: tuple[str, ...]) -> tuple[str, str | None, str | None]:
    """(value, note, error) of one enumeration cell; cached, as a column repeats its words."""
    for choice in choices:
        if text.lower() == choice.lower():
            return choice, None, None
    alias = value_for(column, text)
    if alias in choices:
        return alias, f"read '{text}' as {alias}", None
    meanings = FACILITY_KINDS if choices == tuple(FACILITY_KINDS) else {}
    listed = ("; " if meanings else ", ").join(
        f"{c} = {meanings[c]}" if meanings else c for c in choices)
    msg = f"unknown value '{text}'; expected one of: {listed}"
    close = [c for c in choices if text in meanings.get(c, "")]
    close = close or difflib.get_close_matches(text.lower(), choices, n=3)
    if close:
        msg += f" (did you mean {' or '.join(repr(c) for c in close)}?)"
    return "", None, msg


def _parse_str(text: str, spec: ColumnSpec) -> str:
    is_code = "code" in spec.name or spec.name in ID_COLUMNS.values()
    if is_code and _SCIENTIFIC.match(text):
        msg = (f"'{text}' looks like a code that Excel turned into a number in "
               f"scientific notation; format the column as text and type the code again")
        raise _Bad(msg)
    return text


def _parse(text: str, spec: ColumnSpec) -> Any:
    if spec.choices:
        return _parse_choice(text, spec)
    if spec.name == "departures":
        return _parse_times(text)
    parsers = {"int": _parse_int, "float": _parse_float, "time": _parse_time, "bool": _parse_bool}
    if spec.kind in parsers:
        return parsers[spec.kind](text)
    return _parse_str(text, spec)


def _series(values: list[Any], kind: str) -> pd.Series:
    dtype = {"int": "Int64", "float": "float64", "bool": "boolean"}.get(kind, _STR_DTYPE)
    if kind == "float":
        values = [np.nan if v is None else v for v in values]
    return pd.Series(values, dtype=dtype)


# --------------------------------------------------------------------------- checks


def _match_columns(raw: _Raw, schema: tuple[ColumnSpec, ...], report: _Report,
                   kind: str = "") -> dict[str, int]:
    """Map column names (schema names, case-insensitively, or their aliases) to positions."""
    canonical = {s.name.lower(): s.name for s in schema}
    index: dict[str, int] = {}
    for i, head in enumerate(raw.header):
        if not head:
            if any(i < len(c) and c[i] for c in raw.cells):
                report.warn(None, None, f"column {i + 1} has values but no name; it is ignored")
            continue
        name = canonical.get(head.lower())
        if name is None:
            alias = column_for(kind, head)
            name = alias if alias is not None and alias.lower() not in {
                h.lower() for h in raw.header} else head
            if name != head:
                report.note(None, name, f"read column '{head}' as '{name}'")
        if name.lower() == "geometry":
            report.warn(None, name, "ignored: points come from the lon/lat columns "
                        "or the GeoJSON geometry")
        elif name in index:
            report.error(None, name, f"the column appears twice (columns {index[name] + 1} "
                         f"and {i + 1})")
        else:
            index[name] = i
    for spec in schema:
        if spec.required and spec.name not in index and spec.name != _OPTIONAL_ID.get(kind):
            msg = f"missing required column '{spec.name}' ({spec.description})"
            close = difflib.get_close_matches(spec.name, [h for h in raw.header if h], n=1)
            if close:
                msg += f"; is '{close[0]}' meant to be it?"
            required = ", ".join(s.name for s in schema if s.required)
            found = ", ".join(h for h in raw.header if h) or "(none)"
            msg += f"; required columns: {required}; the file has: {found}"
            report.error(None, spec.name, msg)
    return index


#: Id columns a table may leave out: ids are then made from the file name and row.
_OPTIONAL_ID: dict[str, str] = {"facilities": "facility_id", "ports": "port_id",
                                "sealinks": "link_id"}


def _add_missing_id(raw: _Raw, index: dict[str, int], kind: str, stem: str,
                    report: _Report) -> None:
    """Give a table without an id column ids ``<file name>-<row>``, and say so."""
    column = _OPTIONAL_ID.get(kind)
    if column is None or column in index:
        return
    index[column] = len(raw.header)
    raw.header.append(column)
    width = len(raw.header) - 1
    for cells, row in zip(raw.cells, raw.rows, strict=True):
        cells.extend([""] * (width - len(cells)))
        cells.append(f"{stem}-{row}")
    report.note(None, column, f"the table has no {column} column: each row's id is the file "
                f"name and row number ({stem}-{raw.rows[0]}, ...); add a {column} column to "
                f"keep ids when rows move")


def _merge_header_rows(raw: _Raw, kind: str, schema: tuple[ColumnSpec, ...]) -> None:
    """Two header rows (merged cells over sub-headers such as 坐标 over 经度 | 纬度) as one."""
    if len(raw.cells) < 2:
        return
    names = {s.name.lower() for s in schema} | {"lon", "lat"}

    def known(text: str) -> bool:
        return bool(text) and (text.lower() in names or column_for(kind, text) is not None)

    second = raw.cells[0]
    if sum(known(c) for c in second) < 2 or sum(known(c) for c in raw.header) == len(
            [h for h in raw.header if h]):
        return
    width = max(len(raw.header), len(second))
    header = raw.header + [""] * (width - len(raw.header))
    raw.header = [second[i] if i < len(second) and second[i] else header[i] for i in range(width)]
    raw.cells, raw.rows = raw.cells[1:], raw.rows[1:]


def _cells(raw: _Raw, index: dict[str, int], name: str) -> list[str] | None:
    if name not in index:
        return None
    i = index[name]
    return [c[i] if i < len(c) else "" for c in raw.cells]


def _check_width(raw: _Raw, report: _Report) -> None:
    width = len(raw.header)
    for row, cells in zip(raw.rows, raw.cells, strict=True):
        if any(cells[width:]):
            report.error(row, None, f"the row has {len(cells)} values but the header has "
                         f"{width} columns (a stray delimiter or an unquoted comma?)")


def _typed_columns(raw: _Raw, index: dict[str, int], schema: tuple[ColumnSpec, ...],
                   report: _Report) -> dict[str, list[Any]]:
    typed: dict[str, list[Any]] = {}
    notes: dict[str, list[int]] = {}
    for spec in schema:
        texts = _cells(raw, index, spec.name)
        values: list[Any] = [None] * len(raw.rows)
        for i, text in enumerate(texts or []):
            if not text:
                if spec.required:
                    report.error(raw.rows[i], spec.name, f"empty; expected {spec.description}")
                continue
            _CELL.items.clear()
            try:
                values[i] = _parse(text, spec)
            except _Bad as exc:
                report.error(raw.rows[i], spec.name, str(exc))
            else:
                for note in _CELL.items:
                    notes.setdefault(note, []).append(raw.rows[i])
        for note, rows in notes.items():  # one line per kind of reading, not per row
            where = f" (rows {', '.join(map(str, rows[:5]))}{', ...' if len(rows) > 5 else ''})"
            report.note(rows[0] if len(rows) == 1 else None, spec.name,
                        note + ("" if len(rows) == 1 else where))
        notes.clear()
        typed[spec.name] = values
    return typed


def _check_duplicates(kind: str, typed: dict[str, list[Any]], rows: list[int],
                      report: _Report) -> None:
    column = ID_COLUMNS[kind]
    first: dict[Any, int] = {}
    for row, value in zip(rows, typed[column], strict=True):
        if value is None:
            continue
        if value in first:
            report.error(row, column, f"duplicate {column} '{value}': rows {first[value]} and "
                         f"{row} have the same one; each row needs its own")
        else:
            first[value] = row


def _check_sealinks(typed: dict[str, list[Any]], rows: list[int], report: _Report,
                    known_ports: Any = None) -> None:
    for row, a, b in zip(rows, typed["from_port"], typed["to_port"], strict=True):
        if a is not None and a == b:
            report.error(row, "to_port", f"from_port and to_port are both '{a}'; "
                         f"a link joins two different ports")
        if known_ports is None:
            continue
        for col, port in (("from_port", a), ("to_port", b)):
            if port is not None and port not in known_ports:
                report.error(row, col, f"unknown port '{port}': give a port_id of the pack or "
                             f"of your ports table (--ports)")


def _check_codes(typed: dict[str, list[Any]], rows: list[int], report: _Report,
                 register_codes: Any = None) -> None:
    """Village codes are 12 digits; a code not in the register adds a new place (a warning)."""
    for row, code in zip(rows, typed["code"], strict=True):
        if code is None:
            continue
        if not re.fullmatch(r"\d{12}", code):
            report.error(row, "code", f"expected the 12-digit statistical code of a village or "
                         f"community (e.g. 330922100201), found '{code}'")
        elif register_codes is not None and code not in register_codes:
            report.warn(row, "code", f"code {code} is not in the area's register: the row adds "
                        f"a new place")


def _find_coordinate_columns(index: dict[str, int]) -> tuple[str | None, str | None]:
    lower = {name.lower(): name for name in index}
    lon = next((lower[n] for n in LON_NAMES if n in lower), None)
    lat = next((lower[n] for n in LAT_NAMES if n in lower), None)
    return lon, lat


def _check_point(lon: float, lat: float) -> tuple[str, str] | None:
    """Tell what is wrong with a lon/lat pair, as ``(which, message)``; None if fine."""
    if abs(lon) > 1000 or abs(lat) > 1000:
        return "lon", (f"({lon:g}, {lat:g}) look like projected metres, not degrees; "
                       f"give longitude and latitude in degrees")
    if not -90 <= lat <= 90 and -90 <= lon <= 90 and -180 <= lat <= 180:
        return "lon", (f"lon and lat look swapped: lat {lat:g} is outside -90..90 but would "
                       f"be a longitude, and lon {lon:g} a latitude")
    if not -180 <= lon <= 180:
        return "lon", f"expected a longitude between -180 and 180, found {lon:g}"
    if not -90 <= lat <= 90:
        return "lat", f"expected a latitude between -90 and 90, found {lat:g}"
    if lon == 0 and lat == 0:
        return "lon", "the point is (0, 0); leave lon and lat empty if the place is unknown"
    return None


def _geojson_points(raw: _Raw, xs: np.ndarray, ys: np.ndarray, failed: set[int],
                    report: _Report) -> None:
    """Fill ``xs``/``ys`` from GeoJSON Point geometries (null or empty: no point)."""
    for i, geom in enumerate(raw.geometries or []):
        if geom is None:
            continue
        kind = geom.get("type") if isinstance(geom, dict) else type(geom).__name__
        coords = geom.get("coordinates") if isinstance(geom, dict) else None
        if kind == "MultiPoint" and isinstance(coords, list) and len(coords) == 1:
            kind, coords = "Point", coords[0]  # one point written as a MultiPoint
        if kind != "Point":
            report.error(raw.rows[i], "geometry", f"expected a Point geometry, found {kind}")
            failed.add(i)
        elif coords:
            try:
                xs[i], ys[i] = float(coords[0]), float(coords[1])
            except (TypeError, ValueError, IndexError):
                report.error(raw.rows[i], "geometry", f"unreadable point coordinates {coords!r}")
                failed.add(i)


def _column_points(raw: _Raw, index: dict[str, int], lon_col: str, lat_col: str,
                   xs: np.ndarray, ys: np.ndarray, failed: set[int], report: _Report) -> None:
    """Fill ``xs``/``ys`` from the lon/lat columns (empty cells: no value)."""
    for col, out in ((lon_col, xs), (lat_col, ys)):
        for i, text in enumerate(_cells(raw, index, col) or []):
            if not text:
                continue
            try:
                out[i], note = parse_coordinate(text)
            except BadValue as exc:
                report.error(raw.rows[i], col, str(exc))
                failed.add(i)
            else:
                if note:
                    report.note(raw.rows[i], col, note)


def _coordinates(raw: _Raw, index: dict[str, int], quality: list[Any],
                 report: _Report) -> tuple[np.ndarray, np.ndarray, str]:
    """Return the checked longitude and latitude of every row (NaN where none), and the column to blame."""
    n = len(raw.rows)
    xs, ys = np.full(n, np.nan), np.full(n, np.nan)
    failed: set[int] = set()
    lon_col: str | None
    lat_col: str | None
    if raw.geometries is not None:
        lon_col = lat_col = "geometry"
        _geojson_points(raw, xs, ys, failed, report)
        _geojson_crs_to_wgs84(raw, xs, ys, report)
    else:
        lon_col, lat_col = _find_coordinate_columns(index)
        if lon_col is None or lat_col is None:
            if any(q != "none" for q in quality):
                lacking = " and ".join(w for w, c in (("longitude", lon_col), ("latitude", lat_col))
                                       if c is None)
                msg = (f"no {lacking} column: expected lon and lat (or lng, longitude/latitude, "
                       f"x/y, 经度/纬度); the file has: {', '.join(h for h in raw.header if h)}")
                report.error(None, lon_col or lat_col, msg)
            return xs, ys, lon_col or "lon"
        _column_points(raw, index, lon_col, lat_col, xs, ys, failed, report)
    for i, row in enumerate(raw.rows):
        has_x, has_y = not math.isnan(xs[i]), not math.isnan(ys[i])
        if i in failed:
            pass
        elif not has_x and not has_y:
            if quality[i] != "none":
                report.error(row, lon_col, "no coordinates: give lon and lat, or write 'none' "
                             "in location_quality if the place is not known")
        elif not (has_x and has_y):
            report.error(row, lat_col if has_x else lon_col,
                         "empty; expected both a longitude and a latitude")
            failed.add(i)
        elif (bad := _check_point(xs[i], ys[i])) is not None:
            which, message = bad
            report.error(row, lon_col if which == "lon" else lat_col, message)
            failed.add(i)
        elif quality[i] == "none":
            report.warn(row, "location_quality", "is 'none' but the row has a point; "
                        "the point is used (write 'exact' or 'approximate')")
    xs[list(failed)] = ys[list(failed)] = np.nan
    return xs, ys, lon_col


def _as_geometry(obj: Any) -> BaseGeometry:
    """Return a shapely geometry in WGS-84 from a geometry, GeoSeries or GeoDataFrame."""
    if hasattr(obj, "union_all"):
        if getattr(obj, "crs", None) is not None:
            obj = obj.to_crs(4326)
        return obj.union_all()
    return obj


def utm_epsg(area: Any) -> int:
    """Return the EPSG code of the WGS-84 UTM zone at the centre of a geometry (WGS-84 lon/lat).

    Parameters
    ----------
    area
        A shapely geometry or anything :func:`_distance_outside` accepts (land, an outline).

    Returns
    -------
    int
        ``326zz`` north of the equator, ``327zz`` south, ``zz`` the zone (1–60).
    """
    centre = _as_geometry(area).centroid
    zone = int((float(centre.x) + 180.0) // 6.0) % 60 + 1
    return (32600 if float(centre.y) >= 0 else 32700) + zone


def _distance_outside(area: Any, xs: np.ndarray, ys: np.ndarray, metric_crs: int) -> np.ndarray:
    """Metres from each point to ``area`` (0 inside; NaN where there is no point)."""
    to_m = Transformer.from_crs(4326, metric_crs, always_xy=True)
    geom = shapely.transform(
        _as_geometry(area), lambda c: np.column_stack(to_m.transform(c[:, 0], c[:, 1])))
    shapely.prepare(geom)
    mx, my = to_m.transform(xs, ys)
    mx, my = np.asarray(mx, dtype=float), np.asarray(my, dtype=float)
    dist = np.full(len(xs), np.nan)
    has = np.isfinite(mx) & np.isfinite(my)
    inside = np.zeros(len(xs), dtype=bool)
    inside[has] = shapely.contains_xy(geom, mx[has], my[has])
    dist[inside] = 0.0
    outside = has & ~inside
    dist[outside] = shapely.distance(geom, shapely.points(mx[outside], my[outside]))
    return dist


def _metres(d: float) -> str:
    return f"{d / 1000:.1f} km" if d >= 1000 else f"{d:.0f} m"


def _check_land(kind: str, land: Any, xs: np.ndarray, ys: np.ndarray, typed: dict[str, list[Any]],
                rows: list[int] | list[int | None], column: str | None, metric_crs: int, report: _Report) -> None:
    dist = _distance_outside(land, xs, ys, metric_crs)
    for i in np.flatnonzero(dist > SEA_TOLERANCE_M):
        role = typed["kind"][i] if kind == "facilities" else {"ports": "port"}.get(kind)
        where = f"the point is in the sea, {_metres(dist[i])} from the nearest land"
        if role in WATER_KINDS:
            if kind == "ports" and dist[i] > WATER_SEA_TOLERANCE_M:
                report.error(rows[i], column, f"{where}; a {role} must be within "
                             f"{WATER_SEA_TOLERANCE_M / 1000:g} km of land (it works from a "
                             f"pier). Check lon/lat and crs")
            continue
        if kind == "facilities" and role is not None:
            report.error(rows[i], column, f"{where}; a {role} must be within "
                         f"{SEA_TOLERANCE_M:.0f} m of land. Check lon/lat and crs (GCJ-02 or BD-09 "
                         f"points read as WGS-84 are 0.5-1 km off); only "
                         f"{', '.join(sorted(WATER_KINDS & set(FACILITY_KINDS)))} may lie at sea")
        elif kind == "villages":
            report.warn(rows[i], column, f"{where}; check lon/lat and crs")


def _check_outline(outline: Any, xs: np.ndarray, ys: np.ndarray, rows: list[int], column: str,
                   metric_crs: int, report: _Report) -> None:
    dist = _distance_outside(outline, xs, ys, metric_crs)
    for i in np.flatnonzero(dist > OUTLINE_TOLERANCE_M):
        report.warn(rows[i], column, f"the point is {_metres(dist[i])} outside the area outline; "
                    f"fine for a referral hospital elsewhere, otherwise check lon/lat and crs")


def _line_geometries(raw: _Raw, crs: str, report: _Report) -> list[BaseGeometry]:
    """Sea-link lines: from GeoJSON when given, converted to WGS-84; else empty."""
    lines: list[BaseGeometry] = []
    for row, geom in zip(raw.rows, raw.geometries or [None] * len(raw.rows), strict=True):
        line: BaseGeometry = LineString()
        if geom is not None:
            try:
                line = shape(geom)
            except (ShapelyError, AttributeError, KeyError, TypeError, ValueError) as exc:
                report.error(row, "geometry", f"unreadable geometry: {exc}")
            if line.geom_type not in ("LineString", "MultiLineString"):
                report.error(row, "geometry", f"expected a LineString, found {line.geom_type}")
            elif not line.is_empty:
                line = shapely.transform(
                    line, lambda c: np.column_stack(to_wgs84(c[:, 0], c[:, 1], crs=crs)))
        lines.append(line)
    return lines


# --------------------------------------------------------------------------- main


def read_table(
    path: str | Path,
    *,
    kind: str,
    crs: str = "wgs84",
    land: BaseGeometry | None = None,
    area_outline: BaseGeometry | None = None,
    sheet: str | None = None,
    metric_crs: int | None = None,
    known_ports: Any = None,
    register_codes: Any = None,
) -> TableResult:
    """Read a planner's table and check every row.

    Parameters
    ----------
    path
        A ``.csv`` (UTF-8 with or without BOM, or GBK/GB18030; comma, tab or
        semicolon separated), ``.xlsx`` or ``.geojson`` file. CSV and Excel
        tables give points in ``lon``/``lat`` columns (also ``lng``,
        ``longitude``/``latitude``, ``x``/``y``, ``经度``/``纬度``); GeoJSON in
        Point geometries. Sea links need no coordinates.
    kind
        ``facilities``, ``villages``, ``ports`` or ``sealinks`` (the keys of
        ``TABLE_SCHEMAS``).
    crs
        The coordinate system of the points: ``wgs84``, ``gcj02`` (Amap) or
        ``bd09`` (Baidu); they are converted to WGS-84.
    land
        The area's land in WGS-84 (shapely Polygon or MultiPolygon). A facility
        farther than 300 m from it is an error unless its kind works from the
        water (``WATER_KINDS``); a village that far is a warning.
    area_outline
        The area in WGS-84. A point more than 1 km outside it is a warning.
    sheet
        Excel only: the sheet to read (default the first, with a warning
        when the workbook has more).
    metric_crs
        EPSG code of the metric CRS used for distances (default: the UTM zone at the
        centre of ``land``, else of ``area_outline``, else :data:`METRIC_CRS`).
    known_ports
        Sea links only: the port ids a link may name (the pack's and the
        planner's); a link naming another port is an error. None: not checked.
    register_codes
        Villages only: the codes of the area's register; a code outside it is
        a warning (the row adds a new place). None: not checked.

    Returns
    -------
    TableResult
        The typed table and its warnings.

    Raises
    ------
    InputError
        If the file cannot be read or any row has an error. ``problems`` lists
        every problem found (errors and warnings), each with file, row (CSV and
        Excel: the spreadsheet row number, header = row 1; GeoJSON: the feature
        number from 1), column and what was expected.
    """
    if kind not in TABLE_SCHEMAS:
        msg = f"unknown table kind '{kind}'; expected one of: {', '.join(TABLE_SCHEMAS)}"
        raise InputError(msg)
    crs = parse_crs(crs)
    path = Path(path)
    report = _Report(str(path))
    schema = TABLE_SCHEMAS[kind]
    try:
        raw = _read_raw(path, sheet=sheet, report=report)
    except (_Unreadable, OSError) as exc:
        report.error(None, None, str(exc))
        _fail(kind, path, report)

    _merge_header_rows(raw, kind, schema)
    index = _match_columns(raw, schema, report, kind)
    _add_missing_id(raw, index, kind, path.stem, report)
    _check_width(raw, report)
    typed = _typed_columns(raw, index, schema, report)
    _check_duplicates(kind, typed, raw.rows, report)

    if kind == "sealinks":
        _check_sealinks(typed, raw.rows, report, known_ports)
        geometries = _line_geometries(raw, crs, report)
        used = set()
    else:
        if kind == "villages":
            _check_codes(typed, raw.rows, report, register_codes)
        quality = typed.get("location_quality", [None] * len(raw.rows))
        xs, ys, column = _coordinates(raw, index, quality, report)
        xs, ys = to_wgs84(xs, ys, crs=crs)
        if metric_crs is None:
            where = land if land is not None else area_outline
            metric_crs = utm_epsg(where) if where is not None else METRIC_CRS
        if land is not None:
            _check_land(kind, land, xs, ys, typed, raw.rows, column, metric_crs, report)
        if area_outline is not None:
            _check_outline(area_outline, xs, ys, raw.rows, column, metric_crs, report)
        geometries = [Point(x, y) if np.isfinite(x) else Point()
                      for x, y in zip(xs, ys, strict=True)]
        used = set(_find_coordinate_columns(index)) if raw.geometries is None else set()

    if report.n_errors:
        _fail(kind, path, report)

    data = {spec.name: _series(typed[spec.name], spec.kind) for spec in schema}
    schema_names = {spec.name for spec in schema}
    for name in index:
        if name not in schema_names and name not in used:
            data[name] = _series([t or None for t in _cells(raw, index, name) or []], "str")  # name is in index
    frame = gpd.GeoDataFrame(data, geometry=geometries, crs="EPSG:4326")
    return TableResult(frame=frame, problems=report.sorted(), rows=list(raw.rows))


def _fail(kind: str, path: Path, report: _Report) -> NoReturn:
    n_err = report.n_errors
    n_warn = len(report.problems) - n_err
    summary = (f"{path.name}: {n_err} error{'s' if n_err != 1 else ''} in the {kind} table; "
               f"nothing was loaded")
    if n_warn:
        summary += f" (and {n_warn} warning{'s' if n_warn != 1 else ''})"
    raise InputError(summary + ". Fix the rows below and load the file again.", report.sorted())

