"""Ideaboard: live rooms and public archives for citizen idea workshops (ideatones)."""
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.routing import IntegerConverter
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import CONFIGS
from .extensions import compress, csrf, db, limiter, migrate, socketio

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class DatabaseInteger(IntegerConverter):
    """Flask's `int` URL converter, bounded to the database's 32-bit integer ids."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, then Socket.IO last.

    `config` overrides everything else (tests use it). The class comes from
    `IDEABOARD_ENV` (production, development or testing; production by default).
    """
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=os.environ.get("IDEABOARD_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
    )
    _load_config(app, config or {})
    # An id in a URL beyond what the database's integers hold is simply not found (404), not a 500.
    app.url_map.converters["int"] = DatabaseInteger

    # First: Flask runs after-request functions last-registered first, so compression runs last and
    # compresses the response as every other one left it. Socket.IO's traffic never reaches Flask.
    compress.init_app(app)
    from . import assets

    assets.init_app(app)

    from .database import configure_engine

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine, lock_wait=app.config["SQLITE_LOCK_WAIT"])
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    from . import metrics

    metrics.init_app(app)  # before the limiter: its clock starts before any other before-request hook
    csrf.init_app(app)
    limiter.init_app(app)

    from . import errors, i18n, inputs, security

    inputs.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)

    from .accounts import init_app as init_accounts

    init_accounts(app)

    from .uploads import init_app as init_uploads

    init_uploads(app)

    from .accounts.views import bp as accounts_bp
    from .api.downloads import bp as downloads_bp
    from .api.views import bp as api_bp
    from .archive.views import bp as archive_bp
    from .budget.views import bp as budget_bp
    from .calendar.views import bp as calendar_bp
    from .evaluation.views import bp as evaluation_bp
    from .evidence.views import bp as evidence_bp
    from .facilitation.views import bp as facilitation_bp
    from .hall.publish_views import bp as hall_publish_bp
    from .hall.views import bp as hall_bp
    from .home.views import bp as home_bp
    from .ideas.views import bp as ideas_bp
    from .ideathons.views import bp as ideathons_bp
    from .moderation.views import bp as moderation_bp
    from .municipalities.views import bp as municipalities_bp
    from .pilots.views import bp as pilots_bp
    from .programme.views import bp as programme_bp
    from .rooms import events  # noqa: F401 - registers the Socket.IO handlers
    from .rooms.views import bp as rooms_bp
    from .votes.views import bp as votes_bp

    for blueprint in (home_bp, accounts_bp, municipalities_bp, ideathons_bp, rooms_bp, ideas_bp, votes_bp,
                      facilitation_bp, moderation_bp, archive_bp, downloads_bp, api_bp, programme_bp, pilots_bp,
                      budget_bp, evidence_bp, evaluation_bp, calendar_bp, hall_bp, hall_publish_bp):
        app.register_blueprint(blueprint)

    from .ideas.forms import new_client_id

    app.jinja_env.globals["new_client_id"] = new_client_id

    from .ideathons.themes import theme_hint, theme_name

    # A theme's name in the viewer's language, the one way every screen names a theme.
    app.jinja_env.globals.update(theme_name=theme_name, theme_hint=theme_hint)

    from . import policies, rendering

    rendering.init_app(app)
    policies.init_app(app)

    from . import subscribers

    subscribers.connect()

    from .cli import register_commands

    register_commands(app)
    from .hall.cli import hall_cli

    app.cli.add_command(hall_cli)

    from . import websocket_close

    websocket_close.install()
    websocket_close.configure_logging(app)

    # Last: handlers registered by the blueprints above must exist before init_app.
    from .message_queue import client_manager

    queue = client_manager(app)  # Redis: one that comes back quickly after a blip
    socketio.init_app(
        app,
        async_mode="gevent",
        **({"client_manager": queue} if queue else {"message_queue": app.config["SOCKETIO_MESSAGE_QUEUE"],
                                                    "channel": app.config["SOCKETIO_CHANNEL"]}),
        cors_allowed_origins=app.config["SOCKETIO_CORS_ALLOWED_ORIGINS"],
        manage_session=False,
        max_http_buffer_size=app.config["SOCKETIO_MAX_PAYLOAD"],
        ping_interval=app.config["SOCKETIO_PING_INTERVAL"],
        ping_timeout=app.config["SOCKETIO_PING_TIMEOUT"],
    )
    from . import socket_guard

    socket_guard.install(socketio.server, app.config)  # clients only listen: anything else closes the socket
    # Outermost, around Socket.IO's middleware (which hands a copy of the WSGI environ on): the server's
    # own environ gets the client's address, so gunicorn's access log shows it (not the proxy's), and
    # Socket.IO sees the scheme and host the browser used.
    if app.config["PROXY_COUNT"]:
        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    return app


def _load_config(app: Flask, overrides: dict) -> None:
    env_name = overrides.get("ENV_NAME") or os.environ.get("IDEABOARD_ENV", "production")
    if env_name not in CONFIGS:
        raise RuntimeError(f"IDEABOARD_ENV must be one of {', '.join(CONFIGS)}, not {env_name!r}")
    app.config.from_object(CONFIGS[env_name])
    app.config["ENV_NAME"] = env_name
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    app.config.from_prefixed_env("IDEABOARD")
    app.config.update(overrides)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    url = app.config.get("SQLALCHEMY_DATABASE_URI") or app.config.get("DATABASE_URL")
    if not url:
        url = f"sqlite:///{Path(app.instance_path) / 'ideaboard.db'}"
    if url.startswith("postgres://"):  # the form some hosts hand out
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}

    if not app.config.get("SECRET_KEY"):
        if env_name == "production":
            raise RuntimeError(MISSING_SECRET_KEY)
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    redis_url = app.config.get("REDIS_URL") or None
    app.config["REDIS_URL"] = redis_url
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
        timeout = float(app.config["REDIS_TIMEOUT"])
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": timeout,
                                                            "socket_connect_timeout": timeout})
    app.config.setdefault("SOCKETIO_MESSAGE_QUEUE", redis_url)
    # Redis pub/sub ignores the database number: name the channel after it, so two deployments
    # (or test runs) on one Redis server never receive each other's room messages.
    redis_db = urlsplit(redis_url).path.strip("/") or "0" if redis_url else "local"
    app.config.setdefault("SOCKETIO_CHANNEL", f"ideaboard-{redis_db}")


MISSING_SECRET_KEY = (
    "SECRET_KEY is not set. Production (IDEABOARD_ENV=production, the default) needs one fixed key shared "
    "by all its processes: several processes with keys of their own refuse each other's participants and "
    "sessions. Generate one with `python3 -c 'import secrets; print(secrets.token_urlsafe(48))'` and set "
    "SECRET_KEY in the environment (README, \"Production\"); for a laptop, set IDEABOARD_ENV=development."
)


def _instance_secret(instance: Path) -> str:
    """A key kept in the instance folder, so a laptop install keeps its sessions across restarts."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
