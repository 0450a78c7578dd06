"""islandcare: where care arrives in time on islands and coasts."""

__version__ = "0.1.0"
