"""The schema of an area file: typed, frozen settings, checked when read.

``geodata/areas/<area>.toml`` merged over ``geodata/areas/_defaults.toml`` is
read once into :class:`AreaSettings`, one frozen dataclass per section
(``[area]``, ``[circles.<key>]``, ``[ambulance]``, ``[speeds]``, ...). The
dataclasses below are the schema: a key they do not name, a key they require
that neither file writes, or a value of the wrong type is a problem naming the
file and the dotted key (:func:`parse_settings`). There are no defaults here:
every value comes from a file, and ``_defaults.toml`` holds what every area
inherits. A field typed ``X | None`` may be absent; its docstring says what
absence means.

Values keep the form the file writes them in (an integer stays an integer,
a list becomes a tuple); where each comes from (``source``) is kept by
:class:`islandcare.config.AreaConfig`.
"""

from __future__ import annotations

import difflib
import functools
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import MISSING, dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any, Literal

from islandcare.errors import Problem

__all__ = [
    "MODES",
    "AirSettings",
    "AmbulanceSettings",
    "AreaSection",
    "AreaSettings",
    "CircleSettings",
    "ConflateSettings",
    "EmergencyVessel",
    "FrozenMap",
    "HelicopterSettings",
    "NetworkSettings",
    "OsmSettings",
    "PackSettings",
    "ProfileSettings",
    "Relocation",
    "SeaSettings",
    "SettlementClassSettings",
    "SourceFiles",
    "SpeedSettings",
    "VerdictSettings",
    "field_names",
    "parse_settings",
    "required_keys",
    "schema_keys",
]

#: Travel modes a circle may be measured in (the profiles of :data:`islandcare.network.scenario.PROFILES`).
MODES: tuple[str, ...] = ("drive", "walk", "ambulance")
Mode = Literal["drive", "walk", "ambulance"]


@dataclass(frozen=True)
class AreaSection:
    """``[area]``: what the area is and where."""

    key: str
    name_zh: str
    name_pinyin: str
    lang: Literal["zh", "en"]
    code: str
    islands: bool
    in_all: bool
    bbox: tuple[float, float, float, float]
    utm_epsg: int
    utc_offset: float
    county_seat_township: str
    mainland_townships: tuple[str, ...] | None = None
    county_hospital: str | None = None
    referral_hospital: str | None = None
    population: int | None = None
    population_year: str | None = None


@dataclass(frozen=True)
class CircleSettings:
    """``[circles.<key>]``: a service circle.

    Either ``town_minutes``/``countryside_minutes`` with ``town_mode`` and
    ``countryside_mode``, or one ``minutes`` with ``mode``. ``night`` absent:
    the circle is a day circle; ``label`` absent: the circle's usual name.
    """

    facility_kinds: tuple[str, ...]
    town_minutes: float | None = None
    countryside_minutes: float | None = None
    town_mode: Mode | None = None
    countryside_mode: Mode | None = None
    minutes: float | None = None
    mode: Mode | None = None
    night: bool | None = None
    label: str | None = None

    @property
    def split(self) -> bool:
        """Whether the circle gives town and countryside minutes (else one ``minutes``)."""
        return self.minutes is None

    def limits(self) -> dict[str, tuple[float, str]]:
        """Minutes and travel mode by settlement class (``town``, ``countryside``)."""
        if not self.split:
            one = (float(typing.cast(float, self.minutes)), str(self.mode))
            return {"town": one, "countryside": one}
        return {"town": (float(typing.cast(float, self.town_minutes)), str(self.town_mode)),
                "countryside": (float(typing.cast(float, self.countryside_minutes)), str(self.countryside_mode))}

    def _problems(self) -> list[tuple[str, str]]:
        split = ("town_minutes", "countryside_minutes", "town_mode", "countryside_mode")
        one = ("minutes", "mode")
        have_split = [k for k in split if getattr(self, k) is not None]
        have_one = [k for k in one if getattr(self, k) is not None]
        if have_split and have_one:
            return [("", f"give either {' and '.join(split)} or minutes and mode, not both")]
        if have_split and len(have_split) < len(split):
            return [(k, "missing (a circle with town_minutes needs all of " + ", ".join(split) + ")")
                    for k in split if k not in have_split]
        if not have_split and len(have_one) < len(one):
            return [(k, "missing (a circle needs minutes and mode, or town_minutes, countryside_minutes, "
                        "town_mode and countryside_mode)") for k in one if k not in have_one]
        return []


