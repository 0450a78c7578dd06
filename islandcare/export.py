"""Export result tables (underserved villages, coverage) as CSV, Excel or GeoJSON.

The files are meant for health planners who open them in Excel, WPS or QGIS:

``csv``
    UTF-8 with a byte-order mark, so Chinese names open correctly in Excel.
``xlsx``
    One sheet with the table (bold frozen header, widths fitted to the text,
    CJK characters counted double) and an optional ``notes`` sheet listing
    sources, assumptions and rules.
``geojson``
    RFC 7946 (EPSG:4326), UTF-8; rows without a geometry are kept as features
    with a null geometry, never dropped.

In CSV and Excel the geometry column is replaced by ``lon``/``lat`` columns
(WGS-84, 6 decimals) when the frame has point geometries, and other floats are
rounded to 1 decimal. Infinite values (e.g. "not reachable") are written as
empty cells, or ``null`` in GeoJSON. Every file is written atomically: if
writing fails, no partial file is left and an existing file is untouched.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from geopandas.array import GeometryArray, from_shapely
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from shapely.geometry import Point

from islandcare._escape import sheet_cell
from islandcare._io import atomic_write
from islandcare.errors import InputError

__all__ = ["FORMATS", "write_table"]

#: The formats :func:`write_table` writes, with the file suffix of each.
FORMATS: dict[str, str] = {"csv": ".csv", "xlsx": ".xlsx", "geojson": ".geojson"}

#: Decimals kept for ordinary float columns and for ``lon``/``lat``.
FLOAT_DECIMALS = 1
LONLAT_DECIMALS = 6
_LONLAT = ("lon", "lat")

#: Column widths in Excel, in characters (a CJK character counts 2).
_MIN_WIDTH = 6
_MAX_WIDTH = 60
_MAX_NOTES_WIDTH = 120

#: Sheet title rules in Excel.
_MAX_SHEET_NAME = 31
_BAD_SHEET_CHARS = set("[]:*?/\\")
_NOTES_SHEET = "notes"


def write_table(
    frame: pd.DataFrame | gpd.GeoDataFrame,
    path: Path,
    *,
    format: str | None = None,
    columns: dict[str, str] | None = None,
    sheet_name: str = "underserved",
    notes: list[str] | None = None,
) -> Path:
    """Write a table as CSV, Excel or GeoJSON, atomically.

    Parameters
    ----------
    frame
        The table. A GeoDataFrame's active geometry becomes ``lon``/``lat``
        columns (CSV, Excel; points only, other rows left empty) or the
        feature geometry (GeoJSON). A geometry without a CRS is taken as
        WGS-84 longitude/latitude.
    path
        The file to write; its folder is created if needed.
    format
        ``"csv"``, ``"xlsx"`` or ``"geojson"``; by default taken from the
        suffix of ``path``.
    columns
        Internal column name -> header label, e.g. ``{"code": "code 代码"}``.
        Only these columns are written, in this order (the derived
        ``lon``/``lat`` follow unless named here). By default all columns,
        with their own names.
    sheet_name
        Title of the table sheet (Excel only).
    notes
        Sources, assumptions and rules, written one per row on a second
        sheet named ``notes`` (Excel only).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InputError
        If the format is neither given nor known from the suffix of ``path``.
    ValueError
        If ``columns`` names a column the frame does not have or repeats a
        label, if ``sheet_name`` is not a valid Excel sheet title, or if a
        geometry without a CRS does not look like longitude/latitude.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a folder; give a file name such as "
                         f"{path / 'underserved.xlsx'}")
    fmt = _resolve_format(path, format)
    if fmt == "xlsx":
        _check_sheet_name(sheet_name, notes)
    geometry = _geometry_wgs84(frame)
    table = pd.DataFrame(frame.drop(columns=geometry.name) if geometry is not None else frame)
    table, added = _add_lonlat(table, geometry)
    if fmt == "geojson":  # the geometry says where: keep lon/lat only if asked for
        if columns is None:
            table = table.drop(columns=added)
        added = []
    data = _clean(_select(table, columns, append=added))
    n = len(data)

    if fmt == "csv":
        cells = _as_text_cells(data)

        def write(tmp: Path) -> None:
            _write_csv(cells, tmp)
            _checked(tmp, fmt, n)
    elif fmt == "xlsx":
        def write(tmp: Path) -> None:
            _write_xlsx(data, tmp, sheet_name=sheet_name, notes=notes)
            _checked(tmp, fmt, n)
    else:
        features = gpd.GeoDataFrame(
            data.reset_index(drop=True), geometry=_null_empty(geometry, len(data)), crs="EPSG:4326"
        )

        def write(tmp: Path) -> None:
            _write_geojson(features, tmp, layer=path.stem)
            _checked(tmp, fmt, n)
    return atomic_write(path, write)


