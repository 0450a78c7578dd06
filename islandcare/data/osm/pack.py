"""An offline pack built from an OpenStreetMap extract alone (an area outside China).

For an area whose file says ``[pack] build = "osm-file"`` (or that has no
pack yet), ``islandcare fetch --area KEY --osm-file FILE`` writes
``geodata/packs/KEY/`` from the extract with :func:`build_pack`:

* **outline**: the area file's ``area.bbox``;
* **land**: the ``place=island|islet`` polygons of the extract that meet the
  outline; without any, the outline stands for land (said in ``quality``);
* **townships**: one, the area itself (``area.code``, ``area.name_zh``), its
  seat at the place named by ``pack.seat_place`` (else the land's
  representative point, marked approximate), with ``area.population`` when
  the area file states it;
* **villages**: every named ``place=*`` of :data:`~islandcare.data.osm.PLACE_VALUES`
  inside the outline, code ``osm-<type>-<id>``; town or countryside by
  ``settlement_class.town_places``;
* **roads, facilities, ports, sea links**: as :mod:`islandcare.data.conflate`
  makes them from the same layers at ``run`` time.

Every row says OpenStreetMap, the file's date and ODbL 1.0.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from islandcare.config import AreaConfig, geodata_dir
from islandcare.data.conflate import ferry_layers, osm_place_code, roads_from_graph
from islandcare.data.osm.cache import replace_folder
from islandcare.data.osm.layers import ATTRIBUTION, LICENSE, OsmData
from islandcare.data.pack import LAYERS, pack_dir

__all__ = ["build_pack", "builds_from_osm", "island_polygons"]

_PRECISION = 1e-6  # degrees kept in the pack's coordinates (about 0.1 m)


def builds_from_osm(cfg: AreaConfig, *, root: Path | None = None) -> bool:
    """Whether ``fetch --osm-file`` builds this area's pack (area file, or no pack yet)."""
    if cfg.get("pack.build") == "osm-file":
        return True
    return not (pack_dir(cfg.key, root=root) / "pack.json").exists()


def island_polygons(path: Path) -> gpd.GeoDataFrame:
    """Return the ``place=island|islet`` polygons of an extract (closed ways and multipolygons)."""
    import osmium

    factory = osmium.geom.WKBFactory()
    rows = []
    processor = osmium.FileProcessor(str(path)).with_areas().with_filter(
        osmium.filter.KeyFilter("place"))
    for obj in processor:
        if not isinstance(obj, osmium.osm.Area) or obj.tags.get("place") not in ("island", "islet"):
            continue
        try:
            geom = shapely.wkb.loads(factory.create_multipolygon(obj), hex=True)
        except RuntimeError:  # an unclosed ring of a cut relation
            continue
        kind = "way" if obj.from_way() else "relation"
        rows.append({"osm": f"{kind} {obj.orig_id()}", "name": obj.tags.get("name"),
                     "kind": obj.tags.get("place"), "geometry": geom})
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=["osm", "name", "kind", "geometry"]),
                            geometry="geometry", crs=4326)


