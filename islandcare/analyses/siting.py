"""What a proposed site adds, and which sites add the most.

:class:`SiteChecker` keeps, per travel profile, the per-source times of the
existing facilities (``Engine.coverage``), so that one more site costs one
Dijkstra and an elementwise minimum: fast enough to answer a click.

:func:`propose` picks ``count`` sites from candidates (village points,
township seats and the land lattice) that bring the most people inside the
circle: the maximal covering location problem, solved exactly with scipy's
MILP (HiGHS) and, for comparison, greedily.

Demand weights: a township seat weighs its township's stated population; a
village (no population in the register) weighs 1, so people come first and
villages break ties.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from islandcare.analyses.rules import (
    EMERGENCY_STATION_KINDS,
    CircleRule,
    ResponseRule,
    Rule,
    circle_rules,
    helipad_rule,
    inside,
    place_indices,
    place_minutes,
    rule_sources,
)
from islandcare.data.pack import Area
from islandcare.data.schema import FACILITY_KINDS
from islandcare.data.sites import check_site_point
from islandcare.engine import SourceTimes
from islandcare.errors import InputError
from islandcare.network import nodes
from islandcare.network.assemble import NetworkCache
from islandcare.network.scenario import Scenario

__all__ = ["SiteChecker", "SiteEffect", "demand_weights", "propose", "solve_mclp"]

AMBULANCE_KINDS = EMERGENCY_STATION_KINDS


def demand_weights(places: pd.DataFrame) -> np.ndarray:
    """Return the population where stated (township seats), else 1 (a village)."""
    pop = pd.to_numeric(places["population"], errors="coerce")
    return np.where(pop.notna(), pop.fillna(0), 1.0).astype(float)


@dataclass
class SiteEffect:
    """What one site (or a set) adds, rule by rule."""

    kind: str
    sites: list[tuple[float, float]]
    circles: dict[str, dict] = field(default_factory=dict)
    response: dict | None = None
    newly_covered: pd.DataFrame | None = None
    rules_newly_met: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Return the effect as a JSON-ready dict."""
        return {"kind": self.kind, "sites": [list(s) for s in self.sites],
                "circles": self.circles, "response": self.response,
                "rules_newly_met": self.rules_newly_met,
                "newly_covered": [] if self.newly_covered is None else
                self.newly_covered.to_dict(orient="records")}


