"""The area's rules as objects, and the one code path that evaluates them.

A rule says "every place within so many minutes of a source": a service
circle (:class:`CircleRule`, one per ``[circles.<key>]`` of the area file), the
ambulance response target (:class:`ResponseRule`) and the helipad circle.
:func:`evaluate` judges a rule for every place at once, with numpy over the
places' engine node indices: minutes, limit, source, why a place is not
inside (:class:`Unreached`) and status. The area report
(:mod:`islandcare.analyses.coverage`, :mod:`islandcare.analyses.ambulance`) and
the site check (:mod:`islandcare.analyses.siting`) both use it, with the
sources :func:`rule_sources` picks from the facilities :func:`live_facilities`
calls live.

Status from the reason code: none is ``covered``; a gap in the data
(:attr:`Unreached.is_data_gap`) is ``unknown``; any other is ``underserved``.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, TypeVar

import numpy as np
import pandas as pd

from islandcare.data.pack import Area
from islandcare.network import nodes
from islandcare.network.assemble import Network
from islandcare.network.scenario import Scenario

if TYPE_CHECKING:
    from islandcare.engine import Engine

T = TypeVar("T")

__all__ = [
    "AmbulanceNorm",
    "CircleRule",
    "Outcome",
    "ResponseRule",
    "Rule",
    "Sources",
    "Unreached",
    "circle_rules",
    "evaluate",
    "helipad_rule",
    "inside",
    "live_facilities",
    "live_rows",
    "place_indices",
    "place_minutes",
    "rule_sources",
    "status_of",
    "unreached",
]

EMERGENCY_STATION_KINDS = ("ambulance_station", "boat_station")


class Unreached(enum.Enum):
    """Why a place is not inside a rule's limit (stored as ``reason_code``)."""

    #: The place has no known point, so it is not on the network.
    NO_POINT = "no_point"
    #: No facility of the rule's kinds has a point on the network (the area lacks the service).
    NO_FACILITY = "no_facility"
    #: No emergency base with a point is in the data (a gap in the data).
    NO_BASE_IN_DATA = "no_base_in_data"
    #: The place's island has no sea link in the data (a gap in the data, not necessarily in care).
    NO_LINK_IN_DATA = "no_link_in_data"
    #: Not reached although source and place stand on the same island (check the network).
    NO_PATH_ON_ISLAND = "no_path_on_island"
    #: Not reached in this scenario: sea closed, night without ferries, or no path.
    CLOSED_IN_SCENARIO = "closed_in_scenario"
    #: Reached, but beyond the rule's minutes (outside the circle, or over the target).
    BEYOND_LIMIT = "beyond_limit"

    @property
    def is_data_gap(self) -> bool:
        """Whether this reason is a gap in the data (status ``unknown``) rather than in care."""
        return self in (Unreached.NO_POINT, Unreached.NO_BASE_IN_DATA, Unreached.NO_LINK_IN_DATA)


def status_of(code: Unreached | None) -> str:
    """Return the status a reason code gives: ``covered``, ``unknown`` or ``underserved``."""
    if code is None:
        return "covered"
    return "unknown" if code.is_data_gap else "underserved"


# --- which facilities are live --------------------------------------------------


def live_facilities(area: Area, *, kinds: Iterable[str] | None = None, include_planned: bool = False,
                    net: Network | None = None) -> pd.DataFrame:
    """Return the facilities that serve in a run: existing (or also planned), of some kinds, on a network.

    Parameters
    ----------
    area
        The area.
    kinds
        Facility kinds to keep (all when None).
    include_planned
        Keep facilities of any status, not only ``existing`` ones.
    net
        Keep only the facilities on this network (:class:`~islandcare.network.assemble.Network`).

    Returns
    -------
    DataFrame
        The rows of the area's facilities layer, in its order.
    """
    # one selection of the rows, by position (a GeoDataFrame's boolean selection is slower)
    return area.layers["facilities"].iloc[live_rows(area, kinds=kinds, include_planned=include_planned, net=net)]


