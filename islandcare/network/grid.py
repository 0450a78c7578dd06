"""Square lattices on a grid: the links between neighbouring cells (land lattice and sea lattice)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ["STEPS", "neighbour_links"]

#: The four forward steps (row, column) of a lattice with diagonals: every link is listed once.
STEPS: tuple[tuple[int, int], ...] = ((1, 0), (0, 1), (1, 1), (1, -1))


def neighbour_links(index: np.ndarray, rows: np.ndarray, cols: np.ndarray, *, spacing_m: float
                    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]]:
    """Yield, per step of :data:`STEPS`, the links between lattice cells that are both on the lattice.

    Parameters
    ----------
    index
        Per grid cell, its node number, or -1 for a cell not on the lattice.
    rows, cols
        The grid cells on the lattice.
    spacing_m
        The lattice spacing (a diagonal link is longer by the square root of 2).

    Yields
    ------
    tuple
        ``(r1, c1, r2, c2, i, j, length_m)``: the cells of each link's two ends, their node
        numbers and the link's length.
    """
    for dr, dc in STEPS:
        r2, c2 = rows + dr, cols + dc
        ok = (r2 >= 0) & (r2 < index.shape[0]) & (c2 >= 0) & (c2 < index.shape[1])
        r1, c1, r2, c2 = rows[ok], cols[ok], r2[ok], c2[ok]
        j = index[r2, c2]
        has = j >= 0
        r1, c1, r2, c2, j = r1[has], c1[has], r2[has], c2[has], j[has]
        yield r1, c1, r2, c2, index[r1, c1], j, spacing_m * (2 ** 0.5 if dr and dc else 1.0)
