"""Area settings: read and check ``geodata/areas/<area>.toml``.

An area file holds every number that differs between areas (service-circle
minutes, ambulance norms, speeds, boxes, codes). Each number is written as
``{ value = ..., source = "..." }`` so that maps and exports can say where it
comes from; ``_defaults.toml`` holds values every area inherits.

Adding an area needs only a new file here and its pack under
``geodata/packs/<area>/``.
"""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from islandcare.errors import InputError

__all__ = ["REQUIRED_KEYS", "AreaConfig", "area_keys", "cache_dir", "geodata_dir", "load_area"]

#: Dotted keys every merged area file must define.
REQUIRED_KEYS: tuple[str, ...] = (
    "area.key",
    "area.name_zh",
    "area.name_pinyin",
    "area.code",
    "area.bbox",
    "area.utm_epsg",
    "area.county_seat_township",
    "circles.primary_care.town_minutes",
    "circles.primary_care.countryside_minutes",
    "circles.primary_care.facility_kinds",
    "ambulance.residents_per_ambulance",
    "ambulance.small_island_threshold",
    "ambulance.response_target_minutes",
    "ambulance.activation_minutes",
    "speeds.offroad",
    "speeds.walk",
    "speeds.ferry",
    "speeds.emergency_boat",
    "speeds.helicopter",
    "sea.boarding_minutes",
    "helicopter.dispatch_minutes",
    "helicopter.landing_minutes",
)


#: ``geodata/`` of a source checkout: the folder beside the package.
CHECKOUT_GEODATA: Path = Path(__file__).resolve().parents[1] / "geodata"
#: The copy of ``geodata/areas`` and ``geodata/packs`` that a wheel ships (see ``setup.py``).
PACKAGE_GEODATA: Path = Path(__file__).resolve().parent / "_geodata"


def _is_geodata(folder: Path) -> bool:
    return (folder / "areas" / "_defaults.toml").is_file()


def geodata_dir() -> Path:
    """Return the folder that holds ``areas/`` and ``packs/``.

    ``$ISLANDCARE_GEODATA`` when set; else a source checkout's ``geodata/``
    beside the package; else the copy an installed wheel carries in
    ``islandcare/_geodata``.
    """
    env = os.environ.get("ISLANDCARE_GEODATA")
    if env:
        return Path(env)
    if not _is_geodata(CHECKOUT_GEODATA) and _is_geodata(PACKAGE_GEODATA):
        return PACKAGE_GEODATA
    return CHECKOUT_GEODATA


def _user_cache_dir() -> Path:
    """Return this platform's per-user cache folder for islandcare."""
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "islandcare" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "islandcare"
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "islandcare"


def cache_dir() -> Path:
    r"""Return where downloaded data (the OpenStreetMap cache) is written and read.

    ``$ISLANDCARE_CACHE`` when set; else ``cache/`` in :func:`geodata_dir` for a
    checkout (or ``$ISLANDCARE_GEODATA``); else, for an installed package
    (whose folder may not be writable), the user's cache folder:
    ``~/.cache/islandcare`` (``$XDG_CACHE_HOME``), ``~/Library/Caches/islandcare``
    on macOS, ``%LOCALAPPDATA%\islandcare\Cache`` on Windows.
    """
    env = os.environ.get("ISLANDCARE_CACHE")
    if env:
        return Path(env)
    root = geodata_dir()
    if root == PACKAGE_GEODATA:
        return _user_cache_dir()
    return root / "cache"


def area_keys(*, root: Path | None = None) -> list[str]:
    """Names of the areas that have a file in ``geodata/areas/``."""
    folder = (root or geodata_dir()) / "areas"
    return sorted(p.stem for p in folder.glob("*.toml") if not p.stem.startswith("_"))


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and "value" not in v:
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _unwrap(tree: dict[str, Any], prefix: str, sources: dict[str, str]) -> dict[str, Any]:
    """Replace ``{value, source}`` leaves by their value, collecting the sources."""
    out: dict[str, Any] = {}
    for k, v in tree.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and "value" in v:
            out[k] = v["value"]
            sources[key] = str(v.get("source", ""))
        elif isinstance(v, dict):
            out[k] = _unwrap(v, key + ".", sources)
        else:
            out[k] = v
    return out


@dataclass(frozen=True)
class AreaConfig:
    """One area's settings, merged with the defaults.

    Use :meth:`get` with a dotted key (``"circles.primary_care.town_minutes"``)
    and :meth:`source` for where that number comes from.
    """

    key: str
    path: Path
    settings: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)

    def get(self, dotted: str, default: Any = None) -> Any:
        """Return the value at a dotted key, or ``default`` when absent."""
        node: Any = self.settings
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def source(self, dotted: str) -> str:
        """Where the number at a dotted key comes from ('' when not stated)."""
        return self.sources.get(dotted, "")

    @property
    def name_zh(self) -> str:
        """The area's name in Chinese, as written."""
        return str(self.get("area.name_zh"))

    @property
    def name_pinyin(self) -> str:
        """The area's name in pinyin."""
        return str(self.get("area.name_pinyin"))

    @property
    def code(self) -> str:
        """The area's administrative code."""
        return str(self.get("area.code"))

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """The area's box: (west, south, east, north) in WGS-84."""
        b = self.get("area.bbox")
        return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))

    @property
    def utm_epsg(self) -> int:
        """EPSG code of the metric (UTM) CRS used for distances."""
        return int(self.get("area.utm_epsg"))

    @property
    def title(self) -> str:
        """The name in Chinese and pinyin, for titles."""
        return f"{self.name_zh} {self.name_pinyin}"

    def speed_kmh(self, road_class: str) -> float:
        """Speed in km/h for an OSM highway class (``other`` when not listed)."""
        speeds = self.get("speeds", {})
        base = road_class.removesuffix("_link")
        return float(speeds.get(base, speeds.get("other", 20)))


def load_area(key: str, *, root: Path | None = None) -> AreaConfig:
    """Read ``geodata/areas/<key>.toml`` merged over ``_defaults.toml``.

    Parameters
    ----------
    key
        Area name, e.g. ``"shengsi"``.
    root
        The geodata folder (default: :func:`geodata_dir`).

    Raises
    ------
    InputError
        When the file is missing, not valid TOML, or lacks a required key.
    """
    folder = (root or geodata_dir()) / "areas"
    path = folder / f"{key}.toml"
    if not path.exists():
        known = ", ".join(area_keys(root=root)) or "none"
        msg = f"No area '{key}': {path} does not exist. Known areas: {known}."
        raise InputError(msg)
    tree: dict[str, Any] = {}
    for p in (folder / "_defaults.toml", path):
        if not p.exists():
            continue
        try:
            tree = _merge(tree, tomllib.loads(p.read_text(encoding="utf-8")))
        except tomllib.TOMLDecodeError as exc:
            msg = f"{p}: not valid TOML ({exc}). Fix the file and run again."
            raise InputError(msg) from None
    sources: dict[str, str] = {}
    settings = _unwrap(tree, "", sources)
    cfg = AreaConfig(key=key, path=path, settings=settings, sources=sources)
    missing = [k for k in REQUIRED_KEYS if cfg.get(k) is None]
    if missing:
        msg = f"{path}: missing settings {', '.join(missing)} (see geodata/areas/shengsi.toml)."
        raise InputError(msg)
    if cfg.get("area.key") != key:
        msg = f"{path}: area.key is '{cfg.get('area.key')}' but the file is named '{key}'."
        raise InputError(msg)
    return cfg
