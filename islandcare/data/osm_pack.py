"""Moved to :mod:`islandcare.data.osm.pack`; kept so that existing imports work."""

from islandcare.data.osm.pack import build_pack, builds_from_osm, island_polygons, outline_of

__all__ = ["build_pack", "builds_from_osm", "island_polygons", "outline_of"]
