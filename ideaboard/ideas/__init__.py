"""Ideas: what participants post into a theme of the live board."""
