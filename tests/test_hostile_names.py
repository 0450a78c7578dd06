"""Hostile names in a real browser: the map and the app draw them as text, run nothing.

Every facility, village and port of the Shengsi pack is renamed to a string
that would run code or break the page if written unescaped into HTML, a
JavaScript string or template literal, or JSON in a script. The map and the
app are opened in headless Chromium (as in tests/test_browser.py): no dialog
may open, no console error appear, and the layers must still be drawn.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

HOSTILE = ["${alert(1)}", "<img src=x onerror=alert(2)>", "a`+alert(3)+`b",
           "</script><script>alert(4)</script>", "<!--", "x\u2028y');alert(5);//",
           "\\`${alert(6)}", "=HYPERLINK(\"http://x\")"]


def hostile_area():
    from islandcare.data.pack import load_pack

    area = load_pack("shengsi")
    for layer in ("facilities", "villages", "ports"):
        frame = area.layers[layer].copy()
        frame["name"] = [f"{HOSTILE[i % len(HOSTILE)]}" for i in range(len(frame))]
        if "source" in frame:
            frame["source"] = HOSTILE[1]
        area = area.with_layer(layer, frame)
    links = area.layers["sealinks"].copy()
    links["route_zh"] = HOSTILE[0]
    return area.with_layer("sealinks", links)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        try:
            b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run"])
        except sync_api.Error as exc:
            pytest.skip(f"Chromium does not start: {exc}")
        yield b
        b.close()


def watch(page) -> list[str]:
    problems: list[str] = []

    def on_dialog(dialog) -> None:
        problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    return problems


def open_every_popup(page) -> str:
    """Open the popup and tooltip of every marker and line; return their text."""
    return page.evaluate("""() => {
        const name = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);
        const map = window[name];
        const texts = [];
        map.eachLayer(layer => {
            if (layer.getPopup && layer.getPopup()) {
                layer.openPopup();
                const el = document.querySelector('.leaflet-popup-content');
                if (el) texts.push(el.innerText);
                layer.closePopup();
            }
            if (layer.getTooltip && layer.getTooltip()) {
                layer.openTooltip();
                const tip = layer.getTooltip().getElement();
                if (tip) texts.push(tip.innerText);
                layer.closeTooltip();
            }
        });
        return texts.join('\\n');
    }""")


def test_map_with_hostile_names(browser, tmp_path):
    from islandcare.analyses.report import analyse_area
    from islandcare.render.maps import write_area_map

    area = hostile_area()
    path = write_area_map(area, tmp_path / "map", analyse_area(area))
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    problems = watch(page)
    page.goto(path.as_uri(), wait_until="load")
    page.locator(".leaflet-control-layers").hover()  # the layer list is folded until hovered
    page.locator(".leaflet-control-layers-overlays label").first.wait_for()
    assert page.locator(".leaflet-marker-icon").count() >= 10  # facilities and ports drawn
    assert page.locator("path.leaflet-interactive").count() >= 30  # land, roads, places
    shown = open_every_popup(page)
    assert any(h in shown for h in HOSTILE[:3])  # the names are shown, as text
    page.locator("path.leaflet-interactive").nth(5).hover(force=True)
    page.wait_for_timeout(300)
    page.close()
    assert problems == []


def test_app_with_hostile_names(browser, monkeypatch):
    import islandcare.data.pack as pack
    from islandcare.app import App, make_server

    area = hostile_area()
    monkeypatch.setattr(pack, "load_pack", lambda key: area)
    app = App.build("shengsi")
    server = make_server(app, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        problems = watch(page)
        page.goto(server.url)
        page.wait_for_function("window.ISLANDCARE && window[window.ISLANDCARE.map]")
        assert page.locator(".leaflet-marker-icon").count() >= 10
        shown = open_every_popup(page)
        assert any(h in shown for h in HOSTILE[:3])
        # a click on 黄龙乡's island (no marker there): the answer names hostile places as text
        page.select_option("#ic-kind", "village_clinic")
        page.wait_for_function("""() => {
            const map = window[window.ISLANDCARE.map];
            return map && !map._animatingZoom && !(map._panAnim && map._panAnim._inProgress);
        }""")  # the opening animation would move the map after setView
        x, y = page.evaluate("""() => {
            const map = window[window.ISLANDCARE.map];
            map.setView([30.66, 122.57], 13, {animate: false});
            const p = map.latLngToContainerPoint([30.66, 122.57]);
            const box = map.getContainer().getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }""")
        page.mouse.click(x, y)
        page.wait_for_selector("#ic-result li, #ic-result .ic-error", timeout=60_000)
        assert page.locator("#ic-result li").count() > 0, page.inner_text("#ic-result")
        page.close()
        assert [p for p in problems if "status of 400" not in p] == []
    finally:
        server.shutdown()
        server.server_close()
