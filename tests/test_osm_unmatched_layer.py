"""OpenStreetMap places that match no register village: their own map layer (issue 11 item 1)."""

from __future__ import annotations

import dataclasses

import folium
import geopandas as gpd
from shapely.geometry import Point

from islandcare.data.pack import load_pack
from islandcare.render.assets import write_map
from islandcare.render.maps import area_map, unmatched_osm_places
from islandcare.render.words import words

HOSTILE = "<img src=x onerror=alert(1)>`${alert(2)}`"


def _places(area):
    """Four OSM places at 沈家门街道's seat: two match villages, two match nothing."""
    seat = area.layers["townships"].set_index("code").loc["330903001"].geometry
    rows = [("海星社区居委会", 1), ("中洲", 2), ("不存在的地方", 5), (HOSTILE, 6)]
    return gpd.GeoDataFrame(
        {"osm_type": "node", "osmid": [r[1] for r in rows], "name": [r[0] for r in rows],
         "place": "hamlet", "as_of": "2024-01-01"},
        geometry=[Point(seat.x + 0.001 * i, seat.y) for i in range(len(rows))], crs=4326)


def test_only_the_places_matching_nothing_are_kept() -> None:
    """The matched places (exact name, name without suffix) are left out; the others kept."""
    area = load_pack("putuo")
    extra = unmatched_osm_places(area, _places(area))
    assert sorted(extra["name"]) == sorted(["不存在的地方", HOSTILE])
    assert list(extra["osmid"].sort_values()) == [5, 6]
    assert unmatched_osm_places(area, None).empty


def test_layer_is_off_at_start_and_names_are_escaped(tmp_path) -> None:
    """The layer is in the layer control, hidden at start; no name reaches the page raw."""
    area = load_pack("putuo")
    extra = unmatched_osm_places(area, _places(area))
    shown = dataclasses.replace(area, meta={**area.meta, "osm_unmatched_places": extra})
    for lang in ("zh", "en"):
        m = area_map(shown, lang=lang)
        label = words(lang)("map.osm_unmatched")
        groups = [c for c in m._children.values() if isinstance(c, folium.FeatureGroup)
                  and label in c.layer_name]
        assert len(groups) == 1 and f"({len(extra)})" in groups[0].layer_name
        assert groups[0].show is False
        markers = [c for c in groups[0]._children.values() if isinstance(c, folium.CircleMarker)]
        assert len(markers) == 2
        path = tmp_path / lang / "index.html"
        write_map(m, path)
        page = path.read_text("utf-8")
        assert "<img src=x" not in page and "${alert(2)}" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page
        assert "不存在的地方" in page
    plain = area_map(area)  # no such places: no layer
    assert not any(isinstance(c, folium.FeatureGroup) and words("zh")("map.osm_unmatched")
                   in c.layer_name for c in plain._children.values())
