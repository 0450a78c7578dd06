"""The road layer of the map: road by road for a pack, merged per class for an OpenStreetMap-size graph."""

from __future__ import annotations

import json

import folium
import geopandas as gpd
import pytest
import shapely

from islandcare.data.pack import load_pack
from islandcare.render import map_layers
from islandcare.render.geojson import features, merged_line_features, shape_features


def _frame(rows: list[tuple[str, float, str | None, list[tuple[float, float]]]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"highway": [r[0] for r in rows], "km": [r[1] for r in rows],
                             "source": [r[2] for r in rows]},
                            geometry=[shapely.LineString(r[3]) for r in rows], crs="EPSG:4326")


def test_merged_features_join_lines_end_to_end_per_group() -> None:
    frame = _frame([("trunk", 1.0, "osm", [(121.0, 29.0), (121.1, 29.0)]),
                    ("trunk", 2.0, "osm", [(121.1, 29.0), (121.1, 29.123456789)]),  # continues the first
                    ("trunk", 4.0, None, [(121.5, 29.5), (121.6, 29.5)]),
                    ("primary", 8.0, "osm", [(122.0, 30.0), (122.1, 30.0)])])
    fc = merged_line_features(frame, by=["highway", "source"], sums=("km",))
    got = {(f["properties"]["highway"], f["properties"]["source"]): f for f in fc["features"]}
    assert set(got) == {("trunk", "osm"), ("trunk", None), ("primary", "osm")}
    joined = got[("trunk", "osm")]
    assert joined["properties"]["km"] == 3.0
    assert joined["geometry"] == {"type": "MultiLineString",
                                  "coordinates": [[[121.0, 29.0], [121.1, 29.0], [121.1, 29.123457]]]}
    assert joined["bbox"] == [121.0, 29.0, 121.1, 29.123457]
    assert got[("trunk", None)]["properties"]["km"] == 4.0
    assert len({f["id"] for f in fc["features"]}) == 3
    with pytest.raises(ValueError, match="line strings"):
        merged_line_features(frame.set_geometry(gpd.points_from_xy([121.0] * 4, [29.0] * 4, crs="EPSG:4326")),
                             by=["highway"])


def _road_layers(m: folium.Map) -> list[folium.GeoJson]:
    return [c for c in m._children.values() if isinstance(c, folium.GeoJson)]


@pytest.mark.parametrize("limit", [None, 0])
def test_roads_drawn_one_by_one_or_merged_show_the_same_lines(monkeypatch: pytest.MonkeyPatch,
                                                              limit: int | None) -> None:
    area = load_pack("fenghua")
    roads = area.layers["roads"]
    if limit is not None:
        monkeypatch.setattr(map_layers, "_ROAD_FEATURES_MAX", limit)
    m = folium.Map()
    map_layers._add_roads(m, area)
    layers = _road_layers(m)
    assert len(layers) == len({h.removesuffix("_link") for h in roads["highway"]})
    features = [f for layer in layers for f in layer.data["features"]]
    pieces = map_layers._split_at_outline(roads[["highway", "km", "source", "geometry"]], area.outline_geom)
    drawn = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in features])
    assert shapely.hausdorff_distance(drawn, shapely.union_all(pieces.geometry.to_numpy())) < 1e-6
    if limit is None:  # a pack: each piece its own feature, with its road's km in the tooltip
        assert len(features) == len(pieces)
        assert sorted(f["properties"]["km"] for f in features) == sorted(pieces["km"])
    else:  # merged: one feature per class, source and side of the outline; the km drawn add up to the roads'
        keys = {(f["properties"]["highway"], f["properties"]["source"], f["properties"]["inside"]) for f in features}
        assert len(keys) == len(features) < len(pieces)
        total = sum(f["properties"]["km"] for f in features)
        assert total == pytest.approx(roads["km"].sum(), abs=0.05 * len(features))
        assert {f["properties"]["inside"] for f in features} == {True, False}
    html = m.get_root().render()
    assert ("km (all drawn" in html) == (limit is not None)


def test_features_are_what_folium_makes_of_the_frame() -> None:
    """Lines, polygons with holes, multi-geometries, missing values and booleans: the same dictionary."""
    square = shapely.Polygon([(0, 0), (1, 0), (1, 1), (0, 1)], [[(0.2, 0.2), (0.4, 0.2), (0.4, 0.4)]])
    frame = gpd.GeoDataFrame(
        {"a": [1.5, None, 3.0, None, 2.0], "b": ["x", None, "z", "w", "v"], "c": [True, False, True, True, False]},
        geometry=[square, shapely.MultiPolygon([square, shapely.Polygon([(5, 5), (6, 5), (6, 6)])]),
                  shapely.LineString([(0, 0), (1, 1.123456789)]),
                  shapely.MultiLineString([[(0, 0), (1, 1)], [(2, 2), (3, 3), (4, 4)]]),
                  shapely.Polygon([(9, 9), (10, 9), (10, 10)])],
        crs="EPSG:4326", index=[3, 7, 1, 0, 2])
    for layer in (frame, frame[["geometry"]]):
        assert features(layer) == json.loads(json.dumps(layer.__geo_interface__))
    points = frame.set_geometry(gpd.points_from_xy(range(5), range(5), crs="EPSG:4326"))
    assert features(points) is points  # left to folium


def test_shape_features_are_those_of_a_one_row_frame() -> None:
    ring = shapely.Polygon([(0, 0), (2, 0), (2, 2), (0, 2)], [[(0.5, 0.5), (1, 0.5), (1, 1)]])
    for shape in (ring, shapely.MultiPolygon([ring, shapely.Polygon([(5, 5), (6, 5), (6, 6)])])):
        frame = gpd.GeoDataFrame({"circle": ["a <b>"]}, geometry=[shape], crs=4326)
        assert shape_features(shape, {"circle": "a <b>"}) == features(frame)
    mixed = shapely.GeometryCollection([ring, shapely.Point(9, 9)])
    left = shape_features(mixed, {"circle": "c"})  # not one folium is spared: the frame, for folium
    assert isinstance(left, gpd.GeoDataFrame) and list(left["circle"]) == ["c"]


def test_split_at_outline_is_the_overlay_of_every_line() -> None:
    """Lines inside, crossing, touching, missing the outline within its box, and far off: the same parts."""
    outline = shapely.Polygon([(0, 0), (4, 0), (4, 4), (2, 2), (0, 4)])  # a notch: its box holds land-free corners
    lines = _frame([("primary", 1.0, "a", [(1, 1), (3, 1)]),  # inside
                    ("primary", 2.0, "b", [(1, 1), (5, 1)]),  # crossing
                    ("primary", 3.0, "c", [(4, 1), (5, 1)]),  # touching the boundary at a point
                    ("primary", 4.0, "d", [(1.5, 3.8), (2.5, 3.8)]),  # in the notch: misses it, inside its box
                    ("primary", 5.0, None, [(9, 9), (10, 10)])])  # far off
    got = map_layers._split_at_outline(lines, outline)
    geoms = lines.geometry.to_numpy()
    want = [(i, inside, g) for inside, cut in ((True, shapely.intersection(geoms, outline)),
                                               (False, shapely.difference(geoms, outline)))
            for i, g in enumerate(cut) if not g.is_empty]
    assert [(km, inside) for km, inside in zip(got["km"], got["inside"], strict=True)] == \
        [(lines["km"].iloc[i], inside) for i, inside, _ in want]
    assert all(shapely.equals_exact(a, b, tolerance=0) for a, (_, _, b) in zip(got.geometry, want, strict=True))
