"""Offline Folium maps: serve Leaflet and plugins from vendored files.

Folium writes ``<script src="https://cdn...">`` and ``<link href="https://...">``
tags for Leaflet, jQuery, Bootstrap, Font Awesome and every plugin. Maps for
planners must work on networks that block CDNs, so this module points every
such tag at a vendored copy under ``lib/<library>/...`` next to the HTML file
and copies the files there.

How folium collects the links: every :class:`folium.elements.JSCSSMixin`
(the Map and each plugin) adds one :class:`branca.element.JavascriptLink` or
:class:`branca.element.CssLink` per entry of its ``default_js`` /
``default_css`` to the root :class:`branca.element.Figure`'s ``header`` while
it renders; a few elements (e.g. branca colormaps, which need d3) add links
to the header directly in ``render``. :func:`make_offline` therefore does two
things: it rewrites ``default_js``/``default_css`` of every element in the
tree (so unvendored plugins fail at once), and it puts a small guard first in
the figure header that rewrites or rejects whatever links are there when the
header is rendered (so links added at render time are caught as well).

Deliberately not vendored: Bootstrap, Glyphicons, Font Awesome and
Leaflet.awesome-markers, which folium's Map links by default but which only
:class:`folium.Icon` needs. They are dropped from the map; a
:class:`folium.Icon` raises :class:`MissingAssetError`. Draw points with
:class:`folium.CircleMarker`, a plain :class:`folium.Marker` (Leaflet's own
pin) or :class:`folium.DivIcon` instead. jQuery is kept: folium's popups use it.

The vendored files are listed in :data:`LIBRARIES`; ``static/SOURCES.md``
names versions and licenses, and ``python -m islandcare.render.vendor_assets``
fetches them again from the npm registry.
"""

from __future__ import annotations

__all__ = [
    "LIBRARIES",
    "LIB_DIR",
    "STATIC_DIR",
    "Library",
    "MissingAssetError",
    "local_url",
    "make_offline",
    "offline_map",
    "write_map",
]

import functools
import os
import re
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import branca.element
import folium
from branca.element import Element, Figure, Link

STATIC_DIR = Path(__file__).parent / "static"
"""Folder holding the vendored libraries, one sub-folder per library."""

LIB_DIR = "lib"
"""Folder, next to a written map, that receives the library files."""


@dataclass(frozen=True)
class Library:
    """One vendored npm package.

    Parameters
    ----------
    name
        Folder under :data:`STATIC_DIR` and under ``lib/`` next to a map.
    package
        npm package name.
    version
        npm package version.
    license
        SPDX license identifier.
    files
        Files kept, as paths inside the npm tarball's ``package/`` folder; they
        keep these paths under ``<name>/`` so relative ``url(...)`` references
        in the CSS keep working. Includes the license file.
    urls
        CDN URL that folium or branca writes -> the file in ``files`` it maps to.
    """

    name: str
    package: str
    version: str
    license: str
    files: tuple[str, ...]
    urls: Mapping[str, str] = field(default_factory=dict)


_JSDELIVR = "https://cdn.jsdelivr.net"

