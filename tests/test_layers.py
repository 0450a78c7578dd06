"""The layers stay one-way: data → network → engine → analyses → exports, maps, app and CLI.

Every ``import`` statement of the computation modules (those at the top of a file and those
inside a function alike) is read from the source, so a lazy import of folium or of the web
app inside a function is caught too; a run of the computation then leaves them unloaded.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "islandcare"

#: The computation: what reads the data, builds the networks, times trips and judges the rules.
COMPUTATION = ("data", "network", "analyses", "engine.py", "engine_td.py",
               "settings.py", "config.py", "errors.py", "crs.py", "_io.py")

#: What sits above it (drawing, writing files, the web app, the command line) or is a drawing library.
ABOVE = ("folium", "branca", "matplotlib", "docx", "jinja2", "http.server",
         "islandcare.render", "islandcare.app", "islandcare.cli", "islandcare.report",
         "islandcare.export", "islandcare.pipeline", "islandcare.parallel", "islandcare.templates")


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports (relative imports resolved), with its line."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            out += [(node.lineno, base)] + [(node.lineno, f"{base}.{a.name}") for a in node.names]
    return out


def _upward(path: Path) -> list[str]:
    return sorted({f"{path.relative_to(PACKAGE.parent)}:{line} imports {mod}" for line, mod in _imports(path)
                   if any(mod == up or mod.startswith(up + ".") for up in ABOVE)})


def _computation_files() -> list[Path]:
    files: list[Path] = []
    for name in COMPUTATION:
        p = PACKAGE / name
        files += sorted(p.rglob("*.py")) if p.is_dir() else [p]
    return files


def test_the_walk_sees_the_modules_and_their_imports():
    """The check is not empty: it reads every computation file, and it does flag a module that draws."""
    files = _computation_files()
    assert all(p.is_file() for p in files) and len(files) > 30
    assert any("folium" in hit for hit in _upward(PACKAGE / "render" / "maps.py"))
    assert any("islandcare.pipeline" in hit for hit in _upward(PACKAGE / "cli.py"))


def test_computation_imports_no_drawing_cli_or_web_code():
    hits = [hit for p in _computation_files() for hit in _upward(p)]
    assert hits == [], "an import runs back up the layers:\n" + "\n".join(hits)


@pytest.mark.parametrize("area", ["shengsi"])
def test_a_computed_report_loads_no_drawing_or_web_module(area):
    code = ("import sys\n"
            "from islandcare.data.pack import load_pack\n"
            "from islandcare.analyses.report import analyse_area\n"
            f"analyse_area(load_pack({area!r}))\n"
            f"print(','.join(m for m in sys.modules if m.split('.')[0] in ('folium', 'branca') "
            f"or m.startswith(('islandcare.render', 'islandcare.app', 'islandcare.cli'))))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          cwd=PACKAGE.parent)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == ""
