"""The room's broadcaster: sends a change, rendered by the same templates as the page and the
htmx response, to everyone in the room, after the change is committed.

A fragment never depends on who is looking. It is rendered once per interface language and
sent to that language's channel of the room; per-viewer details (which ideas are mine) are
applied by static/js/room.js from data attributes. Each change carries the room's sequence
number so that a client noticing a gap re-fetches the board over HTTP.
"""
from contextlib import nullcontext

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale

from ..extensions import socketio


def channel(ideathon_id: int, lang: str) -> str:
    return f"room-{ideathon_id}-{lang}"


def channels(ideathon_id: int) -> list[str]:
    return [channel(ideathon_id, lang) for lang in current_app.config["LANGUAGES"]]


def publish(ideathon_id: int, event: str, template: str, payload: dict | None = None, **context) -> None:
    """Render `template` in each language and emit it as `event` to the room's channels."""
    # Templates build URLs; outside a request (command line, background task) give them one.
    outside = current_app.test_request_context("/") if not has_request_context() else nullcontext()
    with outside:
        for lang in current_app.config["LANGUAGES"]:
            with force_locale(lang):
                html = render_template(template, **context)
            socketio.emit(event, {**(payload or {}), "html": html}, to=channel(ideathon_id, lang))


def idea_changed(ideathon, idea, seq: int) -> None:
    """A new, edited or withdrawn idea, with its theme's new count."""
    from ..ideas.services import count_visible

    publish(ideathon.id, "change", "ideas/_idea_change.html", {"seq": seq},
            ideathon=ideathon, idea=idea, count=count_visible(idea.theme_id))


def room_changed(ideathon, seq: int) -> None:
    """The room opened, closed or changed phase: every screen updates its banner and forms."""
    publish(ideathon.id, "change", "rooms/_phase.html", {"seq": seq}, ideathon=ideathon)
