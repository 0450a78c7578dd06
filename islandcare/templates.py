"""Blank planner tables to fill in, and the tables' columns as documentation.

:func:`write_template` writes a facilities, villages, ports or sea links
table as ``.xlsx`` or ``.csv``: a bilingual header row the reader accepts
(``名称(name)``: the Chinese name is an alias, the schema name in brackets is
read as a unit and ignored), one example row taken from the Shengsi offline
pack (real data, with its source), and in Excel a drop-down list for every
enumeration and a sheet ``说明 columns`` explaining each column.

:func:`tables_markdown` renders every table's columns from the schema; the
README's section on planner tables is this text (a test keeps them equal).
Run ``python -m islandcare.templates`` to print it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from islandcare._escape import sheet_cell
from islandcare._io import atomic_write
from islandcare.data.aliases import column_aliases, value_aliases
from islandcare.data.schema import TABLE_SCHEMAS, ColumnSpec
from islandcare.errors import InputError

__all__ = ["EXAMPLE_AREA", "TEMPLATE_SUFFIXES", "header_label", "tables_markdown",
           "write_template"]

#: The pack the example rows come from.
EXAMPLE_AREA = "shengsi"

#: The formats a template is written in.
TEMPLATE_SUFFIXES = (".xlsx", ".csv")

#: Where the points go in a table that has them (not sea links).
_POINT_COLUMNS = (("lon", "经度", "longitude in degrees, WGS-84 (or the table's --crs), e.g. 122.45"),
                  ("lat", "纬度", "latitude in degrees, e.g. 30.72"))


def _chinese(name: str, table: str) -> str | None:
    """Return the first alias of ``name`` written in Chinese, or None."""
    for alias in column_aliases(table).get(name, []):
        if any("\u4e00" <= ch <= "\u9fff" for ch in alias):
            return alias
    return None


def header_label(name: str, table: str) -> str:
    """Return the template header of a column: ``名称(name)``, or the schema name alone."""
    zh = _chinese(name, table)
    return f"{zh}({name})" if zh else name


def _columns(table: str) -> list[tuple[str, ColumnSpec | None, str]]:
    """(name, spec or None for lon/lat, description) in template order."""
    schema = TABLE_SCHEMAS[table]
    cols: list[tuple[str, ColumnSpec | None, str]] = [(s.name, s, s.description)
                                                      for s in schema[:3]]
    if table != "sealinks":
        cols += [(n, None, d) for n, _, d in _POINT_COLUMNS]
    cols += [(s.name, s, s.description) for s in schema[3:]]
    return cols


def _example(table: str) -> dict[str, Any]:
    """One real row of the example pack, as text cells by column name."""
    from islandcare.data.pack import load_pack

    layer = {"villages": "villages"}.get(table, table)
    frame = load_pack(EXAMPLE_AREA).layers[layer]
    if table != "sealinks":
        frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    row = frame.iloc[0]
    out: dict[str, Any] = {}
    for name, spec, _ in _columns(table):
        if name in ("lon", "lat"):
            out[name] = round(float(row.geometry.x if name == "lon" else row.geometry.y), 6)
            continue
        value = row.get(name)
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            out[name] = None
        elif spec is not None and spec.kind == "bool":
            out[name] = "yes" if bool(value) else "no"
        elif isinstance(value, float) and value.is_integer():
            out[name] = int(value)
        else:
            out[name] = value
    return out


def write_template(table: str, path: Path) -> Path:
    """Write a blank ``table`` (facilities, villages, ports, sealinks) to fill in.

    Parameters
    ----------
    table
        One of the keys of :data:`~islandcare.data.schema.TABLE_SCHEMAS`.
    path
        ``.xlsx`` (with drop-down lists and an explanation sheet) or ``.csv``
        (UTF-8 with BOM, header and example row).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InputError
        For an unknown table or suffix.
    """
    if table not in TABLE_SCHEMAS:
        raise InputError(f"unknown table '{table}': choose one of {', '.join(TABLE_SCHEMAS)}")
    path = Path(path)
    if path.suffix.lower() not in TEMPLATE_SUFFIXES:
        raise InputError(f"cannot write a template to {path}: name it ....xlsx or ....csv")
    cols = _columns(table)
    labels = [header_label(n, table) for n, _, _ in cols]
    example = _example(table)
    values = [example.get(n) for n, _, _ in cols]
    if path.suffix.lower() == ".csv":
        frame = pd.DataFrame([[sheet_cell(v) for v in values]], columns=labels)
        return atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False, encoding="utf-8-sig"))
    return atomic_write(path, lambda tmp: _write_xlsx(tmp, table, cols, labels, values))


def _write_xlsx(tmp: Path, table: str, cols: list, labels: list[str], values: list) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = table
    sheet.append(labels)
    sheet.append(values)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for i, (name, spec, _) in enumerate(cols, start=1):
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = max(12, len(labels[i - 1]) * 2)
        if spec is not None and spec.choices:
            dv = DataValidation(type="list", formula1='"' + ",".join(spec.choices) + '"',
                                allow_blank=not spec.required, showErrorMessage=False)
            dv.promptTitle, dv.prompt = name, "one of: " + ", ".join(spec.choices)
            sheet.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}1000")
        elif spec is not None and spec.kind == "bool":
            dv = DataValidation(type="list", formula1='"yes,no"', allow_blank=True)
            sheet.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}1000")
    for row in sheet.iter_rows(min_row=2, max_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text, even '=...'
    notes = book.create_sheet("说明 columns")
    notes.append(["column 列", "header 表头", "required 必填", "type 类型", "meaning 含义",
                  "allowed values 可选值", "also read 也接受的表头"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for (name, spec, desc), label in zip(cols, labels, strict=True):
        notes.append([name, label, "yes 是" if spec is not None and spec.required else "no 否",
                      spec.kind if spec is not None else "float", desc,
                      _allowed(spec), ", ".join(column_aliases(table).get(name, []))])
    notes.append([])
    notes.append(["Row 2 is a real example from the Shengsi pack (with its source): replace it. "
                  "Check the filled table with: islandcare validate FILE --as " + table
                  + " --area shengsi"])
    for letter, width in zip("ABCDEFG", (18, 24, 10, 8, 60, 40, 50), strict=True):
        notes.column_dimensions[letter].width = width
    book.save(tmp)


def _allowed(spec: ColumnSpec | None) -> str:
    if spec is None or not spec.choices:
        return ""
    words = value_aliases(spec.name)
    return "; ".join(f"{c} ({'/'.join(words[c])})" if words.get(c) else c for c in spec.choices)


def tables_markdown() -> str:
    """Every planner table's columns as Markdown, generated from the schema."""
    out: list[str] = []
    for table in TABLE_SCHEMAS:
        out.append(f"#### {table}")
        out.append("")
        out.append("| column | template header | required | type | meaning |")
        out.append("|---|---|---|---|---|")
        for name, spec, desc in _columns(table):
            required = "yes" if spec is not None and spec.required else "no"
            if spec is not None and spec.name in ("facility_id", "port_id", "link_id"):
                required = "no (made from file name and row)"
            kind = spec.kind if spec is not None else "degrees"
            allowed = _allowed(spec)
            text = desc + (f"; values: {allowed}" if allowed and allowed not in desc else "")
            out.append(f"| `{name}` | {header_label(name, table)} | {required} | {kind} | "
                       f"{text.replace('|', '/')} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(tables_markdown(), end="")