# -- preparing the table ------------------------------------------------------


def _resolve_format(path: Path, format: str | None) -> str:
    """Return the format to write: ``format`` if given, else the suffix of ``path``.

    A format that disagrees with a known table suffix (``--format csv -o x.xlsx``)
    is an error: the file would open as garbage.
    """
    fmt = format.lower().lstrip(".") if format is not None else path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        given = f"format {format!r}" if format is not None else f"suffix {path.suffix!r}"
        raise InputError(
            f"cannot write {path}: unknown table {given}; "
            f"use one of {', '.join(FORMATS)} (file names ending "
            f"{', '.join(FORMATS.values())})"
        )
    suffix = path.suffix.lower()
    by_suffix = {**{v: k for k, v in FORMATS.items()}, ".json": "geojson", ".xls": "xls",
                 ".xlsm": "xlsx", ".tsv": "tsv", ".txt": "txt"}
    if suffix in by_suffix and by_suffix[suffix] != fmt:
        raise InputError(
            f"cannot write {path}: the format is {fmt} but the name ends in {path.suffix}; "
            f"name the file ...{FORMATS[fmt]} or leave out the format"
        )
    return fmt


def _as_text_cells(data: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) kept as text."""
    data = data.rename(columns=lambda c: sheet_cell(c) if isinstance(c, str) else c)
    for name in data.columns:
        if not (pd.api.types.is_float_dtype(data[name].dtype)
                or pd.api.types.is_integer_dtype(data[name].dtype)
                or pd.api.types.is_bool_dtype(data[name].dtype)):
            data[name] = data[name].map(sheet_cell)
    return data


def _checked(tmp: Path, fmt: str, n_rows: int) -> None:
    """Read back what was written to ``tmp``; raise OSError if it is not the whole table.

    A full disk or a failing driver can leave an empty or cut file without an
    error: the old file must then stay in place.
    """
    import json

    def short(found: object) -> OSError:
        return OSError(f"the written {fmt} file is incomplete ({found} instead of {n_rows} rows; "
                       f"is the disk full?); the old file, if any, was kept")

    size = tmp.stat().st_size
    if size == 0:
        raise short("0 bytes")
    if fmt == "csv":
        import csv

        with tmp.open(encoding="utf-8-sig", newline="") as text:
            count = sum(1 for _ in csv.reader(text)) - 1
    elif fmt == "xlsx":
        import zipfile

        # every part's checksum, then the rows of the table sheet (openpyxl writes it as sheet1)
        try:
            with zipfile.ZipFile(tmp) as book:
                broken = book.testzip()
                sheet = book.read("xl/worksheets/sheet1.xml")
        except (zipfile.BadZipFile, KeyError, OSError) as exc:
            raise short(f"unreadable: {exc}") from None
        if broken is not None:
            raise short(f"unreadable: its part {broken} is damaged")
        count = sheet.count(b"<row ") - 1
    else:
        try:
            count = len(json.loads(tmp.read_text(encoding="utf-8"))["features"])
        except (ValueError, KeyError, TypeError) as exc:
            raise short(f"unreadable: {exc}") from None
    if count != n_rows:
        raise short(count)


def _check_sheet_name(sheet_name: str, notes: list[str] | None) -> None:
    """Raise ValueError if Excel would refuse or silently rename the sheet."""
    if not sheet_name or len(sheet_name) > _MAX_SHEET_NAME:
        raise ValueError(f"sheet_name must be 1 to {_MAX_SHEET_NAME} characters: {sheet_name!r}")
    if _BAD_SHEET_CHARS & set(sheet_name):
        raise ValueError(f"sheet_name must not contain any of []:*?/\\ : {sheet_name!r}")
    if notes and sheet_name.lower() == _NOTES_SHEET:
        raise ValueError(f"sheet_name {sheet_name!r} clashes with the notes sheet")


def _geometry_wgs84(frame: pd.DataFrame) -> gpd.GeoSeries | None:
    """Return the frame's active geometry in EPSG:4326, or None if it has none."""
    if not isinstance(frame, gpd.GeoDataFrame) or frame.active_geometry_name is None:
        return None
    geometry = frame.geometry
    if geometry.crs is not None:
        return geometry.to_crs("EPSG:4326")
    minx, miny, maxx, maxy = geometry.total_bounds
    if geometry.notna().any() and not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValueError(
            "geometry has no CRS and its coordinates are not longitude/latitude; "
            "set the CRS (e.g. frame.set_crs(...)) before exporting"
        )
    return geometry.set_crs("EPSG:4326")


