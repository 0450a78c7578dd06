"""Offline maps: no CDN links, vendored files present, UTF-8, renders in Chromium."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import branca
import folium
import pytest
from branca.element import JavascriptLink, MacroElement
from folium import plugins
from folium.template import Template

from islandcare.render.assets import (
    LIBRARIES,
    STATIC_DIR,
    MissingAssetError,
    make_offline,
    offline_map,
    write_map,
)

TOWNS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": name},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[x, y], [x + 0.1, y], [x + 0.1, y + 0.08], [x, y + 0.08], [x, y]]],
            },
        }
        for name, x, y in [("菜园镇", 122.42, 30.70), ("沈家门街道", 122.28, 29.94)]
    ],
}

LEGEND = """
{% macro html(this, kwargs) %}
<div id="legend" style="position:fixed; bottom:30px; left:10px; z-index:1000;
     background:white; padding:6px; font-size:13px;">
  <b>图例</b><br>
  <span style="color:#d7301f">&#9679;</span> 卫生院
</div>
{% endmacro %}
"""

# Runs before the library scripts (it is in the header before render adds
# them): records failed loads and script errors, then, after load, checks the
# libraries and types into the search box, and leaves a JSON report on <body>.
PROBE = """<script>
window.__probe = {errors: []};
window.addEventListener("error", function (e) {
  var t = e.target;
  window.__probe.errors.push(t && t !== window ? "load failed: " + (t.src || t.href)
                                               : String(e.message));
}, true);
window.addEventListener("load", function () {
  var p = window.__probe;
  try {
    var key = Object.keys(window).filter(function (k) { return /searchControl$/.test(k); })[0];
    window[key].searchText("菜园");
  } catch (err) { p.errors.push("search: " + err); }
  setTimeout(function () {
    p.L = typeof L;
    p.leaflet = window.L && L.version;
    p.jquery = typeof jQuery;
    p.d3 = typeof d3;
    p.plugins = window.L && {
      fullscreen: !!L.Control.FullScreen, search: !!L.Control.Search,
      measure: !!L.Control.Measure, mouse: !!L.Control.MousePosition};
    var pane = document.querySelector(".leaflet-pane");
    p.leafletCss = pane ? getComputedStyle(pane).position : null;
    p.tips = Array.prototype.map.call(document.querySelectorAll(".search-tip"),
                                      function (e) { return e.textContent; });
    document.body.setAttribute("data-probe", JSON.stringify(p));
  }, 1500);
});
</script>"""


def build_map(*, probe: bool = False) -> folium.Map:
    """A map with every kind of element the project uses."""
    m = offline_map(location=[30.2, 122.3], zoom_start=9)
    if probe:
        m.get_root().header.add_child(folium.Element(PROBE), name="probe")
    towns = folium.GeoJson(
        TOWNS,
        name="乡镇",
        tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=["乡镇"]),
    ).add_to(m)
    folium.CircleMarker(
        [29.95, 122.30], radius=6, color="#d7301f", popup="沈家门卫生院", tooltip="卫生院"
    ).add_to(m)
    legend = MacroElement()
    legend._template = Template(LEGEND)
    m.get_root().add_child(legend)
    branca.colormap.LinearColormap(
        ["green", "red"], vmin=0, vmax=60, caption="到达时间(分钟)"
    ).add_to(m)
    plugins.Fullscreen().add_to(m)
    plugins.Search(
        layer=towns, search_label="name", geom_type="Polygon", placeholder="搜索乡镇"
    ).add_to(m)
    plugins.MeasureControl().add_to(m)
    plugins.MousePosition().add_to(m)
    folium.LayerControl().add_to(m)
    return m


class _Links(HTMLParser):
    """Collects src/href of <script> and <link> tags."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "link"):
            self.urls += [v for k, v in attrs if k in ("src", "href") and v]


def linked_urls(page: str) -> list[str]:
    parser = _Links()
    parser.feed(page)
    return parser.urls


@pytest.fixture
def written(tmp_path: Path) -> Path:
    path = tmp_path / "map.html"
    write_map(build_map(), path)
    return path


def test_no_remote_script_or_link(written: Path) -> None:
    urls = linked_urls(written.read_text(encoding="utf-8"))
    assert urls, "expected script/link tags"
    remote = [u for u in urls if re.match(r"(?i)([a-z]+:)?//", u)]
    assert remote == []
    assert all(u.startswith("lib/") for u in urls), urls
    for name in ("leaflet", "jquery", "leaflet.fullscreen", "leaflet-search", "d3"):
        assert any(u.startswith(f"lib/{name}/") for u in urls), name
    # Dropped Map defaults
    assert not any(re.search(r"bootstrap|awesome|fontawesome", u) for u in urls)


def test_referenced_files_exist(written: Path) -> None:
    root = written.parent
    for url in linked_urls(written.read_text(encoding="utf-8")):
        file = root / url
        assert file.is_file(), url
        if file.suffix == ".css":
            for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", file.read_text(encoding="utf-8")):
                if ref.startswith(("data:", "#")):
                    continue
                assert (file.parent / ref).is_file(), f"{url} -> {ref}"
    for lib in {u.split("/")[1] for u in linked_urls(written.read_text(encoding="utf-8"))}:
        assert any("LICEN" in f.name.upper() for f in (root / "lib" / lib).iterdir()), lib


