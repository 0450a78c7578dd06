"""Lay the OpenStreetMap layers over an area, one source over another in a stated order.

The order is **a planner's table over OpenStreetMap over the pack**: where
two sources describe the same thing, the higher one's values win, a missing
value is taken from the lower one, and an exact point always beats an
approximate one (or none). Every row keeps its ``source`` and says where it
came from in ``origin`` (``planner``, ``OpenStreetMap`` or ``pack``).

* **facilities**: the same facility from two sources is one when they have
  the same kind, similar names and points within
  ``conflate.same_facility_m`` (``conflate.approximate_facility_m`` when one
  point is approximate or missing, since a pack places those at the
  township seat);
* **places**: ``place=*`` points are matched to the register villages of
  their township (:func:`match_places`), giving those villages exact points;
* **sea links**: each ``route=ferry`` way is a link between the piers at its
  ends (:func:`ferry_layers`), with its ``duration`` as the stated crossing;
* **roads**: the OpenStreetMap drive graph replaces the pack's roads (the
  network reads the same graph, see ``network/assemble.py``).

:func:`with_osm` does all four and records the counts per source in
``area.meta["sources"]`` and the road source in ``area.meta["road_source"]``.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge

from islandcare.config import geodata_dir
from islandcare.data import osm
from islandcare.data.osm.cache import read_road_layer, save_road_layer
from islandcare.data.osm.graphml import edge_columns
from islandcare.data.pack import Area, nearest_township

__all__ = [
    "ORIGINS",
    "conflate_facilities",
    "ferry_layers",
    "load_osm_cache",
    "match_places",
    "osm_place_code",
    "roads_from_graph",
    "source_counts",
    "strip_suffix",
    "with_osm",
]

#: Where a row comes from, highest first.
ORIGINS: tuple[str, ...] = ("planner", "OpenStreetMap", "pack")

#: Register suffixes left out when matching names, longest first.
SUFFIXES: tuple[str, ...] = ("社区居民委员会", "居民委员会", "社区居委会", "村民委员会", "居委会",
                             "村委会", "社区", "村")

_CLOSE_MATCH = 0.75  # difflib ratio of two names without suffix for a "close match"


def load_osm_cache(key: str) -> osm.OsmData | None:
    """Return the area's OpenStreetMap cache (``geodata/cache/<key>/``), or None when there is none."""
    return osm.load_cached(key, geodata_dir() / "cache")


def with_origin(frame: gpd.GeoDataFrame, origin: str) -> gpd.GeoDataFrame:
    """Return a copy with ``origin`` filled where missing."""
    out = frame.copy()
    if "origin" not in out:
        out["origin"] = origin
    else:
        out["origin"] = out["origin"].fillna(origin)
    return out


def _has_point(geom: object) -> bool:
    return isinstance(geom, BaseGeometry) and not geom.is_empty


def _norm_name(name: object) -> str:
    text = re.sub(r"[\s()（）·\-–—.,]", "", str(name or "")).lower()
    return text


def similar_names(a: object, b: object) -> bool:
    """Whether two facility names are the same place written differently.

    Equal without spaces and punctuation, one inside the other (浙江普陀医院 /
    普陀医院), or a difflib ratio of at least 0.8.
    """
    x, y = _norm_name(a), _norm_name(b)
    if not x or not y:
        return False
    if x == y or x in y or y in x:
        return True
    return difflib.SequenceMatcher(None, x, y).ratio() >= 0.8


def _quality_rank(row: pd.Series) -> int:
    if not _has_point(row.geometry):
        return 0
    return 2 if str(row.get("location_quality") or "exact") == "exact" else 1


def conflate_facilities(layers: Sequence[gpd.GeoDataFrame], *, epsg: int,
                        same_m: float, approximate_m: float
                        ) -> tuple[gpd.GeoDataFrame, list[str]]:
    """One table of facilities from several sources, highest first (see :func:`conflate_rows`)."""
    out, notes, _ = conflate_rows(layers, id_col="facility_id", kind_col="kind", epsg=epsg,
                                  same_m=same_m, approximate_m=approximate_m)
    return out, notes


