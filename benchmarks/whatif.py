"""What-if speed: one proposed site checked against every rule, per area.

Prints, for each area, the time to build the networks and baselines (first
check) and the median time of a further check (the answer to a click: a
village clinic and an ambulance station), against the baseline of answering
the same two questions by full re-evaluation (every place's primary-care
circle and ambulance response recomputed with the site added, on the same
networks, without the incremental per-source state).
Aim: a what-if under 50 ms.

    python benchmarks/whatif.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from islandcare.analyses.ambulance import response_times
from islandcare.analyses.coverage import circles_for, evaluate_circle
from islandcare.analyses.places import places
from islandcare.analyses.siting import SiteChecker
from islandcare.config import area_keys
from islandcare.data.pack import load_pack
from islandcare.network.assemble import NetworkCache
from islandcare.network.scenario import Scenario


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    print(f"{'area':<9}{'warm-up s':>10}{'check ms':>10}{'full ms':>9}{'x':>7}  (median of {args.repeat})")
    for key in area_keys():
        area = load_pack(key)
        pl = places(area)
        nets = NetworkCache(area)
        checker = SiteChecker(area, pl, nets)
        land = area.layers["land"]
        pts = land[land["kind"] != "island outside the area"].sample_points(
            1, rng=np.random.default_rng(0)).explode()
        sites = [(p.x, p.y) for p in pts.head(args.repeat)]
        t0 = time.perf_counter()
        checker.check("ambulance_station", [sites[0]])
        checker.check("village_clinic", [sites[0]])
        warm = time.perf_counter() - t0
        times = []
        for s in sites:
            t = time.perf_counter()
            checker.check("village_clinic", [s])
            checker.check("ambulance_station", [s])
            times.append((time.perf_counter() - t) * 1000)
        circle = next(c for c in circles_for(area) if c.key == "primary_care")
        full = []
        for s in sites[:5]:
            t = time.perf_counter()
            extra = {}
            for profile in ("walk", "drive"):
                node, _, access = nets.get(Scenario(profile=profile)).nearest_land_node(*s)
                extra[profile] = [(node, access)]
            evaluate_circle(area, pl, nets, circle, extra=extra, with_legs=False)
            node, _, access = nets.get(Scenario(profile="ambulance")).nearest_land_node(*s)
            response_times(area, pl, nets, extra=[(node, access + 3.0)])
            full.append((time.perf_counter() - t) * 1000)
        med, fmed = statistics.median(times), statistics.median(full)
        print(f"{key:<9}{warm:>10.2f}{med:>10.1f}{fmed:>9.0f}{fmed / med:>7.1f}")


if __name__ == "__main__":
    main()
