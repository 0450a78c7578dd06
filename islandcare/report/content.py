"""What the report says, in one structure both the Word and the PDF writer render.

Sections, in order: headline figures against each plan target (with their
denominators and on whose word the target stands), one map per analysis,
tables by township, the underserved places with their reasons, what the
figures rest on (assumptions, data gaps and what to add), sources and
licences.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd

from islandcare import __version__
from islandcare.analyses.gaps import data_gaps
from islandcare.analyses.report import AreaReport
from islandcare.render.words import Words, area_lang, words

__all__ = ["Content", "Figure", "Section", "Table", "build_content"]


@dataclass
class Table:
    """A table: header cells, then rows of cells (plain text)."""

    header: list[str]
    rows: list[list[str]]


@dataclass
class Figure:
    """A map: its caption and PNG bytes."""

    caption: str
    png: bytes


@dataclass
class Section:
    """A heading, then paragraphs, bullets, tables and figures, in that order."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Content:
    """The whole report."""

    lang: str
    title: str
    subtitle: str
    made: str
    sections: list[Section]

    @property
    def headline(self) -> Table:
        """The table of headline figures against the targets."""
        return self.sections[0].tables[0]

    @property
    def figures(self) -> list[Figure]:
        """All figures of the report, section by section."""
        return [f for s in self.sections for f in s.figures]


def _n(v: object) -> str:
    if v is None:
        return "—"
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(x):
        return "—"
    if math.isinf(x):
        return "∞"
    return f"{x:,.0f}" if x == int(x) else f"{x:,.1f}"


def _pct(x: object) -> str:
    return "—" if x is None else f"{100 * float(x):.0f}%"  # type: ignore[arg-type]


def _headline(rep: AreaReport, w: Words) -> Table:
    s = rep.summary
    rows: list[list[str]] = []
    register = s["villages_in_register"]
    for c in s["circles"].values():
        v, seats, people = c["villages"], c["township_seats"], c["people_at_seats"]
        timed = v["covered"] + v["underserved"]
        sep = "；" if w.lang == "zh" else "; "
        target = sep.join(w("report.circle_target", label="", cls=w(f"class.{cls}"),
                            minutes=f"{lim['minutes']:g}", mode=w(f"mode.{lim['mode']}"))
                          .lstrip(":： ") for cls, lim in c["limits"].items())
        sources = " / ".join(dict.fromkeys(str(lim["source"]) for lim in c["limits"].values()))
        rows.append([f"{c['label']}: {target}", w("report.circle_figure", covered=v["covered"]),
                     w("report.circle_denominator", timed=timed, register=register,
                       unknown=v["unknown"]), sources])
        rows.append([c["label"], w("report.seats_figure", covered=seats["covered"],
                                   people=f"{people['covered']:,}"),
                     w("report.seats_denominator", seats=sum(seats.values()),
                       total=f"{sum(people.values()):,}"), ""])
    a = s["ambulance"]
    resp = a["response"].get("all", {})
    cfg = rep.area.config
    rows.append([w("report.response_target", target=_n(a["target_minutes"]["town"])),
                 w("report.response_figure", avg=_n(resp.get("average_response_min")),
                   pct=_pct(resp.get("share_within_target"))),
                 w("report.response_denominator", people=f"{resp.get('people', 0):,}",
                   missed=f"{resp.get('people_not_reached', 0):,}"),
                 cfg.source("ambulance.response_target_minutes")])
    norm = a["norm"]
    if norm:
        needed = sum(int(r["needed"] or 0) for r in norm)
        known = [r["present"] for r in norm if r["present"] is not None]
        present = str(sum(int(p) for p in known)) if len(known) == len(norm) else \
            w("map.not_in_data")
        rows.append([w("report.norm_target"), w("report.norm_figure", needed=needed,
                                                 present=present),
                     w("report.norm_denominator", n=len(norm)),
                     cfg.source("ambulance.residents_per_ambulance")])
    placed = int(pd.to_numeric(rep.places["lon"], errors="coerce").notna().sum())
    rows.append([w("report.helipad_target", minutes=_n(s["helipad_coverage_minutes"])),
                 w("report.helipad_figure", n=s["places_within_helipad_minutes"]),
                 w("report.helipad_denominator", placed=placed),
                 cfg.source("air.helipad_coverage_minutes")])
    return Table([w("report.col_target"), w("report.col_figure"), w("report.col_denominator"),
                  w("report.col_source")], rows)