@dataclass(frozen=True)
class AmbulanceSettings:
    """``[ambulance]``: response targets and fleet norms.

    ``response_target_countryside_minutes`` absent: the countryside has the
    town's target. ``stand_in_bases``: facility kinds that stand in as bases
    when the data hold no ambulance or boat station.
    """

    activation_minutes: float
    response_target_minutes: float
    residents_per_ambulance: float
    small_island_threshold: float
    stand_in_bases: tuple[str, ...]
    response_target_countryside_minutes: float | None = None

    @property
    def countryside_target_minutes(self) -> float:
        """The countryside's response target (the town's when the file gives none)."""
        c = self.response_target_countryside_minutes
        return self.response_target_minutes if c is None else c


@dataclass(frozen=True)
class AirSettings:
    """``[air]``."""

    helipad_coverage_minutes: float


@dataclass(frozen=True)
class SpeedSettings:
    """``[speeds]``: km/h by OpenStreetMap highway class and by mode."""

    motorway: float
    trunk: float
    primary: float
    secondary: float
    tertiary: float
    residential: float
    unclassified: float
    other: float
    ambulance_factor: float
    offroad: float
    walk: float
    ferry: float
    fast_ferry: float
    emergency_boat: float
    helicopter: float


class _Record:
    """Read a field by its key too (``row["pier"]``), as the table it was written as."""

    def __getitem__(self, key: str) -> Any:
        if key not in field_names(type(self)):
            raise KeyError(key)
        return getattr(self, key)


@dataclass(frozen=True)
class EmergencyVessel(_Record):
    """One on-call vessel of ``sea.emergency_vessels``.

    ``call_out_minutes`` absent: ``sea.emergency_boat_launch_minutes``;
    ``speed_kmh`` absent: ``speeds.emergency_boat``.
    """

    pier: str
    name: str
    night: bool
    call_out_minutes: float | None = None
    speed_kmh: float | None = None


@dataclass(frozen=True)
class SeaSettings:
    """``[sea]``."""

    boarding_minutes: float
    emergency_boat_launch_minutes: float
    unknown_headway_minutes: float
    route_spacing_m: float
    emergency_vessels: tuple[EmergencyVessel, ...]
    detour_factor: float
    pier_match_m: float


@dataclass(frozen=True)
class HelicopterSettings:
    """``[helicopter]``. ``day_hours`` absent: sunrise and sunset on ``daylight_date``."""

    dispatch_minutes: float
    landing_minutes: float
    day_only: bool
    daylight_date: str
    improvised_landing_sites: bool
    day_hours: tuple[str, str] | None = None


@dataclass(frozen=True)
class NetworkSettings:
    """``[network]``."""

    lattice_m: float
    shore_tolerance_m: float
    snap_max_m: float


@dataclass(frozen=True)
class OsmSettings:
    """``[osm]``."""

    min_land_share: float


@dataclass(frozen=True)
class ConflateSettings:
    """``[conflate]``."""

    same_facility_m: float
    approximate_facility_m: float
    approximate_port_m: float


@dataclass(frozen=True)
class VerdictSettings:
    """``[verdict]``."""

    assumed_within_m: float


@dataclass(frozen=True)
class ProfileSettings:
    """``[profile]``."""

    window: tuple[str, str]
    step_minutes: float


@dataclass(frozen=True)
class SettlementClassSettings:
    """``[settlement_class]``: which villages count as town.

    Rule ``official_2016`` reads ``town_codes`` (the 2016 urban–rural classes
    counted as town; required with that rule); a pack built from OpenStreetMap
    (rule ``osm_place``) reads ``town_places`` (``place=*`` values counted as town).
    ``urban_townships`` absent: the county seat's township is the urban one (城区).
    """

    rule: Literal["official_2016", "register_suffix", "osm_place"]
    town_places: tuple[str, ...]
    town_codes: tuple[str, ...] | None = None
    urban_townships: tuple[str, ...] | None = None

    def _problems(self) -> list[tuple[str, str]]:
        if self.rule == "official_2016" and self.town_codes is None:
            return [("town_codes", "missing: rule 'official_2016' needs town_codes (a list of texts in quotes)")]
        return []


@dataclass(frozen=True)
class SourceFiles:
    """``[sources]``: files of ``shared/geodata-sources/`` a pack is built from (absent: not used)."""

    districts: str | None = None
    land: str | None = None
    islands: str | None = None
    roads: str | None = None
    townships: str | None = None
    villages: str | None = None
    township_points: str | None = None
    village_points: str | None = None
    urban_rural: str | None = None
    county_population: str | None = None
    hospitals_osm: str | None = None

    def named(self) -> dict[str, str]:
        """Return the files the area names, by role, in schema order."""
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not None}


