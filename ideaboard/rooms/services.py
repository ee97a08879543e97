"""Rules of the live room: opening it, its phases, timer and settings, and admitting people
(by room code or by join card). Each change the room must hear about records a `room_changed`
event with the room's next sequence number (rooms/sequence.py)."""
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from .. import events
from ..accounts.models import User
from ..database import utcnow, write
from ..extensions import db
from ..ideathons.models import PHASE_TRANSITIONS, Ideathon, RoomPhase
from ..policies import can_moderate
from ..refusals import Refusal
from .codes import generate_code, normalise_code
from .models import GENDER_LABELS, AgeBand, JoinCard, Participant, ParticipationSurvey, PhaseChange
from .sequence import next_sequence

MAX_NICKNAME = 40
MAX_COMMUNITY = 80


class RoomError(Refusal):
    """The room refused; the message is for the person who tried."""


def _require_moderator(ideathon: Ideathon, actor: User) -> None:
    if not can_moderate(actor, ideathon):
        raise RoomError(_l("Solo quienes moderan esta ideatón pueden hacer esto."), 403)


def open_room(ideathon: Ideathon, *, actor: User) -> Ideathon:
    """Give the ideathon its room code: from now on people may join. Idempotent.

    The room starts in preparation (people join while the facilitator explains); the
    moderator then moves it through its phases with `change_phase`.
    """
    _require_moderator(ideathon, actor)
    with write():
        if ideathon.is_cancelled:
            raise RoomError(_l("Esta ideatón fue cancelada: su sala no se puede abrir."))
        if ideathon.phase == RoomPhase.CLOSED:
            raise RoomError(_l("La sala de esta ideatón ya se cerró."))
        if ideathon.room_code is not None:
            return ideathon
        code = generate_code()
        while db.session.scalar(sa.select(Ideathon.id).where(Ideathon.room_code == code)):
            code = generate_code()
        ideathon.room_code = code
        ideathon.room_opened_at = utcnow()
        seq = next_sequence(ideathon)
        events.record(events.room_changed, ideathon=ideathon, seq=seq)
    return ideathon


def change_phase(ideathon: Ideathon, to: RoomPhase | str, *, actor: User) -> Ideathon:
    """Move the room to its next phase, if the state machine allows it; record who and when.

    Every phone and the projector change at once, from one broadcast to the room.
    Ending a phase also ends its countdown.
    """
    _require_moderator(ideathon, actor)
    try:
        to = RoomPhase(to)
    except ValueError:
        raise RoomError(_l("Esa fase no existe.")) from None
    with write():
        db.session.refresh(ideathon)
        current = ideathon.phase_enum
        if ideathon.is_cancelled or to not in PHASE_TRANSITIONS[current]:
            raise RoomError(_l("No se puede pasar de «%(current)s» a «%(to)s».",
                               current=current.label, to=to.label))
        if ideathon.room_code is None and to is not RoomPhase.CLOSED:
            raise RoomError(_l("Primero abra la sala para que la gente pueda entrar."))
        cards_before = _cards_show(ideathon)
        ideathon.phase = to.value
        ideathon.timer_ends_at = None
        if to is RoomPhase.VOTING:
            ideathon.ideas_revealed = True  # everyone votes on every idea
        db.session.add(PhaseChange(ideathon_id=ideathon.id, from_phase=current.value, to_phase=to.value,
                                   actor_id=actor.id))
        seq = next_sequence(ideathon)
        events.record(events.room_changed, ideathon=ideathon, seq=seq, phase=True,
                      ideas=_cards_show(ideathon) != cards_before)
    return ideathon


def _cards_show(ideathon: Ideathon) -> tuple[bool, bool]:
    """What the room's idea cards show besides what the phase shows or hides (ideas/_idea_card.html):
    when it changes, the room's broadcast carries every idea list again."""
    return ideathon.ideas_are_private, ideathon.counts_visible


def close_room(ideathon: Ideathon, *, actor: User) -> Ideathon:
    """End the live room: its code stops admitting people and the board becomes read-only."""
    if ideathon.phase == RoomPhase.CLOSED:
        raise RoomError(_l("La sala ya estaba cerrada."))
    return change_phase(ideathon, RoomPhase.CLOSED, actor=actor)


MAX_TIMER_MINUTES = 180


def set_timer(ideathon: Ideathon, *, minutes, actor: User, extend: bool = False) -> Ideathon:
    """Start (or extend) the countdown of the current phase: one end time, kept by the server."""
    _require_moderator(ideathon, actor)
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = 0
    if not 1 <= minutes <= MAX_TIMER_MINUTES:
        raise RoomError(_l("Indique entre 1 y %(n)s minutos.", n=MAX_TIMER_MINUTES))
    with write():
        db.session.refresh(ideathon)
        if not ideathon.room_is_open:
            raise RoomError(_l("La sala no está abierta."))
        now = utcnow()
        start = ideathon.timer_ends_at if extend and ideathon.timer_ends_at and ideathon.timer_ends_at > now else now
        ideathon.timer_ends_at = start + timedelta(minutes=minutes)
        seq = next_sequence(ideathon)
        events.record(events.room_changed, ideathon=ideathon, seq=seq)
    return ideathon