LIBRARIES: tuple[Library, ...] = (
    Library(
        name="leaflet",
        package="leaflet",
        version="1.9.4",
        license="BSD-2-Clause",
        files=(
            "LICENSE",
            "dist/leaflet.js",
            "dist/leaflet.css",
            "dist/images/layers.png",
            "dist/images/layers-2x.png",
            "dist/images/marker-icon.png",
            "dist/images/marker-icon-2x.png",
            "dist/images/marker-shadow.png",
        ),
        # folium 0.20 links 1.9.3; 1.9.4 is a bug-fix release of it.
        urls={
            f"{_JSDELIVR}/npm/leaflet@{v}/dist/leaflet.{ext}": f"dist/leaflet.{ext}"
            for v in ("1.9.3", "1.9.4")
            for ext in ("js", "css")
        },
    ),
    Library(
        name="jquery",
        package="jquery",
        version="3.7.1",
        license="MIT",
        files=("LICENSE.txt", "dist/jquery.min.js"),
        urls={"https://code.jquery.com/jquery-3.7.1.min.js": "dist/jquery.min.js"},
    ),
    Library(
        name="leaflet.fullscreen",
        package="leaflet.fullscreen",
        version="3.0.0",
        license="MIT",
        # The package ships no .min.js (the CDN minifies on the fly); the
        # source is 8 kB.
        files=("LICENSE", "Control.FullScreen.js", "Control.FullScreen.css", "icon-fullscreen.svg"),
        urls={
            f"{_JSDELIVR}/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js": (
                "Control.FullScreen.js"
            ),
            f"{_JSDELIVR}/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css": (
                "Control.FullScreen.css"
            ),
        },
    ),
    Library(
        name="leaflet-search",
        package="leaflet-search",
        version="2.9.7",
        license="MIT",
        files=(
            "license.txt",
            "dist/leaflet-search.min.js",
            "dist/leaflet-search.min.css",
            "images/search-icon.png",
            "images/loader.gif",
        ),
        urls={
            f"{_JSDELIVR}/npm/leaflet-search@2.9.7/dist/leaflet-search.min.{ext}": (
                f"dist/leaflet-search.min.{ext}"
            )
            for ext in ("js", "css")
        },
    ),
    Library(
        name="leaflet-measure",
        package="leaflet-measure",
        version="2.1.7",
        license="MIT",
        files=(
            "LICENSE",
            "dist/leaflet-measure.min.js",
            "dist/leaflet-measure.css",
            *(
                f"dist/images/{icon}{scale}.png"
                for icon in ("cancel", "check", "focus", "rulers", "start", "trash")
                for scale in ("", "_@2X")
            ),
        ),
        urls={
            f"{_JSDELIVR}/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.js": (
                "dist/leaflet-measure.min.js"
            ),
            # The npm package has no .min.css; the plain one is 4 kB.
            f"{_JSDELIVR}/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.css": (
                "dist/leaflet-measure.css"
            ),
        },
    ),
    Library(
        name="leaflet-mouse-position",
        package="leaflet-mouse-position",
        version="1.2.0",
        license="MIT",
        files=(
            "MIT-LICENCE.txt",
            "src/L.Control.MousePosition.js",
            "src/L.Control.MousePosition.css",
        ),
        # folium links the unversioned GitHub master of ardhi/Leaflet.MousePosition;
        # this npm package wraps the same plugin (2 kB, not minified upstream).
        urls={
            f"{_JSDELIVR}/gh/ardhi/Leaflet.MousePosition/src/L.Control.MousePosition.min.{ext}": (
                f"src/L.Control.MousePosition.{ext}"
            )
            for ext in ("js", "css")
        },
    ),
    Library(
        name="d3",
        package="d3",
        version="3.5.5",
        license="BSD-3-Clause",
        files=("LICENSE", "d3.min.js"),
        # branca colormaps (legends of continuous scales) need d3 v3.
        urls={"https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js": "d3.min.js"},
    ),
    Library(
        name="html-to-image",
        package="html-to-image",
        version="1.11.13",
        license="MIT",
        files=("LICENSE", "dist/html-to-image.js"),
        # the maps' "save as PNG" button draws the current view on a canvas in the browser
        urls={f"{_JSDELIVR}/npm/html-to-image@1.11.13/dist/html-to-image.js":
              "dist/html-to-image.js"},
    ),
)

# Map defaults that only folium.Icon needs; dropped from offline maps.
_MAP_DROPPED = frozenset(
    {
        "bootstrap",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers",
        "awesome_markers_css",
        "awesome_markers_font_css",
        "awesome_rotate_css",
    }
)

_URLS: dict[str, str] = {
    url: f"{LIB_DIR}/{lib.name}/{file}" for lib in LIBRARIES for url, file in lib.urls.items()
}
_LOCAL_FILES: frozenset[str] = frozenset(
    f"{LIB_DIR}/{lib.name}/{file}" for lib in LIBRARIES for file in lib.files
)


