"""Check that two runs give the same results: ``summary.json`` and ``places.csv`` of each area.

Run ``islandcare run --area all --out A`` with one version and ``--out B`` with
another, then::

    python benchmarks/same_results.py A B [--tolerance 0.5]

Texts, counts and verdicts must be equal; numbers that are not whole (minutes)
may differ by at most ``--tolerance`` (default 0.5: equal to the minute). The
drawn circles' land (``reached_land_km2``) may differ by ``--area-tolerance``
(default 5%: circles are traced from a raster, see
:mod:`islandcare.analyses.circles`). It
prints the largest difference seen and every mismatch, and exits 1 on any.

``--new-columns-ok`` compares ``places.csv`` column by column (by header):
a column only in the second run, or one only in the first that is empty in
every row, is listed but is not a mismatch (a refactor that gives every
circle its ``_limit`` and ``_mode`` columns adds columns and changes no value).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path

AREA_TOLERANCE = [0.05]


def compare(a: object, b: object, where: str, tol: float, out: list[str], worst: list[float]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                out.append(f"{where}.{k}: only in {'the first' if k in a else 'the second'}")
            else:
                compare(a[k], b[k], f"{where}.{k}", tol, out, worst)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{where}: {len(a)} items vs {len(b)}")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            compare(x, y, f"{where}[{i}]", tol, out, worst)
    elif isinstance(a, float) or isinstance(b, float):
        try:
            x, y = float(a), float(b)
        except (TypeError, ValueError):
            out.append(f"{where}: {a!r} vs {b!r}")
            return
        if (math.isnan(x) and math.isnan(y)) or x == y:
            return
        if "reached_land_km2" in where:
            if not abs(x - y) <= AREA_TOLERANCE[0] * max(abs(x), abs(y)):
                out.append(f"{where}: {a!r} vs {b!r} (beyond {AREA_TOLERANCE[0]:.0%})")
            return
        d = abs(x - y)
        worst.append(d)
        if not d <= tol:
            out.append(f"{where}: {a!r} vs {b!r}")
    elif a != b:
        out.append(f"{where}: {a!r} vs {b!r}")


def _cell(text: str) -> object:
    try:
        value = float(text)
    except ValueError:
        return text
    return value if not value.is_integer() else text


def _compare_by_header(a: list[list], b: list[list], where: str, tol: float, out: list[str],
                       worst: list[float], notes: list[str]) -> None:
    """Compare two tables column by column; columns only in one side go to ``notes`` (or ``out``)."""
    if not a or not b:
        compare(a, b, where, tol, out, worst)
        return
    ha, hb = [str(h) for h in a[0]], [str(h) for h in b[0]]
    if len(a) != len(b):
        out.append(f"{where}: {len(a)} rows vs {len(b)}")
        return
    for h in ha:
        if h not in hb:
            empty = all(r[ha.index(h)] == "" for r in a[1:])
            (notes if empty else out).append(f"{where}: column {h!r} only in the first"
                                             + (" (empty in every row)" if empty else ""))
    for h in hb:
        if h not in ha:
            notes.append(f"{where}: column {h!r} only in the second")
    for h in ha:
        if h in hb:
            i, j = ha.index(h), hb.index(h)
            compare([r[i] for r in a[1:]], [r[j] for r in b[1:]], f"{where}[{h}]", tol, out, worst)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("first", type=Path)
    ap.add_argument("second", type=Path)
    ap.add_argument("--tolerance", type=float, default=0.5, help="minutes (default 0.5)")
    ap.add_argument("--area-tolerance", type=float, default=0.05,
                    help="relative, for reached_land_km2 (default 0.05)")
    ap.add_argument("--new-columns-ok", action="store_true",
                    help="compare places.csv by header; added columns, and removed empty ones, are listed only")
    args = ap.parse_args(argv)
    AREA_TOLERANCE[0] = args.area_tolerance
    problems: list[str] = []
    notes: list[str] = []
    worst: list[float] = []
    areas = sorted(p.parent.name for p in args.first.glob("*/summary.json"))
    if not areas:
        print(f"no */summary.json under {args.first}")
        return 1
    for key in areas:
        a = json.loads((args.first / key / "summary.json").read_text(encoding="utf-8"))
        b_path = args.second / key / "summary.json"
        if not b_path.exists():
            problems.append(f"{key}: no summary.json in {args.second}")
            continue
        compare(a, json.loads(b_path.read_text(encoding="utf-8")), f"{key}/summary.json", args.tolerance,
                problems, worst)
        rows = []
        for side in (args.first, args.second):
            with open(side / key / "places.csv", encoding="utf-8-sig", newline="") as fh:
                rows.append([[_cell(c) for c in r] for r in csv.reader(fh) if r and not r[0].startswith("#")])
        if args.new_columns_ok:
            _compare_by_header(rows[0], rows[1], f"{key}/places.csv", args.tolerance, problems, worst, notes)
        else:
            compare(rows[0], rows[1], f"{key}/places.csv", args.tolerance, problems, worst)
    for n in notes:
        print(n)
    for p in problems:
        print(p)
    print(f"{len(areas)} areas compared; largest difference in minutes {max(worst, default=0.0):.2e}; "
          f"{len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
