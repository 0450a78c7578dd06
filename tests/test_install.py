"""A plain ``pip install .`` (a wheel, not an editable install) runs from any folder.

The wheel is built from a copy of the source tree, installed into a fresh
virtual environment that borrows this machine's dependencies
(``--system-site-packages``, ``--no-deps``), and ``islandcare run`` is started
from an empty folder with a clean environment.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: Top-level entries of the checkout that are not part of what a wheel is built from.
_NOT_SOURCE = {".git", "build", "dist", "maps", "tests", "docs", "benchmarks", "node_modules",
               ".pytest_cache", ".ruff_cache", ".benchmarks", ".ci"}


def _ignore(folder: str, names: list[str]) -> set[str]:
    """Skip top-level non-source folders, the OSM cache, build leftovers and bytecode."""
    here = Path(folder)
    skip = {n for n in names if n == "__pycache__" or n.endswith(".egg-info")}
    if here == REPO:
        skip |= _NOT_SOURCE & set(names)
    if here == REPO / "geodata":
        skip |= {"cache"} & set(names)
    return skip


def _clean_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "ISLANDCARE_GEODATA", "ISLANDCARE_CACHE", "VIRTUAL_ENV")}
    env["XDG_CACHE_HOME"] = str(tmp / "user-cache")  # the platform cache folder on Linux
    return env


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.mark.slow
def test_wheel_installs_and_runs_an_area_from_any_folder(tmp_path):
    for mod in ("setuptools", "wheel", "pip", "venv"):
        if importlib.util.find_spec(mod) is None:
            pytest.skip(f"building a wheel needs the '{mod}' module (pip install {mod})")
    if sys.platform == "win32":
        pytest.skip("the test drives a POSIX virtual environment (bin/python)")
    src = tmp_path / "src"
    shutil.copytree(REPO, src, ignore=_ignore)
    env = _clean_env(tmp_path)
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "--no-index", "-w", str(tmp_path / "dist"), str(src)],
                           check=False, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("islandcare-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    for key in ("shengsi", "putuo", "fenghua"):  # every area file and its pack ship
        assert f"islandcare/_geodata/areas/{key}.toml" in names
        assert f"islandcare/_geodata/packs/{key}/pack.json" in names
    assert "islandcare/_geodata/areas/_defaults.toml" in names
    for page_file in ("panel.html", "page.css", "page.js"):  # the app's page is package data
        assert f"islandcare/app/web/{page_file}" in names
    assert not any(n.startswith("islandcare/_geodata/cache") for n in names)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
                   check=True, env=env)
    py = venv / "bin" / "python"
    inst = subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index",
                           "--ignore-installed", str(wheel)],
                          check=False, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert inst.returncode == 0, inst.stdout[-2000:] + inst.stderr[-2000:]

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import islandcare, islandcare.config as c; "
            "print(islandcare.__file__); print(c.geodata_dir()); print(c.cache_dir())")
    where = subprocess.run([str(py), "-c", code],
                           capture_output=True, text=True, env=env, cwd=elsewhere, check=True)
    pkg_file, geodata, cache = (Path(line) for line in where.stdout.split())
    assert pkg_file.is_relative_to(venv), f"imported {pkg_file}, not the installed wheel"
    assert geodata == pkg_file.parent / "_geodata"
    assert cache == tmp_path / "user-cache" / "islandcare"
    installed = _files(pkg_file.parent)
    page = subprocess.run([str(py), "-c", "from islandcare.app import page; print(page.WEB_DIR); "
                           "print(len(page.app_script()), len(page._head()), len(page._web('panel.html')))"],
                          capture_output=True, text=True, env=env, cwd=elsewhere, check=True)
    web, sizes = page.stdout.splitlines()
    assert Path(web) == pkg_file.parent / "app" / "web"  # the page's files, read from the wheel
    assert all(int(n) > 100 for n in sizes.split())

    out = tmp_path / "out"
    run = subprocess.run([str(py), "-m", "islandcare.cli", "run", "--area", "shengsi", "--out",
                          str(out), "--quiet"], check=False, capture_output=True, text=True, env=env,
                         cwd=elsewhere)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    summary = json.loads((out / "shengsi" / "summary.json").read_text("utf-8"))
    assert summary["villages"]["covered"] + summary["villages"]["underserved"] \
        + summary["villages"]["unknown"] > 0
    assert (out / "shengsi" / "index.html").is_file()
    assert _files(pkg_file.parent) == installed, "the run wrote into the installed package"
    assert not any(elsewhere.iterdir()), "the run wrote into the folder it was started from"


def test_geodata_prefers_the_checkout_then_the_installed_copy(tmp_path, monkeypatch):
    from islandcare import config

    for var in ("ISLANDCARE_GEODATA", "ISLANDCARE_CACHE"):
        monkeypatch.delenv(var, raising=False)
    assert config.geodata_dir() == REPO / "geodata"  # this checkout
    assert config.cache_dir() == REPO / "geodata" / "cache"
    installed = tmp_path / "site" / "islandcare" / "_geodata"
    shutil.copytree(REPO / "geodata" / "areas", installed / "areas")
    monkeypatch.setattr(config, "CHECKOUT_GEODATA", tmp_path / "no-checkout" / "geodata")
    monkeypatch.setattr(config, "PACKAGE_GEODATA", installed)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert config.geodata_dir() == installed
    assert config.load_area("shengsi").path == installed / "areas" / "shengsi.toml"
    if sys.platform.startswith("linux"):
        assert config.cache_dir() == tmp_path / "xdg" / "islandcare"  # not inside the package
    monkeypatch.setenv("ISLANDCARE_CACHE", str(tmp_path / "mine"))
    assert config.cache_dir() == tmp_path / "mine"
    monkeypatch.setenv("ISLANDCARE_GEODATA", str(tmp_path / "g"))
    assert config.geodata_dir() == tmp_path / "g"


def test_an_osm_graph_is_looked_for_in_the_cache_folder(tmp_path, monkeypatch):
    from islandcare.network import assemble

    monkeypatch.setenv("ISLANDCARE_CACHE", str(tmp_path))
    assert assemble._osm_graph_path("shengsi") == tmp_path / "shengsi" / "graph.graphml"
