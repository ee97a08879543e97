"""Fixtures for the whole suite: a real database (SQLite by default, PostgreSQL when
DATABASE_URL is set), a fresh app per test, clients, factories and an `auth` helper.

The schema is built once per run by the real migrations; each test then starts from empty
tables (the 340 municipalities stay, as reference data).
"""
import itertools
import os
import re

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from ideaboard import create_app
from ideaboard.accounts.models import Role
from ideaboard.accounts.services import create_user
from ideaboard.extensions import db, limiter, socketio
from ideaboard.municipalities.services import get_by_code, load_municipalities
from ideaboard.rooms.languages_in_use import languages_in_use
from ideaboard.rooms.presence import presence
from ideaboard.votes.tallies import tallies

from tests.live_server import live_server  # noqa: E402,F401 - a fixture for every test

PASSWORD = "contraseña-de-prueba"
REFERENCE_TABLES = {"municipalities", "alembic_version"}


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def app_config(database_url: str, **extra) -> dict:
    """Configuration of an app under test; shared with the live server of the browser tests."""
    redis_url = os.environ.get("REDIS_URL")
    return {
        "ENV_NAME": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Flask-SocketIO's test client cannot run with a message queue; the two-process
        # tests start real servers that use Redis.
        "SOCKETIO_MESSAGE_QUEUE": None,
        **extra,
    }


def build_schema():
    """The schema from the real migrations (PostgreSQL's emptied first), and the municipalities."""
    from flask_migrate import upgrade

    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    upgrade()
    load_municipalities()


@pytest.fixture(scope="session")
def migrated(database_url, tmp_path_factory):
    """Build the schema once with the real migrations, and load the municipalities."""
    app = create_app(app_config(database_url))
    with app.app_context():
        build_schema()
        db.session.remove()
        db.engine.dispose()
    return database_url


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


def _default_flag_words() -> None:
    """The flag list as migration 0004 ships it (emptied with the other tables between tests)."""
    from ideaboard.moderation.flags import DEFAULT_WORDS
    from ideaboard.moderation.models import FlagWord

    db.session.add_all(FlagWord(word=word) for word in DEFAULT_WORDS)
    db.session.commit()


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    Without this, requests reuse the test's app context: `g` (the logged-in user, the CSRF
    token) and the database session would leak from one client, or one request, to the next.
    The test's own session is committed around each request, so it sees what the request wrote.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        try:
            with self.application.app_context():
                return super().open(*args, **kwargs)
        finally:
            db.session.commit()


@pytest.fixture
def app(request, migrated, tmp_path):
    """A fresh app on emptied tables; `@pytest.mark.app_config(NAME=value)` adds settings to it."""
    marker = request.node.get_closest_marker("app_config")
    extra = marker.kwargs if marker else {}
    app = create_app(app_config(migrated, UPLOAD_FOLDER=str(tmp_path / "uploads"), **extra))
    app.test_client_class = IsolatedClient
    with app.app_context():
        _empty_tables()
        _default_flag_words()
        limiter.reset()
        presence.reset()
        languages_in_use.reset()
        tallies.reset()
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class IsolatedSocketClient:
    """Flask-SocketIO's test client, each call in its own app context (as IsolatedClient does
    for HTTP), so that one connection's logged-in user is never cached for another's."""

    def __init__(self, app, flask_client, auth=None):
        self._app = app
        db.session.commit()
        with app.app_context():  # connects
            self._client = socketio.test_client(app, flask_test_client=flask_client, auth=auth)

    def __getattr__(self, name):
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def call(*args, **kwargs):
            db.session.commit()
            with self._app.app_context():
                return attribute(*args, **kwargs)

        return call

    def events(self, name=None):
        """The messages received since the last call, optionally only those named `name`."""
        received = self.get_received()
        return [m for m in received if name is None or m["name"] == name]


@pytest.fixture
def socket_client(app):
    """Factory: socket_client(http_client, room=ideathon_id) -> a connected (or refused) client
    that shares the HTTP client's cookies: its participant cookie or its login."""
    made = []

    def make(flask_client, **auth):
        sio = IsolatedSocketClient(app, flask_client, auth=auth if auth else None)
        made.append(sio)
        return sio

    yield make
    for sio in made:
        if sio.is_connected():
            sio.disconnect()


_counter = itertools.count(1)