def test_utf8_and_charset(written: Path) -> None:
    raw = written.read_bytes()
    page = raw.decode("utf-8")  # fails if not UTF-8
    head = raw[:1024].decode("utf-8", errors="ignore").lower()
    assert '<meta charset="utf-8"' in head
    for text in ("图例", "沈家门卫生院", "搜索乡镇"):  # HTML and template text: raw UTF-8
        assert text.encode("utf-8") in raw, text
    # GeoJSON properties and colormap captions go through folium's tojson, which
    # escapes to \uXXXX: valid JavaScript, shown as Chinese in the browser.
    for text in ("菜园镇", "到达时间(分钟)"):
        assert text in page or json.dumps(text)[1:-1] in page, text


def test_write_is_atomic_and_repeatable(tmp_path: Path) -> None:
    path = tmp_path / "out" / "map.html"
    write_map(build_map(), path)
    first = path.read_bytes()
    write_map(build_map(), path)
    assert path.stat().st_size > 0 and len(first) > 0
    assert not list(path.parent.rglob("*.tmp"))
    assert (path.parent / "lib" / "leaflet" / "dist" / "leaflet.js").is_file()
    # Only the libraries a map uses are copied
    plain = tmp_path / "plain" / "map.html"
    write_map(offline_map(location=[30, 122]), plain)
    assert sorted(p.name for p in (plain.parent / "lib").iterdir()) == ["jquery", "leaflet"]


def test_folium_class_defaults_untouched() -> None:
    m = build_map()
    make_offline(m)
    assert folium.Map.default_js[0][1].startswith("https://")
    assert plugins.Fullscreen.default_js[0][1].startswith("https://")
    assert m.default_js[0][1].startswith("lib/")


def test_osm_tiles_optional(tmp_path: Path) -> None:
    path = tmp_path / "map.html"
    write_map(offline_map(location=[30, 122], osm_tiles=True), path)
    page = path.read_text(encoding="utf-8")
    assert "tile.openstreetmap.org" in page  # a tile URL template in JS, not a linked file
    assert all(u.startswith("lib/") for u in linked_urls(page))
    assert "tile.openstreetmap.org" not in offline_map().get_root().render()


def test_unvendored_plugin_raises_with_url(tmp_path: Path) -> None:
    m = build_map()
    plugins.MarkerCluster().add_to(m)
    with pytest.raises(MissingAssetError, match=r"https://cdnjs\.cloudflare\.com/.*markercluster"):
        write_map(m, tmp_path / "map.html")
    assert not (tmp_path / "map.html").exists()


def test_awesome_marker_icon_raises(tmp_path: Path) -> None:
    m = offline_map(location=[30, 122])
    folium.Marker([30, 122], icon=folium.Icon(color="red")).add_to(m)
    with pytest.raises(MissingAssetError, match=r"awesome-markers.*CircleMarker"):
        write_map(m, tmp_path / "map.html")


def test_links_added_while_rendering_are_checked(tmp_path: Path) -> None:
    class Sneaky(MacroElement):
        def render(self, **kwargs: object) -> None:
            self.get_root().header.add_child(JavascriptLink("https://example.org/x.js"))
            super().render(**kwargs)

    m = offline_map(location=[30, 122])
    m.add_child(Sneaky())
    with pytest.raises(MissingAssetError, match=r"https://example\.org/x\.js"):
        write_map(m, tmp_path / "map.html")

    raw = offline_map(location=[30, 122])
    raw.get_root().html.add_child(folium.Element('<script src="//example.org/y.js"></script>'))
    with pytest.raises(MissingAssetError, match=r"//example\.org/y\.js"):
        write_map(raw, tmp_path / "map.html")


def test_vendored_files_complete_and_small() -> None:
    sources = (STATIC_DIR / "SOURCES.md").read_text(encoding="utf-8")
    total = 0
    for lib in LIBRARIES:
        assert f"| {lib.package} | {lib.version} | {lib.license} |" in sources
        assert any("LICEN" in f.upper() for f in lib.files), lib.name
        for file in lib.files:
            path = STATIC_DIR / lib.name / file
            assert path.is_file(), path
            total += path.stat().st_size
        assert set(lib.urls.values()) <= set(lib.files)
    assert total < 2_000_000


def _chromium() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _run_chromium(tmp_path: Path, *args: str) -> str:
    exe = _chromium()
    assert exe is not None
    cmd = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--virtual-time-budget=5000",
        "--window-size=1000,700",
        *args,
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=True)
    return result.stdout


@pytest.mark.skipif(
    _chromium() is None,
    reason="no headless browser: `apt-get install -y chromium` (Debian) to run this check",
)
def test_renders_offline_in_chromium(tmp_path: Path) -> None:
    path = tmp_path / "map.html"
    write_map(build_map(probe=True), path)
    url = path.resolve().as_uri()

    dom = _run_chromium(tmp_path, "--dump-dom", url)
    assert "leaflet-container" in dom  # Leaflet ran and set up the map div
    assert re.search(r'<path[^>]*class="leaflet-interactive"', dom)  # GeoJSON / circle drawn
    for control in (
        "leaflet-control-layers",
        "leaflet-control-search",
        "fullscreen-icon",
        "leaflet-control-measure",
        "leaflet-control-mouseposition",
        "legend",
    ):
        assert control in dom, control
    match = re.search(r'data-probe="([^"]*)"', dom)
    assert match, "probe did not report"
    probe = json.loads(html.unescape(match.group(1)))
    assert probe["errors"] == []
    assert probe["L"] == "object" and probe["leaflet"] == "1.9.4"
    assert probe["jquery"] == "function" and probe["d3"] == "object"
    assert all(probe["plugins"].values()), probe["plugins"]
    assert probe["leafletCss"] == "absolute"  # leaflet.css applied
    assert probe["tips"] == ["菜园镇"]  # leaflet-search finds the Chinese name

    shot = tmp_path / "map.png"
    _run_chromium(tmp_path, f"--screenshot={shot}", url)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 5_000
