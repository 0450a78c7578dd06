"""Data: area packs, planner tables, OpenStreetMap extracts and their checks, read into GeoDataFrames."""
