"""Area settings: read and check ``geodata/areas/<area>.toml``.

An area file holds every number that differs between areas (service-circle
minutes, ambulance norms, speeds, boxes, codes). Each number is written as
``{ value = ..., source = "..." }`` so that maps and exports can say where it
comes from; ``_defaults.toml`` holds values every area inherits. The merged file
is checked against the schema in :mod:`islandcare.settings` (frozen dataclasses)
when it is read: a key it does not know, a key it needs, or a value of the wrong
type is an :class:`~islandcare.errors.InputError` naming the file and the key.

Adding an area needs only a new file here and its pack under
``geodata/packs/<area>/``.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, is_dataclass
from pathlib import Path
from typing import Any

from islandcare.errors import InputError, Problem
from islandcare.settings import AreaSettings, SpeedSettings, field_names, parse_settings, required_keys

__all__ = ["REQUIRED_KEYS", "AreaConfig", "area_keys", "area_problems", "cache_dir", "geodata_dir", "load_area"]

#: Dotted keys every merged area file must define (from the schema in :mod:`islandcare.settings`).
REQUIRED_KEYS: tuple[str, ...] = tuple(required_keys())


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


def _unwrap(tree: dict[str, Any], prefix: str, sources: dict[str, str],
            bad: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """Replace ``{value, source}`` leaves by their value, collecting the sources (and misshapen leaves)."""
    out: dict[str, Any] = {}
    for k, v in tree.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and "value" in v:
            out[k] = v["value"]
            sources[key] = str(v.get("source", ""))
            extra = sorted(set(v) - {"value", "source"})
            if bad is not None and extra:
                bad.append((key, f"a value is written {{ value = ..., source = \"...\" }}; "
                                 f"unknown part {', '.join(extra)}"))
        elif isinstance(v, dict):
            out[k] = _unwrap(v, key + ".", sources, bad)
        else:
            out[k] = v
    return out


def _origins(tree: dict[str, Any], prefix: str, path: Path, out: dict[str, Path]) -> None:
    """Note which file wrote each dotted key (tables and leaves)."""
    for k, v in tree.items():
        key = f"{prefix}{k}"
        out[key] = path
        if isinstance(v, dict) and "value" not in v:
            _origins(v, key + ".", path, out)


@dataclass(frozen=True)
class AreaConfig:
    """One area's settings, merged with the defaults and checked against the schema.

    ``typed`` holds the settings as frozen dataclasses (:class:`islandcare.settings.AreaSettings`);
    :meth:`get` reads one by its dotted key (``"circles.primary_care.town_minutes"``) and
    :meth:`source` says where that number comes from. ``settings`` is the merged file
    tree the typed settings are built from: ``dataclasses.replace(cfg, settings=...)``
    checks it again.

    Raises
    ------
    InputError
        When the settings do not fit the schema (each problem names the file and key).
    """

    key: str
    path: Path
    settings: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)
    origins: dict[str, Path] = field(default_factory=dict, repr=False, compare=False)
    typed: AreaSettings = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        typed, problems = parse_settings(self.settings, where=self._file_of)
        if typed is None or problems:
            raise _settings_error(self.path, problems)
        object.__setattr__(self, "typed", typed)

    def _file_of(self, dotted: str) -> Path:
        parts = dotted.replace("[", ".[").split(".")
        for n in range(len(parts), 0, -1):
            hit = self.origins.get(".".join(parts[:n]))
            if hit is not None:
                return hit
        return self.path

    def get(self, dotted: str) -> Any:
        """Return the setting at a dotted key (None for an optional setting the files leave out).

        Raises
        ------
        KeyError
            When the key is not in the schema (a misspelt key in code, or a circle the area lacks).
        """
        node: Any = self.typed
        for part in dotted.split("."):
            if is_dataclass(node) and part in field_names(type(node)):
                node = getattr(node, part)
            elif isinstance(node, Mapping) and part in node:
                node = node[part]
            else:
                msg = f"'{dotted}' is not a setting of area {self.key} (see islandcare/settings.py)"
                raise KeyError(msg)
        return node

    def source(self, dotted: str) -> str:
        """Where the number at a dotted key comes from ('' when not stated)."""
        self.get(dotted)
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
        speeds = self.typed.speeds
        base = road_class.removesuffix("_link")
        return float(getattr(speeds, base) if base in field_names(SpeedSettings) else speeds.other)


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
    origins: dict[str, Path] = {}
    for p in (folder / "_defaults.toml", path):
        if not p.exists():
            continue
        try:
            part = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            msg = f"{p}: not valid TOML ({exc}). Fix the file and run again."
            raise InputError(msg) from None
        tree = _merge(tree, part)
        _origins(part, "", p, origins)
    sources: dict[str, str] = {}
    bad: list[tuple[str, str]] = []
    settings = _unwrap(tree, "", sources, bad)
    if bad:
        raise _settings_error(path, [Problem(file=str(origins.get(k, path)), row=None, column=None,
                                             message=f"{k}: {m}") for k, m in bad])
    cfg = AreaConfig(key=key, path=path, settings=settings, sources=sources, origins=origins)
    if cfg.typed.area.key != key:
        msg = f"{path}: area.key is '{cfg.typed.area.key}' but the file is named '{key}'."
        raise InputError(msg)
    return cfg


def _settings_error(path: Path, problems: list[Problem]) -> InputError:
    n = len(problems)
    msg = (f"{path}: {n} setting{'s' if n != 1 else ''} do{'' if n != 1 else 'es'} not fit the area schema "
           "(islandcare/settings.py; every setting and its default is in geodata/areas/_defaults.toml). "
           "Fix the file and run again.")
    return InputError(msg, problems)


def area_problems(key: str, *, root: Path | None = None) -> list[str]:
    """Every problem of one area file as a line naming the file and key (empty: the file is fine)."""
    try:
        load_area(key, root=root)
    except InputError as exc:
        return [p.message if p.file == "" else f"{p.file}: {p.message}" for p in exc.problems] or [str(exc.args[0])]
    return []
