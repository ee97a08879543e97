"""A hall's laptop for the kit's tests: an app of its own on its own SQLite file (migrated once per
session by the real migrations, copied for each test), next to the central `app` of tests/conftest.py
(SQLite or PostgreSQL, as the run's profile says)."""
import shutil

import pytest
from flask_migrate import upgrade

from ideaboard import create_app
from ideaboard.extensions import db
from ideaboard.municipalities.services import load_municipalities

from tests.conftest import app_config


@pytest.fixture(scope="session")
def laptop_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("laptop-template") / "laptop.db"
    app = create_app(app_config(f"sqlite:///{path}"))
    with app.app_context():
        upgrade()
        load_municipalities()
        db.session.remove()
        db.engine.dispose()
    return path


@pytest.fixture
def laptop(app, laptop_template, tmp_path):
    """The laptop's app (SQLite, its own file). Use `with laptop.app_context():` to act on it; the
    central app's context is pushed again when the block ends."""
    path = tmp_path / "laptop.db"
    shutil.copy(laptop_template, path)
    laptop = create_app(app_config(f"sqlite:///{path}", UPLOAD_FOLDER=str(tmp_path / "laptop-uploads")))
    from tests.conftest import IsolatedClient

    laptop.test_client_class = IsolatedClient
    yield laptop
    with laptop.app_context():
        db.session.remove()
        db.engine.dispose()
