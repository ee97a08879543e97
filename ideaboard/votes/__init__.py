"""Dot voting: a budget of dots per participant, fair under concurrency, and paper tallies."""
