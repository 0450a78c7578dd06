"""A city-level area by county: the county table, the ambulance norm per county, one county alone.

A city-level area (code ``xx00``) holds its county-level units in the pack's
``pack.json`` (``counties``: code, name, land km², 2020 census population where a page
states it). A township's county is the first six digits of its 9-digit code.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pandas as pd

from islandcare.analyses.rules import EMERGENCY_STATION_KINDS, live_facilities
from islandcare.data.pack import Area
from islandcare.errors import InputError

__all__ = ["county_norm", "county_of", "county_subset", "county_table", "is_city_level"]

_STATUSES = ("covered", "underserved", "unknown")


def is_city_level(area: Area) -> bool:
    """Whether the area is a city of several counties (its pack lists them)."""
    return bool(area.meta.get("counties"))


def county_of(township_code: object) -> str:
    """Return the county code of a township (9 digits) or village (12 digits) code."""
    return str(township_code)[:6]


def county_table(area: Area, places: pd.DataFrame) -> list[dict]:
    """One row per county (villages by verdict and class, townships, population), then the city.

    ``places`` is the report's place table (with ``status``). The last row, ``code`` equal to
    the area's code, is the sum of the county rows: every village is in exactly one county.
    """
    # the columns read here, before selecting rows (a wide table's row selection copies every column)
    few = places[[c for c in ("unit", "township_code", "node", "status", "settlement_class", "response_min",
                              "response_status") if c in places]]
    vil = few[few["unit"] == "village"]
    county = vil["township_code"].map(county_of)
    tw = area.layers["townships"]
    tw_county = tw["code"].map(county_of)
    def response(sub: pd.DataFrame) -> dict:
        """Villages' ambulance response: unweighted average where reached, share within target."""
        if "response_min" not in sub:
            return {"response_avg_min": None, "response_within_target": None}
        t = pd.to_numeric(sub["response_min"], errors="coerce")
        reached = t[t.notna() & (t < float("inf"))]
        told = sub["response_status"].isin(("covered", "underserved"))
        return {"response_avg_min": round(float(reached.mean()), 1) if len(reached) else None,
                "response_within_target": (round(float((sub["response_status"] == "covered").sum() / told.sum()), 3)
                                           if told.any() else None)}

    rows = []
    for c in area.meta.get("counties", []):
        sub = vil[county == c["code"]]
        rows.append({**response(sub), "code": c["code"], "name": c["name"],
                     "townships": int((tw_county == c["code"]).sum()),
                     "villages": len(sub), "villages_with_point": int(sub["node"].notna().sum()),
                     **{s: int((sub["status"] == s).sum()) for s in _STATUSES},
                     "town": int((sub["settlement_class"] == "town").sum()),
                     "countryside": int((sub["settlement_class"] == "countryside").sum()),
                     "population": c.get("population"), "population_year": c.get("population_year"),
                     "land_km2": c.get("land_km2")})
    if not rows:
        return []
    total: dict[str, Any] = {"code": area.config.code, "name": f"{area.config.name_zh} (sum of counties)"}
    for k in ("townships", "villages", "villages_with_point", *_STATUSES, "town", "countryside"):
        total[k] = sum(r[k] for r in rows)
    pops = [r["population"] for r in rows]
    total["population"] = sum(p for p in pops if p is not None)
    total["population_year"] = ("2020 (census)" if all(p is not None for p in pops)
                                else "2020 (census), counties without a figure left out")
    total["land_km2"] = round(sum(r["land_km2"] or 0 for r in rows), 1)
    total.update(response(vil))
    return [*rows, total]


def county_norm(area: Area, *, per: float) -> pd.DataFrame:
    """Ambulances needed at one per ``per`` residents, per county from its census population.

    Each county's need is rounded up on its own (the plans' networks have a sub-centre per
    county); the last row sums them. A county with no population has no need stated, and the
    sum then says it is a lower bound.
    """
    live = live_facilities(area, kinds=EMERGENCY_STATION_KINDS)
    counts = live.assign(county=live["township_code"].map(county_of)).groupby("county")["ambulances"]
    present_by = counts.apply(lambda s: None if s.isna().all() else int(s.fillna(0).sum()))
    rows = []
    for c in area.meta.get("counties", []):
        pop = c.get("population")
        needed = math.ceil(pop / per) if pop else None
        present = present_by.get(c["code"])
        rows.append({"township_code": c["code"], "township": c["name"], "outlying_island": False,
                     "population": pop, "population_year": c.get("population_year"),
                     "rule": f"one per {per:,.0f} residents of the county (2020 census)" if pop else
                     f"no population stated for the county: {c.get('population_note')}",
                     "needed": needed, "present": present,
                     "shortfall": None if present is None or needed is None else max(0, needed - present)})
    unknown = [r["township"] for r in rows if r["needed"] is None]
    needed = sum(r["needed"] for r in rows if r["needed"] is not None)
    rule = "sum of the counties"
    if unknown:
        rule += f" (no population for {'、'.join(unknown)}: needed is a lower bound)"
    known = [r["present"] for r in rows if r["present"] is not None]
    present = sum(known) if known else None
    rows.append({"township_code": area.config.code, "township": f"{area.config.name_zh} (all counties)",
                 "outlying_island": False, "population": sum(r["population"] or 0 for r in rows),
                 "population_year": "2020 (census)", "rule": rule, "needed": needed, "present": present,
                 "shortfall": None if present is None else max(0, needed - present)})
    out = pd.DataFrame(rows, dtype=object)  # keep None (not NaN) and whole numbers
    out["present_note"] = ["ambulance counts are not in the data" if p is None else "" for p in out["present"]]
    return out


def county_subset(area: Area, code: str) -> Area:
    """Return the area's places in one county only (townships and villages); facilities, roads and land stay.

    Care across the county line still counts: only the places reported on are cut.

    Raises
    ------
    InputError
        When the area has no county of that code (the message lists them).
    """
    counties = {c["code"]: c for c in area.meta.get("counties", [])}
    if code not in counties:
        known = ", ".join(f"{k} {c['name']}" for k, c in counties.items()) or "none (not a city-level area)"
        msg = f"--county {code}: {area.key} has no such county. Its counties: {known}."
        raise InputError(msg)
    tw = area.layers["townships"]
    vil = area.layers["villages"]
    out = area.with_layer("townships", tw[tw["code"].map(county_of) == code].copy())
    out = out.with_layer("villages", vil[vil["township_code"].map(county_of) == code].copy())
    meta = {**area.meta, "counties": [counties[code]], "county": counties[code]}
    return replace(out, meta=meta)