def conflate_rows(layers: Sequence[gpd.GeoDataFrame], *, id_col: str, kind_col: str | None,
                  epsg: int, same_m: float, approximate_m: float
                  ) -> tuple[gpd.GeoDataFrame, list[str], dict[str, str]]:
    """One table of facilities (or ports) from several sources, highest first.

    Parameters
    ----------
    layers
        Tables in order of precedence (planner, OpenStreetMap, pack);
        each has an ``origin`` column.
    id_col, kind_col
        The id column, and the column that must be equal (None: no kind).
    epsg
        Metric CRS for distances.
    same_m
        Two exact points of the same kind and similar names closer than this
        are one facility.
    approximate_m
        The same when one of the points is approximate or missing (a pack's
        point placed at a township seat): the names must then be similar and
        the kinds equal, within this distance (or no point at all).

    Returns
    -------
    rows, notes, merged
        The merged rows (each keeps the ``source`` of the row that won; a
        point taken from the other source says so in ``location_note``), one
        line per merge, and the id of each row merged away → the id kept.
    """
    frames = [f for f in layers if f is not None and len(f)]
    if not frames:
        return (layers[0] if layers else gpd.GeoDataFrame(geometry=[], crs=4326)), [], {}
    kept: list[pd.Series] = []
    kept_xy: list[Point | None] = []
    notes: list[str] = []
    merged: dict[str, str] = {}
    for frame in frames:
        metric = frame.to_crs(epsg).geometry
        for (_, row), pm in zip(frame.iterrows(), metric, strict=True):
            pm = pm if _has_point(pm) else None
            hit = None
            for i, other in enumerate(kept):
                if other.get("origin") == row.get("origin"):
                    continue  # two rows of one source are never merged
                if other[id_col] == row[id_col]:
                    hit = i  # the same id from two sources (a pack built from OSM)
                    break
                if (kind_col is not None and other[kind_col] != row[kind_col]) or \
                        not similar_names(other["name"], row["name"]):
                    continue
                both_exact = _quality_rank(other) == 2 and _quality_rank(row) == 2
                limit = same_m if both_exact else approximate_m
                ox_ = kept_xy[i]
                if ox_ is None or pm is None or ox_.distance(pm) <= limit:
                    hit = i
                    break
            if hit is None:
                kept.append(row.copy())
                kept_xy.append(pm)
                continue
            winner = kept[hit]
            for col, value in row.items():
                if col == "geometry":
                    continue
                if col not in winner.index or _missing(winner[col]):
                    winner[col] = value
            if _quality_rank(row) > _quality_rank(winner):
                winner["geometry"] = row.geometry
                winner["location_quality"] = row.get("location_quality") or "exact"
                winner["location_note"] = (f"point from {row.get('origin')} ({row.get('source')}, "
                                           f"{row[id_col]})")
                kept_xy[hit] = pm
            notes.append(f"{winner['name']} ({winner.get('origin')}) = {row['name']} "
                         f"({row.get('origin')}): one")
            if row[id_col] != winner[id_col]:
                merged[str(row[id_col])] = str(winner[id_col])
    out = gpd.GeoDataFrame(pd.DataFrame(kept).reset_index(drop=True), geometry="geometry", crs=4326)
    return out, notes, merged


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def strip_suffix(name: object) -> str:
    """Return a register or OSM name without 村/社区/居委会/村委会 (and their long forms)."""
    text = str(name or "").strip()
    for _ in range(2):  # 平阳浦村村委会 → 平阳浦村 → 平阳浦
        for suffix in SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                break
        else:
            break
    return text


def osm_place_code(osm_type: str, osmid: int) -> str:
    """Return the village code a pack built from OpenStreetMap gives a place (``osm-node-123``)."""
    return f"osm-{osm_type}-{int(osmid)}"