class MissingAssetError(RuntimeError):
    """A map element needs a JS/CSS file that is not vendored.

    Parameters
    ----------
    url
        The URL folium or branca wanted to link.
    element
        Short description of what needs it, if known.
    """

    def __init__(self, url: str, element: str | None = None) -> None:
        who = f" (needed by {element})" if element else ""
        super().__init__(
            f"not vendored for offline maps: {url}{who}. Add it to "
            "islandcare.render.assets.LIBRARIES and run "
            "`python -m islandcare.render.vendor_assets`, or avoid this element."
        )
        self.url = url


def local_url(url: str, *, element: str | None = None) -> str:
    """Return the relative ``lib/<library>/<file>`` URL serving ``url``.

    Parameters
    ----------
    url
        A CDN URL written by folium/branca, or an already local URL.
    element
        What needs the URL, for the error message.

    Returns
    -------
    str
        ``lib/<library>/<file>``.

    Raises
    ------
    MissingAssetError
        If no vendored file serves ``url``.
    """
    if url in _LOCAL_FILES:
        return url
    try:
        return _URLS[url]
    except KeyError:
        raise MissingAssetError(url, element) from None


class _OfflineLinks(Element):
    """Header guard: localizes every link in the figure header at render time.

    It sits first in ``Figure.header``, which renders after all elements have
    added their links, so links added in ``render`` (e.g. d3 for colormaps)
    are rewritten too, and unknown ones raise :class:`MissingAssetError`.
    """

    def render(self, **kwargs: object) -> str:
        """Rewrite the header's links to the vendored copies; render nothing itself."""
        if self._parent is None:  # not in a header: no links to rewrite
            return ""
        for name, child in self._parent._children.items():
            if isinstance(child, Link):
                child.url = local_url(child.url, element=f"header link {name!r}")
        return ""


_GUARD_NAME = "islandcare_offline_links"


def _walk(element: Element) -> Iterator[Element]:
    """Yield ``element`` and everything below it.

    That includes the ``header``, ``html`` and ``script`` sub-elements of
    figures, popups and divs.
    """
    yield element
    subs = [getattr(element, a, None) for a in ("header", "html", "script")]
    for child in [*element._children.values(), *(s for s in subs if isinstance(s, Element))]:
        yield from _walk(child)


def _describe(element: Element) -> str:
    return f"{type(element).__module__}.{type(element).__qualname__}"


def make_offline(m: folium.Map) -> None:
    """Point every script and stylesheet of ``m`` at vendored files.

    Rewrites ``default_js``/``default_css`` of ``m`` and of every element in
    its figure to ``lib/<library>/<file>``, drops the Bootstrap / Font
    Awesome / awesome-markers defaults, adds ``<meta charset="utf-8">`` and a
    header guard that localizes links added while rendering. Idempotent; the
    lists are replaced on the instances, folium's class defaults are untouched.

    Parameters
    ----------
    m
        The map, usually with all its layers and plugins added.

    Raises
    ------
    MissingAssetError
        If an element needs a file that is not vendored (including
        :class:`folium.Icon`, which needs awesome-markers and Font Awesome).
    """
    figure = m.get_root()
    if not isinstance(figure, Figure):
        raise TypeError("the map is not in a branca Figure")
    for element in _walk(figure):
        if isinstance(element, folium.Icon):
            raise MissingAssetError(
                "Leaflet.awesome-markers and Font Awesome",
                f"{_describe(element)}; use folium.CircleMarker, folium.DivIcon "
                "or a plain folium.Marker",
            )
        for attr in ("default_js", "default_css"):
            links = getattr(element, attr, None)
            if links is None:
                continue
            if isinstance(element, folium.Map):
                links = [(name, url) for name, url in links if name not in _MAP_DROPPED]
            setattr(
                element,
                attr,
                [(name, local_url(url, element=_describe(element))) for name, url in links],
            )
    figure.header.add_child(Element('<meta charset="utf-8" />'), name="meta_charset", index=0)
    figure.header.add_child(_OfflineLinks(), name=_GUARD_NAME, index=1)