def clear_timer(ideathon: Ideathon, *, actor: User) -> Ideathon:
    _require_moderator(ideathon, actor)
    with write():
        ideathon.timer_ends_at = None
        seq = next_sequence(ideathon)
        events.record(events.room_changed, ideathon=ideathon, seq=seq)
    return ideathon


def update_settings(ideathon: Ideathon, *, actor: User, silent_ideas: bool, hidden_counts: bool,
                    dot_budget, max_dots_per_idea, self_votes: bool, cards_only: bool,
                    premoderation: bool = False) -> Ideathon:
    """Change how the room works. Voting rules are fixed once voting has started."""
    _require_moderator(ideathon, actor)
    try:
        dot_budget, max_dots_per_idea = int(dot_budget), int(max_dots_per_idea)
    except (TypeError, ValueError):
        raise RoomError(_l("Los puntos deben ser números enteros.")) from None
    if not 1 <= dot_budget <= 10:
        raise RoomError(_l("Cada participante tiene entre 1 y 10 puntos."))
    if not 1 <= max_dots_per_idea <= dot_budget:
        raise RoomError(_l("Los puntos por idea van de 1 al total de puntos de cada participante."))
    with write():
        db.session.refresh(ideathon)
        if ideathon.phase in (RoomPhase.VOTING, RoomPhase.CLOSED):
            rules = (ideathon.dot_budget, ideathon.max_dots_per_idea, ideathon.self_votes, ideathon.hidden_counts)
            if rules != (dot_budget, max_dots_per_idea, bool(self_votes), bool(hidden_counts)):
                raise RoomError(_l("Las reglas de la votación no se cambian una vez empezada."))
        cards_before = _cards_show(ideathon)
        if silent_ideas and not ideathon.silent_ideas:
            ideathon.ideas_revealed = False
        ideathon.silent_ideas = bool(silent_ideas)
        ideathon.hidden_counts = bool(hidden_counts)
        ideathon.dot_budget = dot_budget
        ideathon.max_dots_per_idea = max_dots_per_idea
        ideathon.self_votes = bool(self_votes)
        ideathon.cards_only = bool(cards_only)
        ideathon.premoderation = bool(premoderation)
        seq = next_sequence(ideathon)
        events.record(events.room_changed, ideathon=ideathon, seq=seq, ideas=_cards_show(ideathon) != cards_before)
    return ideathon


def reveal_ideas(ideathon: Ideathon, *, actor: User) -> Ideathon:
    """End silent brainstorming: everyone now sees everyone's ideas."""
    _require_moderator(ideathon, actor)
    with write():
        ideathon.ideas_revealed = True
        seq = next_sequence(ideathon)
        events.record(events.room_changed, ideathon=ideathon, seq=seq, ideas=True)
    return ideathon


def find_room(code_text: str) -> Ideathon:
    """The open room with this code, or RoomError: unknown (404), no longer open (410), or
    admitting only join cards (403)."""
    code = normalise_code(code_text)
    ideathon = db.session.scalar(sa.select(Ideathon).where(Ideathon.room_code == code)) if code else None
    if ideathon is None:
        raise RoomError(_l("No encontramos una sala con ese código. Revíselo e intente de nuevo."), 404)
    if not ideathon.room_is_open:
        raise RoomError(_l("Esta sala ya cerró: su código ya no sirve para entrar."), 410)
    if ideathon.cards_only:
        raise RoomError(_l("Esta sala solo admite tarjetas de entrada. Pida la suya en la mesa de registro."), 403)
    return ideathon


def find_card(code_text: str) -> JoinCard:
    """The unused, valid join card with this code, in an open room, or RoomError."""
    code = normalise_code(code_text, length=CARD_CODE_LENGTH)
    card = db.session.scalar(sa.select(JoinCard).where(JoinCard.code == code)) if code else None
    if card is None:
        raise RoomError(_l("No encontramos esa tarjeta. Revise el código e intente de nuevo."), 404)
    if card.is_revoked:
        raise RoomError(_l("Esta tarjeta fue anulada. Pida otra en la mesa de registro."), 410)
    ideathon = db.session.get(Ideathon, card.ideathon_id)
    if not ideathon.room_is_open:
        raise RoomError(_l("Esta sala ya cerró: su código ya no sirve para entrar."), 410)
    return card


def code_admits(code_text: str) -> bool:
    """Whether this code (a room's, or a join card's longer one) would let someone in now."""
    try:
        if normalise_code(code_text, length=CARD_CODE_LENGTH):
            find_card(code_text)
        else:
            find_room(code_text)
    except RoomError:
        return False
    return True