def live_rows(area: Area, *, kinds: Iterable[str] | None = None, include_planned: bool = False,
              net: Network | None = None) -> np.ndarray:
    """Positions in the area's facilities layer of the rows :func:`live_facilities` returns (same options)."""
    fac = area.layers["facilities"]
    keep = np.ones(len(fac), dtype=bool)
    if not include_planned and "status" in fac:  # no status: existing
        status = fac["status"].to_numpy(dtype=object)
        keep &= pd.isna(status) | (status == "existing")
    if kinds is not None:
        wanted = set(kinds)
        keep &= np.array([k in wanted for k in fac["kind"]], dtype=bool)
    if net is not None:
        ids = fac["facility_id"].to_numpy()
        for i in np.flatnonzero(keep):
            keep[i] = net.has(nodes.facility_node(ids[i]))
    return np.flatnonzero(keep)


# --- rules ----------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A rule "every place within so many minutes of one of its sources".

    Attributes
    ----------
    key
        The rule's key (a circle's key, ``ambulance_response``, ``helipad``).
    label
        Its name for people.
    kinds
        Facility kinds that are its sources.
    limits
        Per settlement class (``town``, ``countryside``): (minutes, travel profile).
    night
        Whether it is judged in the night scenario.
    sources
        Where each class's minutes come from (``all`` for one value).
    """

    key: str
    label: str
    kinds: tuple[str, ...]
    limits: Mapping[str, tuple[float, str]]
    night: bool = False
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def profiles(self) -> list[str]:
        """The travel profiles the rule is judged in, sorted."""
        return sorted({mode for _, mode in self.limits.values()})

    @property
    def cutoff(self) -> float:
        """The largest minutes of any class (a search need not go further)."""
        return max(m for m, _ in self.limits.values())

    def scenario(self, profile: str) -> Scenario:
        """Return the scenario the rule is judged in for one profile."""
        return Scenario(profile=profile, night=self.night)

    def limit_array(self, places: pd.DataFrame, profile: str) -> np.ndarray:
        """Per place: the limit in minutes where its class is judged in ``profile``, else NaN."""
        lim = np.full(len(places), np.nan)
        cls = places["settlement_class"].to_numpy()
        for c, (minutes, mode) in self.limits.items():
            if mode == profile:
                lim[cls == c] = minutes
        return lim

    def source_of(self, cls: str) -> str:
        """Where the minutes of a class come from."""
        return self.sources.get(cls, self.sources.get("all", ""))

    def site_delay(self, access_minutes: float) -> float:
        """Start delay of a proposed site joined to the network ``access_minutes`` away."""
        return access_minutes

    #: The words of each reason code the rule names itself (filled with ``minutes``, ``limit``,
    #: ``cls``, ``mode``, ``source``); any other code is "not reached: <why>".
    REASONS: ClassVar[Mapping[Unreached, str]] = {}

    def reason(self, code: Unreached | None, *, minutes: float, limit: float, cls: str, mode: str,
               source: str | None, why: str) -> str | None:
        """Return the human reason for a code (``why`` tells an unreached place's cause)."""
        if code is None:
            return None
        words = self.REASONS.get(code)
        if words is None:
            return f"not reached: {why}"
        return words.format(minutes=minutes, limit=limit, cls=cls, mode=mode, source=source)


@dataclass(frozen=True)
class CircleRule(Rule):
    """A service circle: a place within its class's minutes of a facility of some kinds."""

    REASONS: ClassVar[Mapping[Unreached, str]] = {
        Unreached.NO_POINT: "no known point for this place: time unknown",
        Unreached.NO_FACILITY: "not reached: no facility of this kind has a known point",
        Unreached.BEYOND_LIMIT: "outside the {limit:g}-minute {cls} circle ({mode}): {minutes:.0f} min to {source}",
    }


@dataclass(frozen=True)
class ResponseRule(Rule):
    """The ambulance response target: activation delay plus travel from an emergency base."""

    activation_minutes: float = 0.0

    @classmethod
    def of(cls, area: Area) -> ResponseRule:
        """Return the area file's response targets (``ambulance.*``)."""
        cfg = area.config
        town = float(cfg.get("ambulance.response_target_minutes"))
        country = float(cfg.typed.ambulance.countryside_target_minutes)
        return cls(key="ambulance_response", label="ambulance response 急救反应",
                   kinds=(*EMERGENCY_STATION_KINDS, "air_base"),
                   limits={"town": (town, "ambulance"), "countryside": (country, "ambulance")},
                   activation_minutes=float(cfg.get("ambulance.activation_minutes")))

    def site_delay(self, access_minutes: float) -> float:
        """Start a proposed station after the activation delay (and its access minutes)."""
        return self.activation_minutes + access_minutes

    REASONS: ClassVar[Mapping[Unreached, str]] = {
        Unreached.NO_POINT: "no known point for this place",
        Unreached.NO_BASE_IN_DATA: "not reached: no emergency base with a point is in the data",
        Unreached.BEYOND_LIMIT: "response {minutes:.0f} min > target {limit:g} min from {source}",
    }


@dataclass(frozen=True)
class AmbulanceNorm:
    """The ambulance norm: one per ``residents_per_ambulance``, one on each small outlying island."""

    residents_per_ambulance: float
    small_island_threshold: float

    @classmethod
    def of(cls, area: Area) -> AmbulanceNorm:
        """Return the area file's norm (``ambulance.*``)."""
        cfg = area.config
        return cls(residents_per_ambulance=float(cfg.get("ambulance.residents_per_ambulance")),
                   small_island_threshold=float(cfg.get("ambulance.small_island_threshold")))

    def needed(self, population: float) -> int:
        """Ambulances the norm asks for ``population`` residents."""
        return math.ceil(population / self.residents_per_ambulance) if population else 0


def helipad_rule(area: Area) -> CircleRule:
    """Return the helipad circle: a place within ``air.helipad_coverage_minutes`` by road of a helipad."""
    limit = float(area.config.get("air.helipad_coverage_minutes"))
    return CircleRule(key="helipad", label=f"helipad within {limit:g} min by road 直升机停机坪覆盖",
                      kinds=("helipad",), limits={"town": (limit, "drive"), "countryside": (limit, "drive")},
                      sources={"all": area.config.source("air.helipad_coverage_minutes")})


def circle_rules(area: Area) -> list[CircleRule]:
    """Return the rule of every circle of the area file, primary care first (from :func:`circles_for`)."""
    from islandcare.analyses.coverage import circles_for

    return circles_for(area)  # coverage.Circle is CircleRule


# --- sources --------------------------------------------------------------------


@dataclass(frozen=True)
class Sources:
    """A rule's sources on one network: nodes, start delays and what each one is."""

    nodes: tuple[str, ...] = ()
    delays: tuple[float, ...] = ()
    names: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    quality: tuple[object, ...] = ()
    xy: tuple[tuple[float, float] | None, ...] = ()

    def __len__(self) -> int:
        """Return the number of sources."""
        return len(self.nodes)

    def plus(self, extra: Sequence[tuple[str, float]] | None) -> Sources:
        """Return these sources and proposed sites (land node, start delay) after them."""
        if not extra:
            return self
        k = len(extra)
        return Sources(self.nodes + tuple(n for n, _ in extra), self.delays + tuple(float(d) for _, d in extra),
                       self.names + ("proposed site",) * k, self.ids + ("proposed site",) * k,
                       self.quality + ("approximate",) * k, self.xy + (None,) * k)


def _sources_of(rows: pd.DataFrame, delays: Sequence[float]) -> Sources:
    xy = tuple(None if g is None or g.is_empty else (g.x, g.y) for g in rows.geometry)
    quality = tuple(rows["location_quality"]) if "location_quality" in rows else (None,) * len(rows)
    return Sources(tuple(nodes.facility_node(f) for f in rows["facility_id"]), tuple(float(d) for d in delays),
                   tuple(rows["name"]), tuple(str(f) for f in rows["facility_id"]), quality, xy)


def kept_on_area(area: Area, key: str, make: Callable[[], T]) -> T:
    """Return ``make()``, kept on ``area`` while its facilities layer is the same object.

    For what is derived from the facilities alone and asked for once per
    scenario network; a site check's area (another facilities layer) gets its own.
    """
    fac = area.layers["facilities"]
    kept = area.__dict__.setdefault("_from_facilities", {})
    hit = kept.get(key)
    if hit is None or hit[0] is not fac:
        hit = kept[key] = (fac, make())
    return hit[1]


def emergency_bases(area: Area) -> tuple[pd.DataFrame, str]:
    """Return the existing emergency bases and the rule that chose them (hospitals stand in when none)."""
    return kept_on_area(area, "emergency_bases", lambda: _emergency_bases(area))


def _emergency_bases(area: Area) -> tuple[pd.DataFrame, str]:
    live = live_facilities(area)
    stations = live[live["kind"].isin(EMERGENCY_STATION_KINDS)]
    air = live[live["kind"] == "air_base"]
    if stations.empty:
        kinds = list(area.config.get("ambulance.stand_in_bases"))
        referral = (live["referral"].fillna(False).astype(bool) if "referral" in live
                    else pd.Series(False, index=live.index))
        hosp = live[live["kind"].isin(kinds) & ~referral]
        what = "hospitals" if kinds == ["hospital"] else " and ".join(k.replace("_", " ") + "s" for k in kinds)
        return (pd.concat([hosp, air]),
                f"no ambulance station is in the data: the area's {what} stand in as ambulance "
                "bases (assumption), with the air base's helicopter")
    return pd.concat([stations, air]), "ambulance and boat stations in the data, with the air base"


def rule_sources(rule: Rule, area: Area, net: Network) -> Sources:
    """Return the sources of a rule on a network: its live facilities (emergency bases with their delays)."""
    if isinstance(rule, ResponseRule):
        bases, _ = emergency_bases(area)
        bases = bases.iloc[[i for i, f in enumerate(bases["facility_id"]) if net.has(nodes.facility_node(f))]]
        own = bases["activation_min"] if "activation_min" in bases else pd.Series(np.nan, index=bases.index)
        # the helicopter's dispatch is already in its air edges
        delays = [0.0 if k == "air_base" else (rule.activation_minutes if pd.isna(o) else float(o))
                  for k, o in zip(bases["kind"], own, strict=True)]
        return _sources_of(bases, delays)
    rows = live_facilities(area, kinds=rule.kinds, net=net)
    return _sources_of(rows, [0.0] * len(rows))


# --- the evaluator --------------------------------------------------------------


def place_indices(engine: Engine, place_nodes: Iterable[object]) -> np.ndarray:
    """Per place: its engine node index, -1 where it has no point or is not on the network."""
    index = engine.node_index
    return np.array([index.get(n, -1) if isinstance(n, str) else -1 for n in place_nodes], dtype=np.int64)


def place_minutes(best_minutes: np.ndarray, place_idx: np.ndarray) -> np.ndarray:
    """Per place: the minutes of its node in a per-node array, NaN where it has none."""
    out = np.full(len(place_idx), np.nan)
    on = place_idx >= 0
    out[on] = best_minutes[place_idx[on]]
    return out


def inside(minutes: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Whether each place is inside its limit: ``minutes <= limit`` (False for NaN in either)."""
    with np.errstate(invalid="ignore"):
        return np.asarray(minutes <= limit)


def unreached(net: Network, area: Area, source: str, target: str) -> tuple[Unreached, str]:
    """Why ``target`` is not reached from ``source``: the code and its words."""
    if not net.has(target):
        return Unreached.NO_POINT, "no known point: time unknown (a gap in the data)"
    src_land, dst_land = net.land_id.get(source), net.land_id.get(target)
    if src_land == dst_land:
        return Unreached.NO_PATH_ON_ISLAND, "not reached on its own island (check the network)"
    ports = area.layers["ports"]
    links = area.layers["sealinks"]
    linked = set(links["from_port"]) | set(links["to_port"]) if len(links) else set()
    island_ports = [p for p in ports["port_id"] if p in linked and net.land_id.get(nodes.port_node(p)) == dst_land]
    if not island_ports:
        return (Unreached.NO_LINK_IN_DATA,
                "no sea link to this island is in the data: a gap in the data, not necessarily in care")
    sc = net.scenario
    if sc.sea_closed:
        return Unreached.CLOSED_IN_SCENARIO, "sea closed (weather): no boat sails to this island"
    if sc.night:
        return Unreached.CLOSED_IN_SCENARIO, "night: no scheduled ferry sails to this island"
    return Unreached.CLOSED_IN_SCENARIO, "no path in this scenario"


@dataclass(frozen=True, eq=False)
class Outcome:
    """A rule judged for every place in one profile (arrays in the places' order).

    Attributes
    ----------
    applies
        Whether the rule judges the place in this profile (its class's mode).
    minutes
        Best minutes (start delay included); NaN without a point, ``inf`` when not reached.
    limit
        The place's limit (NaN where the rule does not apply).
    source
        Index into ``sources`` of the best source, -1 for none.
    code
        :class:`Unreached` or None (inside).
    why
        Per place, the words of an unreached place's cause ("" otherwise).
    """

    applies: np.ndarray
    minutes: np.ndarray
    limit: np.ndarray
    source: np.ndarray
    code: np.ndarray
    why: np.ndarray
    sources: Sources

    @property
    def covered(self) -> np.ndarray:
        """Per place: inside the limit (``minutes <= limit``)."""
        return self.applies & inside(self.minutes, self.limit)

    @property
    def status(self) -> np.ndarray:
        """Per place: ``covered``/``underserved``/``unknown``, None where the rule does not apply."""
        out = np.array([status_of(c) for c in self.code], dtype=object)
        out[~self.applies] = None
        return out


def evaluate(net: Network, area: Area, *, place_idx: np.ndarray, place_nodes: Sequence[object], limit: np.ndarray,
             best_minutes: np.ndarray | None, best_source: np.ndarray | None, sources: Sources,
             no_source: Unreached = Unreached.NO_FACILITY) -> Outcome:
    """Judge a rule for every place at once.

    Parameters
    ----------
    net
        The network of the profile's scenario (for why a place is not reached).
    area
        The area.
    place_idx
        Per place, its engine node index (-1 for none, :func:`place_indices`).
    place_nodes
        Per place, its node id (or None).
    limit
        Per place, the limit in minutes (NaN where the rule does not apply).
    best_minutes, best_source
        Per engine node: best minutes from the sources and the index of the best
        source (``Nearest.minutes``/``.source`` or ``SourceTimes.best_*``); None
        when there is no source.
    sources
        The sources (their first one's island tells why a place is not reached).
    no_source
        The code when there is no source at all.

    Returns
    -------
    Outcome
        Minutes, limit, best source, reason code and status of every place.
    """
    n = len(place_idx)
    applies = ~np.isnan(limit)
    on = place_idx >= 0
    judged = applies & on
    minutes = np.full(n, np.nan)
    source = np.full(n, -1, dtype=np.int64)
    code = np.full(n, None, dtype=object)
    why = np.full(n, "", dtype=object)
    code[applies & ~on] = Unreached.NO_POINT
    if best_minutes is None or best_source is None or not len(sources):
        minutes[judged] = np.inf
        code[judged] = no_source
        return Outcome(applies, minutes, limit, source, code, why, sources)
    minutes[judged] = place_minutes(best_minutes, place_idx)[judged]
    source[judged] = best_source[place_idx[judged]]
    lost = judged & ~np.isfinite(minutes)
    source[lost] = -1
    cache: dict[object, tuple[Unreached, str]] = {}
    for i in np.flatnonzero(lost):  # the cause depends on the place's island only
        target = str(place_nodes[int(i)])
        land = net.land_id.get(target)
        if land not in cache:
            cache[land] = unreached(net, area, sources.nodes[0], target)
        code[i], why[i] = cache[land]
    beyond = judged & np.isfinite(minutes) & ~inside(minutes, limit)
    code[beyond] = Unreached.BEYOND_LIMIT
    return Outcome(applies, minutes, limit, source, code, why, sources)
