"""Rules of the live room: opening and closing it, admitting people, the change sequence."""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..database import utcnow, write
from ..extensions import db
from ..ideathons.models import Ideathon, RoomPhase
from ..ideathons.services import can_moderate
from . import broadcasts
from .codes import generate_code, normalise_code
from .models import AgeBand, GENDER_LABELS, Participant, ParticipationSurvey

MAX_NICKNAME = 40
MAX_COMMUNITY = 80


class RoomError(ValueError):
    """The room refused; the message is for the person who tried."""

    def __init__(self, message, status: int = 422):
        super().__init__(message)
        self.status = status


def _require_moderator(ideathon: Ideathon, actor: User) -> None:
    if not can_moderate(actor, ideathon):
        raise RoomError(_l("Solo quienes moderan esta ideatón pueden hacer esto."), 403)


def open_room(ideathon: Ideathon, *, actor: User) -> Ideathon:
    """Give the ideathon a room code and start collecting ideas. Opening an open room is a no-op."""
    _require_moderator(ideathon, actor)
    with write():
        if ideathon.is_cancelled:
            raise RoomError(_l("Esta ideatón fue cancelada: su sala no se puede abrir."))
        if ideathon.phase == RoomPhase.CLOSED:
            raise RoomError(_l("La sala de esta ideatón ya se cerró."))
        if ideathon.room_code is None:
            code = generate_code()
            while db.session.scalar(sa.select(Ideathon.id).where(Ideathon.room_code == code)):
                code = generate_code()
            ideathon.room_code = code
            ideathon.room_opened_at = utcnow()
        ideathon.phase = RoomPhase.IDEAS.value
        seq = next_sequence(ideathon)
    broadcasts.room_changed(ideathon, seq)
    return ideathon


def close_room(ideathon: Ideathon, *, actor: User) -> Ideathon:
    """End the live room: its code stops admitting people and the board becomes read-only."""
    _require_moderator(ideathon, actor)
    with write():
        if ideathon.phase == RoomPhase.CLOSED:
            raise RoomError(_l("La sala ya estaba cerrada."))
        ideathon.phase = RoomPhase.CLOSED.value
        seq = next_sequence(ideathon)
    broadcasts.room_changed(ideathon, seq)
    return ideathon


def next_sequence(ideathon: Ideathon) -> int:
    """Increment the room's change counter inside the caller's transaction, atomically."""
    seq = db.session.execute(
        sa.update(Ideathon)
        .where(Ideathon.id == ideathon.id)
        .values(room_seq=Ideathon.room_seq + 1)
        .returning(Ideathon.room_seq)
    ).scalar_one()
    ideathon.room_seq = seq
    return seq


def find_room(code_text: str) -> Ideathon:
    """The open room with this code, or RoomError: unknown (404) or no longer open (410)."""
    code = normalise_code(code_text)
    ideathon = db.session.scalar(sa.select(Ideathon).where(Ideathon.room_code == code)) if code else None
    if ideathon is None:
        raise RoomError(_l("No encontramos una sala con ese código. Revíselo e intente de nuevo."), 404)
    if not ideathon.room_is_open:
        raise RoomError(_l("Esta sala ya cerró: su código ya no sirve para entrar."), 410)
    return ideathon


def join_room(ideathon: Ideathon, *, nickname: str = "", survey: dict | None = None) -> Participant:
    """Admit a person to an open room: a participant with an optional nickname.

    The optional evaluation answers are stored apart, unlinked to the participant.
    """
    nickname = " ".join((nickname or "").split())
    if len(nickname) > MAX_NICKNAME:
        raise RoomError(_l("El apodo puede tener como máximo %(n)s caracteres.", n=MAX_NICKNAME))
    answers = _checked_survey(survey or {})
    with write():
        if not ideathon.room_is_open:
            raise RoomError(_l("Esta sala ya cerró: su código ya no sirve para entrar."), 410)
        participant = Participant(ideathon_id=ideathon.id, nickname=nickname)
        db.session.add(participant)
        if any(value not in (None, "") for value in answers.values()):
            db.session.add(ParticipationSurvey(ideathon_id=ideathon.id, **answers))
    return participant


def _checked_survey(survey: dict) -> dict:
    age_band = survey.get("age_band") or None
    gender = survey.get("gender") or None
    community = " ".join((survey.get("community") or "").split())
    first_time = survey.get("first_time")
    if age_band is not None and age_band not in set(AgeBand):
        raise RoomError(_l("Elija una edad de la lista."))
    if gender is not None and gender not in GENDER_LABELS:
        raise RoomError(_l("Elija una opción de la lista."))
    if len(community) > MAX_COMMUNITY:
        raise RoomError(_l("La comunidad o zona puede tener como máximo %(n)s caracteres.", n=MAX_COMMUNITY))
    first = {"yes": True, "no": False, "": None, None: None}
    if first_time not in first:
        raise RoomError(_l("Elija una opción de la lista."))
    return {"age_band": age_band, "gender": gender, "community": community, "first_time": first[first_time]}


def participant_by_token(ideathon: Ideathon, token: str | None) -> Participant | None:
    if not token:
        return None
    return db.session.scalar(
        sa.select(Participant).where(Participant.token == token, Participant.ideathon_id == ideathon.id)
    )


def count_participants(ideathon: Ideathon) -> int:
    return db.session.scalar(sa.select(sa.func.count(Participant.id)).where(Participant.ideathon_id == ideathon.id))
