"""The string tables: both languages complete, and every output free of untranslated keys."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from islandcare.render.summary import summary_markdown
from islandcare.render.words import LANGS, MISSING, words

PACKAGE = Path(__file__).resolve().parents[1] / "islandcare"


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_both_tables_have_the_same_keys_and_fields() -> None:
    zh, en = words("zh").table, words("en").table
    assert set(zh) == set(en), set(zh) ^ set(en)
    for key, text in zh.items():
        if key == "reasons.patterns":
            continue
        assert isinstance(text, str) and text.strip(), key
        assert isinstance(en[key], str) and en[key].strip(), key
        assert _fields(text) == _fields(en[key]), key


def test_every_key_the_code_asks_for_is_in_both_tables() -> None:
    asked: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        asked |= set(re.findall(r"""\bw\(\s*["']([a-z_]+\.[a-z_]+)["']""", path.read_text("utf-8")))
    assert len(asked) > 40  # the maps, summary, report and command line ask for words
    for lang in LANGS:
        missing = sorted(k for k in asked if k not in words(lang).table)
        assert missing == [], (lang, missing)


def test_missing_key_is_marked() -> None:
    assert words("en")("no.such_key") == MISSING.format("no.such_key")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("key", ["putuo", "fenghua"])
def test_maps_and_summaries_are_complete(key: str, lang: str, tmp_path: Path) -> None:
    from test_maps import area_reports, has

    from islandcare.render.maps import write_area_map

    rep = area_reports()[key]
    page = write_area_map(rep.area, tmp_path, rep, lang=lang).read_text("utf-8")
    md = summary_markdown(rep, lang=lang)
    for text in (page, md):
        assert "⟦" not in text and "\\u27e6" not in text
    assert has(page, rep.area.config.name_zh) and rep.area.config.name_zh in md
    if lang == "zh":
        assert "覆盖情况摘要" in md and "补充哪些数据能回答更多" in md and has(page, "图例")
    else:
        assert "coverage summary" in md and "What would answer more" in md
        assert has(page, "Legend") and not has(page, "图例")


def test_every_reason_of_the_areas_reads_in_chinese() -> None:
    from test_maps import area_reports

    zh = words("zh")
    english = re.compile(r"outside the|min > target|no known point|not reached|no sea link")
    for rep in area_reports().values():
        for reason in rep.places["reason"].dropna():
            if reason:
                out = zh.reason(reason)
                assert not english.search(out), (reason, out)
