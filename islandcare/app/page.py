"""The page of ``islandcare serve``: the area's offline map with the side panel.

The page is the map of :func:`islandcare.render.maps.area_map` (made offline
by :func:`islandcare.render.assets.write_map`) with three files of
``islandcare/app/web/`` put in:

``page.css``
    The panel's style, inlined in the page's ``<head>``.
``panel.html``
    The panel (facility kind, results box, table upload, downloads), put
    before ``</html>``. Its fields are ``{{ name|how }}``, filled by
    :func:`fill`: ``text`` escapes the value for HTML text or a quoted
    attribute, ``json`` writes it as a JavaScript literal safe inside
    ``<script>``, ``markup`` takes an :class:`Html` fragment built here from
    escaped parts.
``page.js``
    The panel's script, served as ``GET /app.js`` (:func:`app_script`).
"""

from __future__ import annotations

import functools
import html
import re
import tempfile
from pathlib import Path

import folium

from islandcare._escape import js_literal
from islandcare.app.api import DOWNLOADS, MAX_BODY, _serves
from islandcare.data.pack import Area
from islandcare.data.schema import FACILITY_KINDS

__all__ = ["WEB_DIR", "Html", "app_script", "fill", "render_page"]

#: The page's files: ``panel.html``, ``page.css``, ``page.js``.
WEB_DIR = Path(__file__).resolve().parent / "web"

_FIELD = re.compile(r"\{\{ *(\w+) *\| *(\w+) *\}\}")


class Html(str):
    """An HTML fragment built from escaped parts: :func:`fill` puts it in as it is (``markup``)."""

    __slots__ = ()


def fill(template: str, **values: object) -> str:
    """Fill the ``{{ name|how }}`` fields of ``template``, each value escaped for where it lands.

    Parameters
    ----------
    template
        The text, e.g. ``panel.html``.
    **values
        A value for every field, and no other: ``text`` fields take any value
        (``html.escape``: ``& < > " '``), ``json`` fields any JSON value
        (:func:`islandcare._escape.js_literal`), ``markup`` fields an
        :class:`Html`.

    Returns
    -------
    str
        The filled text.

    Raises
    ------
    KeyError
        A field with no value, or a value with no field.
    TypeError
        A ``markup`` value that is not :class:`Html`.
    ValueError
        A field with an unknown ``how``.
    """
    used: set[str] = set()

    def one(m: re.Match[str]) -> str:
        name, how = m.group(1), m.group(2)
        if name not in values:
            raise KeyError(f"the page template has a field {name!r} and no value for it")
        used.add(name)
        value = values[name]
        if how == "text":
            return html.escape(str(value))
        if how == "json":
            return js_literal(value)
        if how == "markup":
            if not isinstance(value, Html):
                raise TypeError(f"the field {name!r} takes an Html fragment, not {type(value).__name__}")
            return str(value)
        raise ValueError(f"the field {name!r} is filled as {how!r}: use text, json or markup")

    out = _FIELD.sub(one, template)
    if unused := sorted(set(values) - used):
        raise KeyError(f"the page template has no field for {', '.join(unused)}")
    return out


@functools.cache
def _web(name: str) -> str:
    return (WEB_DIR / name).read_text("utf-8")


def app_script() -> bytes:
    """Return the panel's script (``page.js``), served as ``GET /app.js``."""
    return _web("page.js").encode("utf-8")


def _head() -> str:
    css = _web("page.css")
    if "</" in css:
        raise ValueError("page.css must not contain '</': it is inlined in a <style> element")
    return f'<link rel="icon" href="data:,">\n<style>\n{css}</style>\n'


def _panel(area: Area, *, underserved: int, map_name: str) -> str:
    """Return the side panel's HTML (``panel.html`` filled for ``area``)."""
    serves = _serves(area)
    options = Html("".join(
        f'<option value="{html.escape(k)}"{" selected" if k == "village_clinic" else ""}>'
        f'{html.escape(label)}{"" if k in serves else " — no rule here"}</option>'
        for k, label in FACILITY_KINDS.items()))
    key = html.escape(area.key)
    links = Html(" · ".join(f'<a href="/api/underserved.{f}" download="{key}-underserved.{f}">'
                            f'{f.upper() if f != "geojson" else "GeoJSON"}</a>' for f in DOWNLOADS))
    return "\n" + fill(_web("panel.html"), title=area.config.title, options=options, links=links,
                       underserved=underserved, mb=MAX_BODY // (1024 * 1024),
                       config={"map": map_name, "area": area.key})


def render_page(area: Area, report, *, underserved: int, lang: str | None = None) -> bytes:
    """Return the offline map (in ``lang``, default the area's) with the panel, as UTF-8 HTML.

    Parameters
    ----------
    area, report
        The area and its analysis (:func:`islandcare.analyses.report.analyse_area`).
    underserved
        How many places are underserved (the downloads' heading).
    lang
        ``zh`` or ``en`` for the map; default the area file's ``area.lang``.

    Returns
    -------
    bytes
        The page of ``GET /``.
    """
    from islandcare.render.assets import write_map
    from islandcare.render.maps import area_map

    m = area_map(area, report, lang=lang)
    for child in m._children.values():  # the list of layers would hide the map: fold it
        if isinstance(child, folium.LayerControl):
            child.options["collapsed"] = True
    with tempfile.TemporaryDirectory(prefix="islandcare-page-") as tmp:
        path = Path(tmp) / "index.html"
        write_map(m, path)  # makes it offline and refuses any remote script
        text = path.read_text("utf-8")
    panel = _panel(area, underserved=underserved, map_name=m.get_name())
    head, sep, tail = text.partition("</head>")
    text = head + _head() + sep + tail
    body, sep, end = text.rpartition("</html>")
    return (body + panel + sep + end).encode("utf-8")