def match_places(area: Area, places: gpd.GeoDataFrame, *, as_of: str = ""
                 ) -> tuple[gpd.GeoDataFrame, dict, list[str]]:
    """Give register villages the points of the OpenStreetMap places of the same name.

    Each place is given the township whose seat is nearest on the same land;
    it then matches the register villages of that township by, in order: the
    village code being its OSM id (a pack built from OpenStreetMap); the exact
    name; the name without 村/社区/居委会/村委会; one unique close match
    (difflib ratio >= 0.75 of the names without suffix). A place with two
    equally good candidates, or a village claimed by two places at the same
    level, is *ambiguous* and left alone.

    Returns
    -------
    villages, counts, unmatched
        The villages (matched ones with ``location_quality`` exact, the OSM
        point and ``location_note`` saying how the match was made); counts
        ``matched`` / ``ambiguous`` / ``unmatched`` (OSM places) and
        ``villages_matched``; and the unmatched place names.
    """
    vil = area.layers["villages"].copy()
    counts = {"osm_places": len(places), "matched": 0, "ambiguous": 0, "unmatched": 0}
    if places.empty or vil.empty:
        counts["unmatched"] = len(places)
        return vil, counts, [str(n) for n in places.get("name", [])]
    places = places[places.geometry.notna() & ~places.geometry.is_empty].reset_index(drop=True)
    township = nearest_township(area, places) if len(area.layers["townships"]) else [None] * len(places)
    by_code = {c: i for i, c in enumerate(vil["code"])}
    names = list(vil["name"].astype(str))
    stripped = [strip_suffix(n) for n in names]
    tw_of = list(vil["township_code"])
    claims: dict[int, list[tuple[int, int, str]]] = {}  # village row -> (level, place row, how)
    unmatched: list[str] = []
    for p, row in places.iterrows():
        code = osm_place_code(row["osm_type"], row["osmid"])
        if code in by_code:
            claims.setdefault(by_code[code], []).append((0, p, "same OpenStreetMap id"))
            continue
        name = str(row["name"])
        pool = [i for i in range(len(vil)) if tw_of[i] == township[p]]
        found: list[tuple[int, int, str]] = []
        exact = [i for i in pool if names[i] == name]
        if exact:
            found = [(1, i, "exact name") for i in exact]
        else:
            bare = strip_suffix(name)
            same = [i for i in pool if stripped[i] == bare]
            if same:
                found = [(2, i, "name without 村/社区/居委会/村委会") for i in same]
            else:
                scored = sorted(((difflib.SequenceMatcher(None, bare, stripped[i]).ratio(), i)
                                 for i in pool), reverse=True)
                close = [(r, i) for r, i in scored if r >= _CLOSE_MATCH]
                if len(close) == 1 or (len(close) > 1 and close[0][0] > close[1][0]):
                    r, i = close[0]
                    found = [(3, i, f"close name match (similarity {r:.2f})")]
                elif close:
                    found = [(3, i, "close name match") for _, i in close]
        if not found:
            counts["unmatched"] += 1
            unmatched.append(name)
        elif len(found) > 1:
            counts["ambiguous"] += 1
        else:
            level, i, how = found[0]
            claims.setdefault(i, []).append((level, p, how))
    geoms = list(vil.geometry)
    matched: set[int] = set()
    for i, cl in claims.items():
        cl.sort()
        if len(cl) > 1 and cl[0][0] == cl[1][0]:
            counts["ambiguous"] += len(cl)
            continue
        level, p, how = cl[0]
        place = places.iloc[p]
        geoms[i] = place.geometry
        vil.iloc[i, vil.columns.get_loc("location_quality")] = "exact"
        vil.iloc[i, vil.columns.get_loc("location_note")] = (
            f"OpenStreetMap {place['osm_type']} {int(place['osmid'])} (place={place['place']}, "
            f"'{place['name']}'), matched by {how}")
        if "source" in vil:
            vil.iloc[i, vil.columns.get_loc("source")] = "OpenStreetMap"
        if "as_of" in vil:
            vil.iloc[i, vil.columns.get_loc("as_of")] = as_of
        if "license" in vil:
            vil.iloc[i, vil.columns.get_loc("license")] = osm.LICENSE
        counts["matched"] += 1
        matched.add(i)
        counts["ambiguous"] += len(cl) - 1 if len(cl) > 1 else 0
    vil = with_origin(gpd.GeoDataFrame(vil.drop(columns="geometry"), geometry=geoms, crs=4326),
                      "pack")
    vil.iloc[sorted(matched), vil.columns.get_loc("origin")] = "OpenStreetMap"
    counts["villages_matched"] = counts["matched"]
    return vil, counts, unmatched


