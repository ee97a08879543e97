"""What a request may carry, checked in one place for every page, form and API call.

- **No NUL character.** PostgreSQL cannot store one in text (psycopg refuses the statement), and no
  person types one. A NUL anywhere in the path, a query value or name, a form value or name, or an
  uploaded file's name is answered 400 before any view runs (the API's 400 in JSON, errors.py), on
  SQLite as on PostgreSQL. Uploaded files' contents are read by their own service, which refuses a
  NUL with its reason (pilots/services.py, the baseline CSV).
- **Numbers people type.** `whole_number()` reads an integer written with ASCII digits (and an optional
  minus) within bounds, or gives None: `str.isdigit()` says yes to "²", which `int()` refuses, and
  `int()` alone says yes to 2**63, which no database integer holds. `number_arg()` reads a public
  filter from the query that way: a value out of range is ignored as the filter, as text already was.
  Ids go through `database.row_id()`.
"""
import re

from flask import Flask, abort, request

NUL = "\x00"
_INTEGER = re.compile(r"-?[0-9]+")


def whole_number(value, low: int, high: int) -> int | None:
    """`value` (text as typed, or an int) as an integer from `low` to `high`; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        try:
            number = int(value.strip())
        except ValueError:  # more digits than Python reads (sys.get_int_max_str_digits)
            return None
    else:
        return None
    return number if low <= number <= high else None


def number_arg(name: str, low: int, high: int, default: int | None = None) -> int | None:
    """A number from the query string as a filter or page: `default` when missing, not a number or
    out of range (a public page never fails on a hand-edited address)."""
    number = whole_number(request.args.get(name), low, high)
    return default if number is None else number


def _carries_nul() -> bool:
    if NUL in request.path:
        return True
    for values in (request.args, request.form):
        for name, items in values.lists():
            if NUL in name or any(NUL in item for item in items):
                return True
    return any(NUL in (name or "") or NUL in (file.filename or "") for name, file in request.files.items(multi=True))


def refuse_nul():
    """Answer 400 to a request that carries a NUL character (a before-request hook)."""
    if _carries_nul():
        abort(400, description="NUL character in the request" if request.path.startswith("/api/") else None)


def init_app(app: Flask) -> None:
    # After Flask-WTF's CSRF check (registered earlier by csrf.init_app): a forged form is told so first.
    app.before_request(refuse_nul)
