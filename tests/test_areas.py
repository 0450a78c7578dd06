"""An area is its files: the pack builder holds no area's facts, ``islandcare areas`` lists them."""

from __future__ import annotations

import filecmp
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from islandcare.cli import main
from islandcare.config import area_keys, load_area
from islandcare.data.inventory import area_inventory, shared_dir

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "geodata" / "build_packs.py"
SHARED = shared_dir()
needs_shared = pytest.mark.skipif(not (SHARED / "geodata-sources").is_dir(), reason="../shared not here")


def test_build_packs_names_no_area():
    """No area key, name or code of any area file appears in the builder's code."""
    text = BUILD.read_text("utf-8")
    for key in area_keys():
        cfg = load_area(key)
        for word in (key, cfg.name_zh, cfg.name_zh[:-1], cfg.name_pinyin.split()[0], cfg.code):
            assert not re.search(re.escape(word), text, flags=re.IGNORECASE), f"{word} ({key}) in build_packs.py"


@needs_shared
def test_rebuilt_pack_is_the_committed_one(tmp_path):
    """The committed Shengsi pack is exactly what its area file and tables build."""
    subprocess.run([sys.executable, str(BUILD), "--area", "shengsi", "--shared", str(SHARED),
                    "--out", str(tmp_path)], check=True, capture_output=True)
    ours, committed = tmp_path / "shengsi", REPO / "geodata" / "packs" / "shengsi"
    names = sorted(p.name for p in committed.iterdir())
    assert sorted(p.name for p in ours.iterdir()) == names
    _, mismatch, errors = filecmp.cmpfiles(ours, committed, names, shallow=False)
    assert not mismatch and not errors


def test_areas_lists_sources_and_lacks(capsys):
    assert main(["areas", "--check"]) == 0
    out = capsys.readouterr().out
    for key in area_keys():
        assert out.count(f"{key} — ") == 1
    assert "source townships:" in out and "lacks: no ambulance stations" in out


def test_areas_check_fails_on_a_missing_source(tmp_path, capsys):
    root = tmp_path / "geodata"
    (root / "areas").mkdir(parents=True)
    shutil.copy(REPO / "geodata/areas/_defaults.toml", root / "areas")
    text = (REPO / "geodata/areas/shengsi.toml").read_text("utf-8")
    (root / "areas/shengsi.toml").write_text(
        text.replace('villages = "villages_fenghua_putuo_shengsi.csv"', 'villages = "no_such_file.csv"'), "utf-8")
    shutil.copytree(REPO / "geodata/packs/shengsi", root / "packs/shengsi")
    inv = area_inventory("shengsi", root=root, shared=SHARED)
    if (SHARED / "geodata-sources").is_dir():
        assert any("no_such_file.csv" in p for p in inv.problems)
    (root / "packs/shengsi/roads.geojson").unlink()
    inv = area_inventory("shengsi", root=root, shared=SHARED)
    assert any("lacks roads" in p for p in inv.problems)
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("ISLANDCARE_GEODATA", str(root))
    try:
        assert main(["areas", "--check"]) == 1
    finally:
        monkeypatch.undo()
    assert "lacks roads" in capsys.readouterr().err
