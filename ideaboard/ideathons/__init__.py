"""Ideathons: one workshop in one municipality on one date, with its themed columns."""