def join_room(ideathon: Ideathon, *, nickname: str = "", survey: dict | None = None,
              card: JoinCard | None = None) -> Participant:
    """Admit a person to an open room: a participant with an optional nickname.

    With a join card, the card is spent on this participant (a card admits exactly one); a
    room set to "cards only" admits no one without one. The optional evaluation answers are
    stored apart, unlinked to the participant.
    """
    nickname = " ".join((nickname or "").split())
    if len(nickname) > MAX_NICKNAME:
        raise RoomError(_l("El apodo puede tener como máximo %(n)s caracteres.", n=MAX_NICKNAME))
    answers = _checked_survey(survey or {})
    with write():
        db.session.refresh(ideathon)
        if not ideathon.room_is_open:
            raise RoomError(_l("Esta sala ya cerró: su código ya no sirve para entrar."), 410)
        if card is None and ideathon.cards_only:
            raise RoomError(_l("Esta sala solo admite tarjetas de entrada. Pida la suya en la mesa de registro."), 403)
        if card is not None:
            card = db.session.scalar(sa.select(JoinCard).where(JoinCard.id == card.id).with_for_update())
            if card.ideathon_id != ideathon.id or card.is_revoked or card.is_used:
                raise RoomError(_l("Esta tarjeta ya se usó o fue anulada. Pida otra en la mesa de registro."), 409)
        participant = Participant(ideathon_id=ideathon.id, nickname=nickname)
        db.session.add(participant)
        db.session.flush()
        if card is not None:
            card.participant_id = participant.id
        if any(value not in (None, "") for value in answers.values()):
            db.session.add(ParticipationSurvey(ideathon_id=ideathon.id, **answers))
    return participant


MAX_CARDS_AT_ONCE = 500
CARD_CODE_LENGTH = 8


def create_cards(ideathon: Ideathon, count, *, actor: User) -> list[JoinCard]:
    """Make `count` new join cards for the ideathon, numbered after the existing ones."""
    _require_moderator(ideathon, actor)
    try:
        count = int(count)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= MAX_CARDS_AT_ONCE:
        raise RoomError(_l("Indique cuántas tarjetas: de 1 a %(n)s.", n=MAX_CARDS_AT_ONCE))
    with write():
        if ideathon.is_cancelled or ideathon.phase == RoomPhase.CLOSED:
            raise RoomError(_l("Esta ideatón ya no admite participantes."))
        last = db.session.scalar(sa.select(sa.func.max(JoinCard.number)).where(JoinCard.ideathon_id == ideathon.id)) or 0
        taken = set(db.session.scalars(sa.select(JoinCard.code)))
        cards = []
        for number in range(last + 1, last + count + 1):
            code = generate_code(CARD_CODE_LENGTH)
            while code in taken:
                code = generate_code(CARD_CODE_LENGTH)
            taken.add(code)
            cards.append(JoinCard(ideathon_id=ideathon.id, code=code, number=number))
        db.session.add_all(cards)
    return cards


def revoke_card(card: JoinCard, *, actor: User) -> JoinCard:
    """Annul a join card: it admits no one, and if it was used, its participant can no longer act."""
    ideathon = db.session.get(Ideathon, card.ideathon_id)
    _require_moderator(ideathon, actor)
    with write():
        if card.is_revoked:
            raise RoomError(_l("Esa tarjeta ya estaba anulada."))
        card.revoked_at = utcnow()
    return card


def cards_of(ideathon: Ideathon) -> list[JoinCard]:
    return list(db.session.scalars(sa.select(JoinCard).where(JoinCard.ideathon_id == ideathon.id).order_by(JoinCard.number)))


def phase_history(ideathon: Ideathon) -> list[PhaseChange]:
    return list(db.session.scalars(
        sa.select(PhaseChange).where(PhaseChange.ideathon_id == ideathon.id).order_by(PhaseChange.at, PhaseChange.id)
    ))


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


def participant_by_token(ideathon_id: int, token: str | None) -> Participant | None:
    """The participant behind a cookie's token in a room, with the room and their join card in
    the same query; None if their card was annulled."""
    if not token:
        return None
    participant = db.session.scalar(
        sa.select(Participant).options(joinedload(Participant.card), joinedload(Participant.ideathon))
        .where(Participant.token == token, Participant.ideathon_id == ideathon_id)
    )
    if participant is not None and participant.card is not None and participant.card.is_revoked:
        return None
    return participant


def card_annulled(ideathon_id: int, token: str | None) -> bool:
    """The participant behind this token joined with a join card that was annulled since."""
    if not token:
        return False
    return db.session.scalar(
        sa.select(JoinCard.revoked_at.is_not(None)).join(Participant, JoinCard.participant_id == Participant.id)
        .where(Participant.token == token, Participant.ideathon_id == ideathon_id)
    ) is True


def count_participants(ideathon: Ideathon) -> int:
    return db.session.scalar(sa.select(sa.func.count(Participant.id)).where(Participant.ideathon_id == ideathon.id))