def _add_lonlat(
    data: pd.DataFrame, geometry: gpd.GeoSeries | None
) -> tuple[pd.DataFrame, list[str]]:
    """Add ``lon``/``lat`` from point geometries; return the frame and the names added.

    Nothing is added if there are no points or the frame already has a
    ``lon`` or ``lat`` column (the caller's own columns win).
    """
    if geometry is None or set(_LONLAT) & set(data.columns):
        return data, []
    is_point = np.array([isinstance(g, Point) and not g.is_empty for g in geometry])
    if not is_point.any():
        return data, []
    lon = np.full(len(geometry), np.nan)
    lat = np.full(len(geometry), np.nan)
    lon[is_point] = geometry[is_point].x.to_numpy()
    lat[is_point] = geometry[is_point].y.to_numpy()
    return data.assign(lon=lon, lat=lat), list(_LONLAT)


def _select(
    data: pd.DataFrame, columns: dict[str, str] | None, *, append: list[str]
) -> pd.DataFrame:
    """Keep and rename the mapped columns (then ``append`` ones not mapped)."""
    if columns is None:
        return data
    missing = [name for name in columns if name not in data.columns]
    if missing:
        raise ValueError(f"columns not in the table: {missing}; it has {list(data.columns)}")
    labels = list(columns.values())
    if len(set(labels)) != len(labels):
        raise ValueError(f"header labels must be unique: {labels}")
    keep = list(columns) + [name for name in append if name not in columns]
    return data[keep].rename(columns=columns)


def _clean(data: pd.DataFrame) -> pd.DataFrame:
    """Infinite -> missing; floats rounded (``lon``/``lat`` to 6 decimals, others 1)."""
    data = data.copy()
    for name in data.columns:
        column = data[name]
        if pd.api.types.is_float_dtype(column.dtype):
            column = column.mask(np.isinf(column.to_numpy(dtype=float, na_value=np.nan)))
            data[name] = column.round(LONLAT_DECIMALS if name in _LONLAT else FLOAT_DECIMALS)
    return data


def _null_empty(geometry: gpd.GeoSeries | None, n: int) -> GeometryArray:
    """Geometries for GeoJSON: empty ones as None; all None if the frame has none."""
    if geometry is None:
        return from_shapely([None] * n, crs="EPSG:4326")
    return geometry.where(~geometry.is_empty, None).values


# -- writers (each writes one complete file at ``tmp``) ----------------------


def _write_csv(data: pd.DataFrame, tmp: Path) -> None:
    """CSV in UTF-8 with BOM, no index, missing values as empty cells."""
    data.to_csv(tmp, index=False, encoding="utf-8-sig")


def _write_xlsx(data: pd.DataFrame, tmp: Path, *, sheet_name: str, notes: list[str] | None) -> None:
    """Excel workbook: the table sheet, then a ``notes`` sheet if there are notes."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name
    sheet.append([_cell(label) for label in data.columns])
    for row in data.itertuples(index=False, name=None):
        sheet.append([_cell(value) for value in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    _fit_widths(sheet, max_width=_MAX_WIDTH)
    if notes:
        notes_sheet = book.create_sheet(_NOTES_SHEET)
        for note in notes:
            notes_sheet.append([_cell(note)])
        _fit_widths(notes_sheet, max_width=_MAX_NOTES_WIDTH)
    book.save(tmp)


def _write_geojson(features: gpd.GeoDataFrame, tmp: Path, *, layer: str) -> None:
    """RFC 7946 GeoJSON in UTF-8; features without geometry keep ``null``."""
    features.to_file(
        tmp,
        driver="GeoJSON",  # tmp's suffix is .tmp: name the driver
        engine="pyogrio",
        index=False,
        layer=layer,
        RFC7946="YES",
        WRITE_NAME="NO",  # no layer name (it would be the temp file's)
    )


# -- Excel helpers ------------------------------------------------------------


def _cell(value: object) -> object:
    """Return a value openpyxl accepts: missing -> None, numpy scalars -> Python, odd types -> text."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)  # '=...' kept as text: see _fit_widths
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (bool, int)):
        return value
    if (
        isinstance(value, (dt.datetime, dt.date, dt.time))
        and getattr(value, "tzinfo", None) is None
    ):
        return value
    return str(value)  # time zones, Decimal, lists...: as text


def _text_width(text: str) -> int:
    """Display width of ``text``: wide (CJK) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit_widths(sheet: Worksheet, *, max_width: int) -> None:
    """Set each column's width to its longest text, within limits; keep text as text."""
    for index, column in enumerate(sheet.iter_cols(), start=1):
        widest = 0
        for cell in column:
            if cell.data_type == "f":  # a string starting with "=" is text, not a formula
                cell.data_type = "s"
            if cell.value is not None:
                widest = max(widest, _text_width(str(cell.value)))
        width = min(max(widest + 2, _MIN_WIDTH), max_width)
        sheet.column_dimensions[get_column_letter(index)].width = width
