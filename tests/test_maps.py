"""The area maps (no browser): every layer, legend, colour bar, search, norm table, offline.

The three real packs are analysed once per session (about 5 s each);
``tests/test_browser.py`` reuses :func:`area_reports`.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import folium
import pytest

from islandcare.analyses.report import AreaReport, analyse_area
from islandcare.data.pack import load_pack
from islandcare.data.schema import FACILITY_KINDS
from islandcare.render.assets import write_map
from islandcare.render.index import write_index
from islandcare.render.maps import (
    MINUTES_MAX,
    Panel,
    area_map,
    flight_rings,
    minutes_colormap,
    write_area_map,
)

AREAS = ("shengsi", "putuo", "fenghua")
UNDERSERVED_RING = "#d55e00"  # vermilion (Okabe–Ito), issue 13: told apart by colour-blind eyes


@functools.cache
def area_reports() -> dict[str, AreaReport]:
    """The analysis of each real pack, computed once per test session."""
    return {key: analyse_area(load_pack(key)) for key in AREAS}


def js(text: str) -> str:
    """``text`` as folium/jinja write it inside a JavaScript string (``tojson``)."""
    out = json.dumps(text)[1:-1]
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        out = out.replace(ch, esc)
    return out


def has(page: str, text: str) -> bool:
    """Whether ``text`` is in the page, as written or escaped for JavaScript."""
    return text in page or js(text) in page


def expected_layers(rep: AreaReport) -> list[tuple[str, ...]]:
    """One entry per layer the map must offer: the words its name in the layer control holds.

    Derived from the area's data, so a layer that has nothing to draw is not expected.
    """
    area = rep.area
    want: list[tuple[str, ...]] = [("陆地 Land",), ("行政边界 Outline",)]
    for res in rep.circles.values():
        want += [(f"{res.circle.label}: ", f"{cls} ≤{res.circle.limits[cls][0]:g} min")
                 for cls, geom in res.polygons.items() if not geom.is_empty]
    classes = {h.removesuffix("_link") for h in area.layers["roads"]["highway"]}
    want += [(f"{c} road, mapped", f"{area.config.speed_kmh(c):g} km/h") for c in sorted(classes)]
    for layer, words in (("bridges", ("桥 Bridges",)), ("sealinks", ("航线 Sea links", "modelled")),
                         ("ports", ("码头 Ports",))):
        if not area.layers[layer].empty:
            want.append(words)
    fac = area.layers["facilities"]
    placed = fac[fac.geometry.notna()]
    if (placed["kind"] == "air_base").any():
        want.append(("直升机 Helicopter", "min"))
    want.append(("地点 Places", "villages with a point", "township seats"))
    want += [(f"{FACILITY_KINDS[k]} ({n})",) for k, n in placed["kind"].value_counts().items()]
    return want


def overlays(m: folium.Map) -> list[str]:
    """Names of the layers in the map's layer control (after rendering)."""
    control = next(c for c in m._children.values() if isinstance(c, folium.LayerControl))
    return list(control.overlays)


@pytest.fixture(scope="session")
def reports() -> dict[str, AreaReport]:
    return area_reports()


@pytest.fixture(scope="session")
def maps(reports, tmp_path_factory) -> dict[str, tuple[folium.Map, str, Path]]:
    """Each area's map, written offline: (map, its HTML, the file)."""
    root = tmp_path_factory.mktemp("maps")
    out = {}
    for key, rep in reports.items():
        m = area_map(rep.area, rep)
        path = root / key / "index.html"
        write_map(m, path)
        out[key] = (m, path.read_text("utf-8"), path)
    return out


def _markers(page: str) -> list[dict]:
    """Options of every circle marker in the page (places)."""
    found = re.findall(r"L\.circleMarker\(\s*\[[^\]]+\],\s*(\{.*?\})\s*\)", page, re.DOTALL)
    return [json.loads(o) for o in found]


@pytest.mark.parametrize("key", AREAS)
def test_every_layer_is_in_the_layer_control(maps, reports, key: str) -> None:
    m, page, _ = maps[key]
    names = overlays(m)
    want = expected_layers(reports[key])
    for words in want:
        hits = [n for n in names if all(w in n for w in words)]
        assert len(hits) == 1, f"{key}: {len(hits)} layers named with {words} in {names}"
    assert len(names) == len(want)
    for name in names:
        assert js(name) in page


