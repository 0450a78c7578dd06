"""Moved to :mod:`islandcare.data.osm.check`; kept so that existing imports work."""

from islandcare.data.osm.check import check_covers, extent_text

__all__ = ["check_covers", "extent_text"]
