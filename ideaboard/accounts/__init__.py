"""Staff accounts: log in, roles, and the decorator every staff route wears."""
import re
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, current_user
from werkzeug.urls import iri_to_uri

from ..extensions import db, login_manager
from ..responses import is_htmx
from .models import Role, User


class Visitor(AnonymousUserMixin):
    """Someone not logged in: holds no role (so a rule may ask `has_role` of anyone)."""

    def has_role(self, *roles: Role) -> bool:
        return False


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.anonymous_user = Visitor
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Inicie sesión para ver esa página.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_token: str) -> User | None:
        user = db.session.scalar(db.select(User).filter_by(session_token=session_token))
        return user if user and user.active else None


def role_required(*roles: Role):
    """Let in logged-in staff with one of `roles` (anyone logged in if none); 403 for the rest.

    The roles are kept on the view as `allowed_roles` so the permission test can read them.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                if is_htmx():
                    abort(401)
                return login_manager.unauthorized()
            if roles and not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles or tuple(Role)
        return wrapped

    return decorator


# Control characters (tabs and newlines among them) and backslashes: never in a path to go back to.
_NOT_IN_NEXT = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_next_url(target: str | None) -> str | None:
    r"""Where a `next` parameter may send someone: a path on this site, or None (then the caller's
    default). Every view that follows a `next` asks this (the login, the language switch).

    A browser reading a Location header drops tabs and newlines anywhere and takes a backslash for a
    slash, so `/\t/evil.com` and `/\evil.com` are `//evil.com` (another site) to it, and a newline
    in a header is an error: a target with a control character or a backslash is refused, as is
    anything but a path starting with one slash. What remains is sent as a URI (spaces and
    non-ASCII characters percent-encoded)."""
    if not isinstance(target, str) or _NOT_IN_NEXT.search(target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    uri = iri_to_uri(target)
    parts = urlsplit(uri)
    if parts.scheme or parts.netloc or not uri.startswith("/") or uri.startswith("//"):
        return None
    return uri


def redirect_after_login():
    return redirect(safe_next_url(request.args.get("next")) or url_for("accounts.dashboard"))
