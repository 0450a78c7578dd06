"""The area maps in a real browser: headless Chromium driven by Playwright.

Needs the ``playwright`` Python package (pip) and Chromium at
``/usr/bin/chromium`` (Debian package ``chromium``; ``$ISLANDCARE_CHROMIUM``
to use another). Playwright's own browser download is not used. Skipped, with
the reason, when either is missing.

With ``ISLANDCARE_SCREENSHOTS=DIR`` each map's screenshot is also saved as
``DIR/<area>.png`` (1400×900) and ``DIR/<area>-<width>x<height>.png`` (1366×768
and 1920×1080, panels folded as the map opens); ``docs/screenshots/`` is made
that way::

    ISLANDCARE_SCREENSHOTS=docs/screenshots python -m pytest tests/test_browser.py
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("ISLANDCARE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 900}

if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="no playwright package (pip install playwright)")

# imported after the skips above, so the module skips cleanly without Chromium or playwright
from test_maps import AREAS, area_reports, expected_layers  # noqa: E402 (shares the session's analyses)

from islandcare.render.maps import write_area_map  # noqa: E402


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("browser-maps")
    return {key: write_area_map(rep.area, root / key, rep) for key, rep in area_reports().items()}


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        try:
            b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                   headless=True)
        except sync_api.Error as exc:
            pytest.skip(f"Chromium at {CHROMIUM} does not start: {exc}")
        yield b
        b.close()


def _search_name(key: str) -> str:
    """A place to search for: a village with a point, else a township seat."""
    placed = area_reports()[key].places.dropna(subset=["lon"])
    villages = placed[placed["unit"] == "village"]
    return str((villages if len(villages) else placed)["name"].iloc[0])


@pytest.mark.parametrize("key", AREAS)
def test_map_works_in_chromium(browser, written, key: str, tmp_path: Path) -> None:
    page = browser.new_page(viewport=VIEWPORT)
    problems: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"console: {msg.text}"))
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    page.on("requestfailed", lambda req: problems.append(f"request failed: {req.url}"))
    page.on("response", lambda res: res.status >= 400 and problems.append(
        f"HTTP {res.status}: {res.url}"))
    page.goto(written[key].as_uri(), wait_until="load")

    # layer control (folded at start; hovering opens it): one entry per layer the data has
    page.locator(".leaflet-control-layers").hover()
    labels = page.locator(".leaflet-control-layers-overlays label")
    labels.first.wait_for()
    texts = labels.all_inner_texts()
    want = expected_layers(area_reports()[key])
    assert len(texts) == len(want), texts
    for words in want:
        assert sum(all(w in t for w in words) for t in texts) == 1, (words, texts)
    # title, legend, colour bar, norm panel, scale
    for selector in ("#ic-title", "#ic-legend", "#ic-norm", ".leaflet-control-scale"):
        assert page.locator(selector).is_visible(), selector
    assert "图例 Legend" in page.locator("#ic-legend").inner_text()
    page.mouse.move(VIEWPORT["width"] // 2, VIEWPORT["height"] // 2)
    assert page.locator(".legend.leaflet-control svg rect").count() > 100  # the colour bar
    page.screenshot(path=str(tmp_path / f"{key}.png"))
    if os.environ.get("ISLANDCARE_SCREENSHOTS"):
        out = Path(os.environ["ISLANDCARE_SCREENSHOTS"])
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / f"{key}.png", out / f"{key}.png")

    # search a place by its Chinese name; an input method commits the text, then fires keyup
    name = _search_name(key)
    box = page.locator("input.search-input")
    box.fill(name)
    box.dispatch_event("keyup")
    tip = page.locator(".search-tip", has_text=name)
    tip.first.wait_for(timeout=5000)
    tip.first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5000)
    assert name in popup.inner_text()
    assert "verdict 结论" in popup.inner_text()
    page.wait_for_timeout(600)  # the popup pans the map into view
    box = page.locator(".leaflet-popup").bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, box  # never clipped
    assert box["x"] + box["width"] <= VIEWPORT["width"] and box["y"] + box["height"] <= VIEWPORT["height"]

    # the ambulance norm panel opens
    page.locator("#ic-norm summary").click()
    assert "shortfall" in page.locator("#ic-norm table").inner_text()
    page.close()
    assert problems == []


def _control_share(page) -> float:
    """Share of the map's area under controls and panels (visible boxes, overlaps counted twice)."""
    return page.evaluate("""() => {
      const map = document.querySelector('.leaflet-container').getBoundingClientRect();
      let sum = 0;
      document.querySelectorAll('.leaflet-control').forEach(el => {
        const r = el.getBoundingClientRect();
        const w = Math.max(0, Math.min(r.right, map.right) - Math.max(r.left, map.left));
        const h = Math.max(0, Math.min(r.bottom, map.bottom) - Math.max(r.top, map.top));
        if (getComputedStyle(el).visibility !== 'hidden') sum += w * h;
      });
      return sum / (map.width * map.height);
    }""")


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366x768", "1920x1080"])
@pytest.mark.parametrize("key", AREAS)
def test_map_reads_at_a_glance(browser, written, key: str, size: tuple[int, int],
                               tmp_path: Path) -> None:
    """Panels folded cover under a quarter of the map; township names show; no console error."""
    width, height = size
    page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
    problems: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"console: {msg.text}"))
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    page.goto(written[key].as_uri(), wait_until="load")
    page.locator(".ic-label-seat").first.wait_for(timeout=5000)
    page.wait_for_timeout(800)  # the opening fit animation
    share = _control_share(page)
    print(f"{key} {width}x{height}: controls and panels cover {100 * share:.1f}% of the map")
    assert share < 0.25, share
    # township names are on the map as it opens, inside the view
    rep = area_reports()[key]
    seats = rep.places[(rep.places["unit"] == "township_seat")].dropna(subset=["lon"])
    shown = set(page.locator(".ic-label-seat").all_inner_texts())
    assert shown and shown <= set(seats["township"])
    inside = page.evaluate("""() => [...document.querySelectorAll('.ic-label-seat')].filter(e => {
        const r = e.getBoundingClientRect();
        return r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight; }).length""")
    assert inside >= min(3, len(seats))
    # the "what would answer more" panel names the template to fill
    gaps = page.locator("#ic-gaps")
    gaps.locator("summary").click()
    assert "islandcare template" in gaps.inner_text()
    gaps.locator("summary").click()
    shot = tmp_path / f"{key}-{width}x{height}.png"
    page.screenshot(path=str(shot))
    if os.environ.get("ISLANDCARE_SCREENSHOTS"):
        out = Path(os.environ["ISLANDCARE_SCREENSHOTS"])
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, out / shot.name)
    # village names from zoom 12, where they do not collide
    villages = rep.places[(rep.places["unit"] == "village")].dropna(subset=["lon"])
    if size == (1366, 768) and len(villages):
        v = villages.iloc[0]
        page.evaluate("""([lat, lon]) => {
            const name = Object.keys(window).find(k => k.startsWith('map_') && window[k].setView);
            window[name].setView([lat, lon], 13, {animate: false}); }""",
                      [float(v["lat"]), float(v["lon"])])
        page.wait_for_timeout(500)
        boxes = page.evaluate("""() => [...document.querySelectorAll('.ic-label:not(.ic-label-seat)')]
            .map(e => e.getBoundingClientRect()).map(r => [r.left, r.top, r.right, r.bottom])""")
        assert boxes, "no village name at zoom 13"
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
        page.evaluate("""() => { const name = Object.keys(window).find(
            k => k.startsWith('map_') && window[k].setView); window[name].setZoom(9); }""")
    # the PNG button saves the current view
    if size == (1366, 768):
        with page.expect_download(timeout=30000) as dl:
            page.locator("a.ic-export").click()
        saved = tmp_path / "export.png"
        dl.value.save_as(saved)
        assert dl.value.suggested_filename == f"{key}.png"
        assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and saved.stat().st_size > 10_000
    page.close()
    assert problems == []