class SiteChecker:
    """Answers "what does a site here add?" for one area, incrementally.

    Parameters
    ----------
    area
        The area.
    places
        Its places table (:func:`islandcare.analyses.places.places`).
    nets
        The network cache.
    """

    def __init__(self, area: Area, places: pd.DataFrame, nets: NetworkCache) -> None:
        self.area, self.places, self.nets = area, places, nets
        self.circles: list[CircleRule] = circle_rules(area)
        self.response_rule = ResponseRule.of(area)
        self.helipad_rule = helipad_rule(area)
        self.weights = demand_weights(places)
        self._states: dict[tuple[str, str], SourceTimes] = {}
        self.response_target = self.response_rule.limit_array(places, "ambulance")

    # --- baseline states ------------------------------------------------------

    def _state(self, rule: Rule, scenario: Scenario) -> SourceTimes:
        """Return the per-source times of a rule's live sources (kept between clicks)."""
        skey = (rule.key, scenario.label)
        if skey not in self._states:
            net = self.nets.get(scenario)
            srcs = rule_sources(rule, self.area, net)
            # a circle asks only "within its minutes": a click searches no further
            cutoff = None if isinstance(rule, ResponseRule) else rule.cutoff
            self._states[skey] = net.engine.coverage(list(srcs.nodes), delays=list(srcs.delays), cutoff=cutoff)
        return self._states[skey]

    def _place_minutes(self, scenario: Scenario, best: np.ndarray) -> np.ndarray:
        eng = self.nets.get(scenario).engine
        return place_minutes(best, place_indices(eng, self.places["node"]))

    def _inside(self, rule: Rule, sites: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray,
                                                                              np.ndarray, np.ndarray]:
        """Per place, inside the rule before and after the sites, and the minutes before and after.

        The minutes are those of the rule's last profile (one for the response and the helipad).
        """
        n = len(self.places)
        before, after = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        tb = ta = np.full(n, np.nan)
        for profile in rule.profiles:
            sc = rule.scenario(profile)
            state = self._state(rule, sc)
            eng = self.nets.get(sc).engine
            new = state
            for lon, lat in sites:
                node, access = self._join(sc, lon, lat)
                new = eng.with_source_added(new, node, delay=rule.site_delay(access))
            lim = rule.limit_array(self.places, profile)
            tb = self._place_minutes(sc, state.best_minutes)
            ta = self._place_minutes(sc, new.best_minutes)
            before |= inside(tb, lim)
            after |= inside(ta, lim)
        return before, after, tb, ta

    def _gain(self, rule: Rule, before: np.ndarray, after: np.ndarray) -> dict:
        """Return what a rule gains: places inside before and after, and the places newly inside."""
        gained = after & ~before
        pop = pd.to_numeric(self.places["population"], errors="coerce").to_numpy()
        unit = self.places["unit"].to_numpy()
        return {"label": rule.label,
                "places_inside_before": int(before.sum()),
                "places_inside_after": int(after.sum()),
                "villages_newly_inside": int((gained & (unit == "village")).sum()),
                "township_seats_newly_inside": int((gained & (unit == "township_seat")).sum()),
                "people_newly_inside": int(np.nansum(pop[gained])),
                "newly_inside": self.places.loc[gained, "name"].tolist()}

    # --- one site -------------------------------------------------------------

    def _join(self, scenario: Scenario, lon: float, lat: float) -> tuple[str, float]:
        net = self.nets.get(scenario)
        node, metres, minutes = net.nearest_land_node(lon, lat)
        limit = float(self.area.config.get("network.snap_max_m"))
        if metres > limit:
            msg = (f"The site ({lon:.5f}, {lat:.5f}) is {metres / 1000:.1f} km from any land of "
                   f"{self.area.key}: put it on land (or check the coordinate system with --crs).")
            raise InputError(msg)
        return node, minutes

    def _norm_met(self, sites: list[tuple[float, float]]) -> list[str]:
        """Small outlying island townships that get their first station from these sites."""
        from islandcare.analyses.ambulance import ambulance_norm
        from islandcare.data.pack import nearest_township

        if "_small_islands" not in self.__dict__:  # the norm's rows do not change between clicks
            norm = ambulance_norm(self.area)
            fac = self.area.layers["facilities"]
            has_station = set(fac.loc[fac["kind"].isin(AMBULANCE_KINDS), "township_code"].dropna())
            self._small_islands = norm[norm["outlying_island"] & norm["present"].isna()
                                       & ~norm["township_code"].isin(has_station)]
        small = self._small_islands
        if small.empty:
            return []
        import geopandas as gpd

        pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([s[0] for s in sites], [s[1] for s in sites]),
                               crs=4326)
        towns = set(nearest_township(self.area, pts))
        return [f"ambulance norm: {r['township']} (outlying island, {r['population']:,} people) gets a "
                "station of its own" for _, r in small.iterrows()
                if r["township_code"] in towns]

    def check(self, kind: str, sites: list[tuple[float, float]]) -> SiteEffect:
        """Tell what adding facilities of ``kind`` at ``sites`` (lon, lat) changes."""
        if kind not in FACILITY_KINDS:
            msg = f"Unknown facility kind '{kind}': use one of {', '.join(FACILITY_KINDS)}."
            raise InputError(msg)
        effect = SiteEffect(kind=kind, sites=list(sites))
        for lon, lat in sites:  # every site must stand on (or next to) the area's land
            check_site_point(self.area, kind, (lon, lat), source="site")  # as validate does
            self._join(Scenario(profile="drive"), lon, lat)
        newly = np.zeros(len(self.places), dtype=bool)
        seat = (self.places["unit"] == "township_seat").to_numpy()
        for circle in self.circles:
            if kind not in circle.kinds:
                continue
            before_cov, after_cov, _, _ = self._inside(circle, sites)
            gained = after_cov & ~before_cov
            newly |= gained
            for name in self.places.loc[gained & seat, "name"]:
                minutes = "/".join(f"{m:g}" for m in sorted({m for m, _ in circle.limits.values()}))
                effect.rules_newly_met.append(f"{circle.label}: {name} seat now within {minutes} min")
            effect.circles[circle.key] = self._gain(circle, before_cov, after_cov)
        if kind in AMBULANCE_KINDS:
            within_b, within_a, tb, ta = self._inside(self.response_rule, sites)
            pop = pd.to_numeric(self.places["population"], errors="coerce").to_numpy()
            finite_b = np.isfinite(tb)
            both = np.isfinite(ta) & finite_b
            saved = np.full(len(tb), np.nan)
            saved[both] = tb[both] - ta[both]
            effect.response = {
                "places_newly_within_target": int((within_a & ~within_b).sum()),
                "people_newly_within_target": int(np.nansum(pop[within_a & ~within_b])),
                "places_newly_reached": int((np.isfinite(ta) & ~finite_b).sum()),
                "minutes_saved_total": round(float(np.nansum(saved)), 1),
                "minutes_saved_max": round(float(np.nanmax(saved)) if np.isfinite(saved).any() else 0.0, 1),
            }
            newly |= within_a & ~within_b
            gained_seat = within_a & ~within_b & seat
            for name, tgt in zip(self.places.loc[gained_seat, "name"], self.response_target[gained_seat],
                                 strict=True):
                effect.rules_newly_met.append(f"ambulance response: {name} now within the {tgt:g}-minute target")
            effect.rules_newly_met += self._norm_met(sites)
        if kind in self.helipad_rule.kinds:
            before_cov, after_cov, _, _ = self._inside(self.helipad_rule, sites)
            effect.circles[self.helipad_rule.key] = self._gain(self.helipad_rule, before_cov, after_cov)
            newly |= after_cov & ~before_cov
        effect.newly_covered = self.places.loc[newly, ["unit", "code", "name", "township", "population"]]
        return effect


