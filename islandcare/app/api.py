"""The API of ``islandcare serve``: :class:`App`, computed once, and its answers.

:meth:`App.build` loads an area, analyses it, draws its page
(:mod:`islandcare.app.page`) and warms up its site check; :meth:`App.check_site`,
:meth:`App.validate` and :meth:`App.info` answer the requests the server
(:mod:`islandcare.app.server`) routes to them. A mistake in a request is an
:class:`HttpError` (4xx) or an :class:`islandcare.errors.InputError`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from islandcare.analyses.circles import reached_area
from islandcare.analyses.coverage import circles_for
from islandcare.analyses.siting import AMBULANCE_KINDS, SiteChecker
from islandcare.data.pack import Area
from islandcare.data.schema import FACILITY_KINDS
from islandcare.errors import MAX_SHOWN, InputError, format_problem
from islandcare.network.scenario import Scenario
from islandcare.render.words import Words, export_columns, export_rows, words

__all__ = ["DOWNLOADS", "MAX_BODY", "App", "HttpError", "Step"]

MAX_BODY = 10 * 1024 * 1024
"""Largest request body accepted, in bytes (an upload of a table)."""

#: Download format (also the file suffix) -> content type.
DOWNLOADS: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}

Step = Callable[[str, Callable[[], Any]], Any]

_EXAMPLE = '{"kind": "village_clinic", "lon": 122.45, "lat": 30.72}'


class HttpError(Exception):
    """A request the server refuses, with its status and a message for the user."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def _effect_lines(effect) -> list[str]:
    from islandcare.render.text import effect_lines

    return effect_lines(effect)


def _plain(obj: Any) -> Any:
    """JSON-safe copy: numpy scalars to Python, NaN/inf/NA to None."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (str, bool, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if obj is pd.NA or obj is pd.NaT:
        return None
    return str(obj)


def _safe_name(name: str) -> str:
    """Return the file's own name, without any folder part, for a temporary copy."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].replace("\x00", "").strip()
    base = base.lstrip(".")[-120:]
    return base or "upload"


def _serves(area: Area) -> set[str]:
    """Facility kinds the site check has a rule for in this area."""
    kinds = {k for c in circles_for(area) for k in c.kinds}
    return kinds | set(AMBULANCE_KINDS) | {"helipad"}