def build_pack(cfg: AreaConfig, data: OsmData, *, path: Path,
               root: Path | None = None) -> Path:
    """Write the area's offline pack from an extract's layers.

    Parameters
    ----------
    cfg
        The area's settings.
    data
        The layers read from the extract (cut to the outline).
    path
        The extract itself (for its island polygons and the provenance).
    root
        The geodata folder (default: :func:`~islandcare.config.geodata_dir`).

    Returns
    -------
    Path
        The pack folder (replaced whole: written beside it, then swapped in).
    """
    epsg = cfg.utm_epsg
    as_of = data.as_of
    src = f"OpenStreetMap extract {Path(path).name} ({as_of})"
    common = {"source": src, "license": LICENSE, "as_of": as_of}
    outline_geom = box(*cfg.bbox)
    layers: dict[str, gpd.GeoDataFrame] = {}
    layers["outline"] = _gdf([{"code": cfg.code, "name": cfg.name_zh, **common,
                               "source": f"area file {cfg.path.name}: area.bbox",
                               "geometry": outline_geom}])

    islands = island_polygons(Path(path))
    islands = islands[islands.intersects(outline_geom)].reset_index(drop=True)
    land_rows = []
    for i, r in islands.iterrows():
        land_rows.append({"land_id": f"{cfg.key}-land-{i + 1:03d}", "kind": r["kind"],
                          "area_km2": round(gpd.GeoSeries([r.geometry], crs=4326).to_crs(epsg).area.iloc[0]
                                            / 1e6, 3),
                          **common, "source": f"OpenStreetMap {r['osm']} '{r['name'] or ''}'",
                          "quality": "OpenStreetMap island outline", "townships": cfg.code,
                          "geometry": r.geometry})
    if not land_rows:
        land_rows.append({"land_id": f"{cfg.key}-land-001", "kind": "outline",
                          "area_km2": round(gpd.GeoSeries([outline_geom], crs=4326).to_crs(epsg).area.iloc[0]
                                            / 1e6, 3), **common,
                          "quality": "the area outline stands for land: the extract has no "
                                     "place=island polygon (sea inside it is crossed as land, modelled)",
                          "townships": cfg.code, "geometry": outline_geom})
    layers["land"] = _gdf(land_rows)
    land_union = layers["land"].union_all()

    places = data.places[data.places.geometry.notna()]
    places = places[places.intersects(outline_geom)].reset_index(drop=True)
    seat_name = cfg.get("pack.seat_place")
    seat = places[places["name"] == seat_name] if seat_name else places.iloc[0:0]
    if len(seat):
        seat_point, seat_q = seat.geometry.iloc[0], "exact"
        seat_note = f"the place '{seat_name}' (area file pack.seat_place)"
    else:
        seat_point, seat_q = land_union.representative_point(), "approximate"
        seat_note = "a point inside the land: the area file names no seat place (pack.seat_place)"
    land_of_seat = layers["land"][layers["land"].contains(seat_point)]
    layers["townships"] = _gdf([{
        "code": cfg.code, "name": cfg.name_zh, "kind": "area",
        "land_id": land_of_seat["land_id"].iloc[0] if len(land_of_seat) else None,
        "population": cfg.get("area.population"),
        "population_year": cfg.get("area.population_year"),
        "population_source": cfg.source("area.population") or None,
        "location_quality": seat_q, "location_note": seat_note, **common,
        "outlying_island": False, "outlying_rule": "one township: the whole area",
        "geometry": seat_point}])

    town_places = set(cfg.get("settlement_class.town_places"))
    village_rows = []
    for _, p in places.iterrows():
        town = p["place"] in town_places
        pop = "" if pd.isna(p["population"]) else str(p["population"]).strip()
        village_rows.append({
            "code": osm_place_code(p["osm_type"], p["osmid"]), "name": p["name"],
            "township_code": cfg.code, "township": cfg.name_zh,
            "population": int(pop) if pop.isdigit() else None,
            "population_year": ("not stated (OpenStreetMap population tag)"
                                if pop.isdigit() else None), "settlement_class": "town" if town else "countryside",
            "class_rule": f"OpenStreetMap place={p['place']} (settlement_class.town_places)",
            "location_quality": "exact",
            "location_note": f"OpenStreetMap {p['osm_type']} {int(p['osmid'])} (place={p['place']})",
            **common, "geometry": p.geometry})
    layers["villages"] = _gdf(village_rows)

    layers["roads"] = roads_from_graph(data.graph, as_of=as_of, source=src)
    fac = data.facilities[data.facilities.geometry.notna()]
    fac = fac[fac.intersects(outline_geom)].copy()
    fac["township_code"] = cfg.code
    fac["referral"] = False  # no pad or referral role is tagged in OpenStreetMap
    fac["has_pad"] = False
    layers["facilities"] = gpd.GeoDataFrame(fac, geometry="geometry", crs=4326)
    ports, links, _ = ferry_layers(data.ferries, data.ports, epsg=epsg, as_of=as_of,
                                   pier_m=float(cfg.get("sea.pier_match_m")))
    layers["ports"] = ports.drop(columns=["origin"], errors="ignore")
    layers["sealinks"] = links.drop(columns=["origin"], errors="ignore")
    layers["bridges"] = _gdf([], columns=["name", "source"])

    target = pack_dir(cfg.key, root=root or geodata_dir())
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{cfg.key}.new-", dir=target.parent))
    for name in LAYERS:
        frame = layers[name]
        frame = frame.set_geometry(shapely.set_precision(frame.geometry.values, _PRECISION))
        (work / f"{name}.geojson").write_text(frame.to_json(na="null", drop_id=True, ensure_ascii=False),
                                              encoding="utf-8")
    counts = {name: len(layers[name]) for name in LAYERS}
    counts["villages_with_point"] = counts["villages"]
    meta = {"area": cfg.key, "counts": counts,
            "built_from": [(f"{Path(path).name} (OpenStreetMap extract, {as_of}) by islandcare "
                            "fetch --osm-file (islandcare/data/osm_pack.py)")],
            "attribution": [f"OpenStreetMap data {as_of}: {ATTRIBUTION}"]}
    (work / "pack.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", "utf-8")
    replace_folder(work, target)
    return target


def _gdf(rows: list[dict], *, columns: list[str] | None = None) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows, columns=[*(columns or []), "geometry"] if columns else None)
    if "geometry" not in frame:
        frame["geometry"] = None
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)


def outline_of(cfg: AreaConfig) -> BaseGeometry:
    """Return the outline a pack built from OpenStreetMap will have: the area file's bbox."""
    return box(*cfg.bbox)
