"""Fixtures of the hall's tests: a laptop's app beside the suite's ("central") app."""
import pytest

from tests.hall.rooms import laptop_app


@pytest.fixture
def laptop(app, tmp_path, tmp_path_factory):
    """A second app, as on a hall's laptop: its own SQLite database, migrated. The central app's
    context (the `app` fixture's) stays pushed underneath: push `inside(laptop)` for the laptop's."""
    made = laptop_app(tmp_path, tmp_path_factory)
    yield made
    from ideaboard.extensions import db

    with made.app_context():
        db.engine.dispose()