class App:
    """Everything the server hands out, computed once.

    Parameters
    ----------
    area
        The area.
    checker
        Its site checker.
    page
        The HTML of ``GET /``.
    downloads
        Format (``csv``, ``xlsx``, ``geojson``) -> the underserved file's bytes.
    underserved
        How many places are underserved.
    """

    def __init__(self, area: Area, checker: SiteChecker, *, page: bytes,
                 downloads: Mapping[str, bytes], underserved: int = 0) -> None:
        self.area, self.checker = area, checker
        self.page, self.downloads, self.underserved = page, downloads, underserved
        self._lock = threading.Lock()  # the checker caches lazily: one check at a time
        self._warming: threading.Thread | None = None

    @classmethod
    def build(cls, area_key: str, *, step: Step | None = None, lang: str | None = None,
              wait: bool = False) -> App:
        """Load an area, analyse it, draw its page; warm up the site check.

        The area is loaded and analysed by :func:`islandcare.pipeline.run_area`,
        as ``islandcare run`` does (pack, OpenStreetMap cache, every analysis),
        so that the app and the run cannot drift apart.

        Parameters
        ----------
        area_key
            Area name, e.g. ``shengsi``.
        step
            ``step(label, fn)`` runs ``fn`` and may report progress (as
            :meth:`islandcare.cli.Console.step` does); by default just runs it.
        lang
            ``zh`` or ``en`` for the map and the downloads; default the area
            file's ``area.lang``.
        wait
            Whether to warm up the site check (build the networks and
            baselines a click needs) before returning. By default it warms up
            in a background thread, so the page is served at once; a click
            that comes during the warm-up waits for it (one check at a time).
            The downloads are written on first request, once.
        """
        from islandcare.analyses.places import places
        from islandcare.analyses.report import place_frame
        from islandcare.app.page import render_page
        from islandcare.network.assemble import NetworkCache
        from islandcare.pipeline import StepProgress, run_area

        run = step or (lambda _label, fn: fn())
        # the same load, OpenStreetMap cache and analysis as ``islandcare run`` (one code path)
        result = run_area(area_key, lang=lang, progress=StepProgress(run))
        area, report = result.area, result.report
        under = place_frame(report, status="underserved")
        w = words(result.lang)
        page = run("draw the map page",
                   lambda: render_page(area, report, underserved=len(under), lang=w.lang))
        downloads = _LazyDownloads(lambda: _downloads(area, under, w))
        checker = SiteChecker(area, places(area), report.nets or NetworkCache(area))  # networks built once
        app = cls(area, checker, page=page, downloads=downloads, underserved=len(under))
        if wait:
            run("warm up the site check", app.warm_up)
        else:
            app._warming = threading.Thread(target=app.warm_up, name="islandcare-warm-up", daemon=True)
            app._warming.start()
        return app

    def wait_warm(self, timeout: float | None = None) -> bool:
        """Wait for the background warm-up of :meth:`build`; return whether it has finished."""
        if self._warming is not None:
            self._warming.join(timeout)
            return not self._warming.is_alive()
        return True

    def warm_up(self) -> None:
        """Build every network and baseline a click needs, by checking each kind once."""
        with self._lock:  # the networks are cached lazily (a click may come during a background warm-up)
            net = self.checker.nets.get(Scenario(profile="drive"))
        lon, lat = net.xy[net.land_nodes[0]]  # a point of the network: surely on land
        for kind in FACILITY_KINDS:
            self.check_site({"kind": kind, "lon": lon, "lat": lat})

    # --- check a site --------------------------------------------------------------

    def check_site(self, payload: Any) -> dict:
        """Answer ``POST /api/check-site``.

        Parameters
        ----------
        payload
            The decoded JSON: ``{"kind": str, "lon": number, "lat": number}``.

        Returns
        -------
        dict
            ``SiteEffect.as_dict()`` plus ``lines``, ``circle`` and ``ms``.

        Raises
        ------
        HttpError
            400 if a field is missing or not a number.
        InputError
            For an unknown kind or a site off land (the checker's message).
        """
        kind, lon, lat = _site_request(payload)
        t0 = time.perf_counter()
        with self._lock:
            effect = self.checker.check(kind, [(lon, lat)])
            circle = self._new_circle(effect, lon, lat)
        out = effect.as_dict()
        out["lines"] = _effect_lines(effect)
        out["circle"] = circle
        out["ms"] = round((time.perf_counter() - t0) * 1000, 1)
        return _plain(out)

    def _new_circle(self, effect, lon: float, lat: float) -> dict | None:
        """Return the land the site alone reaches within each of its circles' minutes."""
        groups: dict[tuple, list[str]] = {}
        pad = self.checker.helipad_rule
        for c in self.checker.circles:
            if c.key in effect.circles:
                for cls, (minutes, mode) in c.limits.items():
                    groups.setdefault((c.key, c.label, mode, c.night, minutes), []).append(cls)
        if pad.key in effect.circles:
            limit, mode = pad.limits["town"]
            groups[(pad.key, effect.circles[pad.key]["label"], mode, pad.night, limit)] = ["all"]
        if not groups:
            return None
        features = []
        for (key, label, mode, night, minutes), classes in groups.items():
            net = self.checker.nets.get(Scenario(profile=mode, night=night))
            node, _metres, access = net.nearest_land_node(lon, lat)
            best = net.engine.times([node], cutoff=minutes, delays=[access])[0]
            geom = reached_area(net, best, minutes, land=self.area.land_union,
                                epsg=self.area.config.utm_epsg)
            if geom.is_empty:
                continue
            who = ", ".join(classes)
            features.append({
                "type": "Feature",
                "properties": {"circle": key, "label": label, "classes": who, "minutes": minutes,
                               "mode": mode, "text": f"{label}: {who} {minutes:g} min by {mode}"},
                "geometry": json.loads(shapely.to_geojson(geom)),
            })
        return {"type": "FeatureCollection", "features": features}

    # --- validate a table ----------------------------------------------------------

    def validate(self, name: str, data: bytes, *, crs: str = "wgs84") -> dict:
        """Answer ``POST /api/validate``: check an uploaded facilities table.

        Parameters
        ----------
        name
            The file's name; its suffix tells the format.
        data
            The file's bytes.
        crs
            Coordinate system of its points (``wgs84``, ``gcj02``, ``bd09``).

        Returns
        -------
        dict
            ``{ok, rows, problems, summary}``; ``ok`` is false when the table
            has errors (then ``rows`` is None). The problems' ``text`` is the
            line ``islandcare validate`` prints.
        """
        from islandcare.data.tables import read_table

        if not data:
            raise HttpError(400, f"The file {name!r} is empty: choose a facilities table.")
        safe = _safe_name(name)
        with tempfile.TemporaryDirectory(prefix="islandcare-upload-") as tmp:
            path = Path(tmp) / safe
            path.write_bytes(data)
            try:
                res = read_table(path, kind="facilities", crs=crs, land=self.area.land_union,
                                 area_outline=self.area.outline_geom)
            except InputError as exc:
                ok, rows, problems, summary = False, None, exc.problems, exc.args[0]
            else:
                ok, rows, problems = True, len(res.frame), res.problems
                summary = (f"{safe}: {rows} rows, valid as facilities"
                           f"{f' ({len(problems)} warnings)' if problems else ''}.")
        problems = [dataclasses.replace(p, file=safe) for p in problems]
        shown = problems[:MAX_SHOWN]  # a 10 MB table of bad rows must not answer 168 MB
        if len(problems) > len(shown):
            summary += f" The first {len(shown)} of {len(problems)} problems are listed."
        return _plain({"ok": ok, "rows": rows, "summary": summary,
                       "more": len(problems) - len(shown), "problems": [
            {"row": p.row, "column": p.column, "message": p.message, "severity": p.severity,
             "text": format_problem(p)} for p in shown]})

    # --- static answers ------------------------------------------------------------

    def info(self) -> dict:
        """Answer ``GET /api/info``."""
        serves = _serves(self.area)
        return {"area": self.area.key, "title": self.area.config.title,
                "underserved": self.underserved,
                "kinds": [{"kind": k, "label": v, "has_rule": k in serves}
                          for k, v in FACILITY_KINDS.items()]}


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise HttpError(400, f"'{name}' must be a number, not {json.dumps(value)}.")
    try:
        x = float(value)
    except ValueError:
        raise HttpError(400, f"'{name}' must be a number, not {value!r}.") from None
    if not math.isfinite(x):
        raise HttpError(400, f"'{name}' must be a finite number.")
    return x


