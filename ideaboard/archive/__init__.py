"""From board to municipality: proposals, the public archive, search, and the municipality's answers."""
