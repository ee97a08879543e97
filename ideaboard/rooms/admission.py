"""Who is this request in the room? The participant cookie, and the short-lived admission
cookie that carries a valid room code from the QR link to the join form.

Both are signed with the app's secret key; neither holds anything a person typed.
"""
import hashlib

from flask import abort, current_app, request
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..errors import refuse
from ..extensions import db
from ..ideathons.models import Ideathon
from .models import Participant
from .presence import presence
from .services import card_annulled, participant_by_token

# What a phone is told when it may no longer act in the room, or never joined it.
ANNULLED_TITLE = _l("Su tarjeta de entrada fue anulada")
ANNULLED = _l("La moderación anuló la tarjeta con la que entró: desde este teléfono ya no puede publicar ni "
              "votar. Si cree que es un error, pida ayuda en la mesa de registro.")
NOT_IN_ROOM_TITLE = _l("Aún no está en esta sala")
NOT_IN_ROOM = _l("Para participar, escanee el código QR de la sala o escriba el código que aparece en la pantalla "
                 "del salón.")

PARTICIPANT_MAX_AGE = 3 * 24 * 3600  # a workshop day, with room to look back the next days
ADMISSION_MAX_AGE = 3600


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def participant_cookie(ideathon_id: int) -> str:
    return f"ib_room_{ideathon_id}"


def _cookie_token(ideathon_id: int) -> str | None:
    raw = request.cookies.get(participant_cookie(ideathon_id))
    if not raw:
        return None
    try:
        data = _serializer("participant").loads(raw, max_age=PARTICIPANT_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("room") != ideathon_id:
        return None
    return data.get("token")


def current_participant(ideathon: Ideathon) -> Participant | None:
    """The participant this request's cookie names in this room, if any (and seen now: presence)."""
    return _seen(participant_by_token(ideathon.id, _cookie_token(ideathon.id)))


def _seen(participant: Participant | None) -> Participant | None:
    """Every request recognised as a participant's keeps them in the room's head count, with or
    without JavaScript (rooms/presence.py: a write in memory, no I/O)."""
    if participant is not None:
        presence.seen(participant.ideathon_id, participant.id, participant.ideathon.room_code)
    return participant


def room_and_participant(ideathon_id: int):
    """The ideathon of a participant-only route and this request's participant in it (one query):
    404 for an unknown room, 403 for anyone without a participant cookie of that room."""
    token = _cookie_token(ideathon_id)
    participant = _seen(participant_by_token(ideathon_id, token))
    if participant is None:
        if db.session.get(Ideathon, ideathon_id) is None:
            abort(404)
        if card_annulled(ideathon_id, token):
            refuse(403, ANNULLED_TITLE, ANNULLED)
        refuse(403, NOT_IN_ROOM_TITLE, NOT_IN_ROOM)
    return participant.ideathon, participant


def has_annulled_card(ideathon: Ideathon) -> bool:
    """This browser joined the room with a join card that was annulled since."""
    return card_annulled(ideathon.id, _cookie_token(ideathon.id))


def participant_rate_key() -> str:
    """Rate-limit key for a participant's actions: their cookie, not their address (a hall's
    phones often share one public address)."""
    from flask_limiter.util import get_remote_address

    ideathon_id = (request.view_args or {}).get("ideathon_id")
    raw = request.cookies.get(participant_cookie(ideathon_id)) if ideathon_id else None
    if not raw:
        return get_remote_address()
    return f"participant:{ideathon_id}:{hashlib.sha256(raw.encode()).hexdigest()[:24]}"


def remember_participant(response, participant: Participant):
    value = _serializer("participant").dumps({"room": participant.ideathon_id, "token": participant.token})
    _set_cookie(response, participant_cookie(participant.ideathon_id), value, PARTICIPANT_MAX_AGE)
    response.delete_cookie("ib_admission")
    return response


def admit(response, ideathon: Ideathon, card_id: int | None = None):
    """Remember, for an hour, that this browser presented a valid code (or join card) for this room."""
    value = _serializer("admission").dumps({"room": ideathon.id, "card": card_id})
    _set_cookie(response, "ib_admission", value, ADMISSION_MAX_AGE)
    return response


def admission(ideathon: Ideathon) -> dict | None:
    """The admission this browser holds for this room ({"room", "card"}), or None."""
    raw = request.cookies.get("ib_admission")
    if not raw:
        return None
    try:
        data = _serializer("admission").loads(raw, max_age=ADMISSION_MAX_AGE)
    except BadSignature:
        return None
    return data if isinstance(data, dict) and data.get("room") == ideathon.id else None


def _set_cookie(response, name, value, max_age):
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
