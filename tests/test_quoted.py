"""The model against real transfers the gazetteer quotes: each comparable leg within ±25%."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from islandcare.analyses.quoted import compare_quoted, read_quoted

TABLE = Path(__file__).parent / "data" / "quoted_transfers.csv"


@pytest.fixture(scope="module")
def compared(packs):
    return compare_quoted(read_quoted(TABLE), packs)


def test_every_quoted_row_is_sourced_in_the_gazetteer(shared_dir):
    table = read_quoted(TABLE)
    text = (shared_dir / "gazetteer" / "gazetteer.json").read_text(encoding="utf-8")
    gaz = json.loads(text)
    for _, r in table.iterrows():
        assert r["source"] in text, r["item"]  # the URL the gazetteer cites
        node = gaz
        for part in r["gazetteer"].replace("]", "").replace("[", ".").split("."):
            node = node[int(part)] if part.isdigit() else node[part]
        assert r["source"] in json.dumps(node, ensure_ascii=False), r["item"]
        if str(r["comparable"]).lower() != "true":
            assert r["why_not"], r["item"]


def test_each_comparable_model_leg_lands_within_a_quarter_of_the_quote(compared):
    done = compared[compared["comparable"].str.lower() == "true"]
    assert len(done) >= 4
    for _, r in done.iterrows():
        assert r["model_minutes"] == pytest.approx(r["quoted_minutes"], rel=0.25), r["item"]
