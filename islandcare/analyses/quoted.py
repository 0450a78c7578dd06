"""The model against transfer times the gazetteer quotes, like for like.

Each row of a quoted table (``tests/data/quoted_transfers.csv``: item, area,
kind, from_port, to_port, vessel, quoted_minutes, comparable, source, ...)
is set beside the model's own figure for the same leg:

``ferry_crossing``  the crossing the model would give with no stated minutes
                    (straight km x detour at the vessel's speed), so a stated
                    figure checks the speed assumption rather than itself;
``emergency_boat``  the crossing alone of the area's on-call vessel of that
                    kind nearest the quoted pier, by the sea route round the
                    islands (call-out not counted: the quotes time the crossing).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from islandcare.data.pack import Area
from islandcare.network.sea import haversine_km, modelled_crossing_minutes
from islandcare.network.searoute import sea_router
from islandcare.network.vessels import vessels

__all__ = ["compare_quoted", "model_minutes", "read_quoted"]


def model_minutes(area: Area, row: pd.Series) -> float:
    """Return the model's minutes for one quoted leg (NaN when not comparable)."""
    if str(row["comparable"]).lower() != "true":
        return float("nan")
    ports = area.layers["ports"].set_index("port_id")
    a, b = ports.loc[row["from_port"]].geometry, ports.loc[row["to_port"]].geometry
    cfg = area.config
    if row["kind"] == "ferry_crossing":
        return modelled_crossing_minutes(haversine_km(a.x, a.y, b.x, b.y), row["vessel"], cfg)
    if row["kind"] == "emergency_boat":
        fleet = [v for v in vessels(cfg, area.layers["ports"]) if v["pier"] == row["from_port"]]
        if not fleet:
            return float("nan")
        router = sea_router(area.layers["land"], cfg.get("area.bbox"), epsg=cfg.utm_epsg,
                            spacing_m=float(cfg.get("sea.route_spacing_m")))
        km = router.km([(a.x, a.y), (b.x, b.y)])[0, 1]
        return float(km / fleet[0]["speed"] * 60.0)
    return float("nan")


def compare_quoted(table: pd.DataFrame, areas: dict[str, Area]) -> pd.DataFrame:
    """Return the table with ``model_minutes`` and ``difference`` (model / quoted - 1) per row."""
    out = table.copy()
    out["model_minutes"] = [model_minutes(areas[r["area"]], r) if r["area"] in areas else np.nan
                            for _, r in table.iterrows()]
    out["difference"] = out["model_minutes"] / out["quoted_minutes"].astype(float) - 1.0
    return out


def read_quoted(path: Path) -> pd.DataFrame:
    """Return the quoted table (CSV, UTF-8)."""
    return pd.read_csv(path, dtype={"comparable": str}, keep_default_na=False,
                       na_values={"quoted_minutes": [""]})
