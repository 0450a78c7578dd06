"""The places every analysis reports on: villages, and township seats.

Every village of the register is a row, with or without a point: one with no
point is kept and reported as *unknown*, never dropped. Township seats are
rows too: they stand for the township's stated population (the register has
no village populations), and are marked so.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from shapely.geometry.base import BaseGeometry

from islandcare.analyses.settlement import village_classes
from islandcare.data.pack import Area
from islandcare.network import nodes

__all__ = ["PLACE_COLUMNS", "places"]

PLACE_COLUMNS = ["unit", "code", "name", "township_code", "township", "settlement_class",
                 "class_rule", "population", "population_year", "location_quality",
                 "location_note", "node", "lon", "lat", "island_township"]


def _has_point(geom: object) -> bool:
    """Whether a row's geometry is a real, non-empty shape (None or NaN is no point)."""
    return isinstance(geom, BaseGeometry) and not geom.is_empty


def _int_or_none(v: Any) -> int | None:
    try:
        return None if v is None or pd.isna(v) else int(v)
    except (TypeError, ValueError):
        return None


def places(area: Area) -> pd.DataFrame:
    """One row per village of the register and per township seat.

    Columns: ``unit`` (``village`` or ``township_seat``), ``code``, ``name``,
    ``township_code``, ``township``, ``settlement_class`` (town/countryside),
    ``class_rule`` (what decided it), ``population`` and ``population_year``
    (township seats only), ``location_quality``, ``location_note``, ``node``
    (network node id, or None without a point), ``lon``/``lat``, and
    ``island_township`` (whether its township is an outlying island one).
    """
    tw = area.layers["townships"]
    outlying = dict(zip(tw["code"], tw.get("outlying_island", pd.Series(False, index=tw.index)), strict=True))
    rows = []
    vil = area.layers["villages"]
    # town or countryside by the area file's rule (official 2016 class, else register suffix)
    cls, rule = village_classes(vil, area.config) if len(vil) else ([], [])
    # rows as dicts (faster than iterrows) of the columns read here (the layer has more)
    vil_cols = [c for c in ("code", "name", "township_code", "township", "population", "population_year",
                            "location_quality", "location_note", "geometry") if c in vil]
    for k, v in enumerate(vil[vil_cols].to_dict("records")):
        has = _has_point(v["geometry"])
        rows.append({"unit": "village", "code": v["code"], "name": v["name"],
                     "township_code": v["township_code"], "township": v["township"],
                     "settlement_class": cls[k], "class_rule": rule[k],
                     "population": _int_or_none(v.get("population")),
                     "population_year": v.get("population_year"),
                     "location_quality": v["location_quality"],
                     "location_note": v["location_note"],
                     "node": nodes.village_node(v["code"]) if has else None,
                     "lon": v["geometry"].x if has else None, "lat": v["geometry"].y if has else None,
                     "island_township": bool(outlying.get(v["township_code"], False))})
    seat = area.config.get("area.county_seat_township")
    listed = area.config.get("settlement_class.urban_townships")
    urban = {seat} if listed is None else set(listed)  # an empty list says: no township is urban
    tw_cols = [c for c in ("code", "name", "population", "population_year", "location_quality", "geometry",
                           "outlying_island") if c in tw]
    for t in tw[tw_cols].to_dict("records"):
        has = _has_point(t["geometry"])
        pop = t.get("population")
        rows.append({"unit": "township_seat", "code": t["code"], "name": t["name"],
                     "township_code": t["code"], "township": t["name"],
                     # the urban area (城区): the area file's urban townships, else the county seat
                     "settlement_class": "town" if t["code"] in urban else "countryside",
                     "class_rule": "urban township (城区) in the area file" if t["code"] in urban
                     else "township seat outside the urban area",
                     "population": None if pd.isna(pop) else int(pop),
                     "population_year": t.get("population_year"),
                     "location_quality": t["location_quality"],
                     "location_note": "township seat point, standing for the township's population",
                     "node": nodes.township_node(t["code"]) if has else None,
                     "lon": t["geometry"].x if has else None, "lat": t["geometry"].y if has else None,
                     "island_township": bool(t.get("outlying_island", False))})
    df = pd.DataFrame(rows, columns=PLACE_COLUMNS)
    # keep None (not NaN) for places with no point: pandas 3 infers a string dtype otherwise
    df["node"] = pd.Series([r["node"] for r in rows], dtype=object, index=df.index)
    return df