def _ends(geometry: BaseGeometry) -> tuple[Point, Point] | None:
    if not _has_point(geometry):
        return None
    line = linemerge(geometry) if geometry.geom_type == "MultiLineString" else geometry
    if line.geom_type == "MultiLineString":
        parts = list(line.geoms)
        return Point(parts[0].coords[0]), Point(parts[-1].coords[-1])
    return Point(line.coords[0]), Point(line.coords[-1])


def ferry_layers(ferries: gpd.GeoDataFrame, ports: gpd.GeoDataFrame, *, epsg: int,
                 as_of: str, pier_m: float
                 ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, list[str]]:
    """Ports and sea links from OpenStreetMap ferry routes.

    Each ``route=ferry`` way becomes a link between the piers at its two ends:
    the ``amenity=ferry_terminal`` (or harbour) nearest each end within
    ``pier_m``, else a pier at the route's end (said in its
    ``location_note``). The ``duration`` tag (``1:15``, ``PT1H15M``, ``75``)
    is the stated crossing; without it the crossing is modelled from distance.
    ``motor_vehicle`` says whether an ambulance can ride (column
    ``ambulance_can_ride``, and the note).

    Returns
    -------
    ports, sealinks, notes
        The OSM ports (terminals plus route ends) and the links, and one line
        per route left out (cut by the extract, or with both ends at one pier).
    """
    ports = ports.copy()
    port_rows = [dict(r) for _, r in ports.iterrows()]
    metric = list(ports.to_crs(epsg).geometry) if len(ports) else []

    def to_metric(point: Point) -> Point:
        return gpd.GeoSeries([point], crs=4326).to_crs(epsg).iloc[0]

    links, notes = [], []
    for _, f in ferries.iterrows():
        ends = _ends(f.geometry)
        label = f"OSM way {int(f['osmid'])} '{f['name'] or 'unnamed ferry'}'"
        if ends is None or f.get("complete") is False:
            notes.append(f"ferry {label}: cut by the extract's edge, left out")
            continue
        ids = []
        for end, tag in zip(ends, ("a", "b"), strict=True):
            em = to_metric(end)
            best, best_d = None, pier_m
            for j, pm in enumerate(metric):
                d = pm.distance(em)
                if d <= best_d:
                    best, best_d = j, d
            if best is None:
                pid = f"osm-way-{int(f['osmid'])}-{tag}"
                port_rows.append({"port_id": pid, "name": f"{f['name'] or 'ferry'} ({tag} end)",
                                  "location_quality": "exact",
                                  "location_note": f"end of the ferry route {label}: no ferry "
                                                   f"terminal within {pier_m:g} m",
                                  "source": osm.SOURCE, "as_of": as_of, "license": osm.LICENSE,
                                  "geometry": end})
                metric.append(em)
                best = len(port_rows) - 1
            ids.append(port_rows[best]["port_id"])
        if ids[0] == ids[1]:
            notes.append(f"ferry {label}: both ends at one pier, left out")
            continue
        minutes = f.get("duration_min")
        stated = minutes is not None and not pd.isna(minutes)
        vehicles = f.get("motor_vehicle")
        ride = None if _missing(vehicles) else vehicles == "yes"
        ride_text = {True: "motor vehicles carried (an ambulance can ride)",
                     False: "no motor vehicles (an ambulance cannot ride)",
                     None: "motor vehicles not tagged"}[ride]
        links.append({
            "link_id": f"osm-way-{int(f['osmid'])}", "from_port": ids[0], "to_port": ids[1],
            "vessel": "vehicle_ferry" if ride else "ferry",
            "crossing_min": float(minutes) if stated else None,
            "crossing_quality": "stated" if stated else "modelled",
            "bidirectional": True, "route_zh": f["name"],
            "note": (f"{label}: duration {f['duration']!s} in OpenStreetMap; " if stated
                     else f"{label}: no duration tag; ") + ride_text + "; timetable not in OpenStreetMap",
            "ambulance_can_ride": ride,
            "source": osm.SOURCE, "as_of": as_of, "license": osm.LICENSE, "origin": "OpenStreetMap",
            "geometry": f.geometry,
        })
    out_ports = gpd.GeoDataFrame(pd.DataFrame(port_rows), geometry="geometry", crs=4326) if port_rows \
        else ports
    out_ports["origin"] = "OpenStreetMap"
    cols = ["link_id", "from_port", "to_port", "vessel", "crossing_min", "crossing_quality",
            "bidirectional", "route_zh", "note", "ambulance_can_ride", "source", "as_of", "license",
            "origin", "geometry"]
    out_links = gpd.GeoDataFrame(pd.DataFrame(links, columns=cols), geometry="geometry", crs=4326)
    return out_ports, out_links, notes


