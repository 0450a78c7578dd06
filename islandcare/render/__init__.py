"""Rendering: the offline Folium maps, their assets, styles and words, and the overview page."""
