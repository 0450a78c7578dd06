"""The command line as a planner uses it."""

from __future__ import annotations

import re
import subprocess
import sys

from islandcare.cli import main


def test_run_writes_a_map_per_area_and_an_index(tmp_path, capsys):
    assert main(["run", "--area", "all", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for key in ("shengsi", "putuo", "fenghua"):
        page = (tmp_path / key / "index.html").read_text("utf-8")
        assert "leaflet" in page.lower()
        # offline: no script or style is fetched from the internet
        assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", page)
        assert key in out
    index = (tmp_path / "index.html").read_text("utf-8")
    assert "嵊泗县" in index and "shengsi/index.html" in index
    assert "嵊泗县" in (tmp_path / "shengsi/index.html").read_text("utf-8")


def test_map_shows_each_layer_with_its_source(tmp_path):
    assert main(["run", "--area", "putuo", "--out", str(tmp_path), "--quiet"]) == 0
    page = (tmp_path / "putuo/index.html").read_text("utf-8")
    for layer in ("Land", "Outline", "Sea links", "Ports", "Township seats", "GSHHG"):
        assert layer in page, layer
    assert "浙江普陀医院" in page
    assert "approximate" in page


def test_unknown_area_is_one_clear_line_and_exit_1(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "islandcare.cli", "run", "--area", "atlantis",
                           "--out", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "atlantis" in proc.stderr and "shengsi" in proc.stderr


def test_times_prints_the_legs_of_a_trip(capsys):
    assert main(["times", "--area", "putuo", "--from", "putuo-h-001", "--to", "330903106"]) == 0
    out = capsys.readouterr().out
    for word in ("boarding", "wait", "ferry", "modelled", "普陀山镇"):
        assert word in out
    assert main(["times", "--area", "shengsi", "--from", "shengsi-h-001"]) == 0
    out = capsys.readouterr().out
    assert "no sea link to this island is in the data" in out  # 黄龙乡: a data gap, said so


def test_times_with_an_unknown_facility_is_an_input_error(capsys):
    assert main(["times", "--area", "shengsi", "--from", "nope", "--to", "330922202"]) == 1
    assert "No facility 'nope'" in capsys.readouterr().err
