"""The area maps in a real browser: headless Chromium driven by Playwright.

Needs the ``playwright`` Python package (pip) and Chromium at
``/usr/bin/chromium`` (Debian package ``chromium``; ``$ISLANDCARE_CHROMIUM``
to use another). Playwright's own browser download is not used. Skipped, with
the reason, when either is missing.

With ``ISLANDCARE_SCREENSHOTS=DIR`` each map's screenshot (1400×900) is also
saved as ``DIR/<area>.png``; ``docs/screenshots/`` is made that way.
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

from test_maps import AREAS, area_reports, expected_layers  # shares the session's analyses

from islandcare.render.maps import write_area_map


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

    # layer control: one entry per layer the data has
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

    # the ambulance norm panel opens
    page.locator("#ic-norm summary").click()
    assert "shortfall" in page.locator("#ic-norm table").inner_text()
    page.close()
    assert problems == []
