"""Colours and marks shared by the web maps and the report's static maps.

The palette is Okabe–Ito (safe for the common colour-vision deficiencies)
for verdicts, and viridis for minutes, so that sea, land inside the
district, land outside it, covered, not covered and not assessed cannot be
confused, and the PNG of a web map and the report's figure read the same.
"""

from __future__ import annotations

__all__ = [
           "LAND_IN",
           "LAND_OUT",
           "MINUTES_COLOURS",
           "NOT_ASSESSED",
           "OUTLINE",
           "REACHED",
           "ROAD",
           "RULE_MARK",
           "SEA",
           "STATUS_COLOUR",
]

SEA = "#a9cce3"           # sea
LAND_IN = "#f6f0dc"       # land inside the district, not reached by the circle
LAND_OUT = "#d4d4d4"      # land outside the district (context only)
REACHED = "#009e73"       # land a care circle reaches (drawn translucent)
OUTLINE = "#4d4d4d"
ROAD = "#8c8c8c"

#: Verdict colours: covered (bluish green), underserved (vermilion), unknown (grey).
STATUS_COLOUR = {"covered": "#009e73", "underserved": "#d55e00", "unknown": "#9e9e9e"}
NOT_ASSESSED = "#bdbdbd"

#: One mark per failing rule family: matplotlib marker and the glyph the web map prints.
RULE_MARK: dict[str, tuple[str, str]] = {
    "primary_care": ("D", "◆"),
    "night_clinic": ("^", "▲"),
    "ambulance_response": ("s", "■"),
    "other": ("o", "●"),
}

#: Minutes colour scale (viridis, reversed: short is light yellow, long is dark purple).
MINUTES_COLOURS = ["#fde725", "#5ec962", "#21918c", "#3b528b", "#440154"]
