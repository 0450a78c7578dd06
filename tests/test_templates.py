"""`islandcare template`: a filled template passes validate; the README documents the tables."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from islandcare.cli import main
from islandcare.data.aliases import column_aliases, column_for, value_aliases
from islandcare.data.pack import load_pack
from islandcare.data.schema import TABLE_SCHEMAS
from islandcare.data.tables import read_table
from islandcare.templates import header_label, tables_markdown, write_template

REPO = Path(__file__).resolve().parents[1]
KEY = {"facilities": "facility_id", "villages": "code", "ports": "port_id", "sealinks": "link_id"}


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize("table", list(TABLE_SCHEMAS))
def test_template_round_trip(tmp_path, table, suffix, capsys):
    path = tmp_path / f"{table}{suffix}"
    assert main(["template", table, "-o", str(path), "-q"]) == 0
    area = load_pack("shengsi")
    checks = {"sealinks": {"known_ports": set(area.layers["ports"]["port_id"])},
              "villages": {"register_codes": set(area.layers["villages"]["code"])}}.get(table, {})
    res = read_table(path, kind=table, land=None if table == "sealinks" else area.land_union,
                     area_outline=None if table == "sealinks" else area.outline_geom, **checks)
    # only the notes of what was read as what, and (Excel) which sheet was read
    assert [p for p in res.problems if p.severity != "note"
            and not p.message.startswith("read sheet '")] == []
    assert len(res.frame) == 1
    example = res.frame.iloc[0]
    pack = area.layers[table].set_index(KEY[table])
    row = pack.loc[example[KEY[table]]]
    assert example["name" if table != "sealinks" else "from_port"] == row[
        "name" if table != "sealinks" else "from_port"]
    if table != "sealinks":
        assert example.geometry.distance(row.geometry) < 1e-5
    assert main(["validate", str(path), "--as", table, "--area", "shengsi"]) == 0


def test_template_has_dropdowns_for_every_enumeration_and_an_explanation(tmp_path):
    for table, schema in TABLE_SCHEMAS.items():
        path = write_template(table, tmp_path / f"{table}.xlsx")
        book = openpyxl.load_workbook(path)
        sheet = book[table]
        header = [c.value for c in sheet[1]]
        lists = {str(r).split(":")[0] for dv in sheet.data_validations.dataValidation
                 for r in dv.sqref.ranges}
        for spec in schema:
            if spec.choices:
                col = header.index(header_label(spec.name, table)) + 1
                assert f"{openpyxl.utils.get_column_letter(col)}2" in lists, spec.name
        notes = book["说明 columns"]
        explained = {r[0] for r in notes.iter_rows(min_row=2, values_only=True) if r and r[0]}
        assert {s.name for s in schema} <= explained


def test_template_headers_are_read_back_as_the_schema_columns():
    for table, schema in TABLE_SCHEMAS.items():
        for spec in schema:
            label = header_label(spec.name, table)
            assert label == spec.name or column_for(table, label) == spec.name, label


def test_aliases_name_real_columns_and_values():
    for table in TABLE_SCHEMAS:
        # the common aliases ("*") may name a column another table has
        names = {s.name for sc in TABLE_SCHEMAS.values() for s in sc} | {"lon", "lat", "address"}
        aliases = column_aliases(table)
        assert set(aliases) <= names, set(aliases) - names
        seen: dict[str, str] = {}
        for column, words in aliases.items():
            for w in words:
                assert seen.setdefault(w.lower(), column) == column, (table, w)
    for spec in (s for schema in TABLE_SCHEMAS.values() for s in schema if s.choices):
        assert set(value_aliases(spec.name)) <= set(spec.choices), spec.name


def test_readme_documents_the_tables_as_the_schema_says():
    readme = (REPO / "README.md").read_text("utf-8")
    start, end = "<!-- planner-tables:start -->", "<!-- planner-tables:end -->"
    assert start in readme and end in readme
    section = readme.split(start, 1)[1].split(end, 1)[0]
    assert section.strip() == tables_markdown().strip(), (
        "README out of date: paste the output of `python -m islandcare.templates`")


@pytest.mark.parametrize("table", list(TABLE_SCHEMAS))
def test_example_files_are_valid(table):
    path = REPO / "docs" / "examples" / f"{table}.csv"
    assert len(read_table(path, kind=table).frame) >= 1
