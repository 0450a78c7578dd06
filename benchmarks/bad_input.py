"""How much time, memory and output the worst planner inputs of issue 9 cost.

Run from the repository root::

    python benchmarks/bad_input.py [--rows 200000]

Prints, for each input:

1. a 5 KB ``.xlsx`` whose used range claims A1:XFD1048576: seconds and peak
   memory (MB) to read it;
2. a CSV of ``--rows`` bad rows: seconds to check it, and the bytes
   ``islandcare validate`` prints about it (capped at 200 problems);
3. a 10 MB upload of bad rows to the app's ``/api/validate``: the bytes of the
   JSON answer.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from islandcare.cli import main
from islandcare.data.tables import read_table


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def big_xlsx(tmp: Path) -> None:
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    wb.active.append(["facility_id", "name", "kind", "lon", "lat"])
    wb.active.append(["a", "x", "hospital", 122.45, 30.72])
    wb.active.cell(1048576, 16384).font = Font(bold=True)
    path = tmp / "big.xlsx"
    wb.save(path)
    before = _peak_mb()
    t0 = time.perf_counter()
    n = len(read_table(path, kind="facilities").frame)
    print(f"xlsx claiming 1,048,576 rows ({path.stat().st_size / 1024:.1f} KB): {n} row read in "
          f"{time.perf_counter() - t0:.2f} s, peak memory {max(_peak_mb(), before):.0f} MB "
          f"(process)")


def many_bad_rows(tmp: Path, rows: int) -> None:
    path = tmp / "bad.csv"
    path.write_text("facility_id,name,kind,lon,lat\n"
                    + "".join(f"f{i},x,hospitl,122.45,30.72\n" for i in range(rows)),
                    encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(path), "--as", "facilities"])
    printed = len(out.getvalue().encode()) + len(err.getvalue().encode())
    print(f"{rows:,} bad rows ({path.stat().st_size / 1e6:.1f} MB): exit {code} in "
          f"{time.perf_counter() - t0:.1f} s, {printed / 1024:.0f} KB of messages")


def app_upload(tmp: Path) -> None:
    from islandcare.app import App
    from islandcare.data.pack import load_pack

    app = App.__new__(App)
    app.area = load_pack("shengsi")
    line = "f{},x,hospitl,122.45,30.72\n"
    body = "facility_id,name,kind,lon,lat\n"
    n = (10 * 1024 * 1024 - len(body)) // len(line.format(100000))
    data = (body + "".join(line.format(100000 + i) for i in range(n))).encode()
    t0 = time.perf_counter()
    answer = json.dumps(app.validate("bad.csv", data), ensure_ascii=False).encode()
    print(f"app upload of {len(data) / 1e6:.1f} MB ({n:,} bad rows): answer {len(answer) / 1024:.0f} KB "
          f"in {time.perf_counter() - t0:.1f} s")


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big_xlsx(Path(tmp))
        many_bad_rows(Path(tmp), args.rows)
        app_upload(Path(tmp))


if __name__ == "__main__":
    run()