@dataclass(frozen=True)
class PackSettings:
    """``[pack]``: how ``geodata/build_packs.py`` or ``fetch --osm-file`` builds the pack (absent: not used)."""

    build: Literal["osm-file"] | None = None
    seat_place: str | None = None
    simplify_m: float | None = None
    built_from: tuple[str, ...] | None = None
    attribution: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Relocation(_Record):
    """One ``[[relocations]]`` entry: a facility the plan moves."""

    facility: str
    to: str
    to_townships: tuple[str, ...]
    by: str
    source: str


@dataclass(frozen=True)
class AreaSettings:
    """An area file merged over ``_defaults.toml``, typed and checked."""

    area: AreaSection
    circles: Mapping[str, CircleSettings]
    ambulance: AmbulanceSettings
    air: AirSettings
    speeds: SpeedSettings
    sea: SeaSettings
    helicopter: HelicopterSettings
    network: NetworkSettings
    osm: OsmSettings
    conflate: ConflateSettings
    verdict: VerdictSettings
    profile: ProfileSettings
    settlement_class: SettlementClassSettings
    sources: SourceFiles
    pack: PackSettings
    relocations: tuple[Relocation, ...] | None = None

    def _problems(self) -> list[tuple[str, str]]:
        c = self.circles.get("primary_care")
        if c is None:
            return [("circles.primary_care", "missing: every area has a primary-care circle")]
        if c.town_minutes is None:
            return [("circles.primary_care.town_minutes",
                     "missing: the primary-care circle gives town_minutes and countryside_minutes")]
        return []


# --- checking ---------------------------------------------------------------------------------


class FrozenMap(Mapping[str, Any]):
    """A read-only mapping (``circles``) that pickles, for worker processes."""

    __slots__ = ("_items",)
    _items: dict[str, Any]

    def __init__(self, items: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_items", dict(items))

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __setattr__(self, name: str, value: Any) -> None:
        msg = "area settings are read-only"
        raise AttributeError(msg)

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._items,))

    def __repr__(self) -> str:
        return f"FrozenMap({self._items!r})"

_FAIL = object()


def _describe(hint: Any) -> str:
    """Say what a value of a type looks like, for messages."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _describe(inner[0]) if len(inner) == 1 else " or ".join(_describe(a) for a in inner)
    if hint is bool:
        return "true or false"
    if hint is int:
        return "a whole number"
    if hint is float:
        return "a number"
    if hint is str:
        return "text in quotes"
    if origin is Literal:
        return "one of " + ", ".join(f"'{a}'" for a in args)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return f"a list of {_plural(args[0])}"
        return f"a list of {len(args)} {_plural(args[0])}"
    if is_dataclass(hint) or origin in (Mapping, dict):
        return "a table"
    return str(hint)


def _plural(hint: Any) -> str:
    text = _describe(hint)
    return {"a number": "numbers", "text in quotes": "texts in quotes", "a whole number": "whole numbers",
            "true or false": "true/false values", "a table": "tables"}.get(text, text)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, str):
        return f"the text '{value}'"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return repr(value)


class _Checker:
    def __init__(self, where: Callable[[str], Path]) -> None:
        self.where = where
        self.problems: list[Problem] = []

    def add(self, dotted: str, message: str, *, missing: bool = False) -> None:
        where = self.where("" if missing else dotted)  # a missing key is added to the area file
        self.problems.append(Problem(file=str(where), row=None, column=None, message=f"{dotted}: {message}"))

    def value(self, hint: Any, value: Any, dotted: str) -> Any:
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin in (typing.Union, types.UnionType):
            inner = [a for a in args if a is not type(None)]
            return self.value(inner[0], value, dotted)
        if is_dataclass(hint):
            if not isinstance(value, dict):
                return self.wrong(hint, value, dotted)
            return self.table(typing.cast(type, hint), value, dotted + ".")
        if origin in (Mapping, dict):
            if not isinstance(value, dict):
                return self.wrong(hint, value, dotted)
            out = {str(k): self.value(args[1], v, f"{dotted}.{k}") for k, v in value.items()}
            return FrozenMap(out)
        if origin is tuple:
            if not isinstance(value, (list, tuple)):
                return self.wrong(hint, value, dotted)
            if len(args) == 2 and args[1] is Ellipsis:
                return tuple(self.value(args[0], v, f"{dotted}[{i}]") for i, v in enumerate(value))
            if len(value) != len(args):
                self.add(dotted, f"expected {_describe(hint)}, got a list of {len(value)}")
                return _FAIL
            return tuple(self.value(a, v, f"{dotted}[{i}]") for i, (a, v) in enumerate(zip(args, value, strict=True)))
        if origin is Literal:
            return value if value in args else self.wrong(hint, value, dotted)
        if hint is bool:
            return value if isinstance(value, bool) else self.wrong(hint, value, dotted)
        if hint is int:
            return value if isinstance(value, int) and not isinstance(value, bool) else self.wrong(hint, value, dotted)
        if hint is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            return value if ok else self.wrong(hint, value, dotted)
        if hint is str:
            return value if isinstance(value, str) else self.wrong(hint, value, dotted)
        msg = f"no check for the type {hint!r}"
        raise TypeError(msg)

    def wrong(self, hint: Any, value: Any, dotted: str) -> Any:
        self.add(dotted, f"expected {_describe(hint)}, got {_shown(value)}")
        return _FAIL

    def table(self, cls: type, tree: dict[str, Any], prefix: str) -> Any:
        hints = _hints(cls)
        names = [f.name for f in fields(cls)]
        for k in tree:
            if k not in names:
                near = difflib.get_close_matches(str(k), names, n=1, cutoff=0.6)
                hint = f" (did you mean '{prefix}{near[0]}'?)" if near else f" (known: {', '.join(names)})"
                self.add(f"{prefix}{k}", f"unknown key{hint}")
        kwargs: dict[str, Any] = {}
        failed = False
        for f in fields(cls):
            if f.name not in tree:
                if _all_optional(hints[f.name]):  # a table of optional keys may be left out
                    kwargs[f.name] = hints[f.name]()
                elif f.default is MISSING and is_dataclass(hints[f.name]):  # name each key of a missing table
                    self.table(hints[f.name], {}, f"{prefix}{f.name}.")
                    failed = True
                elif f.default is MISSING:
                    self.add(f"{prefix}{f.name}", f"missing: expected {_describe(hints[f.name])} "
                                                  "(in the area file or in _defaults.toml)", missing=True)
                    failed = True
                continue
            got = self.value(hints[f.name], tree[f.name], prefix + f.name)
            failed |= _has_fail(got)
            kwargs[f.name] = got
        if failed:
            return _FAIL
        obj = cls(**kwargs)
        check = getattr(obj, "_problems", None)
        if check is not None:
            found = check()
            for key, message in found:
                self.add((prefix + key).rstrip(".") if key else prefix.rstrip("."), message)
            if found:
                return _FAIL
        return obj


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


_FIELD_NAMES: dict[Any, frozenset[str]] = {}


def field_names(cls: Any) -> frozenset[str]:
    """Return the keys a section (a settings dataclass) knows."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = frozenset(f.name for f in fields(cls))
    return names


