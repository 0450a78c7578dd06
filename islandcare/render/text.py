"""Plain-text renderings shared by the command line and the local app."""

from __future__ import annotations

from islandcare.analyses.siting import SiteEffect

__all__ = ["effect_lines"]


def effect_lines(effect: SiteEffect) -> list[str]:
    """Tell what a proposed site adds, one line per rule (the figures of ``check-site``)."""
    lines: list[str] = []
    for c in effect.circles.values():
        lines.append(f"{c['label']}: places inside {c['places_inside_before']} → {c['places_inside_after']}; "
                     f"villages newly inside {c['villages_newly_inside']}, township seats "
                     f"{c['township_seats_newly_inside']}, people (at seats) {c['people_newly_inside']:,}")
        if c["newly_inside"]:
            lines.append("  newly inside: " + "、".join(c["newly_inside"]))
    if effect.response is not None:
        r = effect.response
        lines.append(f"ambulance response: places newly within target {r['places_newly_within_target']} "
                     f"(people {r['people_newly_within_target']:,}), newly reached {r['places_newly_reached']}, "
                     f"minutes saved {r['minutes_saved_total']} in all (most {r['minutes_saved_max']})")
    for rule in effect.rules_newly_met:
        lines.append(f"rule newly met: {rule}")
    if not effect.circles and effect.response is None:
        lines.append(f"a {effect.kind} serves no circle or response rule of this area.")
    return lines
