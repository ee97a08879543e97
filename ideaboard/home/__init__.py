"""The public front page, the language switch and the health check."""
