"""Prometheus metrics at /metrics: refused unless configured, and moving when a room is used."""
import re
import uuid

import pytest
import sqlalchemy as sa

from ideaboard import metrics
from ideaboard.extensions import db
from tests.conftest import Auth
from tests.votes.test_views import start_voting, vote


def sample(text: str, name: str, **labels) -> float:
    """The value of one sample in Prometheus's text format (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        match = re.match(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = ",".join(sorted(part for part in re.findall(r'\w+="[^"]*"', match.group(2) or "")))
        if found == wanted:
            return float(match.group(3))
    return 0.0


@pytest.fixture
def scrape(app):
    app.config["METRICS_ALLOWED"] = "127.0.0.1, ::1"
    scraper = app.test_client()

    def read() -> str:
        response = scraper.get("/metrics")
        assert response.status_code == 200, response.status_code
        assert response.mimetype == "text/plain"
        return response.get_data(as_text=True)

    return read


def test_metrics_are_not_found_unless_configured(app, client, auth, make_user):
    assert app.config["METRICS_ALLOWED"] is None and app.config["METRICS_TOKEN"] is None
    response = client.get("/metrics")
    assert response.status_code == 404
    assert "ideaboard_" not in response.get_data(as_text=True)
    auth.login(make_user("admin"))  # no role opens them either
    assert client.get("/metrics").status_code == 404


def test_metrics_by_address_refuse_other_addresses_even_behind_a_proxy(app, client):
    app.config["METRICS_ALLOWED"] = ["10.0.0.0/8"]
    assert client.get("/metrics").status_code == 404  # the test client is 127.0.0.1
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    # Without PROXY_COUNT, a forwarded address is not believed.
    assert client.get("/metrics", headers={"X-Forwarded-For": "10.1.2.3"}).status_code == 404


def test_metrics_by_token_need_the_bearer_token(app, client):
    app.config["METRICS_TOKEN"] = "s3cret-token"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    response = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert response.status_code == 200 and "ideaboard_posts_total" in response.get_data(as_text=True)
    app.config["METRICS_ALLOWED"] = "10.0.0.0/8"  # both set: both must hold
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}).status_code == 404


def test_posts_and_votes_move_their_counters_and_histograms(app, scrape, open_room, join, socket_client):
    room = open_room(themes=[("Agua", "water")])
    phone = app.test_client()
    join(phone, room)
    before = scrape()
    response = Auth(phone).post(f"/sala/{room.id}/ideas", {
        "theme_id": room.themes[0].id, "text": "Agua potable para el mercado", "client_id": str(uuid.uuid4()),
    }, headers={"HX-Request": "true"})
    assert response.status_code == 200
    refused = Auth(phone).post(f"/sala/{room.id}/ideas", {
        "theme_id": room.themes[0].id, "text": "", "client_id": str(uuid.uuid4())}, headers={"HX-Request": "true"})
    assert 400 <= refused.status_code < 500
    after = scrape()
    assert sample(after, "ideaboard_posts_total", outcome="accepted") == \
        sample(before, "ideaboard_posts_total", outcome="accepted") + 1
    assert sample(after, "ideaboard_posts_total", outcome="refused") == \
        sample(before, "ideaboard_posts_total", outcome="refused") + 1
    assert sample(after, "ideaboard_post_seconds_count") == sample(before, "ideaboard_post_seconds_count") + 2

    from ideaboard.ideas.models import Idea

    idea = db.session.scalars(sa.select(Idea).where(Idea.ideathon_id == room.id)).one()
    start_voting(room)
    assert vote(phone, room, idea).status_code == 200
    assert vote(phone, room, idea, remove=True).status_code == 200
    voted = scrape()
    for action in ("place", "withdraw"):
        assert sample(voted, "ideaboard_votes_total", action=action, outcome="accepted") == \
            sample(after, "ideaboard_votes_total", action=action, outcome="accepted") + 1
        assert sample(voted, "ideaboard_vote_seconds_count", action=action) == \
            sample(after, "ideaboard_vote_seconds_count", action=action) + 1

    # The phone's socket counts in its room while it is connected.
    assert sample(voted, "ideaboard_sockets_connected", room=room.id) == 0
    sio = socket_client(phone, room=room.id)
    assert sio.is_connected()
    assert sample(scrape(), "ideaboard_sockets_connected", room=room.id) == 1
    sio.disconnect()
    assert sample(scrape(), "ideaboard_sockets_connected", room=room.id) == 0


def test_server_errors_and_dependency_errors_are_counted(app, client, scrape, monkeypatch):
    import redis

    from ideaboard.home import views

    app.config["PROPAGATE_EXCEPTIONS"] = False  # answered with the error page, as in production
    before = scrape()

    def redis_down(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(views, "render_template", redis_down)
    assert client.get("/").status_code == 503  # a blip a retry can cure (errors.retryable)
    after = scrape()
    assert sample(after, "ideaboard_http_server_errors_total", status="503", endpoint="home.index") == \
        sample(before, "ideaboard_http_server_errors_total", status="503", endpoint="home.index") + 1
    assert sample(after, "ideaboard_dependency_errors_total", dependency="redis") == \
        sample(before, "ideaboard_dependency_errors_total", dependency="redis") + 1

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views, "render_template", broken)
    assert client.get("/").status_code == 500
    assert sample(scrape(), "ideaboard_http_server_errors_total", status="500", endpoint="home.index") == \
        sample(after, "ideaboard_http_server_errors_total", status="500", endpoint="home.index") + 1
    assert sample(scrape(), "ideaboard_dependency_errors_total", dependency="redis") == \
        sample(after, "ideaboard_dependency_errors_total", dependency="redis")

    # A database that stops answering (a lost connection, a locked file) is counted at the engine,
    # once; a mistaken statement is not.
    with pytest.raises(sa.exc.DBAPIError):
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT * FROM no_such_table")
    assert sample(scrape(), "ideaboard_dependency_errors_total", dependency="database") == \
        sample(after, "ideaboard_dependency_errors_total", dependency="database")
    with pytest.raises(sa.exc.OperationalError):
        _database_unavailable()
    assert sample(scrape(), "ideaboard_dependency_errors_total", dependency="database") == \
        sample(after, "ideaboard_dependency_errors_total", dependency="database") + 1


def _database_unavailable() -> None:
    """A real dependency error: PostgreSQL ends our connection; SQLite's write lock is held elsewhere."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT pg_terminate_backend(pg_backend_pid())")
        return
    import sqlite3

    holder = sqlite3.connect(db.engine.url.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA busy_timeout = 0")
            try:
                connection.exec_driver_sql("DELETE FROM alembic_version WHERE 1 = 0")
            finally:
                connection.invalidate()  # not back to the pool without its busy timeout
    finally:
        holder.rollback()
        holder.close()


def test_the_socket_collector_reads_this_processs_presence():
    from ideaboard.rooms.presence import presence

    presence.sockets["sid-a"] = (41, 1)
    presence.sockets["sid-b"] = (41, None)
    presence.sockets["sid-c"] = (42, 2)
    try:
        family = next(metrics.SocketCollector().collect())
        assert {s.labels["room"]: s.value for s in family.samples} == {"41": 2, "42": 1}
    finally:
        for sid in ("sid-a", "sid-b", "sid-c"):
            presence.sockets.pop(sid)
