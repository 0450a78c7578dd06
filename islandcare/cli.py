"""The ``islandcare`` command.

Exit codes: 0 done; 1 a mistake in the input (file, table, option value),
printed without a traceback; 2 wrong command-line usage; 3 OpenStreetMap could
not be reached (``fetch``); 4 an unexpected error (a bug: please report it).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from islandcare import __version__
from islandcare._gc import collect_less
from islandcare.config import area_keys
from islandcare.errors import InputError, capped_lines

__all__ = ["main"]

T = TypeVar("T")

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

    def steps(self, label: str, total: int, fn: Callable[[Callable[[str], None]], T]) -> T:
        """Run work of ``total`` named steps; ``fn`` gets a ``tell(step)`` to call before each.

        On a terminal this is a progress bar redrawn in place; in a log, one line per step.
        """
        if self.quiet:
            return fn(lambda _step: None)
        t0 = time.perf_counter()
        if not sys.stdout.isatty():
            def tell_line(step: str) -> None:
                print(f"  {label}: {step} ({time.perf_counter() - t0:.1f} s)", flush=True)

            out = fn(tell_line)
            print(f"  {label}: done in {time.perf_counter() - t0:.1f} s", flush=True)
            return out
        seen = [0]

        def tell(step: str) -> None:  # one line redrawn in place: "analyse 2/5 [####      ] step"
            done = seen[0]
            seen[0] += 1
            filled = round(10 * done / total)
            print(f"\r  {label} {done}/{total} [{'#' * filled}{' ' * (10 - filled)}] {step:<28}"
                  f"{time.perf_counter() - t0:5.1f} s", end="", flush=True)

        out = fn(tell)
        print(f"\r  {label} {total}/{total} [{'#' * 10}] {'done':<28}{time.perf_counter() - t0:5.1f} s",
              flush=True)
        return out

    def step(self, label: str, fn: Callable[[], T]) -> T:
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
    if value == "all":  # areas whose file says in_all = false (the Samsø example) run by name only
        from islandcare.config import load_area

        return [k for k in known if load_area(k).get("area.in_all")]
    wanted = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [w for w in wanted if w not in known]
    if unknown:
        msg = f"Unknown area {', '.join(unknown)}: choose from {', '.join(known)} or 'all'."
        raise InputError(msg)
    return wanted


# ---------------------------------------------------------------- commands


def cmd_run(args: argparse.Namespace, con: Console) -> int:
    import datetime as dt

    keys = _areas(args.area)
    out_root = Path(args.out)
    run_started = dt.datetime.now(dt.UTC)
    if out_root.is_dir():  # run.json is written again only when every area is done
        (out_root / "run.json").unlink(missing_ok=True)
    workers = getattr(args, "workers", 1) or 1
    dask_address = getattr(args, "dask", None)
    if workers > 1 or dask_address:
        from islandcare.parallel import map_areas

        con.info(f"{', '.join(keys)}: on {f'Dask at {dask_address}' if dask_address else f'{workers} processes'}")
        summaries = map_areas(_run_area_task, keys, args, workers=workers, dask_address=dask_address,
                              say=con.info)
    else:
        summaries = _run_areas(keys, args, con)
    return _run_index(summaries, out_root, con, keys=keys, started=run_started, lang=args.lang)


def _run_area_task(key: str, args: argparse.Namespace) -> dict:
    """One area of ``run`` in a worker process (quiet): its summary line."""
    return _run_areas([key], args, Console(quiet=True))[0]


def _run_areas(keys: list[str], args: argparse.Namespace, con: Console) -> list[dict]:
    from islandcare.pipeline import run_area

    summaries = []
    for key in keys:
        con.info(f"{key}:")
        run = run_area(key, out=args.out, county=args.county, year=args.year,
                       facilities=args.facilities, villages=args.villages, ports=args.ports,
                       sealinks=args.sealinks, replace_facilities=args.replace_facilities,
                       crs=args.crs, hour=args.hour, lang=args.lang, progress=con)
        summaries.append(run.index_entry())
    return summaries


def _run_index(summaries: list[dict], out_root: Path, con: Console, *, keys: list[str],
               started, lang: str | None) -> int:
    from islandcare._runfolder import write_run_manifest
    from islandcare.render.index import write_index
    from islandcare.render.words import words

    index = write_index(summaries, out_root)
    write_run_manifest(out_root, areas=keys, started=started)
    w = words(lang or (summaries[0]["lang"] if summaries else "zh"))
    con.info("")
    con.info(w("cli.table_head"))
    for s in summaries:
        h = s["headline"]
        avg = h["avg response (min)"]
        con.info(f"{s['area']:<10}{s['counts'].get('villages', 0):>9}{h['covered']:>9}{h['underserved']:>7}"
                 f"{h['unknown']:>9}{'—' if avg is None else avg:>10}  {Path(s['map']).parent}")
    con.info(w("cli.unknown_note"))
    con.info(w("cli.open", path=index))
    return EXIT_OK


def cmd_areas(args: argparse.Namespace, con: Console) -> int:
    from islandcare.data.inventory import inventories

    bad = 0
    for inv in inventories():
        read = inv.level != "?"  # an area file that cannot be read has no title or level
        con.info(f"{inv.key} — {inv.title} ({inv.level}-level)" if read else f"{inv.key} — area file not read")
        for role, name in inv.sources.items():
            con.info(f"  source {role}: {name}")
        if inv.tables:
            con.info(f"  tables: {', '.join(inv.tables)}")
        if inv.counts:
            con.info("  pack: " + ", ".join(f"{k} {v}" for k, v in inv.counts.items()))
        if inv.counties:
            con.info("  counties (--county CODE): " + ", ".join(f"{c['code']} {c['name']}" for c in inv.counties))
        for line in inv.lacks:
            con.info(f"  lacks: {line}")
        for line in inv.problems:
            print(f"  problem: {line}", file=sys.stderr if args.check else sys.stdout)
        bad += len(inv.problems)
    if args.check and bad:
        raise InputError(f"{bad} problem(s) in the areas' files or packs (listed above).")
    return EXIT_OK


def _with_osm_cache(area):
    from islandcare.pipeline import with_osm_cache

    return with_osm_cache(area)


def cmd_validate(args: argparse.Namespace, con: Console) -> int:
    from islandcare.data.pack import load_pack
    from islandcare.data.tables import read_table

    land = outline = ports = codes = None
    if args.area:
        area = load_pack(args.area)
        land, outline = area.land_union, area.outline_geom
        codes = set(area.layers["villages"]["code"])
        ports = set(area.layers["ports"]["port_id"])
        if getattr(args, "ports", None):
            ports |= set(read_table(Path(args.ports), kind="ports", crs=args.crs, land=land,
                                    area_outline=outline).frame["port_id"])
    elif args.kind == "sealinks" and getattr(args, "ports", None):
        ports = set(read_table(Path(args.ports), kind="ports", crs=args.crs).frame["port_id"])
    result = read_table(Path(args.file), kind=args.kind, crs=args.crs, land=land,
                        area_outline=outline, sheet=args.sheet,
                        known_ports=ports if args.kind == "sealinks" else None,
                        register_codes=codes if args.kind == "villages" else None)
    for line in capped_lines(result.problems):
        con.info(line)
    if not args.area:
        skipped = (["the ports the links name exist"] if args.kind == "sealinks" and ports is None
                   else [])
        if args.kind != "sealinks":
            skipped += ["distance from land", "the area outline"]
        if args.kind == "villages":
            skipped.append("codes known to the register")
        if skipped:
            con.info(f"not checked without --area: {', '.join(skipped)} "
                     f"(give --area {' or '.join(area_keys())} to check them).")
    n_warn = sum(p.severity == "warning" for p in result.problems)
    con.info(f"{args.file}: {len(result.frame)} rows, valid as {args.kind}"
             f"{f' ({n_warn} warnings)' if n_warn else ''}.")
    return EXIT_OK


def cmd_template(args: argparse.Namespace, con: Console) -> int:
    from islandcare.templates import write_template

    path = write_template(args.table, Path(args.output))
    con.info(f"{path}: a {args.table} table to fill in (row 2 is a real example: replace it). "
             f"Check it with: islandcare validate {path} --as {args.table} --area AREA")
    return EXIT_OK


def cmd_fetch(args: argparse.Namespace, con: Console) -> int:
    from islandcare.config import geodata_dir
    from islandcare.data import osm
    from islandcare.data.pack import load_pack

    cache = geodata_dir() / "cache"
    for key in _areas(args.area):
        if args.osm_file:
            data = _fetch_file(key, Path(args.osm_file), con)
            osm.save_cache(data, area=key, cache_dir=cache)
        else:
            area = load_pack(key)
            try:
                data = con.step(f"{key}: fetch OpenStreetMap",
                                functools.partial(osm.fetch_area, area=key, polygon=area.outline_geom,
                                                  cache_dir=cache))
            except osm.OsmUnavailable as exc:
                print(str(exc), file=sys.stderr)
                return EXIT_OFFLINE
        con.info(f"  {key}: {data.graph.number_of_nodes()} road nodes, "
                 f"{len(data.facilities)} health facilities, {len(data.ferries)} ferry routes "
                 f"cached in {cache / key}")
    return EXIT_OK


def _fetch_file(key: str, path: Path, con: Console):
    """Read an extract for an area, refuse it when it does not cover the area, build a pack if due."""
    from islandcare.config import load_area
    from islandcare.data import osm
    from islandcare.data.osm.check import check_covers, extent_text
    from islandcare.data.osm.pack import build_pack, builds_from_osm, outline_of
    from islandcare.data.pack import load_pack

    cfg = load_area(key)
    new_pack = builds_from_osm(cfg)
    area = None if new_pack else load_pack(key)
    outline = outline_of(cfg) if area is None else area.outline_geom
    extent = con.step(f"{key}: extent of {path.name}", lambda: osm.file_extent(path))
    con.info(f"  {path.name} covers {extent_text(extent)}")
    data = con.step(f"{key}: read {path}", lambda: osm.load_osm_file(path, polygon=outline))
    check_covers(data, path=path, extent=extent, key=key, outline=outline,
                 land=None if area is None else area.land_union,
                 min_land_share=float(cfg.get("osm.min_land_share")))
    if new_pack:
        folder = con.step(f"{key}: build the offline pack from {path.name}",
                          lambda: build_pack(cfg, data, path=path))
        con.info(f"  {key}: pack written to {folder}")
    return data


def _scenario(args: argparse.Namespace):
    from islandcare.network.scenario import Scenario

    return Scenario(profile=args.profile, hour=args.hour, night=args.night,
                    sea_closed=args.sea_closed, air_grounded=args.air_grounded)


def _has_emergency_bases(area) -> bool:
    kinds = set(area.layers["facilities"]["kind"])
    return bool(kinds & {"ambulance_station", "boat_station", "hospital", "air_base"})


def _add_scenario_options(p: argparse.ArgumentParser, *, profile: str | None) -> None:
    p.add_argument("--profile", default=profile, choices=["drive", "walk", "ambulance"],
                   help=f"who travels (default: {profile or 'the ambulance where the area has one'})")
    p.add_argument("--hour", type=_hour, help="hour of day for ferry waits, e.g. 9.5 (default: average)")
    p.add_argument("--night", action="store_true", help="no scheduled ferries, no day-only flights")
    p.add_argument("--sea-closed", action="store_true", help="weather closure: no boat at all")
    p.add_argument("--air-grounded", action="store_true", help="no helicopter flies")


def _fmt_min(x: float) -> str:
    return f"{x:.1f}" if x == x and x != float("inf") else "not reached"


def cmd_times(args: argparse.Namespace, con: Console) -> int:
    from islandcare.analyses.routes import (
        place_label,
        times_from,
        trip,
        unreached_reason,
    )
    from islandcare.analyses.rules import live_facilities
    from islandcare.analyses.trips import clock_text, leg_table, trip_record
    from islandcare.data.pack import load_pack
    from islandcare.engine_td import parse_clock
    from islandcare.network import nodes
    from islandcare.network.assemble import build_network

    if not args.source and not args.to:
        raise InputError("Give --from FACILITY_ID, --to VILLAGE_CODE, or both.")
    try:
        depart = None if args.depart is None else parse_clock(args.depart)
    except ValueError as err:
        raise InputError(f"--depart: {err}") from None
    area, _ = _with_osm_cache(load_pack(args.area))
    if args.profile is None:  # a patient question: the ambulance, where the area has bases
        args.profile = "ambulance" if _has_emergency_bases(area) else "drive"
    if depart is not None and args.hour is None:
        args.hour = depart / 60.0  # daylight for day-only flights at the departure
    scenario = _scenario(args)
    net = build_network(area, scenario=scenario)
    say = con.info if not getattr(args, "json", False) else (lambda _msg: None)
    say(f"{area.config.title} — scenario: {scenario.label}"
        + (f", leaving {clock_text(depart)}" if depart is not None
           else " (average ferry waits: give --depart HH:MM for clock-true sailings)"))
    from islandcare.analyses.names import resolve

    if args.source and args.to:
        pairs = [(resolve(area, args.source, role="--from"), resolve(area, args.to))]
    elif args.to:
        target = resolve(area, args.to)
        fac = area.layers["facilities"]
        kinds = args.kind.split(",") if args.kind else list(fac["kind"].unique())
        cands = [nodes.facility_node(f) for f in
                 live_facilities(area, kinds=kinds, include_planned=True, net=net)["facility_id"]]
        best = min(cands, key=lambda s: times_from(net, s, [target]).iloc[0]) if cands else None
        if best is None:
            raise InputError(f"No facility of kind {args.kind} with a known point in {args.area}.")
        pairs = [(best, target)]
    else:
        source = resolve(area, args.source, role="--from")
        vil, tw = area.layers["villages"], area.layers["townships"]
        targets = [nodes.township_node(c) for c in tw["code"]] + [nodes.village_node(c) for c in vil["code"]]
        on_net = [t for t in targets if net.has(t)]
        times = times_from(net, source, on_net)
        con.info(f"from {place_label(area, source)}")
        con.info(f"{'minutes':>12}  to")
        for t, m in times.sort_values().items():
            why = "" if m < float("inf") else f"  — {unreached_reason(net, area, source, t)}"
            con.info(f"{_fmt_min(m):>12}  {place_label(area, t)}{why}")
        missing = len(targets) - len(on_net)
        if missing:
            con.info(f"({missing} villages have no known point: their times are unknown, not long.)")
        return EXIT_OK
    if depart is not None or getattr(args, "json", False):
        from islandcare.engine_td import ClockEngine

        clock = ClockEngine.compile(net.graph) if depart is not None else None
        records = []
        for s, t in pairs:
            legs = leg_table(net, area, s, t, depart=depart, clock=clock)
            records.append(trip_record(area, s, t, legs, depart=depart, profile=scenario.profile))
        if getattr(args, "json", False):
            print(json.dumps(records if len(records) > 1 else records[0], ensure_ascii=False, indent=1))
            return EXIT_OK
        for rec in records:
            con.info(f"from {rec['from']} to {rec['to']}: "
                     + (f"{rec['minutes']:.1f} min, arriving {rec['arrive']}" if rec["minutes"] is not None
                        else "not reached"))
            con.info(f"  {'mode':<10}{'minutes':>9}  {'leaves':<12}{'arrives':<12}{'data':<9} from → to")
            for lg in rec["legs"]:
                con.info(f"  {lg['mode']:<10}{lg['minutes']:>9.1f}  {lg['leaves'] or '':<12}"
                         f"{lg['arrives'] or '':<12}{lg['data']:<9} {lg['from']} → {lg['to']}")
        return EXIT_OK
    for s, t in pairs:
        tr = trip(net, area, s, t)
        con.info(f"from {place_label(area, s)} to {place_label(area, t)}: {_fmt_min(tr.minutes)} min")
        if not tr.reached:
            con.info(f"  not reached: {unreached_reason(net, area, s, t)}")
            continue
        con.info(f"  {'mode':<10}{'minutes':>9}  {'data':<9} from → to")
        for _, lg in tr.legs.iterrows():
            con.info(f"  {lg['mode']:<10}{lg['minutes']:>9.1f}  {'mapped' if lg['mapped'] else 'modelled':<9} "
                     f"{lg['from']} → {lg['to']}")
        if tr.rests_on_modelled:
            con.info("  'modelled' legs rest on an assumption (off-road speed, crossing from distance, "
                     "unknown timetable): see geodata/areas/.")
    return EXIT_OK


def _site_context(area_key: str):
    from islandcare.analyses.places import places
    from islandcare.analyses.siting import SiteChecker
    from islandcare.data.pack import load_pack
    from islandcare.network.assemble import NetworkCache

    area, _ = _with_osm_cache(load_pack(area_key))
    return area, SiteChecker(area, places(area), NetworkCache(area))


def _print_effect(con: Console, effect) -> None:
    from islandcare.render.text import effect_lines

    for line in effect_lines(effect):
        con.info(line)


def _read_sites(path: Path, area, crs: str) -> tuple[str | None, list[tuple[float, float]]]:
    from islandcare.data.tables import read_table

    res = read_table(path, kind="facilities", crs=crs, land=area.land_union,
                     area_outline=area.outline_geom)
    for line in capped_lines(res.problems):
        print(line, flush=True)
    fr = res.frame
    kinds = set(fr["kind"].dropna())
    return (kinds.pop() if len(kinds) == 1 else None,
            [(g.x, g.y) for g in fr.geometry if g is not None and not g.is_empty])


def cmd_check_site(args: argparse.Namespace, con: Console) -> int:
    from islandcare.crs import to_wgs84

    area, checker = _site_context(args.area)
    if args.sites:
        kind, sites = _read_sites(Path(args.sites), area, args.crs)
        kind = args.kind or kind
        if kind is None:
            raise InputError(f"{args.sites}: several facility kinds; say which with --kind.")
    else:
        if args.lon is None or args.lat is None or not args.kind:
            raise InputError("Give --kind with --lon and --lat, or --sites FILE.")
        lon, lat = to_wgs84(args.lon, args.lat, crs=args.crs)
        kind, sites = args.kind, [(float(lon), float(lat))]
        from islandcare.data.sites import check_site_point

        check_site_point(area, kind, sites[0], source="--lon/--lat")
    effect = checker.check(kind, sites)
    con.info(f"{area.config.title}: {len(sites)} proposed {kind} site(s)")
    _print_effect(con, effect)
    return EXIT_OK


def cmd_propose(args: argparse.Namespace, con: Console) -> int:
    from islandcare.analyses.siting import propose

    _area, checker = _site_context(args.area)
    table, effect = con.step(f"choose {args.count} {args.kind} sites (maximal covering, exact MILP)",
                             lambda: propose(checker, args.kind, args.count))
    con.info(f"{'rank':>4} {'lon':>11} {'lat':>10}  weight covered")
    for _, r in table.iterrows():
        con.info(f"{r['rank']:>4} {r['lon']:>11.5f} {r['lat']:>10.5f}  {r['weight_covered']:,.0f}")
    con.info("(weight = people at township seats, 1 per village with no population)")
    _print_effect(con, effect)
    return EXIT_OK


def cmd_underserved(args: argparse.Namespace, con: Console) -> int:
    from islandcare.analyses.report import analyse_area, place_frame, underserved_columns
    from islandcare.data.pack import load_pack
    from islandcare.export import write_table
    from islandcare.render.words import area_lang, export_columns, export_rows, words

    area, _ = _with_osm_cache(load_pack(args.area))
    rep = con.step("analyse", lambda: analyse_area(area, with_polygons=False))
    w = words(area_lang(area.config, args.lang))
    under = export_rows(place_frame(rep, status="underserved"), w)
    notes = [f"{k}: {v}" for k, v in area.config.sources.items()] + area.attribution
    path = write_table(under, Path(args.output), format=args.format,
                       columns=export_columns(w, underserved_columns(area)), notes=notes)
    v = rep.summary["villages"]
    con.info(w("cli.underserved_written", n=len(under), path=path, **v))
    return EXIT_OK


def cmd_report(args: argparse.Namespace, con: Console) -> int:
    from islandcare.analyses.report import analyse_area, analysis_steps
    from islandcare.data.pack import load_pack
    from islandcare.render.words import area_lang, words
    from islandcare.report import write_report

    out = Path(args.output)
    if out.suffix.lower() not in (".docx", ".pdf"):
        raise InputError(f"{out}: the report is written as .docx (Word) or .pdf; choose one of "
                         "these suffixes for -o.")
    area, _ = _with_osm_cache(con.step("load offline pack", lambda: load_pack(args.area)))
    lang = area_lang(area.config, args.lang)
    rep = con.steps("analyse", analysis_steps(area),
                    lambda tell: analyse_area(area, hour=args.hour, progress=tell))
    path = con.step(f"write {out.suffix.lower()[1:]} report",
                    lambda: write_report(rep, out, lang=lang))
    n_maps = len(rep.circles) + 3
    con.info(words(lang)("cli.report_written", path=path, maps=n_maps, under=len(rep.underserved)))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, con: Console) -> int:
    from islandcare.app import HOST, App, make_server

    con.info(f"{args.area}: getting ready")
    app = App.build(args.area, step=con.step, lang=args.lang)
    try:
        server = make_server(app, port=args.port, log=None if args.quiet else con.info)
    except OSError as exc:
        msg = (f"Cannot listen on {HOST}:{args.port} ({exc.strerror or exc}): choose another "
               "--port, or --port 0 for a free one.")
        raise InputError(msg) from None
    print(f"Open {server.url} in a browser (only this computer can reach it). Ctrl-C stops.",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        con.info("stopping")
    finally:
        server.server_close()
        # a warm-up thread still in compiled code when Python exits can crash the process
        app.wait_warm()
    return EXIT_OK


def _hour(value: str) -> float:
    try:
        hour = float(value)
    except ValueError:
        hour = math.nan
    if not 0 <= hour < 24:
        raise argparse.ArgumentTypeError(f"an hour of day is a number from 0 to 23.99 (e.g. 9.5 "
                                         f"for 09:30), not {value!r}")
    return hour


def _degrees(value: str) -> float:
    try:
        deg = float(value)
    except ValueError:
        deg = math.nan
    if not math.isfinite(deg) or abs(deg) > 180:
        raise argparse.ArgumentTypeError(f"expected degrees between -180 and 180, not {value!r}")
    return deg


def _whole_number(expected: str, low: int, high: int | None = None) -> Callable[[str], int]:
    """Return an argparse type for a whole number from ``low`` to ``high`` (no upper bound: None)."""

    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            n = low - 1
        if n < low or (high is not None and n > high):
            raise argparse.ArgumentTypeError(f"expected {expected}, not {value!r}")
        return n

    return parse


_workers = _whole_number("a whole number of processes >= 1", 1)
_count = _whole_number("a whole number from 1 to 1000", 1, 1000)


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 0 to 65535, not {value!r}")
    return port


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
    common.add_argument("--lang", choices=["zh", "en"],
                        help="language of maps, summaries, reports and output "
                             "(default: the area file's area.lang, zh for the Chinese areas)")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", parents=[common], help="maps and tables for one area or all, from the offline pack")
    r.add_argument("--area", default="all", help="area name, comma list, or 'all' (default)")
    r.add_argument("--out", default="maps", help="output folder (default: maps)")
    r.add_argument("--county", metavar="CODE",
                   help="a city-level area's county alone (6-digit code, e.g. from 'islandcare areas'); "
                        "writes to OUT/<area>-<CODE>")
    r.add_argument("--workers", type=_workers, default=1,
                   help="areas run at once in processes of this computer (default 1)")
    r.add_argument("--dask", metavar="ADDRESS",
                   help="run the areas on a Dask scheduler, e.g. tcp://host:8786 (pip install islandcare[dask])")
    r.add_argument("--year", type=int,
                   help="apply the hospital moves the area file plans by this year (e.g. 2026)")
    r.add_argument("--hour", type=_hour,
                   help="hour of day for ferry waits and sailing hours, e.g. 9.5 (default: average wait)")
    r.add_argument("--facilities", help="your facilities table (CSV, Excel, GeoJSON): adds to "
                   "(or updates by facility_id) the pack's")
    r.add_argument("--replace-facilities", action="store_true",
                   help="use only your facilities table, not the pack's facilities")
    r.add_argument("--villages", help="your villages table: replaces the pack's rows of the same code")
    r.add_argument("--ports", help="your ports table: adds to (or replaces by port_id) the pack's")
    r.add_argument("--sealinks", help="your sea links table: adds to (or replaces by link_id) the pack's")
    r.add_argument("--crs", default="wgs84", choices=["wgs84", "gcj02", "bd09"],
                   help="coordinate system of your tables")
    r.set_defaults(func=cmd_run)

    ar = sub.add_parser("areas", parents=[common], help="the areas, their data sources and what each lacks")
    ar.add_argument("--check", action="store_true",
                    help="check every area file against the schema (islandcare/settings.py); exit 1 when one does "
                         "not fit it, names a missing source file, or its pack lacks a layer")
    ar.set_defaults(func=cmd_areas)

    v = sub.add_parser("validate", parents=[common], help="check a planner's table and report every mistake")
    v.add_argument("file", help="CSV, Excel (.xlsx) or GeoJSON file")
    v.add_argument("--as", dest="kind", required=True,
                   choices=["facilities", "villages", "sealinks", "ports"])
    v.add_argument("--area", help="check points against this area's land, outline, ports and register")
    v.add_argument("--ports", help="sea links: your ports table, whose port_ids the links may name")
    v.add_argument("--sheet", help="Excel: the sheet to read (default: the first holding a table)")
    v.add_argument("--crs", default="wgs84", choices=["wgs84", "gcj02", "bd09"],
                   help="coordinate system of the table (gcj02: Amap/Tencent, bd09: Baidu)")
    v.set_defaults(func=cmd_validate)

    tp = sub.add_parser("template", parents=[common],
                        help="write a blank planner table (Excel with drop-downs, or CSV) to fill in")
    tp.add_argument("table", choices=["facilities", "villages", "ports", "sealinks"])
    tp.add_argument("-o", "--output", required=True, help="file to write: NAME.xlsx or NAME.csv")
    tp.set_defaults(func=cmd_template)

    t = sub.add_parser("times", parents=[common],
                       help="travel time and legs from a facility and/or to a village")
    t.add_argument("--area", required=True)
    t.add_argument("--from", dest="source", metavar="PLACE",
                   help="facility id, village or township code, or a name (Chinese or pinyin)")
    t.add_argument("--to", metavar="PLACE",
                   help="village (12-digit) or township (9-digit) code, facility id, or a name "
                        "(Chinese or pinyin, e.g. 枸杞 or gouqi)")
    t.add_argument("--kind", help="with only --to: nearest facility of these kinds (comma list)")
    t.add_argument("--depart", metavar="HH:MM",
                   help="leave at this clock time: each ferry waits from the arrival at its pier "
                        "for the next sailing (default: average waits)")
    t.add_argument("--json", action="store_true", help="print the trip and its legs as JSON")
    _add_scenario_options(t, profile=None)
    t.set_defaults(func=cmd_times)

    c = sub.add_parser("check-site", parents=[common], help="what a proposed site would add")
    c.add_argument("--area", required=True)
    c.add_argument("--kind", help="facility kind, e.g. village_clinic, ambulance_station, helipad")
    c.add_argument("--lon", type=_degrees)
    c.add_argument("--lat", type=_degrees)
    c.add_argument("--sites", help="a facilities table (CSV, Excel, GeoJSON) of proposed sites")
    c.add_argument("--crs", default="wgs84", choices=["wgs84", "gcj02", "bd09"])
    c.set_defaults(func=cmd_check_site)

    pr = sub.add_parser("propose", parents=[common], help="the K sites that bring the most people inside")
    pr.add_argument("--area", required=True)
    pr.add_argument("--kind", required=True)
    pr.add_argument("--count", type=_count, default=1)
    pr.set_defaults(func=cmd_propose)

    u = sub.add_parser("underserved", parents=[common], help="export the underserved villages")
    u.add_argument("--area", required=True)
    u.add_argument("--format", choices=["csv", "xlsx", "geojson"])
    u.add_argument("-o", "--output", required=True, help="file to write")
    u.set_defaults(func=cmd_underserved)

    rp = sub.add_parser("report", parents=[common],
                        help="the report for a director: Word (.docx) or PDF, in Chinese or English")
    rp.add_argument("--area", required=True)
    rp.add_argument("-o", "--output", required=True, help="report.docx or report.pdf")
    rp.add_argument("--hour", type=float, help="hour of day for ferry waits (default: average)")
    rp.set_defaults(func=cmd_report)

    sv = sub.add_parser("serve", parents=[common],
                        help="the area's map in a local web page: click to try a site")
    sv.add_argument("--area", required=True)
    sv.add_argument("--port", type=_port, default=8765,
                    help="port on 127.0.0.1 (default: 8765; 0 picks a free one)")
    sv.set_defaults(func=cmd_serve)

    f = sub.add_parser("fetch", parents=[common], help="download OpenStreetMap data for an area into geodata/cache")
    f.add_argument("--area", required=True)
    f.add_argument("--osm-file", help="build from a local .osm / .osm.pbf file instead")
    f.set_defaults(func=cmd_fetch)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``islandcare`` command."""
    collect_less()
    parser = build_parser()
    args = parser.parse_args(argv)
    con = Console(quiet=args.quiet, verbose=args.verbose)
    try:
        return int(args.func(args, con))
    except InputError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        for line in capped_lines(exc.problems):
            print("  " + line, file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:  # a folder that cannot be written, a file where a folder should be
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error: cannot read or write{where}: {exc.strerror or exc}. Choose another "
              f"file or folder (one you may write to, with a shorter name, on a disk with room).",
              file=sys.stderr)
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
    finally:
        from islandcare._runfolder import discard_partial_folders

        discard_partial_folders()


if __name__ == "__main__":
    raise SystemExit(main())