def solve_mclp(cover: np.ndarray, weights: np.ndarray, count: int) -> list[int]:
    """Maximal covering location: choose ``count`` candidates covering the most weight.

    Parameters
    ----------
    cover
        Boolean (candidates × demand points): candidate i covers point j.
    weights
        Weight of each demand point.
    count
        Sites to choose.

    Returns
    -------
    list of int
        Indices of the chosen candidates (exact optimum by MILP, HiGHS).
    """
    n_c, _n_d = cover.shape
    count = min(count, n_c)
    if n_c == 0 or count <= 0:
        return []
    useful = cover.any(axis=0)
    cov = cover[:, useful]
    w = weights[useful]
    n_u = cov.shape[1]
    # variables: x (candidates) then y (demand covered); maximise w.y
    c = np.concatenate([np.zeros(n_c), -w])
    # y_j <= sum_i a_ij x_i   ->  y_j - sum_i a_ij x_i <= 0
    a = csr_array(np.hstack([-cov.T.astype(float), np.eye(n_u)]))
    budget = csr_array(np.concatenate([np.ones(n_c), np.zeros(n_u)])[None, :])
    cons = [LinearConstraint(a, -np.inf, 0.0), LinearConstraint(budget, count, count)]
    res = milp(c, constraints=cons, integrality=np.concatenate([np.ones(n_c), np.zeros(n_u)]),
               bounds=Bounds(0, 1))
    if not res.success:
        msg = f"the covering problem could not be solved: {res.message}"
        raise RuntimeError(msg)
    return sorted(int(i) for i in np.flatnonzero(res.x[:n_c] > 0.5))


def _greedy(cover: np.ndarray, weights: np.ndarray, count: int) -> list[int]:
    chosen: list[int] = []
    covered = np.zeros(cover.shape[1], dtype=bool)
    for _ in range(min(count, cover.shape[0])):
        gain = (cover & ~covered) @ weights
        i = int(np.argmax(gain))
        if gain[i] <= 0:
            break
        chosen.append(i)
        covered |= cover[i]
    return chosen


def propose(checker: SiteChecker, kind: str, count: int, *,
            max_candidates: int = 1500) -> tuple[pd.DataFrame, SiteEffect]:
    """Pick ``count`` sites of ``kind`` that bring the most people inside its circle.

    Candidates are village points, township seats and land-lattice nodes of
    the circle's network; demand is every place not yet inside.
    Returns the chosen sites (lon, lat, what they stand on) and their effect.
    """
    circle = next((c for c in checker.circles if kind in c.kinds), None)
    if circle is None and kind not in AMBULANCE_KINDS:
        msg = f"'{kind}' serves no circle of {checker.area.key}: choose a primary-care kind."
        raise InputError(msg)
    places = checker.places
    n = len(places)
    # which places are already inside, and each candidate's cover of the rest
    rule: Rule = circle if circle is not None else checker.response_rule
    profiles = rule.profiles
    base_sc = rule.scenario(profiles[0])
    net0 = checker.nets.get(base_sc)
    land_nodes = [nd for nd in net0.land_nodes if nodes.is_land(nd)]
    step = max(1, len(land_nodes) // max_candidates)
    cand = list(dict.fromkeys([nd for nd in places["node"] if nd is not None] + land_nodes[::step]))
    cand_xy = [net0.xy[c] for c in cand]
    cover = np.zeros((len(cand), n), dtype=bool)
    inside_now = np.zeros(n, dtype=bool)
    for profile in profiles:
        sc = rule.scenario(profile)
        eng = checker.nets.get(sc).engine
        lim = rule.limit_array(places, profile)
        state = checker._state(rule, sc)
        inside_now |= inside(checker._place_minutes(sc, state.best_minutes), lim)
        ok_cand = [i for i, c in enumerate(cand) if c in eng.node_index]
        T = eng.times([cand[i] for i in ok_cand], cutoff=float(np.nanmax(lim)),
                      delays=[rule.site_delay(0.0)] * len(ok_cand))
        cols = place_indices(eng, places["node"])
        valid = (cols >= 0) & ~np.isnan(lim)
        sub = np.full((len(ok_cand), n), np.inf)
        sub[:, valid] = T[:, cols[valid]]
        cover[ok_cand] |= inside(sub, lim[None, :])
    demand = ~inside_now
    weights = checker.weights * demand
    chosen = solve_mclp(cover, weights, count)
    sites = [cand_xy[i] for i in chosen]
    table = pd.DataFrame({"rank": range(1, len(chosen) + 1),
                          "lon": [s[0] for s in sites], "lat": [s[1] for s in sites],
                          "stands_on": [cand[i] for i in chosen],
                          "weight_covered": [float((cover[i] & demand) @ checker.weights) for i in chosen]})
    effect = checker.check(kind, sites)
    return table, effect