def roads_from_graph(graph, *, as_of: str, source: str = "OpenStreetMap") -> gpd.GeoDataFrame:
    """Return the edges of an osmnx drive graph as a roads layer (one row per edge pair)."""
    return _roads_frame(road_columns(graph), as_of=as_of, source=source)


_ROAD_COLUMNS = ["u", "v", "km", "highway", "maxspeed", "oneway", "source", "license", "as_of", "quality",
                 "geometry"]


def road_columns(graph) -> dict[str, np.ndarray]:
    """Return the columns of :func:`roads_from_graph` that come from the graph, as arrays.

    ``maxspeed`` is NaN where the edge has none; the lines are ``coords`` and
    ``offsets`` (:func:`shapely.to_ragged_array`); ``n_nodes`` is the graph's
    node count.
    """
    xy = {n: (float(d["x"]), float(d["y"])) for n, d in graph.nodes(data=True)}
    return edge_columns(xy, graph.edges(data=True), graph.has_edge)


def _roads_frame(cols: dict[str, np.ndarray], *, as_of: str, source: str) -> gpd.GeoDataFrame:
    """Return the roads layer from :func:`road_columns` (the frame a row per edge would give, same dtypes)."""
    n = len(cols["km"])
    if not n:
        return gpd.GeoDataFrame(pd.DataFrame([], columns=_ROAD_COLUMNS), geometry="geometry", crs=4326)
    speed = cols["maxspeed"]
    geometry = shapely.from_ragged_array(shapely.GeometryType.LINESTRING, cols["coords"], (cols["offsets"],))
    frame = pd.DataFrame({
        "u": cols["u"].astype(object), "v": cols["v"].astype(object), "km": cols["km"].astype(float),
        "highway": cols["highway"].astype(object),
        # a column of None (no edge with a limit) stays None, as rows of None would give
        "maxspeed": speed if np.isfinite(speed).any() else np.full(n, None, dtype=object),
        "oneway": cols["oneway"].astype(bool),
        "source": np.full(n, source, dtype=object), "license": np.full(n, osm.LICENSE, dtype=object),
        "as_of": np.full(n, as_of, dtype=object),
        "quality": np.full(n, "OpenStreetMap drive network", dtype=object), "geometry": geometry},
        columns=_ROAD_COLUMNS)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)


def _osm_roads(data: osm.OsmData, *, source: str) -> tuple[gpd.GeoDataFrame | None, int]:
    """Return the roads layer of OpenStreetMap data and its road node count (None, 0 without roads).

    From a cache, the layer is read from the arrays kept beside its GraphML
    when they are there (and kept there when not).
    """
    cols = read_road_layer(data)
    if cols is None:
        if not data.graph.number_of_nodes():
            return None, 0
        cols = road_columns(data.graph)
        save_road_layer(data, cols)
    n_nodes = int(cols["n_nodes"])
    if not n_nodes:
        return None, 0
    return _roads_frame(cols, as_of=data.as_of, source=source), n_nodes