@pytest.mark.parametrize("key", AREAS)
def test_legend_title_and_colour_bar(maps, reports, key: str) -> None:
    m, page, _ = maps[key]
    rep = reports[key]
    panels = {c.element_id: c.body for c in m._children.values() if isinstance(c, Panel)}
    assert {"ic-title", "ic-legend", "ic-norm"} <= set(panels)
    for pid in panels:
        assert js(pid) in page
    legend = panels["ic-legend"]
    cfg = rep.area.config
    assert f"{cfg.get('speeds.offroad'):g} km/h" in legend
    assert cfg.source("speeds.offroad")[:40] in legend
    assert "图例 Legend" in legend and "approximate point" in legend
    fac = rep.area.layers["facilities"]
    for name in fac.loc[fac.geometry.isna(), "name"]:
        assert name in legend, f"facility with no point not listed: {name}"
    title = panels["ic-title"]
    s = rep.summary
    assert cfg.title in title
    for status in ("covered", "underserved", "unknown"):
        assert f"{status} {s['villages'][status]}" in title
    avg = s["ambulance"]["response"]["all"]["average_response_min"]
    assert f"{avg:g} min" in title
    # the colour bar (branca colormap, drawn with the vendored d3)
    assert "d3.scale.threshold" in page
    assert has(page, "minutes to primary care")
    assert "lib/d3/d3.min.js" in page


def test_colour_bar_turns_at_the_area_limits(reports) -> None:
    area = reports["shengsi"].area
    cmap = minutes_colormap(area)
    assert cmap.vmin == 0 and cmap.vmax == MINUTES_MAX
    town = area.config.get("circles.primary_care.town_minutes")
    country = area.config.get("circles.primary_care.countryside_minutes")
    # viridis, reversed (issue 13: a scale colour-blind readers can read)
    assert cmap(0)[:7] == "#fde725"
    assert cmap(town)[:7] == "#5ec962" and cmap(country)[:7] == "#21918c"


@pytest.mark.parametrize("key", AREAS)
def test_search_control_indexes_the_places(maps, reports, key: str) -> None:
    _, page, _ = maps[key]
    assert "new L.Control.Search(" in page and "propertyName: 'name'" in page
    assert "lib/leaflet-search/dist/leaflet-search.min.js" in page
    searchable = {o["name"] for o in _markers(page) if "name" in o}
    placed = reports[key].places.dropna(subset=["lon"])
    assert searchable == set(placed["name"])


@pytest.mark.parametrize("key", AREAS)
def test_every_underserved_place_with_a_point_is_ringed_red(maps, reports, key: str) -> None:
    _, page, _ = maps[key]
    rings = {o["name"]: o["color"] for o in _markers(page)}
    under = reports[key].underserved.dropna(subset=["lon"])
    assert len(under) > 0
    for name in under["name"]:
        assert rings.get(name) == UNDERSERVED_RING, f"{key}: {name} not drawn as underserved"
    others = reports[key].places.query("status != 'underserved'").dropna(subset=["lon"])
    assert not any(rings[n] == UNDERSERVED_RING for n in others["name"])


@pytest.mark.parametrize("key", AREAS)
def test_places_are_coloured_by_primary_care_minutes(maps, reports, key: str) -> None:
    _, page, _ = maps[key]
    fills = {o["name"]: o["fillColor"] for o in _markers(page)}
    cmap = minutes_colormap(reports[key].area)
    for _, r in reports[key].places.dropna(subset=["lon"]).iterrows():
        minutes = float(r["primary_care_min"])
        want = cmap(min(minutes, MINUTES_MAX))[:7] if minutes < float("inf") else "#a6a6a6"
        assert fills[r["name"]] == want, r["name"]


@pytest.mark.parametrize("key", AREAS)
def test_ambulance_norm_table(maps, reports, key: str) -> None:
    m, page, _ = maps[key]
    norm = reports[key].norm
    body = next(c.body for c in m._children.values()
                if isinstance(c, Panel) and c.element_id == "ic-norm")
    assert "Ambulance norm" in body and "shortfall" in body
    for _, n in norm.iterrows():
        assert n["township"] in body
    if norm["present"].isna().any():
        assert "not in the data" in body
    assert js("救护车配置 Ambulance norm") in page


