"""The run of one area, from its pack to its map and exports: what ``islandcare run`` does.

:func:`run_area` loads an area (or takes one already loaded), applies the
optional county cut, planned moves and planner tables, runs every analysis
and, when given a folder, writes the map, ``summary.json``/``summary.md`` and
the exports. The command line calls it once per area, ``islandcare serve``
through :meth:`islandcare.app.App.build` (so the app shows what ``run``
writes); Python users call it through :func:`islandcare.run_area`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from islandcare.analyses.report import AreaReport
    from islandcare.data.pack import Area

__all__ = ["AreaRun", "Progress", "Silent", "StepProgress", "run_area"]

T = TypeVar("T")


class Progress(Protocol):
    """Where a run reports what it is doing (the command line's console is one)."""

    def info(self, msg: str) -> None:
        """Say one line."""

    def step(self, label: str, fn: Callable[[], T]) -> T:
        """Run ``fn`` as one named step and return its result."""

    def steps(self, label: str, total: int, fn: Callable[[Callable[[str], None]], T]) -> T:
        """Run ``fn(tell)``, a step of ``total`` parts, each announced by ``tell(name)``."""


class Silent:
    """A :class:`Progress` that says nothing (the default of :func:`run_area`)."""

    def info(self, msg: str) -> None:
        """Say nothing."""

    def step(self, label: str, fn: Callable[[], T]) -> T:
        """Run ``fn``."""
        return fn()

    def steps(self, label: str, total: int, fn: Callable[[Callable[[str], None]], T]) -> T:
        """Run ``fn`` with a ``tell`` that says nothing."""
        return fn(lambda _name: None)


class StepProgress:
    """A :class:`Progress` made of one ``step(label, fn)`` callable (what :meth:`islandcare.app.App.build` takes).

    Each step and each many-part step is reported as one step; lines of
    information are left out.

    Parameters
    ----------
    step
        ``step(label, fn)`` runs ``fn`` and returns its result, e.g.
        :meth:`islandcare.cli.Console.step`.
    """

    def __init__(self, step: Callable[[str, Callable[[], Any]], Any]) -> None:
        self._step = step

    def info(self, msg: str) -> None:
        """Say nothing."""

    def step(self, label: str, fn: Callable[[], T]) -> T:
        """Run ``fn`` as the step ``label``."""
        return self._step(label, fn)

    def steps(self, label: str, total: int, fn: Callable[[Callable[[str], None]], T]) -> T:
        """Run ``fn(tell)`` as the one step ``label``; ``tell`` says nothing."""
        return self._step(label, lambda: fn(lambda _name: None))


@dataclass(frozen=True)
class AreaRun:
    """The result of :func:`run_area`.

    Attributes
    ----------
    area
        The area as analysed (after the county cut, planned moves and tables).
    report
        Every analysis; ``report.summary`` is what ``summary.json`` holds.
    out
        The area's folder with map and exports, or ``None`` when nothing was written.
    notes
        Where each setting comes from, and the data's attribution (the exports' notes).
    lang
        The language of the map, summary and exports (``zh`` or ``en``).
    """

    area: Area
    report: AreaReport
    out: Path | None
    notes: list[str]
    lang: str = "zh"

    @property
    def summary(self) -> dict[str, Any]:
        """The run's summary (as in ``summary.json``)."""
        return self.report.summary

    def index_entry(self) -> dict[str, Any]:
        """Return this area's line in the overview page (``render.index.write_index``)."""
        s = self.report.summary
        return {"area": self.area.key, "title": self.area.config.title,
                "map": str((self.out or Path()) / "index.html"), "lang": self.lang,
                "assessed": s["villages"]["covered"] + s["villages"]["underserved"],
                "counts": self.area.meta.get("counts", {}),
                "headline": {
                    "covered": s["villages"]["covered"],
                    "underserved": s["villages"]["underserved"],
                    "unknown": s["villages"]["unknown"],
                    "avg response (min)": s["ambulance"]["response"]["all"]["average_response_min"],
                }}


def with_osm_cache(area: Area) -> tuple[Area, list[str]]:
    """Return the area with its OpenStreetMap cache laid over the pack, and lines saying what was used."""
    from islandcare.data.conflate import load_osm_cache, road_source_line, with_osm

    data = load_osm_cache(area.key)
    area, notes = with_osm(area, data)
    places = getattr(data, "places", None)
    if places is not None and not places.empty:  # drawn as their own layer, off at start
        from islandcare.render.maps import unmatched_osm_places

        area.meta["osm_unmatched_places"] = unmatched_osm_places(area, places)
    return area, [f"roads: {road_source_line(area)}", *notes]


def run_area(
    area: str | Area,
    *,
    out: str | Path | None = None,
    county: str | None = None,
    year: int | None = None,
    facilities: str | Path | None = None,
    villages: str | Path | None = None,
    ports: str | Path | None = None,
    sealinks: str | Path | None = None,
    replace_facilities: bool = False,
    crs: str = "wgs84",
    hour: float | None = None,
    lang: str | None = None,
    progress: Progress | None = None,
) -> AreaRun:
    """Analyse one area and, with ``out``, write its map, summary and exports.

    Parameters
    ----------
    area
        An area name (``"shengsi"``) or an area already loaded
        (:func:`islandcare.load_area`). A name is loaded from its pack with its
        OpenStreetMap cache, if any, laid over it.
    out
        Folder for all areas, as ``islandcare run --out``: this area's files go to
        ``out/<area>/`` (``out/<area>-<county>/`` with ``county``), written into a
        temporary folder first and moved into place, with a ``run.json``
        manifest, only when complete. ``None`` writes nothing.
    county
        A city-level area's county code: analyse that county alone.
    year
        Apply the planned moves due by this year (``relocations`` in the pack).
    facilities, villages, ports, sealinks
        A planner's tables (CSV, Excel, GeoJSON) laid over the pack's; each is
        checked first (see :func:`islandcare.read_table`).
    replace_facilities
        Use only the planner's facilities (and OpenStreetMap's), not the pack's.
    crs
        The tables' coordinate system: ``wgs84``, ``gcj02`` (Amap) or ``bd09`` (Baidu).
    hour
        Hour of day for ferry waits and sailing hours (default: average waits).
    lang
        ``zh`` or ``en`` (default: the area file's ``area.lang``).
    progress
        Where to report progress (default: silent).

    Returns
    -------
    AreaRun
        The area, its report and where its files were written.

    Raises
    ------
    InputError
        For an unknown area or county, or a table with a problem (nothing is written).
    """
    import datetime as dt

    from islandcare.analyses.report import analyse_area, analysis_steps
    from islandcare.data.pack import load_pack
    from islandcare.render.words import area_lang

    con: Progress = progress or Silent()
    started = dt.datetime.now(dt.UTC)
    if isinstance(area, str):
        pack = con.step("load offline pack", lambda: load_pack(area))
        pack, osm_notes = con.step("lay the OpenStreetMap cache over the pack",
                                   lambda: with_osm_cache(pack))
        for line in osm_notes:
            con.info(f"    {line}")
    else:
        pack = area
    key = pack.key
    if county:
        from islandcare.analyses.counties import county_subset

        pack = county_subset(pack, county)
        con.info(f"    {pack.meta['county']['name']} ({county}) alone: its townships and villages")
    if year:
        from islandcare.data.pack import relocated

        pack, moved = relocated(pack, year=year)
        for line in moved or [f"no planned move is due by {year}"]:
            con.info(f"    {line}")
    if facilities or villages or ports or sealinks:
        from islandcare.data.pack import with_planner_tables

        def lay(a: Area = pack) -> tuple[Area, list[str]]:
            return with_planner_tables(
                a, facilities=Path(facilities) if facilities else None,
                villages=Path(villages) if villages else None,
                ports=Path(ports) if ports else None,
                sealinks=Path(sealinks) if sealinks else None, crs=crs,
                replace_facilities=replace_facilities)

        pack, notes_in = con.step("check and lay your tables over the pack", lay)
        for line in notes_in:
            con.info(f"    {line}")
    analysed = pack
    rep = con.steps("analyse", analysis_steps(analysed),
                    lambda tell: analyse_area(analysed, hour=hour, progress=tell))
    notes = [f"{k}: {v}" for k, v in analysed.config.sources.items()] + analysed.attribution
    language = area_lang(analysed.config, lang)
    folder = None
    if out is not None:
        from islandcare._runfolder import finish_area_folder, start_area_folder

        out_root = Path(out)
        name = f"{key}-{county}" if county else key
        work = start_area_folder(out_root, name)  # moved to out_root / name when complete
        _write_area(analysed, rep, work, notes=notes, lang=language, con=con)
        inputs = {k: Path(v) if v else None for k, v in (
            ("facilities", facilities), ("villages", villages), ("ports", ports),
            ("sealinks", sealinks))}
        folder = finish_area_folder(work, out_root / name, area=key, started=started, inputs=inputs,
                                    options={"year": year, "hour": hour, "crs": crs,
                                             "replace_facilities": replace_facilities})
    return AreaRun(area=analysed, report=rep, out=folder, notes=notes, lang=language)


def _write_area(area: Area, rep: AreaReport, where: Path, *, notes: list[str], lang: str,
                con: Progress) -> None:
    """Write the map, summary and exports of one analysed area into ``where``."""
    from islandcare.analyses.profile import PROFILE_COLUMNS
    from islandcare.analyses.report import VERDICT_COLUMNS, place_frame, underserved_columns
    from islandcare.export import write_table
    from islandcare.render.maps import write_area_map
    from islandcare.render.summary import write_summary
    from islandcare.render.words import export_columns, export_rows, words

    w = words(lang)
    con.step(w("cli.draw_map"), lambda: write_area_map(area, where, rep, lang=lang))

    def exports() -> None:
        write_summary(rep, where, lang=w.lang)
        under = export_rows(place_frame(rep, status="underserved"), w)
        cols = export_columns(w, underserved_columns(area))
        for fmt in ("csv", "xlsx", "geojson"):
            write_table(under, where / f"underserved.{fmt}", columns=cols, notes=notes)
        write_table(export_rows(place_frame(rep), w), where / "places.csv",
                    columns=export_columns(w, {**underserved_columns(area), "status": "verdict 结论",
                                               **VERDICT_COLUMNS,
                                               **({} if rep.profile is None else PROFILE_COLUMNS)}))
        if rep.profile is not None:
            write_table(rep.profile, where / "profile.csv")

    con.step(w("cli.write_exports"), exports)
