"""Read an area: its offline pack, or planner tables laid over it.

An :class:`Area` is the area's settings plus its GeoDataFrames (land, outline,
townships, villages, roads, facilities, ports, sea links, bridges), all in
WGS-84. Packs live in ``geodata/packs/<area>/`` and are built by
``geodata/build_packs.py`` from ``../shared``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from islandcare.config import AreaConfig, geodata_dir, load_area
from islandcare.data.schema import (
    FACILITY_COLUMNS,
    PORT_COLUMNS,
    SEALINK_COLUMNS,
    SETTLEMENT_COLUMNS,
)
from islandcare.errors import InputError

__all__ = [
    "LAYERS",
    "Area",
    "load_pack",
    "nearest_township",
    "pack_dir",
    "relocated",
    "suffix_class",
    "with_planner_tables",
]

#: The layers of a pack, one GeoJSON file each.
LAYERS: tuple[str, ...] = (
    "outline",
    "land",
    "townships",
    "villages",
    "roads",
    "facilities",
    "ports",
    "sealinks",
    "bridges",
)


#: Columns a layer always has, even when empty (GeoJSON drops them with no features).
_LAYER_COLUMNS: dict[str, list[str]] = {
    "facilities": [c.name for c in FACILITY_COLUMNS],
    "villages": [c.name for c in SETTLEMENT_COLUMNS],
    "ports": [c.name for c in PORT_COLUMNS],
    "sealinks": [c.name for c in SEALINK_COLUMNS],
    "bridges": ["name", "source"],
    "roads": ["u", "v", "km", "highway", "source"],
}


def pack_dir(area: str, *, root: Path | None = None) -> Path:
    """Folder of an area's offline pack."""
    return (root or geodata_dir()) / "packs" / area


@dataclass
class Area:
    """Everything islandcare knows about one area.

    Attributes
    ----------
    config
        The area's settings (thresholds, speeds, codes).
    layers
        GeoDataFrames by name, see :data:`LAYERS`.
    meta
        The pack's ``pack.json`` (counts, attribution).
    """

    config: AreaConfig
    layers: dict[str, gpd.GeoDataFrame]
    meta: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The area's key (its area file's name)."""
        return self.config.key

    def __getattr__(self, name: str) -> gpd.GeoDataFrame:
        layers = self.__dict__.get("layers", {})
        if name in layers:
            return layers[name]
        raise AttributeError(name)

    @property
    def land_union(self) -> BaseGeometry:
        """All land of the area as one geometry (cached)."""
        if "_land_union" not in self.__dict__:
            self.__dict__["_land_union"] = self.layers["land"].union_all()
        return self.__dict__["_land_union"]

    @property
    def outline_geom(self) -> BaseGeometry:
        """The area's outline as one geometry (WGS-84, cached)."""
        if "_outline_geom" not in self.__dict__:
            self.__dict__["_outline_geom"] = self.layers["outline"].union_all()
        return self.__dict__["_outline_geom"]

    def with_layer(self, name: str, gdf: gpd.GeoDataFrame) -> Area:
        """Return a copy with one layer replaced (e.g. the planner's facilities)."""
        layers = dict(self.layers)
        layers[name] = gdf
        return replace(self, layers=layers)

    @property
    def attribution(self) -> list[str]:
        """The pack's attribution lines (sources and licences)."""
        return list(self.meta.get("attribution", []))


def load_pack(area: str, *, root: Path | None = None) -> Area:
    """Load an area's settings and offline pack.

    Raises
    ------
    InputError
        When the area is unknown or its pack is missing a layer.
    """
    config = load_area(area, root=root)
    folder = pack_dir(area, root=root)
    layers: dict[str, gpd.GeoDataFrame] = {}
    for name in LAYERS:
        path = folder / f"{name}.geojson"
        if not path.exists():
            msg = (f"The offline pack of '{area}' has no {path.name} in {folder}. "
                   "Rebuild it with: python geodata/build_packs.py --area " + area)
            if config.get("pack.build") == "osm-file":
                msg = (f"The area '{area}' is built from an OpenStreetMap extract and has no pack "
                       f"yet ({folder}). Build it with: islandcare fetch --area {area} "
                       "--osm-file FILE.osm.pbf")
            raise InputError(msg)
        # DATE_AS_STRING: GDAL would otherwise read "07:00;08:30" as one time and drop the rest
        gdf = gpd.read_file(path, DATE_AS_STRING="YES")
        if gdf.crs is None:
            gdf = gdf.set_crs(4326)
        for col in _LAYER_COLUMNS.get(name, []):
            if col not in gdf.columns:
                gdf[col] = None
        layers[name] = gdf.to_crs(4326)
    meta_path = folder / "pack.json"
    meta = json.loads(meta_path.read_text("utf-8")) if meta_path.exists() else {}
    return Area(config=config, layers=layers, meta=meta)


