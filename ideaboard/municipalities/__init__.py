"""Guatemala's 340 municipalities: reference data, browsing, and the public municipality page."""