def source_counts(frame: gpd.GeoDataFrame, *, default: str = "pack") -> dict[str, int]:
    """Rows per origin (``planner``, ``OpenStreetMap``, ``pack``)."""
    if frame is None or frame.empty:
        return {}
    origin = frame["origin"] if "origin" in frame else pd.Series(default, index=frame.index)
    return dict(Counter(origin.fillna(default).astype(str)))


def _in_outline(frame: gpd.GeoDataFrame, outline: BaseGeometry) -> gpd.GeoDataFrame:
    if frame.empty:
        return frame
    return frame[frame.geometry.notna() & frame.geometry.intersects(outline)]


def with_osm(area: Area, data: osm.OsmData | None) -> tuple[Area, list[str]]:
    """Return the area with its OpenStreetMap layers laid over the pack.

    Parameters
    ----------
    area
        The area as read from its pack.
    data
        Its OpenStreetMap layers (cache or file), or None: then only the road
        source (the pack's) is recorded.

    Returns
    -------
    area, notes
        The new area (``meta["sources"]`` counts facilities, villages with a
        point and sea links per origin; ``meta["places_matching"]`` the place
        counts; ``meta["road_source"]`` says which roads the network uses) and
        one line per thing done.
    """
    cfg = area.config
    epsg = cfg.utm_epsg
    meta = dict(area.meta)
    notes: list[str] = []
    layers = {k: v for k, v in area.layers.items()}
    for name in ("facilities", "villages", "sealinks", "ports"):
        layers[name] = with_origin(layers[name], "pack")
    if data is None:
        meta["road_source"] = "offline pack roads (" + "; ".join(
            sorted({str(s) for s in layers["roads"].get("source", pd.Series(dtype=str)).dropna()})
            or ["none"]) + ")"
    else:
        stamp = f"OpenStreetMap {data.as_of} ({data.source})"
        if data.fetched:
            stamp += f", cached {data.fetched}"
        roads, n_nodes = _osm_roads(data, source=f"OpenStreetMap {data.as_of} (cache)")
        if roads is not None:
            layers["roads"] = roads
            meta["road_source"] = (f"{stamp}: {n_nodes} road nodes, "
                                   f"{len(layers['roads'])} road segments (cache)")
        else:
            meta["road_source"] = "offline pack roads (the OpenStreetMap cache has no roads)"
        outline = area.outline_geom
        osm_fac = with_origin(_in_outline(data.facilities, outline), "OpenStreetMap")
        osm_fac = osm_fac.assign(**{c: False for c in ("referral", "has_pad") if c not in osm_fac})
        osm_fac = osm_fac.assign(township_code=nearest_township(area, osm_fac)) if len(osm_fac) \
            else osm_fac
        fac, merged = conflate_facilities(
            [osm_fac, layers["facilities"]], epsg=epsg,
            same_m=float(cfg.get("conflate.same_facility_m")),
            approximate_m=float(cfg.get("conflate.approximate_facility_m")))
        layers["facilities"] = fac
        notes.append(f"OpenStreetMap: {len(osm_fac)} health facilities, {len(merged)} of them the "
                     "same as a pack facility (exact point kept)")
        sub = Area(config=cfg, layers=layers, meta=meta)
        vil, counts, unmatched = match_places(sub, data.places, as_of=data.as_of)
        layers["villages"] = vil
        meta["places_matching"] = {**counts, "unmatched_names": unmatched[:50]}
        notes.append(f"OpenStreetMap places: {counts['matched']} matched to register villages, "
                     f"{counts['ambiguous']} ambiguous, {counts['unmatched']} unmatched"
                     + (f" ({', '.join(unmatched[:8])}{' ...' if len(unmatched) > 8 else ''})"
                        if unmatched else ""))
        ports, links, left = ferry_layers(data.ferries, data.ports, epsg=epsg, as_of=data.as_of,
                                          pier_m=float(cfg.get("sea.pier_match_m")))
        notes.extend(left)
        # OpenStreetMap over the pack: the same pier (same id, or similar name and close) is
        # one, with the exact point; links are then re-pointed at the piers kept
        old_ports = layers["ports"]
        known = set(old_ports["port_id"])
        merged_ports, _, port_map = conflate_rows(
            [with_origin(ports, "OpenStreetMap"), old_ports], id_col="port_id", kind_col=None,
            epsg=epsg, same_m=float(cfg.get("sea.pier_match_m")),
            approximate_m=float(cfg.get("conflate.approximate_port_m")))
        new_ports = [p for p in ports["port_id"] if p not in known and p not in port_map]
        layers["ports"] = merged_ports
        layers["sealinks"] = _merge_links(links, layers["sealinks"], port_map)
        notes.append(f"OpenStreetMap ferries: {len(links)} sea links "
                     f"({int((links['crossing_quality'] == 'stated').sum())} with a stated duration), "
                     f"{len(new_ports)} piers")
        attribution = list(meta.get("attribution", []))
        line = f"{stamp}: {osm.ATTRIBUTION}"
        if line not in attribution:
            meta["attribution"] = [*attribution, line]
    placed = layers["villages"][layers["villages"].geometry.notna()
                                & ~layers["villages"].geometry.is_empty]
    meta["sources"] = {"facilities": source_counts(layers["facilities"]),
                       "villages_with_point": source_counts(placed),
                       "sealinks": source_counts(layers["sealinks"])}
    return Area(config=cfg, layers=layers, meta=meta), notes