@pytest.fixture
def make_user(app):
    """Factory: make_user(role="moderator", name=..., email=..., municipality="0108")."""

    def make(role: Role | str = Role.COORDINATOR, *, name=None, email=None, municipality=None, password=PASSWORD):
        n = next(_counter)
        role = Role(role)
        if role is Role.OFFICIAL and municipality is None:
            municipality = "0108"
        return create_user(
            email=email or f"{role.value}{n}@example.org",
            name=name or f"{role.label} {n}",
            role=role,
            password=password,
            municipality=get_by_code(municipality) if isinstance(municipality, str) else municipality,
        )

    return make


@pytest.fixture
def make_ideathon(app, make_user):
    """Factory: make_ideathon(municipality="0108", days=7, themes=[("Agua", "water")], ...)."""
    from datetime import datetime, timedelta

    from ideaboard.ideathons.services import IdeathonPlan, ThemeDraft, create_ideathon
    from ideaboard.ideathons.themes import default_themes

    def make(municipality="0108", *, title=None, days=7, themes=None, actor=None, venue="Salón municipal",
             programme=None):
        actor = actor or make_user(Role.COORDINATOR)
        themes = themes or [(t["name"], t["icon"]) for t in default_themes()[:3]]
        return create_ideathon(
            IdeathonPlan(
                municipality=get_by_code(municipality),
                title=title or f"Ideatón {next(_counter)}",
                starts_at_local=datetime.now().replace(second=0, microsecond=0) + timedelta(days=days),
                venue=venue,
                description="",
                themes=[ThemeDraft(name, icon) for name, icon in themes],
                programme=programme,
            ),
            actor=actor,
        )

    return make


@pytest.fixture
def make_programme(app, make_user):
    """Factory: make_programme(published=True, days_before=120, days_after=240) -> a Programme whose
    period runs from `days_before` days ago to `days_after` days ahead, with no milestones yet."""
    from datetime import date, timedelta

    from ideaboard.programme.services import ProgrammeDraft, create_programme, publish_programme

    def make(*, name=None, published=True, days_before=120, days_after=240, actor=None):
        actor = actor or make_user(Role.COORDINATOR)
        today = date.today()
        programme = create_programme(ProgrammeDraft(
            name=name or f"Programa {next(_counter)}", description="Ideatones municipales",
            starts_on=today - timedelta(days=days_before), ends_on=today + timedelta(days=days_after),
            coordinating_institution="Comisión de Gobierno Abierto",
            supporting_institutions="Secretaría de Planificación\nAsociación de municipalidades"), actor=actor)
        if published:
            publish_programme(programme, actor=actor)
        return programme

    return make


@pytest.fixture
def open_room(app, make_ideathon, make_user):
    """Factory: an ideathon whose live room is open, in the phase asked (collecting ideas by default)."""
    from ideaboard.rooms.services import change_phase
    from ideaboard.rooms.services import open_room as open_

    def make(phase="ideas", **kwargs):
        ideathon = make_ideathon(**kwargs)
        open_(ideathon, actor=ideathon.created_by)
        for step in {"preparation": [], "ideas": ["ideas"], "voting": ["ideas", "voting"]}[phase]:
            change_phase(ideathon, step, actor=ideathon.created_by)
        return ideathon

    return make


@pytest.fixture
def join(app):
    """join(client, ideathon, nickname="") admits a test client to a room the way a phone does:
    the QR link, then the join form. Returns the Participant."""
    from ideaboard.rooms.models import Participant

    def do(client, ideathon, nickname="", **survey):
        assert client.get(f"/s/{ideathon.room_code}").status_code == 302
        response = Auth(client).post(f"/sala/{ideathon.id}/unirse", {"nickname": nickname, **survey})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return db.session.scalars(
            sa.select(Participant).where(Participant.ideathon_id == ideathon.id).order_by(Participant.id.desc())
        ).first()

    return do


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class Auth:
    """Logs a test client in through the real login form, CSRF token and all."""

    def __init__(self, client):
        self.client = client

    def csrf_token(self, path: str = "/unirse") -> str:  # a form page: its token is in the head
        html = self.client.get(path).get_data(as_text=True)
        match = CSRF_META.search(html)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def post(self, path: str, data: dict | None = None, **kwargs):
        """POST a form with a valid CSRF token, as a browser would."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.client.post(path, data=data, **kwargs)

    def login(self, user_or_email, password: str = PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        response = self.post("/entrar", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def logout(self):
        return self.post("/salir")


@pytest.fixture
def auth(client):
    return Auth(client)