def test_helicopter_rings_and_pad_minutes(maps, reports) -> None:
    area = reports["putuo"].area
    cfg = area.config
    rings = flight_rings(area)
    lost = cfg.get("helicopter.dispatch_minutes") + cfg.get("helicopter.landing_minutes")
    assert rings and all(t > lost for t, _ in rings)
    for t, km in rings:
        assert km == pytest.approx((t - lost) * cfg.get("speeds.helicopter") / 60)
    _, page, _ = maps["putuo"]
    assert page.count("L.circle(") >= len(rings)
    assert has(page, f"✈ {rings[0][0]:g} min")
    # each placed helipad's popup gives its minutes from the air base
    pads = area.layers["facilities"].query("kind == 'helipad'").dropna(subset=["geometry"])
    assert page.count("min from 舟山应急直升机基地") >= len(pads)


def test_no_air_base_no_rings(maps) -> None:
    m, page, _ = maps["fenghua"]
    assert not any("Helicopter" in n for n in overlays(m))
    assert has(page, "No air base in the data")


@pytest.mark.parametrize("key", AREAS)
def test_view_fits_the_district_not_all_land(maps, reports, key: str) -> None:
    m, _, _ = maps[key]
    fit = next(c for c in m._children.values() if type(c).__name__ == "_FitView")
    (south, west), (north, east) = fit.bounds
    ominx, ominy, omaxx, omaxy = reports[key].area.layers["outline"].total_bounds
    assert ominx - 1e-6 <= west < east <= omaxx + 1e-6
    assert ominy - 1e-6 <= south < north <= omaxy + 1e-6
    if key == "shengsi":  # not the Dinghai island of the referral hospital, nor far-off rocks
        assert south > 30.4 and west > 121.8


@pytest.mark.parametrize("key", AREAS)
def test_written_map_is_offline(maps, reports, tmp_path: Path, key: str) -> None:
    rep = reports[key]
    path = write_area_map(rep.area, tmp_path / key, rep)
    page = path.read_text("utf-8")
    remote = re.findall(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:[a-z]+:)?//",
                        page, re.IGNORECASE)
    assert remote == []
    for lib in ("leaflet/dist/leaflet.js", "leaflet-search/dist/leaflet-search.min.js",
                "d3/d3.min.js", "leaflet.fullscreen/Control.FullScreen.js"):
        assert (path.parent / "lib" / lib).is_file()
    assert "folium.Icon" not in page and "awesome" not in page.lower()


def test_map_without_a_report(reports) -> None:
    area = reports["putuo"].area
    page = area_map(area).get_root().render()
    assert js("陆地 Land") in page and "new L.Control.Search(" in page
    assert "d3.scale.threshold" not in page  # no minutes, no colour bar


def test_index_links_each_area_with_its_headline(tmp_path: Path) -> None:
    summaries = [{"area": "putuo", "title": "普陀区 Putuo Qu", "map": "putuo/index.html",
                  "counts": {"villages": 133, "villages_with_point": 18},
                  "headline": {"covered": 2, "underserved": 15, "unknown": 116,
                               "avg response (min)": 9.0}},
                 {"area": "fenghua", "title": "奉化区 Fenghua Qu", "map": "fenghua/index.html",
                  "counts": {"villages": 337}, "headline": {"covered": 0, "underserved": 0,
                                                           "unknown": 337,
                                                           "avg response (min)": None}}]
    page = write_index(summaries, tmp_path).read_text("utf-8")
    assert "href='putuo/index.html'" in page and "href='fenghua/index.html'" in page
    assert "普陀区 Putuo Qu" in page and "underserved 服务不足" in page
    assert "<td class='bad'>15</td>" in page and "<td>—</td>" in page
    assert "http" not in page
    # Fenghua: no village could be assessed, so not "underserved 0" (issue 13)
    fenghua = page[page.index("fenghua/index.html"):]
    fenghua = fenghua[:fenghua.index("</tr>")]
    assert fenghua.count("未评估 not assessed") == 2 and "class='bad'" not in fenghua
