"""``summary.json`` and a readable ``summary.md`` for one area."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from islandcare._io import atomic_write_text
from islandcare.analyses.report import AreaReport

__all__ = ["summary_markdown", "write_summary"]


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


def summary_markdown(rep: AreaReport) -> str:
    """The area's headline figures as Markdown (Chinese names as written)."""
    s = rep.summary
    lines = [f"# {s['title']} — coverage summary", ""]
    if s.get("hour") is not None:
        lines += [f"Ferry waits and sailing hours at {s['hour']:g} h.", ""]
    v = s["villages"]
    lines += [f"Villages in the register: **{s['villages_in_register']}** "
              f"({s['villages_with_point']} with a known point). Overall: "
              f"{v['covered']} covered{_split(v)}, {v['underserved']} underserved, {v['unknown']} unknown "
              "(a village with no point, or behind a gap in the data, is *unknown*, never counted "
              "as a gap in care).", ""]
    for c in s["circles"].values():
        lines += [f"## {c['label']}", ""]
        for cls, lim in c["limits"].items():
            lines.append(f"- {cls}: {lim['minutes']:g} minutes by {lim['mode']} — {lim['source']}")
        lines.append(f"- villages: {c['villages']['covered']} inside{_split(c['villages'])}, "
                     f"{c['villages']['underserved']} outside, "
                     f"{c['villages']['unknown']} unknown")
        p = c["people_at_seats"]
        lines.append(f"- township seats (people as stated): {c['township_seats']['covered']} inside "
                     f"({p['covered']:,} people{_split(c['township_seats']).replace(' (', '; ').rstrip(')')}), "
                     f"{c['township_seats']['underserved']} outside "
                     f"({p['underserved']:,}), {c['township_seats']['unknown']} unknown ({p['unknown']:,})")
        if c.get("seats_without_population"):
            lines.append("- seats with no stated population (not in the people counts): "
                         + "、".join(c["seats_without_population"]))
        pv = c.get("people_in_villages_with_population", {})
        if any(pv.values()):
            lines.append(f"- people in villages with a stated population: {pv['covered']:,} inside, "
                         f"{pv['underserved']:,} outside, {pv['unknown']:,} unknown")
        if c["reached_land_km2"]:
            lines.append("- land reached: " + ", ".join(f"{k} {a} km²" for k, a in c["reached_land_km2"].items()))
        lines += ["", "| township | villages | inside | outside | unknown | seat | seat min | population (year) |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in c["by_township"]:
            pop = "—" if pd.isna(r.get("population")) else f"{int(r['population']):,} ({r.get('population_year')})"
            lines.append(f"| {r['township']} | {r['villages']} | {r['covered']} | {r['underserved']} | "
                         f"{r['unknown']} | {r.get('seat_status') or '—'} | {_min(r.get('seat_minutes'))} | {pop} |")
        lines.append("")
    a = s["ambulance"]
    lines += ["## Ambulance response 院前急救", "",
              f"Bases: {a['bases']}. Activation {a['activation_minutes']} min. Target: "
              f"{a['target_minutes']['town']} min (town), {a['target_minutes']['countryside']} min (countryside).",
              "", "| class | people | average response (min) | within target | people not reached |",
              "|---|---|---|---|---|"]
    for cls, r in a["response"].items():
        lines.append(f"| {cls} | {r['people']:,} | {_min(r['average_response_min'])} | "
                     f"{_pct(r['share_within_target'])} | {r['people_not_reached']:,} |")
    lines += ["", *(f"- {line}" for line in response_headlines(a["response"]))]
    lines += ["", "Ambulance norm (1 per 30,000 residents; one on each outlying island township under 10,000):",
              "", "| township | population (year) | rule | needed | present | shortfall |", "|---|---|---|---|---|---|"]
    for r in a["norm"]:
        present = "not in the data" if r["present"] is None else r["present"]
        short = "unknown" if r["shortfall"] is None else r["shortfall"]
        lines.append(f"| {r['township']} | {r['population']:,} ({r['population_year']}) | {r['rule']} | "
                     f"{r['needed']} | {present} | {short} |")
    lines += ["", "## Land–sea–air 海陆空 (minutes to the county hospital, township seats)", "",
              "| township | land+sea day | air day | best day | land+sea night | best night | land+sea closure | best closure |",
              "|---|---|---|---|---|---|---|---|"]
    ref = rep.referral
    if ref is not None:
        for _, r in ref[ref["unit"] == "township_seat"].iterrows():
            cells = [_min(r.get(f"county_{m}_{sc}")) for m, sc in (
                ("land_sea", "day"), ("air", "day"), ("best", "day"), ("land_sea", "night"),
                ("best", "night"), ("land_sea", "closure"), ("best", "closure"))]
            lines.append(f"| {r['name']} | " + " | ".join(cells) + " |")
    if s.get("relocations_applied"):
        lines += ["", "Planned hospital moves applied in this run: " + "; ".join(s["relocations_applied"]) + "."]
    if s.get("relocations"):
        lines += ["", "## Planned hospital moves 医院迁建 (minutes by ambulance, day)", "",
                  "| hospital | moves to | by | average before | average after | seats closer | seats farther |",
                  "|---|---|---|---|---|---|---|"]
        for r in s["relocations"]:
            lines.append(f"| {r['facility']} | {r['moves_to']} | {r['by']} | {_min(r['average_minutes_before'])} | "
                         f"{_min(r['average_minutes_after'])} | {r['seats_closer']} | {r['seats_farther']} |")
        lines.append("(averages weighted by the stated township populations; the new site is placed "
                     "midway between the seats of the streets the plan names: approximate)")
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
    lines += ["", f"Places within {s['helipad_coverage_minutes']} min of a helipad by road: "
              f"{s['places_within_helipad_minutes']}.", "", "## Assumptions", ""]
    for k, src in s["assumptions"].items():
        lines.append(f"- `{k}`: {src}")
    lines.append("")
    return "\n".join(lines)


def write_summary(rep: AreaReport, out_dir: Path) -> tuple[Path, Path]:
    """Write ``summary.json`` and ``summary.md`` under ``out_dir``."""
    js = atomic_write_text(Path(out_dir) / "summary.json",
                           json.dumps(_clean(rep.summary), ensure_ascii=False, indent=1))
    md = atomic_write_text(Path(out_dir) / "summary.md", summary_markdown(rep))
    return js, md
