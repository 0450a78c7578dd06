"""Build hook: ship ``geodata/areas`` and ``geodata/packs`` inside the wheel.

The repository keeps area files and packs at the top level (``geodata/``), where
``geodata/build_packs.py`` writes them. A wheel copies them to
``islandcare/_geodata/`` so that a plain ``pip install .`` runs from any folder;
:func:`islandcare.config.geodata_dir` prefers a checkout's ``geodata/`` and
falls back to that copy. Everything else is configured in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
#: Folders of ``geodata/`` that ship (not ``cache/``: that is written at run time).
SHIPPED = ("areas", "packs")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.py[cod]", ".*")


class BuildPyWithGeodata(build_py):
    """``build_py`` that also copies the shipped geodata into ``islandcare/_geodata``."""

    def _geodata_pairs(self) -> list[tuple[Path, Path]]:
        dst = Path(self.build_lib) / "islandcare" / "_geodata"
        return [(HERE / "geodata" / sub, dst / sub) for sub in SHIPPED]

    def run(self) -> None:
        """Build as usual, then copy the shipped geodata (not for an editable install)."""
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install reads the checkout
            return
        for src, dst in self._geodata_pairs():
            if not src.is_dir():
                msg = f"{src} is missing: a wheel without area files cannot run."
                raise SystemExit(msg)
            if dst.exists():
                shutil.rmtree(dst)
            shutil.copytree(src, dst, ignore=_IGNORE)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        """List the built files, the copied geodata included."""
        outputs = list(super().get_outputs(include_bytecode))
        if not getattr(self, "editable_mode", False):
            for _, dst in self._geodata_pairs():
                outputs += [str(p) for p in sorted(dst.rglob("*")) if p.is_file()]
        return outputs


setup(cmdclass={"build_py": BuildPyWithGeodata})
