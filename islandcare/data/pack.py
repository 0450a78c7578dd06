"""Read an area: its offline pack, or planner tables laid over it.

An :class:`Area` is the area's settings plus its GeoDataFrames (land, outline,
townships, villages, roads, facilities, ports, sea links, bridges), all in
WGS-84. Packs live in ``geodata/packs/<area>/`` and are built by
``geodata/build_packs.py`` from ``../shared``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
from shapely.geometry.base import BaseGeometry

from islandcare.config import AreaConfig, geodata_dir, load_area
from islandcare.data.schema import (
    FACILITY_COLUMNS,
    PORT_COLUMNS,
    SEALINK_COLUMNS,
    SETTLEMENT_COLUMNS,
)
from islandcare.errors import InputError

__all__ = ["Area", "LAYERS", "load_pack", "pack_dir"]

#: The layers of a pack, one GeoJSON file each.
LAYERS: tuple[str, ...] = (
    "outline",
    "land",
    "townships",
    "villages",
    "roads",
    "facilities",
    "ports",
    "sealinks",
    "bridges",
)


#: Columns a layer always has, even when empty (GeoJSON drops them with no features).
_LAYER_COLUMNS: dict[str, list[str]] = {
    "facilities": [c.name for c in FACILITY_COLUMNS],
    "villages": [c.name for c in SETTLEMENT_COLUMNS],
    "ports": [c.name for c in PORT_COLUMNS],
    "sealinks": [c.name for c in SEALINK_COLUMNS],
    "bridges": ["name", "source"],
    "roads": ["u", "v", "km", "highway", "source"],
}


def pack_dir(area: str, *, root: Path | None = None) -> Path:
    """Folder of an area's offline pack."""
    return (root or geodata_dir()) / "packs" / area


@dataclass
class Area:
    """Everything islandcare knows about one area.

    Attributes
    ----------
    config
        The area's settings (thresholds, speeds, codes).
    layers
        GeoDataFrames by name, see :data:`LAYERS`.
    meta
        The pack's ``pack.json`` (counts, attribution).
    """

    config: AreaConfig
    layers: dict[str, gpd.GeoDataFrame]
    meta: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.config.key

    def __getattr__(self, name: str) -> gpd.GeoDataFrame:
        layers = self.__dict__.get("layers", {})
        if name in layers:
            return layers[name]
        raise AttributeError(name)

    @property
    def land_union(self) -> BaseGeometry:
        """All land of the area as one geometry (cached)."""
        if "_land_union" not in self.__dict__:
            self.__dict__["_land_union"] = self.layers["land"].union_all()
        return self.__dict__["_land_union"]

    @property
    def outline_geom(self) -> BaseGeometry:
        return self.layers["outline"].union_all()

    def with_layer(self, name: str, gdf: gpd.GeoDataFrame) -> Area:
        """A copy with one layer replaced (e.g. the planner's facilities)."""
        layers = dict(self.layers)
        layers[name] = gdf
        return replace(self, layers=layers)

    @property
    def attribution(self) -> list[str]:
        return list(self.meta.get("attribution", []))


def load_pack(area: str, *, root: Path | None = None) -> Area:
    """Load an area's settings and offline pack.

    Raises
    ------
    InputError
        When the area is unknown or its pack is missing a layer.
    """
    config = load_area(area, root=root)
    folder = pack_dir(area, root=root)
    layers: dict[str, gpd.GeoDataFrame] = {}
    for name in LAYERS:
        path = folder / f"{name}.geojson"
        if not path.exists():
            msg = (f"The offline pack of '{area}' has no {path.name} in {folder}. "
                   "Rebuild it with: python geodata/build_packs.py --area " + area)
            raise InputError(msg)
        gdf = gpd.read_file(path)
        if gdf.crs is None:
            gdf = gdf.set_crs(4326)
        for col in _LAYER_COLUMNS.get(name, []):
            if col not in gdf.columns:
                gdf[col] = None
        layers[name] = gdf.to_crs(4326)
    meta_path = folder / "pack.json"
    meta = json.loads(meta_path.read_text("utf-8")) if meta_path.exists() else {}
    return Area(config=config, layers=layers, meta=meta)
