"""Analyses: coverage circles, response times, site checks, profiles and the area report, from travel times."""
