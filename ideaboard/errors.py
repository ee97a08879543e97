"""Error pages in the visitor's language, as a whole page or, for htmx, as a fragment.

An htmx request gets the fragment retargeted to the page's alert region, so a failed
action shows its message where the visitor is looking instead of replacing part of the page.

Two kinds of refusal end here: `refuse()` (a `Refused`), raised by a view that stops the request
itself, and a service's `Refusal` (ideaboard/refusals.py) that no view caught, answered alike with
its status and message. Views that answer a refusal in place use ideaboard/responses.py.

A dependency blip that a retry can cure (`retryable()`: the database or Redis unreachable, a lost
connection, SQLite's lock still held) is answered 503 with Retry-After, never 500: room.js sends
the same form again, and its client_id keeps it from counting twice.
"""
import sqlite3

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from .database import DatabaseBusy
from .refusals import Refusal
from .responses import is_htmx

MESSAGES = {
    400: (_l("Solicitud no válida"), _l("No pudimos entender lo que se envió. Revise los datos e intente de nuevo.")),
    401: (_l("Inicie sesión"), _l("Necesita iniciar sesión para hacer esto. Recargue la página.")),
    403: (_l("Acceso no permitido"), _l("Su cuenta no tiene permiso para ver esta página.")),
    404: (_l("Página no encontrada"), _l("La dirección no existe o ya no está disponible.")),
    405: (_l("Acción no permitida"), _l("Esta dirección no acepta esa acción.")),
    409: (_l("No se pudo hacer ahora"), _l("La situación cambió mientras tanto. Recargue la página.")),
    410: (_l("Ya no está disponible"), _l("Esto ya terminó o expiró.")),
    422: (_l("Revise los datos"), _l("Algo de lo que envió no es válido.")),
    413: (_l("Envío demasiado grande"), _l("Lo que envió supera el tamaño permitido.")),
    429: (_l("Demasiados intentos"), _l("Hizo demasiados intentos en poco tiempo. Espere un minuto e intente de nuevo.")),
    500: (_l("Algo salió mal"), _l("Tuvimos un problema de nuestro lado. Intente de nuevo en unos momentos.")),
    503: (_l("Mucha actividad"), _l("Hay mucha actividad en este momento. Lo que envió se volverá a enviar en unos segundos.")),
}
# Visitors without an account (participants on their phones, the public) are not told about an
# account they do not have, nor given a bare status code.
VISITOR_MESSAGES = {
    403: (_l("No se puede hacer esto"), _l("Esto no se puede hacer desde este teléfono. Si cree que es un error, "
                                          "pida ayuda a quien modera la sala.")),
}
RETRY_AFTER_SECONDS = 2
# A 503 to a whole page (no JavaScript, or a page load): nothing will send it again for the person.
PAGE_503 = _l("Hay mucha actividad en este momento. Espere unos segundos e intente de nuevo.")


def retryable(error: BaseException) -> bool:
    """An error that the same request, sent again in a few seconds, may not meet: no pooled
    connection free in time, a lost or refused database connection, a serialisation failure or
    deadlock (PostgreSQL), SQLite's "database is locked" (or locked past SQLITE_LOCK_WAIT), Redis unreachable or too slow."""
    if isinstance(error, (sa_exc.TimeoutError, DatabaseBusy, RedisConnectionError, RedisTimeoutError)):
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:  # SQLAlchemy saw a disconnect
        return True
    original = error.orig
    if isinstance(original, sqlite3.OperationalError):
        return any(text in str(original) for text in ("database is locked", "database table is locked",
                                                      "database is busy"))
    # psycopg's OperationalError: the server unreachable or restarting, a connection lost, a
    # statement cancelled, a serialisation failure or a deadlock (TransactionRollback).
    return isinstance(error, sa_exc.OperationalError) and type(original).__module__.startswith("psycopg")


class Refused(HTTPException):
    """A view's refusal with its own heading and message for the person (`refuse()`); a service
    refuses with a `Refusal` instead."""

    def __init__(self, code: int, title, message):
        self.code = code
        self.title = title
        super().__init__(description=str(message))


def refuse(code: int, title, message):
    """Stop the request with `code`, a heading and a message the person can act on."""
    raise Refused(code, title, message)


def _is_participants(path: str) -> bool:
    """A participant's action on their room's board (/sala/<id>/...): its htmx answer goes where the
    phone is looking, the board's message at the bottom of the screen (#vote-message)."""
    return path.startswith("/sala/") and not current_user.is_authenticated


def render_error(code: int, message=None, title=None):
    staff = current_user.is_authenticated
    default_title, default_message = (MESSAGES if staff else {**MESSAGES, **VISITOR_MESSAGES}).get(code, MESSAGES[500])
    if code == 503 and not is_htmx():
        default_message = PAGE_503
    context = {"code": code if staff else None, "title": title or default_title,
               "message": message or default_message}
    if is_htmx():
        if code == 403 and _is_participants(request.path):  # room.js upserts a 403 answer to a phone's form
            return render_template("errors/_refusal.html", **context), code
        html = render_template("errors/_error.html", **context)
        return html, code, {"HX-Retarget": "#alerts", "HX-Reswap": "innerHTML"}
    return render_template("errors/error.html", **context), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            _l("El formulario caducó o no es válido. Recargue la página e intente de nuevo."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error):
        # What the error's own headers say (a 405's `Allow`, a 503's `Retry-After`) stays in the answer.
        own = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
        limit = getattr(getattr(error, "limit", None), "limit", None)  # Flask-Limiter's RateLimitExceeded
        retry_after = getattr(error, "retry_after", None) or (limit.get_expiry() if limit is not None else None)
        if retry_after:
            own["Retry-After"] = str(retry_after)
        if request.path.startswith("/api/"):  # the JSON API answers in JSON, in English like its document
            description = error.description if error.description != type(error).description else error.name
            return {"error": description, "status": error.code}, error.code, own
        if error.code not in MESSAGES:
            return error
        # Our own aborts carry a message for the visitor; Werkzeug's default texts are not shown.
        custom = error.description if error.description != type(error).description else None
        html, code, *headers = render_error(error.code, custom, getattr(error, "title", None))
        return html, code, {**own, **(headers[0] if headers else {})}

    @app.errorhandler(Refusal)
    def service_refusal(refusal):
        # A service's refusal that its view did not answer: the error page (or fragment) for its status.
        return http_error(Refused(refusal.status, None, refusal))

    @app.errorhandler(sa_exc.TimeoutError)
    @app.errorhandler(DatabaseBusy)  # another process kept SQLite's lock past SQLITE_LOCK_WAIT
    @app.errorhandler(sa_exc.DBAPIError)
    @app.errorhandler(RedisError)
    def overloaded(error):
        # A dependency blip a retry can cure: 503 with Retry-After, never 500 (room.js sends the same
        # form again, and its client_id keeps it from counting twice). Anything else is a real 500.
        if not retryable(error):
            raise error
        app.logger.warning("dependency unavailable, answered 503: %s: %s", type(error).__name__,
                           str(error).splitlines()[0] if str(error) else "")
        return http_error(ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS))

    @app.errorhandler(InternalServerError)
    def server_error(error):
        return render_error(500)
