"""The ``islandcare`` command.

Exit codes: 0 done; 1 a mistake in the input (file, table, option value),
printed without a traceback; 2 wrong command-line usage; 3 OpenStreetMap could
not be reached (``fetch``); 4 an unexpected error (a bug: please report it).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from islandcare import __version__
from islandcare.config import area_keys
from islandcare.errors import InputError, format_problem

__all__ = ["main"]

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_OFFLINE, EXIT_BUG = 0, 1, 2, 3, 4


class Console:
    """Prints progress and results, honouring --quiet and --verbose."""

    def __init__(self, *, quiet: bool = False, verbose: bool = False) -> None:
        self.quiet, self.verbose = quiet, verbose

    def info(self, msg: str) -> None:
        if not self.quiet:
            print(msg, flush=True)

    def detail(self, msg: str) -> None:
        if self.verbose and not self.quiet:
            print(msg, flush=True)

    def step(self, label: str, fn: Callable[[], object]) -> object:
        """Run one step, saying what it does and how long it took."""
        t0 = time.perf_counter()
        if not self.quiet:
            print(f"  {label} ...", end="", flush=True)
        try:
            out = fn()
        except BaseException:
            if not self.quiet:
                print(" stopped", flush=True)
            raise
        if not self.quiet:
            print(f" {time.perf_counter() - t0:.1f} s", flush=True)
        return out


def _areas(value: str) -> list[str]:
    known = area_keys()
    if value == "all":
        return known
    wanted = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [w for w in wanted if w not in known]
    if unknown:
        msg = f"Unknown area {', '.join(unknown)}: choose from {', '.join(known)} or 'all'."
        raise InputError(msg)
    return wanted


# ---------------------------------------------------------------- commands


def cmd_run(args: argparse.Namespace, con: Console) -> int:
    from islandcare.data.pack import load_pack
    from islandcare.render.index import write_index
    from islandcare.render.maps import write_area_map

    out_root = Path(args.out)
    summaries = []
    for key in _areas(args.area):
        con.info(f"{key}:")
        area = con.step("load offline pack", lambda k=key: load_pack(k))
        path = con.step("draw map", lambda a=area, k=key: write_area_map(a, out_root / k))
        counts = area.meta.get("counts", {})
        summaries.append({"area": key, "title": area.config.title, "map": str(path),
                          "counts": counts})
    index = write_index(summaries, out_root)
    con.info("")
    con.info(f"{'area':<10}{'villages':>10}{'with point':>12}{'facilities':>12}  map")
    for s in summaries:
        c = s["counts"]
        con.info(f"{s['area']:<10}{c.get('villages', 0):>10}{c.get('villages_with_point', 0):>12}"
                 f"{c.get('facilities', 0):>12}  {s['map']}")
    con.info(f"Open {index} in a browser.")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace, con: Console) -> int:
    from islandcare.data.pack import load_pack
    from islandcare.data.tables import read_table

    land = outline = None
    if args.area:
        area = load_pack(args.area)
        land, outline = area.land_union, area.outline_geom
    result = read_table(Path(args.file), kind=args.kind, crs=args.crs, land=land,
                        area_outline=outline)
    for p in result.problems:
        con.info(format_problem(p))
    con.info(f"{args.file}: {len(result.frame)} rows, valid as {args.kind}"
             f"{f' ({len(result.problems)} warnings)' if result.problems else ''}.")
    return EXIT_OK


def cmd_fetch(args: argparse.Namespace, con: Console) -> int:
    from islandcare.config import geodata_dir
    from islandcare.data import osm
    from islandcare.data.pack import load_pack

    cache = geodata_dir() / "cache"
    for key in _areas(args.area):
        area = load_pack(key)
        if args.osm_file:
            data = con.step(f"{key}: read {args.osm_file}",
                            lambda a=area: osm.load_osm_file(Path(args.osm_file),
                                                             polygon=a.outline_geom))
            osm.save_cache(data, area=key, cache_dir=cache)
        else:
            try:
                data = con.step(f"{key}: fetch OpenStreetMap",
                                lambda a=area, k=key: osm.fetch_area(area=k, polygon=a.outline_geom,
                                                                     cache_dir=cache))
            except osm.OsmUnavailable as exc:
                print(str(exc), file=sys.stderr)
                return EXIT_OFFLINE
        con.info(f"  {key}: {data.graph.number_of_nodes()} road nodes, "
                 f"{len(data.facilities)} health facilities, {len(data.ferries)} ferry routes "
                 f"cached in {cache / key}")
    return EXIT_OK


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="islandcare",
        description="Where care arrives in time: travel-time coverage maps for island and coastal areas.",
        epilog="Exit codes: 0 done, 1 input mistake, 2 usage, 3 OpenStreetMap unreachable, 4 bug.")
    p.add_argument("--version", action="version", version=f"islandcare {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    common.add_argument("-v", "--verbose", action="store_true", help="print more detail")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", parents=[common], help="maps and tables for one area or all, from the offline pack")
    r.add_argument("--area", default="all", help="area name, comma list, or 'all' (default)")
    r.add_argument("--out", default="maps", help="output folder (default: maps)")
    r.set_defaults(func=cmd_run)

    v = sub.add_parser("validate", parents=[common], help="check a planner's table and report every mistake")
    v.add_argument("file", help="CSV, Excel (.xlsx) or GeoJSON file")
    v.add_argument("--as", dest="kind", required=True,
                   choices=["facilities", "villages", "sealinks", "ports"])
    v.add_argument("--area", help="check points against this area's land and outline")
    v.add_argument("--crs", default="wgs84", choices=["wgs84", "gcj02", "bd09"],
                   help="coordinate system of the table (gcj02: Amap/Tencent, bd09: Baidu)")
    v.set_defaults(func=cmd_validate)

    f = sub.add_parser("fetch", parents=[common], help="download OpenStreetMap data for an area into geodata/cache")
    f.add_argument("--area", required=True)
    f.add_argument("--osm-file", help="build from a local .osm / .osm.pbf file instead")
    f.set_defaults(func=cmd_fetch)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``islandcare`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    con = Console(quiet=args.quiet, verbose=args.verbose)
    try:
        return int(args.func(args, con))
    except InputError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        for prob in exc.problems:
            print("  " + format_problem(prob), file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so plainly, with the detail on --verbose
        if args.verbose:
            raise
        print(f"islandcare failed unexpectedly ({type(exc).__name__}: {exc}). "
              "Run again with --verbose for the traceback and please report it.", file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":
    raise SystemExit(main())

