"""Degrade, don't fail (issue 15): a dependency blip a retry can cure is answered 503 with
Retry-After, never 500, and Redis down does not stop a phone from posting or voting."""
import sqlite3

import pytest
import redis
from sqlalchemy import exc as sa_exc

from ideaboard import create_app
from tests.conftest import app_config

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