def _merge_links(osm_links: gpd.GeoDataFrame, pack_links: gpd.GeoDataFrame,
                 port_map: dict[str, str]) -> gpd.GeoDataFrame:
    """OpenStreetMap links over the pack's, re-pointed at the piers kept.

    A pack link between the same two piers as an OSM ferry stays (it has the
    timetable and the direction); it takes the OSM ``duration`` as its
    crossing when OSM states one (OpenStreetMap over the pack), saying so in
    ``note``. A pack link with the same id as an OSM one gives way to it.
    """
    def repoint(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        frame = frame.copy()
        for col in ("from_port", "to_port"):
            frame[col] = frame[col].map(lambda p: port_map.get(p, p))
        return frame

    osm_links, pack_links = repoint(osm_links), repoint(pack_links)
    if pack_links.empty:
        return osm_links
    pack_links = pack_links[~pack_links["link_id"].isin(osm_links["link_id"])].copy()

    def pair(r: pd.Series) -> frozenset:
        return frozenset((r["from_port"], r["to_port"]))

    pack_pairs: dict[frozenset, list] = {}
    for i, r in pack_links.iterrows():
        pack_pairs.setdefault(pair(r), []).append(i)
    extra = []
    for _, r in osm_links.iterrows():
        rows = pack_pairs.get(pair(r))
        if not rows:
            extra.append(r)
            continue
        for i in rows:
            if not _missing(r["crossing_min"]):
                pack_links.loc[i, "crossing_min"] = r["crossing_min"]
                pack_links.loc[i, "crossing_quality"] = "stated"
            pack_links.loc[i, "note"] = "; ".join(
                str(x) for x in (pack_links.loc[i].get("note"), f"also {r['note']}") if not _missing(x))
            pack_links.loc[i, "ambulance_can_ride"] = r["ambulance_can_ride"]
    rest = gpd.GeoDataFrame(pd.DataFrame(extra), geometry="geometry", crs=4326) if extra else None
    return _concat(pack_links, rest)


def _concat(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if b is None or b.empty:
        return a
    if a is None or a.empty:
        return gpd.GeoDataFrame(b, geometry="geometry", crs=4326)
    return gpd.GeoDataFrame(pd.concat([a, b], ignore_index=True), geometry="geometry", crs=4326)


def road_source_line(area: Area) -> str:
    """One line for the console and the summary: which roads the network uses."""
    return str(area.meta.get("road_source", "offline pack roads"))


def cache_folder(key: str) -> Path:
    """Where the area's OpenStreetMap cache lives."""
    return geodata_dir() / "cache" / key
