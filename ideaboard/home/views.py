from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from sqlalchemy import text

from ..accounts import safe_next_url
from ..extensions import db
from ..i18n import LANG_COOKIE
from ..ideathons.services import past_ideathons, upcoming_ideathons
from ..municipalities.map import map_context

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    """What Ideaboard is, upcoming and past ideathons, and the municipalities that took part (map and list)."""
    return render_template(
        "home/index.html",
        upcoming=upcoming_ideathons(limit=6),
        past=past_ideathons(limit=6),
        **map_context(),
    )


@bp.route("/idioma", methods=["POST"])
def set_language():
    """Remember the chosen interface language for a year, then go back where the visitor was."""
    lang = request.form.get("lang")
    target = safe_next_url(request.form.get("next")) or url_for("home.index")
    response = redirect(target)
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


@bp.route("/healthz")
def healthz():
    """JSON state of the database and, where configured, Redis; 503 when one is down."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means "down"
        db.session.rollback()
        checks["database"] = f"error: {type(error).__name__}"
    redis_url = current_app.config["REDIS_URL"]
    if redis_url:
        import redis

        try:
            redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1).ping()
            checks["redis"] = "ok"
        except Exception as error:  # noqa: BLE001
            checks["redis"] = f"error: {type(error).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "error", "checks": checks}
    return jsonify(body), 200 if healthy else 503
