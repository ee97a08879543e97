"""Response headers of the security baseline: a strict CSP and friends."""
from flask import Flask, current_app, request, session

from .responses import HX_REQUEST

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        # blob: the phone plays back its own voice recording before sending it (static/js/voice.js).
        "media-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


# No page may use the camera, the microphone, the location or payments...
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"
# ...except the room's board for a participant, which may record an idea by voice (this origin
# only, never a frame of another). rooms/views.py sets it on that page alone.
RECORDING_PERMISSIONS_POLICY = "camera=(), microphone=(self), geolocation=(), payment=()"


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csrf_in_session"] = csrf_in_session

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # One URL serves the whole page and its htmx fragment: caches must keep them apart.
        response.vary.add(HX_REQUEST)
        if request.endpoint != "static":  # static files: ideaboard/assets.py
            headers.setdefault("Cache-Control", _cache_control(response))
        return response


def csrf_in_session() -> bool:
    """Whether this visitor's session holds a CSRF token: they had one, or this page made one for a
    form. Only then do base.html's head and htmx's headers carry it (a page without a form must
    not start a session: it would set a cookie)."""
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") in session


def _cache_control(response) -> str:
    """A signed-in person's pages are never stored; a page (HTML) may be kept by the browser only,
    never by a shared cache, and is checked again before each use; other answers (open data, the
    calendar feed) may be kept by any cache that checks again first."""
    if _is_private():
        return "no-store"
    return "private, no-cache" if response.mimetype == "text/html" else "no-cache"


def _is_private() -> bool:
    from flask_login import current_user

    return bool(getattr(current_user, "is_authenticated", False))