def _all_optional(hint: Any) -> bool:
    return is_dataclass(hint) and all(f.default is not MISSING for f in fields(hint))


def _has_fail(value: Any) -> bool:
    if value is _FAIL:
        return True
    if isinstance(value, tuple):
        return any(_has_fail(v) for v in value)
    if isinstance(value, FrozenMap):
        return any(_has_fail(v) for v in value.values())
    return False


def parse_settings(tree: dict[str, Any], *, where: Callable[[str], Path]) -> tuple[AreaSettings | None, list[Problem]]:
    """Check a merged area tree (values unwrapped) against the schema.

    Parameters
    ----------
    tree
        The merged settings, ``{value, source}`` leaves replaced by their value.
    where
        The file a dotted key was written in (for messages).

    Returns
    -------
    tuple
        The settings (None when anything is wrong) and every problem found.
    """
    checker = _Checker(where)
    out = checker.table(AreaSettings, tree, "")
    return (None if out is _FAIL else out), checker.problems


def _leaves(cls: type, prefix: str, *, required_only: bool) -> list[str]:
    hints = _hints(cls)
    out = []
    for f in fields(cls):
        hint = hints[f.name]
        if required_only and f.default is not MISSING:
            continue
        if is_dataclass(hint):
            out += _leaves(typing.cast(type, hint), f"{prefix}{f.name}.", required_only=required_only)
            continue
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        if typing.get_origin(hint) in (typing.Union, types.UnionType) and len(inner) == 1 and is_dataclass(inner[0]):
            out += _leaves(typing.cast(type, inner[0]), f"{prefix}{f.name}.", required_only=required_only)
            continue
        out.append(prefix + f.name)
    return out


def schema_keys() -> list[str]:
    """Every dotted key of the schema (``circles`` and ``relocations`` as one key each)."""
    return _leaves(AreaSettings, "", required_only=False)


def required_keys() -> list[str]:
    """Return the dotted keys every merged area file must write (with the primary-care circle's minutes)."""
    keys = [k for k in _leaves(AreaSettings, "", required_only=True) if k != "circles"]
    return [*keys, "circles.primary_care.facility_kinds", "circles.primary_care.town_minutes",
            "circles.primary_care.countryside_minutes"]
