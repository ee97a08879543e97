"""Open data for everyone: downloads (CSV, JSON, Data Package) and the read-only JSON API with its OpenAPI document."""
