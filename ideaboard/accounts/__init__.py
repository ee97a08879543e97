"""Staff accounts: log in, roles, and the decorator every staff route wears."""
from functools import wraps

from flask import Flask, abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, current_user

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


def safe_next_url(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host) may be a redirect target after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def redirect_after_login():
    return redirect(safe_next_url(request.args.get("next")) or url_for("accounts.dashboard"))