def with_planner_tables(area: Area, *, facilities: Path | None = None,
                        villages: Path | None = None, ports: Path | None = None,
                        sealinks: Path | None = None, crs: str = "wgs84",
                        replace_facilities: bool = False) -> tuple[Area, list[str]]:
    """Lay a planner's tables over an area's pack, after checking them.

    Parameters
    ----------
    facilities
        A facilities table: its rows add to the pack's facilities, or update
        those with the same ``facility_id``; the pack's others are kept.
    replace_facilities
        Whether the facilities table **replaces** the pack's facilities.
    villages
        A villages table: its rows replace the pack's villages of the same
        code (points, populations, town/countryside class); register villages
        missing from it are kept from the pack, and codes not in the register
        are added. Nothing is dropped; the notes say what happened.
    ports, sealinks
        Ports and sea links: rows add to the pack's, or replace those with the
        same id. A link's ports must exist in the pack or in your ports table.
    crs
        Coordinate system of the tables' points (wgs84, gcj02, bd09).

    Returns
    -------
    area, notes
        The new area and one line per thing done (and every warning).

    Raises
    ------
    InputError
        When a table has errors (each with file, row and column).
    """
    from islandcare.data.tables import TableResult, read_table
    from islandcare.errors import format_problem

    notes: list[str] = []

    def read(path: Path, kind: str, *, points: bool = True,
             **checks: Any) -> tuple[gpd.GeoDataFrame, TableResult]:
        """Check a table, keep its warnings in the notes, and say where each row came from."""
        res = (read_table(Path(path), kind=kind, crs=crs, land=area.land_union,
                          area_outline=area.outline_geom, **checks) if points
               else read_table(Path(path), kind=kind, **checks))
        notes.extend(format_problem(p) for p in res.problems)
        frame = res.frame.copy()
        frame["source"] = frame["source"].fillna(f"planner table {Path(path).name}")
        if "location_quality" in frame:
            frame["location_quality"] = frame["location_quality"].fillna("exact")
        return frame, res

    if facilities is not None:
        fac, _ = read(facilities, "facilities")
        fac["status"] = fac["status"].fillna("existing")
        missing = fac["township_code"].isna() & fac.geometry.notna() & ~fac.geometry.is_empty
        if missing.any():
            fac.loc[missing, "township_code"] = nearest_township(area, fac.loc[missing])
            notes.append(f"{facilities}: {int(missing.sum())} facilities without township_code were given "
                         "the township whose seat is nearest on the same island.")
        fac["origin"] = "planner"
        pack_fac = area.layers["facilities"]
        if replace_facilities:
            osm_rows = (pack_fac[pack_fac["origin"] == "OpenStreetMap"] if "origin" in pack_fac
                        else pack_fac.iloc[0:0])
            if len(osm_rows):  # planner over OpenStreetMap: OSM facilities not in the table are kept
                from islandcare.data.conflate import conflate_facilities

                fac, _ = conflate_facilities(
                    [fac, osm_rows], epsg=area.config.utm_epsg,
                    same_m=float(area.config.get("conflate.same_facility_m")),
                    approximate_m=float(area.config.get("conflate.approximate_facility_m")))
                notes.append(f"{facilities}: OpenStreetMap facilities not in your table are kept "
                             f"({len(fac) - int((fac['origin'] == 'planner').sum())}).")
            area = area.with_layer("facilities", fac)
            notes.append(f"{facilities}: {int((fac['origin'] == 'planner').sum())} facilities replace "
                         f"the pack's {len(pack_fac)}.")
        else:
            updated = int(fac["facility_id"].isin(pack_fac["facility_id"]).sum())
            kept = int((~pack_fac["facility_id"].isin(fac["facility_id"])).sum())
            area = area.with_layer("facilities", _upsert(pack_fac, fac, "facility_id"))
            notes.append(f"{facilities}: {len(fac) - updated} facilities added, {updated} updated "
                         f"(same facility_id), {kept} of the pack's kept "
                         f"(--replace-facilities to use only yours).")
    if villages is not None:
        mine, _ = read(villages, "villages", register_codes=set(area.layers["villages"]["code"]))
        has_point = ~(mine.geometry.isna() | mine.geometry.is_empty)
        mine["location_quality"] = mine["location_quality"].where(has_point, "none")
        pack = area.layers["villages"]
        if mine["settlement_class"].isna().any():
            cls = mine["name"].map(suffix_class)
            fill = mine["settlement_class"].isna()
            mine.loc[fill, "settlement_class"] = cls[fill].map(lambda c: c[0])
            mine.loc[fill, "class_rule"] = cls[fill].map(lambda c: c[1])
        mine["class_rule"] = mine["class_rule"].fillna("planner table")
        for col in ("township_code", "township"):
            known = dict(zip(pack["code"], pack[col], strict=True))
            mine[col] = mine[col].fillna(mine["code"].map(known))
        kept = int((~pack["code"].isin(mine["code"])).sum())
        new = int((~mine["code"].isin(pack["code"])).sum())
        area = area.with_layer("villages", _upsert(pack, mine, "code"))
        notes.append(f"{villages}: {len(mine)} villages from your table "
                     f"({int(has_point.sum())} with a point), {kept} register villages kept from the "
                     f"pack, {new} codes not in the register added.")
    if ports is not None:
        mine, _ = read(ports, "ports")
        area = area.with_layer("ports", _upsert(area.layers["ports"], mine, "port_id"))
        notes.append(f"{ports}: {len(mine)} ports added or replaced.")
    if sealinks is not None:
        from shapely.geometry import LineString

        from islandcare.errors import Problem

        pts = dict(zip(area.layers["ports"]["port_id"], area.layers["ports"].geometry, strict=True))
        mine, res = read(sealinks, "sealinks", points=False, known_ports=set(pts))
        bad = [Problem(str(sealinks), row, col, f"unknown port '{mine.iloc[i][col]}': give a port_id of "
                       "the pack or of your ports table (--ports)")
               for i, row in enumerate(res.rows) for col in ("from_port", "to_port")
               if mine.iloc[i][col] not in pts]
        if bad:
            msg = f"{Path(sealinks).name}: {len(bad)} sea links name unknown ports; nothing was loaded."
            raise InputError(msg, bad)
        mine["geometry"] = [LineString([pts[a], pts[b]])
                            for a, b in zip(mine["from_port"], mine["to_port"], strict=True)]
        mine["crossing_quality"] = mine["crossing_quality"].fillna(
            mine["crossing_min"].notna().map({True: "stated", False: "modelled"}))
        mine = gpd.GeoDataFrame(mine, geometry="geometry", crs=4326)
        area = area.with_layer("sealinks", _upsert(area.layers["sealinks"], mine, "link_id"))
        notes.append(f"{sealinks}: {len(mine)} sea links added or replaced.")
    return area, notes


