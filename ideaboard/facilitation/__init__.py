"""Facilitation: the moderator's controls of a live room — phases, timer, room settings, join
cards for fair rooms, and what was written or counted on paper."""
