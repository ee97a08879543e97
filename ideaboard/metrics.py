"""Prometheus metrics at `/metrics`, per process (README, "Monitoring").

Each process serves its own numbers (production runs one single-worker gunicorn per port, so
Prometheus scrapes every port: `instance` tells them apart). What is measured, from outside the
rules (no service knows about metrics):

- `ideaboard_sockets_connected{room}`: the Socket.IO connections this process holds per room, read
  from the presence tracker (rooms/presence.py) when scraped.
- `ideaboard_posts_total{outcome}`, `ideaboard_votes_total{action,outcome}`: ideas posted and dots
  placed or taken back, counted by endpoint after the answer (accepted, refused: a 4xx, failed: a 5xx);
  `rate()` gives them per second. `ideaboard_post_seconds`, `ideaboard_vote_seconds{action}`: the
  time to answer them (histograms).
- `ideaboard_http_server_errors_total{status,endpoint}`: every 5xx answer.
- `ideaboard_dependency_errors_total{dependency}`: database errors on any connection of the process
  (a failed or lost connection, a cancelled statement, a locked SQLite file: the engine's `handle_error`
  event) or a request that found no pooled connection free in time, and Redis errors that reached a
  request, however they were answered (a 503 as well as a 500).
- the client library's process metrics (`process_*`: memory, CPU, open files) and Python's (`python_*`).

Access (nothing is public): `METRICS_ALLOWED` (addresses or networks, e.g. `127.0.0.1,10.0.0.0/8`,
compared with the client's address as ProxyFix gives it) and/or `METRICS_TOKEN` (sent as
`Authorization: Bearer <token>`). Every condition configured must hold; with neither configured, or a
request that fails one, `/metrics` answers 404 as if it did not exist.
"""
import hmac
import ipaddress
import time
from collections import Counter as Tally

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import event
from sqlalchemy import exc as sa_exc

from .extensions import db
from .rooms.presence import presence

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

POSTS = Counter("ideaboard_posts", "Ideas posted from a phone, by outcome (accepted, refused, failed)",
                ["outcome"])
POST_SECONDS = Histogram("ideaboard_post_seconds", "Time to answer a post of an idea", buckets=LATENCY_BUCKETS)
VOTES = Counter("ideaboard_votes", "Dots placed or taken back, by outcome (accepted, refused, failed)",
                ["action", "outcome"])
VOTE_SECONDS = Histogram("ideaboard_vote_seconds", "Time to answer a vote", ["action"], buckets=LATENCY_BUCKETS)
SERVER_ERRORS = Counter("ideaboard_http_server_errors", "Answers with a 5xx status", ["status", "endpoint"])
DEPENDENCY_ERRORS = Counter("ideaboard_dependency_errors", "Errors of the database or of Redis", ["dependency"])

# endpoint -> (counter, histogram, labels)
ACTIONS = {
    "ideas.post": (POSTS, POST_SECONDS, {}),
    "votes.cast": (VOTES, VOTE_SECONDS, {"action": "place"}),
    "votes.withdraw": (VOTES, VOTE_SECONDS, {"action": "withdraw"}),
}


class SocketCollector:
    """Connected sockets per room in this process, counted when Prometheus scrapes."""

    def collect(self):
        family = GaugeMetricFamily("ideaboard_sockets_connected",
                                   "Socket.IO connections held by this process, per room", labels=["room"])
        per_room = Tally(room for room, _ in list(presence.sockets.values()))
        for room, count in sorted(per_room.items()):
            family.add_metric([str(room)], count)
        yield family


_socket_collector = SocketCollector()
REGISTRY.register(_socket_collector)


def _outcome(status: int) -> str:
    return "failed" if status >= 500 else "refused" if status >= 400 else "accepted"


def _allowed_networks(setting) -> list:
    if isinstance(setting, str):
        setting = setting.replace(",", " ").split()
    return [ipaddress.ip_network(item.strip(), strict=False) for item in setting or () if item.strip()]


def _may_scrape() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    networks = _allowed_networks(current_app.config.get("METRICS_ALLOWED"))
    if not token and not networks:
        return False
    if token and not hmac.compare_digest(request.headers.get("Authorization", "").encode(),
                                         f"Bearer {token}".encode()):
        return False
    if networks:
        try:
            address = ipaddress.ip_address(request.remote_addr or "")
        except ValueError:
            return False
        if not any(address in network for network in networks):
            return False
    return True


def metrics():
    if not _may_scrape():
        abort(404)
    return Response(generate_latest(REGISTRY), mimetype=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})


def _dependency(error: BaseException) -> str | None:
    import redis  # the client is installed with the app; imported here to keep start-up light

    if isinstance(error, redis.exceptions.RedisError):
        return "redis"
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection free in time
        return "database"
    return None


SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o", "readonly database")


def _on_database_error(context) -> None:
    """A DBAPI error on the way to the database: a failed or lost connection, a cancelled statement,
    a locked SQLite file; not a mistake in a statement nor a constraint a request broke on purpose
    (an IntegrityError: a repeated client_id). SQLite reports both kinds as OperationalError: only
    its messages say which."""
    error = context.sqlalchemy_exception
    if context.is_disconnect or isinstance(error, sa_exc.InterfaceError):
        DEPENDENCY_ERRORS.labels("database").inc()
    elif isinstance(error, sa_exc.OperationalError):
        if context.dialect.name != "sqlite" or any(
                text in str(context.original_exception).lower() for text in SQLITE_UNAVAILABLE):
            DEPENDENCY_ERRORS.labels("database").inc()


def init_app(app: Flask) -> None:
    app.add_url_rule("/metrics", "metrics", metrics)
    with app.app_context():
        if not event.contains(db.engine, "handle_error", _on_database_error):
            event.listen(db.engine, "handle_error", _on_database_error)

    @app.before_request
    def start_clock():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def count(response):
        endpoint = request.endpoint or "none"
        if response.status_code >= 500:
            SERVER_ERRORS.labels(str(response.status_code), endpoint).inc()
        action = ACTIONS.get(endpoint)
        if action:
            counter, histogram, labels = action
            counter.labels(**labels, outcome=_outcome(response.status_code)).inc()
            started = g.get("metrics_started")
            if started is not None:
                (histogram.labels(**labels) if labels else histogram).observe(time.perf_counter() - started)
        return response

    # Errors that a request met, whichever handler answers them (a 503 as well as a 500): Flask's
    # hook for every exception a view or a before-request function raised.
    handle_user_exception = app.handle_user_exception

    def counting_handle_user_exception(error):
        dependency = _dependency(error)
        if dependency:
            DEPENDENCY_ERRORS.labels(dependency).inc()
        return handle_user_exception(error)

    app.handle_user_exception = counting_handle_user_exception
