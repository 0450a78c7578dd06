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


def summary_markdown(rep: AreaReport) -> str:
    """The area's headline figures as Markdown (Chinese names as written)."""
    s = rep.summary
    lines = [f"# {s['title']} — coverage summary", ""]
    if s.get("hour") is not None:
        lines += [f"Ferry waits and sailing hours at {s['hour']:g} h.", ""]
    v = s["villages"]
    lines += [f"Villages in the register: **{s['villages_in_register']}** "
              f"({s['villages_with_point']} with a known point). Overall: "
              f"{v['covered']} covered, {v['underserved']} underserved, {v['unknown']} unknown "
              "(a village with no point, or behind a gap in the data, is *unknown*, never counted "
              "as a gap in care).", ""]
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
            lines.append(f"- {cls}: {lim['minutes']:g} minutes by {lim['mode']} — {lim['source']}")
        lines.append(f"- villages: {c['villages']['covered']} inside, {c['villages']['underserved']} outside, "
                     f"{c['villages']['unknown']} unknown")
        p = c["people_at_seats"]
        lines.append(f"- township seats (people as stated): {c['township_seats']['covered']} inside "
                     f"({p['covered']:,} people), {c['township_seats']['underserved']} outside "
                     f"({p['underserved']:,}), {c['township_seats']['unknown']} unknown ({p['unknown']:,})")
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
    lines += ["", "Ambulance norm (1 per 30,000 residents; one on each outlying island township under 10,000):",
              "", "| township | population (year) | rule | needed | present | shortfall |", "|---|---|---|---|---|---|"]
    for r in a["norm"]:
        present = "not in the data" if r["present"] is None else r["present"]
        short = "unknown" if r["shortfall"] is None else r["shortfall"]
        pop = "—" if pd.isna(r["population"]) else f"{int(r['population']):,}"
        needed = "—" if pd.isna(r["needed"]) else r["needed"]
        lines.append(f"| {r['township']} | {pop} ({r['population_year']}) | {r['rule']} | "
                     f"{needed} | {present} | {short} |")
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
