"""Degrade, don't fail (issue 15): a dependency blip a retry can cure is answered 503 with
Retry-After, never 500, and Redis down does not stop a phone from posting or voting."""
import sqlite3
import uuid

import pytest
import redis
from sqlalchemy import exc as sa_exc

from ideaboard import create_app
from ideaboard.extensions import db, limiter
from tests.conftest import app_config, CSRF_META

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


def _operational(message: str, orig, invalidated: bool = False):
    return sa_exc.OperationalError("SELECT 1", {}, orig, connection_invalidated=invalidated)


class PsycopgLike(Exception):
    """Stands for a psycopg OperationalError (its module is what errors.retryable looks at)."""


PsycopgLike.__module__ = "psycopg"


@pytest.fixture
def failing_app(migrated):
    """An app whose /boom/<kind> raises the dependency error named."""
    app = create_app(app_config(migrated))
    errors = {
        "sqlite-locked": lambda: _operational("locked", sqlite3.OperationalError("database is locked")),
        "disconnect": lambda: _operational("lost", Exception("server closed the connection"), invalidated=True),
        "postgres-down": lambda: _operational("down", PsycopgLike("connection refused")),
        "pool": lambda: sa_exc.TimeoutError("QueuePool limit reached"),
        "redis-down": lambda: redis.exceptions.ConnectionError("Error 111 connecting"),
        "redis-slow": lambda: redis.exceptions.TimeoutError("Timeout reading from socket"),
        "no-table": lambda: _operational("bug", sqlite3.OperationalError("no such table: nothing")),
        "integrity": lambda: sa_exc.IntegrityError("INSERT", {}, Exception("unique")),
        "redis-bug": lambda: redis.exceptions.ResponseError("WRONGTYPE"),
    }

    @app.route("/boom/<kind>")
    def boom(kind):
        raise errors[kind]()

    @app.route("/api/v1/boom/<kind>")
    def api_boom(kind):
        raise errors[kind]()

    return app


@pytest.mark.parametrize("kind", ["sqlite-locked", "disconnect", "postgres-down", "pool", "redis-down",
                                  "redis-slow"])
def test_a_blip_a_retry_can_cure_is_503_with_retry_after(failing_app, kind):
    client = failing_app.test_client()
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(f"/boom/{kind}", headers=headers)
        assert response.status_code == 503, response.get_data(as_text=True)[:300]
        assert int(response.headers["Retry-After"]) > 0
    api = client.get(f"/api/v1/boom/{kind}")
    assert api.status_code == 503 and int(api.headers["Retry-After"]) > 0 and api.get_json()["status"] == 503


@pytest.mark.parametrize("kind", ["no-table", "integrity", "redis-bug"])
def test_a_real_bug_is_still_a_500(failing_app, kind):
    failing_app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page, not the traceback
    response = failing_app.test_client().get(f"/boom/{kind}")
    assert response.status_code == 500 and "Retry-After" not in response.headers


def test_a_phone_posts_with_redis_down(migrated, open_room):
    """Redis (the rate-limit store, the head count) down: the board renders and the post goes
    through, the limit counted in this process's memory; before issue 15 both got 500."""
    room = open_room(themes=[("Agua", "water")])
    app = create_app(app_config(migrated, REDIS_URL=DEAD_REDIS, RATELIMIT_STORAGE_URI=DEAD_REDIS))
    try:
        phone = app.test_client()
        with app.app_context():
            assert phone.get(f"/s/{room.room_code}").status_code == 302
            page = phone.get(f"/sala/{room.id}/unirse")
            token = CSRF_META.search(page.get_data(as_text=True)).group(1)
            joined = phone.post(f"/sala/{room.id}/unirse", data={"csrf_token": token, "nickname": ""})
            assert joined.status_code == 302, joined.get_data(as_text=True)[:300]
            board = phone.get(f"/sala/{room.id}")  # the head count falls back to this process's
            assert board.status_code == 200
            token = CSRF_META.search(board.get_data(as_text=True)).group(1)
            app.config["PARTICIPANT_RATE_LIMIT"] = "1 per minute"
            posted = phone.post(f"/sala/{room.id}/ideas", headers={"HX-Request": "true"},
                                data={"csrf_token": token, "theme_id": room.themes[0].id, "text": "Agua limpia",
                                      "client_id": str(uuid.uuid4())})
            assert posted.status_code == 200, posted.get_data(as_text=True)[:300]
            # The limit still holds, in this process's memory.
            again = phone.post(f"/sala/{room.id}/ideas", headers={"HX-Request": "true"},
                               data={"csrf_token": token, "theme_id": room.themes[0].id, "text": "Más agua",
                                     "client_id": str(uuid.uuid4())})
            assert again.status_code == 429
            db.session.remove()
    finally:
        limiter._storage_dead = False  # the next test's app starts with its own store, alive


def test_a_whole_page_503_asks_the_person_to_try_again(failing_app):
    """Only room.js sends a form again by itself: a whole page (no JavaScript) says to try again."""
    page = failing_app.test_client().get("/boom/redis-down").get_data(as_text=True)
    assert "Espere unos segundos e intente de nuevo" in page and "se volverá a enviar" not in page
    fragment = failing_app.test_client().get("/boom/redis-down", headers={"HX-Request": "true"})
    assert "se volverá a enviar" in fragment.get_data(as_text=True)


@pytest.fixture
def hanging_redis():
    """A port that accepts connections (the kernel's backlog) and never answers: a Redis that hangs."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


def test_a_hanging_redis_holds_a_page_for_the_timeout_once(app, hanging_redis):
    """The head count and the message queue give up on a Redis that does not answer after
    REDIS_TIMEOUT, and then leave it alone for a moment: no request waits for it again and again."""
    import time

    from ideaboard.message_queue import RedisQueue
    from ideaboard.rooms.presence import Presence

    client = redis.Redis.from_url(hanging_redis, socket_timeout=0.3, socket_connect_timeout=0.3)
    presence = Presence()
    presence.seen(7, 1, "ABCDEF")
    started = time.monotonic()
    for _ in range(5):  # five pages rendered
        assert presence.count(7, client) == 1  # this process's own count
    presence.flush(client)
    assert time.monotonic() - started < 1.0  # one timeout (0.3 s), not six

    queue = RedisQueue(hanging_redis, channel="test", timeout=0.3, write_only=True)
    started = time.monotonic()
    for _ in range(5):
        queue._publish({"method": "emit", "event": "change", "data": {}})
    assert time.monotonic() - started < 2.5  # the library's two attempts once, then paused
