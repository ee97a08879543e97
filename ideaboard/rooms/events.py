"""Socket.IO handlers of the live room. Clients only listen (every change goes over HTTP), and
ask one thing: where the room stands, when they (re)connect.

A connection must name its room in the `auth` payload ({"room": <ideathon id>}) and be admitted
to it: a participant cookie of that room, or a logged-in moderator of that ideathon.
Anything else is refused at `connect`.
"""
import sqlalchemy as sa
from flask import current_app, request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room

from ..extensions import db, socketio
from ..i18n import current_language
from ..ideathons.models import Ideathon
from ..policies import can_moderate
from .admission import current_participant
from .broadcasts import channel
from .languages_in_use import languages_in_use, redis_client
from .presence import presence, run_flusher
from ..websocket_close import log


SCREENS = ("board", "projector")


def _room_id(auth) -> int:
    if not isinstance(auth, dict) or set(auth) - {"room", "screen"}:
        raise ConnectionRefusedError("bad auth payload")
    room = auth.get("room")
    if not isinstance(room, int) or isinstance(room, bool) or not 0 < room < 2**31:
        raise ConnectionRefusedError("bad room")
    if auth.get("screen", "board") not in SCREENS:
        raise ConnectionRefusedError("bad screen")
    return room


@socketio.on("connect")
def on_connect(auth=None):
    """Admit the connection to its room's channel in the viewer's language, or refuse it."""
    room = _room_id(auth)
    ideathon = db.session.get(Ideathon, room)
    if ideathon is None:
        raise ConnectionRefusedError("unknown room")
    participant = current_participant(ideathon)
    if participant is None and not (current_user.is_authenticated and can_moderate(current_user, ideathon)):
        raise ConnectionRefusedError("not admitted")
    lang = current_language()
    join_room(channel(room, lang))
    if participant is not None:
        join_room(channel(room, lang, f"p{participant.id}"))
    elif auth.get("screen") != "projector":  # the projector is public: it gets what the room gets
        join_room(channel(room, lang, "staff"))
    else:  # ... and its own part (rooms/_join_panel.html)
        join_room(channel(room, lang, "screen"))
    presence.joined(request.sid, room, participant.id if participant else None, ideathon.room_code)
    languages_in_use.joined(request.sid, room, lang, redis_client())  # its language is rendered from now on
    _ensure_flusher()


@socketio.on("seq")
def on_seq():
    """The room's sequence number, for a screen that has just (re)connected: it re-fetches its
    board only if it missed a change (a thousand phones reconnecting must not mean a thousand
    board renders). Joined to the room before asking, it cannot miss a change made after this."""
    room = presence.room_of(request.sid)
    if room is None:
        return None
    # The first socket of a language new to the room: answered once every process renders that
    # language (rooms/languages_in_use.py), so a change it missed is one this number shows.
    wait = languages_in_use.wait_before_answering(request.sid)
    if wait:
        socketio.sleep(wait)
    return db.session.scalar(sa.select(Ideathon.room_seq).where(Ideathon.id == room))


# Why a socket ended, as python-socketio names it: the browser closed it (a page left, a tab
# closed), or the network did. Both are normal events in a hall: one info line each.
BROWSER_CLOSED = {"client disconnect", "transport close"}


@socketio.on("disconnect")
def on_disconnect(reason=None):
    presence.left(request.sid)
    languages_in_use.left(request.sid, redis_client())
    if reason in BROWSER_CLOSED:
        log.info("socket closed by the browser: %s (%s)", request.sid, reason)
    else:
        log.info("socket ended: %s (%s)", request.sid, reason or "unknown")


_flusher_started = set()


def _ensure_flusher():
    app = current_app._get_current_object()
    if id(app) not in _flusher_started:
        _flusher_started.add(id(app))
        socketio.start_background_task(run_flusher, app)