def _site_request(payload: Any) -> tuple[str, float, float]:
    """Check the fields of a check-site request: (kind, lon, lat)."""
    if not isinstance(payload, dict):
        raise HttpError(400, f"Send a JSON object: {_EXAMPLE}.")
    missing = [k for k in ("kind", "lon", "lat") if payload.get(k) in (None, "")]
    if missing:
        raise HttpError(400, f"Missing {', '.join(missing)}: send {{\"kind\", \"lon\", \"lat\"}} "
                             "(longitude and latitude in WGS-84 degrees).")
    kind = payload["kind"]
    if not isinstance(kind, str):
        msg = f"'kind' must be a facility kind such as 'village_clinic', not {json.dumps(kind)}."
        raise HttpError(400, msg)
    lon, lat = _number(payload["lon"], "lon"), _number(payload["lat"], "lat")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise HttpError(400, f"({lon}, {lat}) is not a longitude and latitude in degrees.")
    return kind, lon, lat


class _LazyDownloads(Mapping[str, bytes]):
    """Format -> bytes of the underserved table, all written on the first request (once, under a lock)."""

    def __init__(self, make: Callable[[], dict[str, bytes]]) -> None:
        self._make: Callable[[], dict[str, bytes]] | None = make
        self._files: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def _all(self) -> dict[str, bytes]:
        with self._lock:
            if self._make is not None:
                self._files = self._make()
                self._make = None
            return self._files

    def __getitem__(self, fmt: str) -> bytes:
        return self._all()[fmt]

    def __iter__(self) -> Iterator[str]:
        return iter(DOWNLOADS)

    def __len__(self) -> int:
        return len(DOWNLOADS)


def _downloads(area: Area, under: pd.DataFrame, w: Words) -> dict[str, bytes]:
    """Return the underserved table in each download format, as bytes, in ``w``'s language.

    The same headers and reason column as the exports of ``islandcare run``
    (:func:`islandcare.render.words.export_columns` and ``export_rows``).
    """
    from islandcare.analyses.report import underserved_columns
    from islandcare.export import write_table

    under = export_rows(under, w)
    columns = export_columns(w, underserved_columns(area))
    notes = [f"{k}: {v}" for k, v in area.config.sources.items()] + area.attribution
    out = {}
    with tempfile.TemporaryDirectory(prefix="islandcare-exports-") as tmp:
        for fmt in DOWNLOADS:
            path = write_table(under, Path(tmp) / f"underserved.{fmt}", columns=columns,
                               notes=notes)
            out[fmt] = path.read_bytes()
    return out
