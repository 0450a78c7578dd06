"""What the day profile adds to a run, per area and for the three together.

Run from the repository: ``python benchmarks/profile.py``. For each area the
whole analysis is timed without and with the day profile (best of ``--repeat``
runs, maps not drawn), and the profile step alone on the networks the
analysis has already built. Prints seconds; the issue's bar is under 10 s
more for the three areas.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from islandcare.analyses.places import places as make_places  # noqa: E402
from islandcare.analyses.profile import day_profile, departures  # noqa: E402
from islandcare.analyses.report import analyse_area  # noqa: E402
from islandcare.data.pack import load_pack  # noqa: E402
from islandcare.network.assemble import NetworkCache  # noqa: E402
from islandcare.network.scenario import Scenario  # noqa: E402


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    print(f"{'area':<10}{'departures':>11}{'without':>10}{'with':>10}{'added':>10}{'step alone':>12}")
    total_added = total_step = 0.0
    for key in ("shengsi", "putuo", "fenghua"):
        area = load_pack(key)
        analyse_area(area, with_polygons=False)  # warm caches (sea lattice, shore)
        without = _best(lambda a=area: analyse_area(a, with_polygons=False, with_profile=False), args.repeat)
        with_ = _best(lambda a=area: analyse_area(a, with_polygons=False, with_profile=True), args.repeat)
        nets = NetworkCache(area)
        for sc in (Scenario(profile="walk"), Scenario(profile="drive"), Scenario(profile="ambulance"),
                   Scenario(profile="ambulance", air_grounded=True)):
            nets.get(sc).engine, nets.get(sc).reverse_engine  # built by the analysis anyway
        pl = make_places(area)
        step = _best(lambda a=area, n=nets, p=pl: day_profile(a, p, n), args.repeat)
        total_added += with_ - without
        total_step += step
        print(f"{key:<10}{len(departures(area)):>11}{without:>9.2f}s{with_:>9.2f}s"
              f"{with_ - without:>+9.2f}s{step:>11.2f}s")
    print(f"three areas: the profile adds {total_added:+.2f} s to the analysis "
          f"(the step alone: {total_step:.2f} s)")


if __name__ == "__main__":
    main()
