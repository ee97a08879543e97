from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import text
from wtforms import ValidationError

from ..accounts import role_required, safe_next_url
from ..catalogues import completeness, present_codes
from ..extensions import csrf, db, limiter
from ..i18n import LANG_COOKIE
from ..ideathons.services import past_ideathons, upcoming_ideathons
from ..municipalities.map import map_context
from ..policies import PLANNERS

bp = Blueprint("home", __name__)
PROBES = {"home.healthz", "home.readyz"}


@limiter.request_filter
def _probe() -> bool:
    """The health probes never touch the rate-limit store (a Redis that hangs would slow them)."""
    return request.endpoint in PROBES


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
@csrf.exempt
def set_language():
    """Remember the chosen interface language for a year, then go back where the visitor was.

    Every page's footer has this form, and most pages have no other: it carries no CSRF token,
    so that a page without a form needs no session (and sets no cookie). Instead it takes only
    posts the browser says come from this site's own pages (or with a valid token, as before)."""
    if not _from_this_site():
        raise CSRFError(description="The language switch takes posts from this site's own pages only.")
    lang = request.form.get("lang")
    target = safe_next_url(request.form.get("next")) or url_for("home.index")
    response = redirect(target)
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


@bp.route("/idiomas")
@role_required(*PLANNERS)
def languages():
    """For coordinators: how complete each interface language is, configured or only present under
    the translations folder, the phone's strings first (ideaboard/catalogues.py)."""
    from pathlib import Path

    configured = current_app.config["LANGUAGES"]
    folder = Path(current_app.extensions["babel"].translation_directories[0])
    present = [code for code in present_codes(folder) if code not in configured]
    figures = completeness([*configured, *present], directory=folder)
    return render_template("home/languages.html", figures=figures, configured=configured,
                           others=[f for f in figures if f.code != "es"])


def _from_this_site() -> bool:
    """The browser's word that this post comes from one of this site's pages (Fetch Metadata, else
    the Origin every browser sends with a form post), or a valid CSRF token."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin != "null" and urlsplit(origin).netloc == request.host
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return False
    return True


@bp.route("/healthz")
def healthz():
    """Liveness: 200 while this process serves requests. It checks nothing else (no database, no
    Redis), so a dependency's blip never makes a proxy or a supervisor drop or restart the process."""
    return jsonify({"status": "ok"})


@bp.route("/readyz")
def readyz():
    """Readiness: whether this process can do its work. The database is required (503 when it does
    not answer); Redis is not: without it a process still takes every post and vote (rate limits
    count in its memory, live updates reach the phones it holds), so Redis down is "degraded", 200."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means "down"
        db.session.rollback()
        checks["database"] = f"error: {type(error).__name__}"
    redis_url = current_app.config["REDIS_URL"]
    if redis_url:
        import redis  # lazy: only a deployment with Redis configured needs the client

        timeout = float(current_app.config["REDIS_TIMEOUT"])
        client = redis.Redis.from_url(redis_url, socket_timeout=timeout, socket_connect_timeout=timeout)
        try:
            client.ping()
            checks["redis"] = "ok"
        except Exception as error:  # noqa: BLE001
            checks["redis"] = f"degraded: {type(error).__name__}"
        finally:
            client.close()
    if checks["database"] != "ok":
        return jsonify({"status": "error", "checks": checks}), 503
    degraded = any(value != "ok" for value in checks.values())
    return jsonify({"status": "degraded" if degraded else "ok", "checks": checks})