def offline_map(*, osm_tiles: bool = False, **map_kwargs: Any) -> folium.Map:
    """Create a :class:`folium.Map` without tiles, ready for offline use.

    Parameters
    ----------
    osm_tiles
        Add an OpenStreetMap tile layer. Offline its tiles just stay blank
        (Leaflet hides tiles that fail to load); the map still works.
    **map_kwargs
        Passed to :class:`folium.Map` (``location``, ``zoom_start``, ...);
        ``tiles`` defaults to None.

    Returns
    -------
    folium.Map
        The map; :func:`make_offline` is applied again by :func:`write_map`,
        so layers and plugins can be added afterwards.
    """
    map_kwargs.setdefault("tiles", None)
    m = folium.Map(**map_kwargs)
    if osm_tiles:
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap").add_to(m)
    make_offline(m)
    return m


_REMOTE_TAG = re.compile(
    r"""<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*["']?((?:[a-z][a-z0-9+.-]*:)?//[^"'\s>]*)""",
    re.IGNORECASE,
)


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder.

    The move (:func:`os.replace`) is what keeps a reader from a half-written
    file; like :func:`islandcare._io.atomic_write` it does not ``fsync``
    (a run writes into a fresh folder that is moved into place when complete).
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@functools.cache
def _static_bytes(library: str, file: str) -> bytes:
    """Return a vendored file's bytes, read once per process (a run writes the same files for every area)."""
    return (STATIC_DIR / library / file).read_bytes()


class _Text:
    """What a Jinja template of text without template syntax renders: the text, less one final newline."""

    def __init__(self, source: str) -> None:
        self._text = source[:-1] if source.endswith("\n") else source

    def render(self, *_args: object, **_kwargs: object) -> str:
        """Return the text."""
        return self._text


_JINJA_SYNTAX = ("{{", "{%", "{#", "\r")  # and "\r", which Jinja turns into "\n"
_RENDER_LOCK = threading.RLock()


@contextmanager
def _rendered_text_as_text() -> Iterator[None]:
    """Let branca keep the rendered parts of a map as text instead of compiling each as a Jinja template.

    branca wraps the header, HTML and script that each element renders in an
    ``Element(text)``, which compiles ``text`` as a template; for a layer of
    many features (its GeoJSON is in the text) that compile is most of the
    map's time. Text without template syntax renders to itself (less one
    final newline, as Jinja does), so it is kept as such; any other text is
    compiled as before. The HTML written is the same.
    """
    original = branca.element.Template

    def template(source: str, *args: Any, **kwargs: Any) -> Any:
        if not args and not kwargs and isinstance(source, str) and not any(t in source for t in _JINJA_SYNTAX):
            return _Text(source)
        return original(source, *args, **kwargs)

    with _RENDER_LOCK:
        branca.element.Template = template  # type: ignore[misc,assignment]
        try:
            yield
        finally:
            branca.element.Template = original  # type: ignore[misc]


def write_map(m: folium.Map, path: Path) -> None:
    """Write ``m`` as a self-contained offline HTML file.

    The libraries the map links are copied to ``path.parent / "lib"`` first,
    then the HTML (UTF-8) is written; each file goes to a temporary file in
    its folder and is moved into place with :func:`os.replace`, so a reader
    never sees a half-written file.

    Parameters
    ----------
    m
        The map.
    path
        The HTML file to write; its folder is created if needed.

    Raises
    ------
    MissingAssetError
        If the map links a script or stylesheet that is not vendored.
    """
    path = Path(path)
    make_offline(m)
    figure = m.get_root()
    if not isinstance(figure, Figure):
        msg = f"internal error: the map's root is a {type(figure).__name__}, not a branca Figure"
        raise TypeError(msg)
    with _rendered_text_as_text():
        html = figure.render()
    remote = _REMOTE_TAG.findall(html)
    if remote:
        raise MissingAssetError(", ".join(sorted(set(remote))), "raw HTML in the map")
    used = {
        child.url.split("/")[1]
        for child in figure.header._children.values()
        if isinstance(child, Link)
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    for lib in LIBRARIES:
        if lib.name not in used:
            continue
        for file in lib.files:
            dest = path.parent / LIB_DIR / lib.name / file
            dest.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(dest, _static_bytes(lib.name, file))
    _atomic_write(path, html.encode("utf-8"))