def _upsert(pack: gpd.GeoDataFrame, mine: gpd.GeoDataFrame, key: str) -> gpd.GeoDataFrame:
    """Return the pack's rows with ``mine`` added, replacing rows of the same ``key``."""
    kept = pack[~pack[key].isin(mine[key])]
    return gpd.GeoDataFrame(pd.concat([kept, mine], ignore_index=True), geometry="geometry", crs=4326)


def nearest_township(area: Area, points: gpd.GeoDataFrame) -> list[str | None]:
    """For each point, the code of the nearest township seat on the same land (else nearest)."""
    tw = area.layers["townships"]
    tw = tw[tw.geometry.notna() & ~tw.geometry.is_empty]
    land = area.layers["land"]
    epsg = area.config.utm_epsg
    tw_m = tw.to_crs(epsg)
    out: list[str | None] = []
    for p in points.to_crs(epsg).geometry:
        d = tw_m.distance(p)
        pt = gpd.GeoSeries([p], crs=epsg).to_crs(4326).iloc[0]
        hit = land[land.contains(pt)]
        if len(hit) and "land_id" in tw:
            same = tw["land_id"] == hit.iloc[0]["land_id"]
            if same.any():
                d = d[same.to_numpy()]
        out.append(str(tw.loc[d.idxmin(), "code"]) if len(d) else None)
    return out


def suffix_class(name: str) -> tuple[str, str]:
    """Town or countryside from a register name's suffix (居委会/社区 = town)."""
    if str(name).endswith(("居委会", "社区", "居民委员会")):
        return "town", "register name ends in 居委会/社区"
    return "countryside", "register name ends in 村/村委会 (or other)"


def relocated(area: Area, *, year: int) -> tuple[Area, list[str]]:
    """Return the area with the plan's hospital moves done by ``year`` (area file ``[[relocations]]``).

    A moved facility is placed midway between the seats of the townships the
    plan names for its new site (``to_townships``): an approximate point, said
    in ``location_note``. Returns the new area and one line per move.
    """
    from shapely.geometry import MultiPoint

    moves = area.config.get("relocations") or []
    fac = area.layers["facilities"].copy()
    tw = area.layers["townships"].set_index("code")
    notes = []
    for mv in moves:
        done_by = int(str(mv["by"])[:4])
        if done_by > year:
            continue
        hit = fac.index[fac["name"] == mv["facility"]]
        if len(hit) == 0:
            msg = f"{area.config.path}: relocation of '{mv['facility']}', but no facility has that name."
            raise InputError(msg)
        codes = [c for c in mv["to_townships"] if c in tw.index and tw.loc[c].geometry is not None]
        if not codes:
            msg = f"{area.config.path}: relocation of '{mv['facility']}' names no township with a point."
            raise InputError(msg)
        point = MultiPoint([tw.loc[c].geometry for c in codes]).centroid
        for i in hit:
            fac.at[i, "geometry"] = point
            fac.at[i, "location_quality"] = "approximate"
            fac.at[i, "location_note"] = (f"moved to {mv['to']} by {mv['by']}: placed midway between the "
                                          f"seats of {'、'.join(tw.loc[c, 'name'] for c in codes)} "
                                          f"({mv['source']})")
            fac.at[i, "township_code"] = codes[0]
        notes.append(f"{mv['facility']} moved to {mv['to']} (plan: by {mv['by']})")
    if not notes:
        return area, []
    out = area.with_layer("facilities", gpd.GeoDataFrame(fac, geometry="geometry", crs=4326))
    out.meta = {**area.meta, "relocations_applied": notes}
    return out, notes