def _figures(rep: AreaReport, w: Words) -> list[Figure]:
    from islandcare.report.static_map import figure_png

    out = []
    for key, res in rep.circles.items():
        cap = w("report.map_circle", label=res.circle.label)
        out.append(Figure(cap, figure_png(rep, w, kind="status", title=cap, circle=key)))
    cap = w("report.map_response")
    out.append(Figure(cap, figure_png(rep, w, kind="minutes", title=cap, column="response_min")))
    if "county_best_day" in rep.places and rep.places["county_best_day"].notna().any():
        cap = w("report.map_referral")
        out.append(Figure(cap, figure_png(rep, w, kind="minutes", title=cap,
                                          column="county_best_day")))
    cap = w("report.map_quality")
    out.append(Figure(cap, figure_png(rep, w, kind="quality", title=cap)))
    return out


def _townships(rep: AreaReport, w: Words) -> list[Section]:
    out = []
    head = [w("map.township"), w("unit.village"), w("status.covered"), w("status.underserved"),
            w("status.unknown"), w("unit.township_seat"), w("map.primary_care"),
            w("map.population")]
    for c in rep.summary["circles"].values():
        rows = [[str(r["township"]), _n(r["villages"]), _n(r["covered"]), _n(r["underserved"]),
                 _n(r["unknown"]), w(f"status.{r['seat_status']}") if r.get("seat_status") else "—",
                 w("map.minutes", n=_n(r.get("seat_minutes"))), _n(r.get("population"))]
                for r in c["by_township"]]
        out.append(Section(w("report.by_township", label=c["label"]), tables=[Table(head, rows)]))
    return out


def _rule_names(rules: object, w: Words) -> str:
    names = [w.get(f"rule.{r.strip()}", r.strip()) for r in str(rules or "").split(",")
             if r.strip()]
    return "、".join(names) if w.lang == "zh" else ", ".join(names)


def _underserved(rep: AreaReport, w: Words) -> Section:
    sec = Section(w("report.underserved"))
    under = rep.underserved
    if under.empty:
        sec.paragraphs.append(w("report.underserved_none"))
        return sec
    rows = [[str(r["name"]), w(f"unit.{r['unit']}"), str(r.get("township") or "—"),
             _rule_names(r.get("failing_rules"), w), w.reason(r.get("reason"))]
            for _, r in under.iterrows()]
    sec.tables.append(Table([w("report.col_name"), w("report.col_unit"),
                             w("report.col_township"), w("report.col_failing"),
                             w("report.col_reason")], rows))
    return sec


def _basis(rep: AreaReport, w: Words) -> Section:
    sec = Section(w("report.basis"))
    sec.paragraphs.append(w("report.gaps"))
    gaps = data_gaps(rep)
    sec.bullets += [f"{w('gap.' + g.key, count=g.count, blocked=g.blocked)} — "
                    f"{w('gap.fill', command=g.command)}" for g in gaps] or [w("gap.none")]
    assumptions = rep.summary["assumptions"]
    sec.tables.append(Table([w("report.assumptions"), w("report.col_source")],
                            [[k, v] for k, v in assumptions.items()]))
    return sec


def build_content(rep: AreaReport, *, lang: str | None = None) -> Content:
    """Return the report of an analysed area, in ``lang`` (default: the area file's language).

    Parameters
    ----------
    rep
        The area's analysis (with the circles' polygons for the maps).
    lang
        ``zh`` or ``en``.

    Returns
    -------
    Content
    """
    area = rep.area
    w = words(area_lang(area.config, lang))
    title = area.config.title
    sections = [Section(w("report.headline"), tables=[_headline(rep, w)]),
                Section(w("report.maps"), figures=_figures(rep, w)),
                *_townships(rep, w), _underserved(rep, w), _basis(rep, w),
                Section(w("report.sources"), bullets=list(area.attribution))]
    built = str(area.meta.get("built_from", {}).get("date", "")) if isinstance(
        area.meta.get("built_from"), dict) else ""
    made = w("report.made", date=dt.date.today().isoformat(), pack=area.key + (
        f" ({built})" if built else ""), version=__version__)
    return Content(lang=w.lang, title=w("report.title", title=title),
                   subtitle=w("report.subtitle"), made=made, sections=sections)
