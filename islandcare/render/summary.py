"""``summary.json`` and a readable ``summary.md`` for one area."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from islandcare._io import atomic_write_text
from islandcare.analyses.report import AreaReport
from islandcare.render.words import Words, area_lang, words

if TYPE_CHECKING:
    from islandcare.analyses.gaps import Gap

__all__ = ["report_gaps", "summary_markdown", "write_summary"]

# The last report's gaps, and what they were counted from (its places, facilities, norm).
_last_gaps: tuple[tuple[object, ...], list[Gap]] | None = None


def _clean(obj):
    """JSON-safe: NaN and inf become None, numpy scalars plain numbers."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is pd.NA:
        return None
    return obj


def _pct(x) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def _min(x) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)) or pd.isna(x):
        return "—"
    return f"{x:.0f}"


def _source_lines(s: dict) -> list[str]:
    """Which roads were used, and rows per source (planner, OpenStreetMap, pack)."""
    lines = []
    if s.get("road_source"):
        lines.append(f"Roads: {s['road_source']}.")
    for layer, counts in (s.get("sources") or {}).items():
        if counts:
            lines.append(f"- {layer.replace('_', ' ')} by source: "
                         + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    m = s.get("places_matching")
    if m:
        lines.append(f"- OpenStreetMap places: {m['matched']} matched to register villages, "
                     f"{m['ambiguous']} ambiguous, {m['unmatched']} unmatched")
    return [*lines, ""] if lines else []


def report_gaps(rep: AreaReport) -> list[Gap]:
    """Return the data gaps of ``rep`` (:func:`islandcare.analyses.gaps.data_gaps`), counted once per report.

    A run lists them both on the map and in ``summary.md``: the gaps of the
    last report are kept with what they are counted from (its places,
    facilities and norm) and given again while those are the same objects.
    """
    from islandcare.analyses.gaps import data_gaps

    global _last_gaps
    sources = (rep.places, rep.area.layers["facilities"], rep.norm)
    last = _last_gaps
    if last is not None and all(a is b for a, b in zip(last[0], sources, strict=True)):
        return list(last[1])
    gaps = data_gaps(rep)
    _last_gaps = (sources, gaps)
    return list(gaps)


def _gap_lines(rep: AreaReport, w: Words) -> list[str]:
    gaps = report_gaps(rep)
    if not gaps:
        return [w("gap.none")]
    return [f"- {w('gap.' + g.key, count=g.count, blocked=g.blocked)} — "
            f"{w('gap.fill', command=f'`{g.command}`')}" for g in gaps]


def _split(counts: dict) -> str:
    """`` (1 on data, 2 assumed)`` for a count of covered places, when split."""
    if "covered_assumed" not in counts or not counts.get("covered"):
        return ""
    return f" ({counts['covered_on_data']} on data, {counts['covered_assumed']} assumed)"


def response_headlines(response: dict) -> list[str]:
    """Each response figure with its denominator and who is left out."""
    out = []
    for cls, r in response.items():
        if "people_with_time" not in r:
            continue
        text = f"{cls}: "
        if r["average_response_min"] is not None:
            text += (f"average {r['average_response_min']:.1f} min over {r['people_with_time']:,} people "
                     f"with a time; {_pct(r['share_within_target'])} of {r['people']:,} people "
                     f"({r['people_within_target']:,}) within target")
        else:
            text += f"no time for any of {r['people']:,} people"
        if r["people_not_reached"]:
            text += (f"; {r['people_not_reached']:,} people have no time: "
                     + "、".join(r["not_reached"]))
        if r["seats_without_population"]:
            text += "; left out, no population stated: " + "、".join(r["seats_without_population"])
        out.append(text)
    return out


def summary_markdown(rep: AreaReport, *, lang: str | None = None) -> str:
    """Return the area's headline figures as Markdown (Chinese names as written).

    Parameters
    ----------
    rep
        The area's analysis.
    lang
        ``zh`` or ``en``; default the area file's ``area.lang``.
    """
    w = words(area_lang(rep.area.config, lang))
    s = rep.summary
    lines = [f"# {w('summary.title', title=s['title'])}", ""]
    if s.get("hour") is not None:
        lines += [w("summary.hour", hour=f"{s['hour']:g}"), ""]
    v = s["villages"]
    lines += [w("summary.villages", n=s["villages_in_register"], pt=s["villages_with_point"],
                **v), ""]
    if _split(v):
        lines += [f"Covered{_split(v)}: *assumed* where the facility and the place stand on the same "
                  "approximate point (a verdict true by construction, not measured).", ""]
    vc = s.get("villages_by_class")
    if vc:
        lines += [f"Town and countryside 城乡: **{vc['town']}** town and **{vc['countryside']}** countryside "
                  f"villages ({vc['by_official_class_2016']} by the official urban–rural class 2016, "
                  f"{vc['by_register_suffix']} by the register suffix where no class matched"
                  + (f", {vc['by_other_rule']} by a planner's table" if vc["by_other_rule"] else "") + ").", ""]
    if s.get("by_county"):
        lines += ["## By county 分县", "",
                  "| county | townships | villages | with a point | covered | underserved | unknown | town | "
                  "countryside | population (year) | ambulance response, villages: average min | within target |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in s["by_county"]:
            pop = "—" if pd.isna(r.get("population")) else f"{int(r['population']):,} ({r.get('population_year')})"
            lines.append(f"| {r['name']} | {r['townships']} | {r['villages']} | {r['villages_with_point']} | "
                         f"{r['covered']} | {r['underserved']} | {r['unknown']} | {r['town']} | "
                         f"{r['countryside']} | {pop} | {_min(r.get('response_avg_min'))} | "
                         f"{_pct(r.get('response_within_target'))} |")
        lines += ["", "(ambulance response averaged over the villages with a point, unweighted: the sources "
                  "give no population below the county)", ""]
    lines += _source_lines(s)
    for c in s["circles"].values():
        lines += [f"## {c['label']}", ""]
        for cls, lim in c["limits"].items():
            lines.append(w("summary.limit", cls=w.get(f"class.{cls}", cls), minutes=f"{lim['minutes']:g}",
                           mode=w.get(f"mode.{lim['mode']}", lim["mode"]), source=lim["source"]))
        lines.append(w("summary.circle_villages", **c["villages"]) + _split(c["villages"]))
        p = c["people_at_seats"]
        lines.append(w("summary.circle_seats", **c["township_seats"], pc=f"{p['covered']:,}",
                       pu=f"{p['underserved']:,}", pk=f"{p['unknown']:,}"))
        if c.get("seats_without_population"):
            lines.append("- seats with no stated population (not in the people counts): "
                         + "、".join(c["seats_without_population"]))
        pv = c.get("people_in_villages_with_population", {})
        if any(pv.values()):
            lines.append(w("summary.circle_people", **{k: f"{x:,}" for k, x in pv.items()}))
        if c["reached_land_km2"]:
            lines.append(w("summary.land") + ", ".join(
                f"{w.get(f'class.{k}', k)} {a} km²" for k, a in c["reached_land_km2"].items()))
        lines += ["", w("summary.table_township"), "|---|---|---|---|---|---|---|---|"]
        for r in c["by_township"]:
            pop = "—" if pd.isna(r.get("population")) else f"{int(r['population']):,} ({r.get('population_year')})"
            seat = w(f"status.{r['seat_status']}") if r.get("seat_status") else "—"
            lines.append(f"| {r['township']} | {r['villages']} | {r['covered']} | {r['underserved']} | "
                         f"{r['unknown']} | {seat} | {_min(r.get('seat_minutes'))} | {pop} |")
        lines.append("")
    a = s["ambulance"]
    lines += [w("summary.ambulance"), "",
              w("summary.bases", bases=a["bases"], activation=a["activation_minutes"],
                town=a["target_minutes"]["town"], countryside=a["target_minutes"]["countryside"]),
              "", w("summary.table_response"), "|---|---|---|---|---|"]
    for cls, r in a["response"].items():
        lines.append(f"| {w.get(f'class.{cls}', cls)} | {r['people']:,} | {_min(r['average_response_min'])} | "
                     f"{_pct(r['share_within_target'])} | {r['people_not_reached']:,} |")
    lines += ["", *(f"- {line}" for line in response_headlines(a["response"]))]
    lines += ["", w("summary.norm"), "", w("summary.table_norm"), "|---|---|---|---|---|---|"]
    for r in a["norm"]:
        present = w("summary.not_in_data") if r["present"] is None else r["present"]
        short = w("summary.unknown") if r["shortfall"] is None else r["shortfall"]
        pop = "—" if pd.isna(r["population"]) else f"{int(r['population']):,}"
        needed = "—" if pd.isna(r["needed"]) else r["needed"]
        lines.append(f"| {r['township']} | {pop} ({r['population_year']}) | {r['rule']} | "
                     f"{needed} | {present} | {short} |")
    lines += ["", w("summary.referral"), "", w("summary.table_referral"),
              "|---|---|---|---|---|---|---|---|"]
    ref = rep.referral
    if ref is not None:
        for _, r in ref[ref["unit"] == "township_seat"].iterrows():
            cells = [_min(r.get(f"county_{m}_{sc}")) for m, sc in (
                ("land_sea", "day"), ("air", "day"), ("best", "day"), ("land_sea", "night"),
                ("best", "night"), ("land_sea", "closure"), ("best", "closure"))]
            lines.append(f"| {r['name']} | " + " | ".join(cells) + " |")
    if s.get("relocations_applied"):
        lines += ["", w("summary.relocations_applied") + "; ".join(s["relocations_applied"]) + "."]
    if s.get("relocations"):
        lines += ["", w("summary.relocations"), "", w("summary.table_relocations"),
                  "|---|---|---|---|---|---|---|"]
        for r in s["relocations"]:
            lines.append(f"| {r['facility']} | {r['moves_to']} | {r['by']} | {_min(r['average_minutes_before'])} | "
                         f"{_min(r['average_minutes_after'])} | {r['seats_closer']} | {r['seats_farther']} |")
        lines.append(w("summary.relocations_note"))
    dp = s.get("day_profile") or {}
    if dp:
        lines += ["", "## Day profile 全天 (clock-true: each ferry waits for its next sailing)", "",
                  f"{dp['departures']} departures every {dp['step_minutes']:g} min, "
                  f"{dp['first']}–{dp['last']} (profile.csv: one row per place and departure)."]
        for key, label in (("primary_care_part_of_day", "primary care"),
                           ("response_part_of_day", "ambulance response")):
            part = dp.get(key, [])
            lines.append(f"- inside the {label} circle only part of the day: "
                         + ("none" if not part else "; ".join(
                             f"{p['name']} {100 * p['share_of_day']:.0f}%" for p in part)))
    lines += ["", w("summary.helipad", minutes=s["helipad_coverage_minutes"],
                    n=s["places_within_helipad_minutes"]), "", w("summary.gaps"), ""]
    lines += _gap_lines(rep, w)
    lines += ["", w("summary.assumptions"), ""]
    for k, src in s["assumptions"].items():
        lines.append(f"- `{k}`: {src}")
    lines.append("")
    return "\n".join(lines)


def write_summary(rep: AreaReport, out_dir: Path, *, lang: str | None = None
                  ) -> tuple[Path, Path]:
    """Write ``summary.json`` and ``summary.md`` (in ``lang``) under ``out_dir``."""
    js = atomic_write_text(Path(out_dir) / "summary.json",
                           json.dumps(_clean(rep.summary), ensure_ascii=False, indent=1))
    md = atomic_write_text(Path(out_dir) / "summary.md", summary_markdown(rep, lang=lang))
    return js, md
