"""osmnx, imported on first use.

Importing osmnx takes most of a second (it loads matplotlib for its plots),
and a run or a ``serve`` start that reads no OpenStreetMap download or
extract never calls it. The modules of this package bind ``ox`` (and
``ox_errors``) to a :class:`LazyModule` at run time and to the real modules
for type checkers.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["LazyModule"]


class LazyModule:
    """A module imported on first attribute access.

    Parameters
    ----------
    name
        The module's dotted name.
    """

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        """Import the module (once; Python keeps it) and return its attribute."""
        return getattr(importlib.import_module(self._name), attr)

    def __repr__(self) -> str:
        """Name the module and say it is imported on first use."""
        return f"<module {self._name!r}, imported on first use>"
