"""Rules for ideas: posting (idempotent), editing and withdrawing one's own, while the room collects."""
import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..database import utcnow, write
from ..extensions import db
from ..ideathons.models import Ideathon, Theme
from ..ideathons.services import theme_of
from ..moderation.flags import flags_in
from ..refusals import Refusal
from ..rooms import broadcasts
from ..rooms.models import Participant
from ..rooms.services import next_sequence
from .models import MAX_IDEA_LENGTH, Idea, IdeaStatus

_CLIENT_ID = re.compile(r"^[A-Za-z0-9-]{8,36}$")


class IdeaError(Refusal):
    """An idea was refused; the message is for the person who tried."""


def _checked_text(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise IdeaError(_l("Escriba su idea antes de enviarla."))
    if len(text) > MAX_IDEA_LENGTH:
        raise IdeaError(_l("Su idea tiene %(n)s caracteres; el máximo es %(max)s. Acórtela un poco.",
                           n=len(text), max=MAX_IDEA_LENGTH))
    return text


def _require_collecting(ideathon: Ideathon) -> None:
    if not ideathon.collecting_ideas:
        raise IdeaError(_l("En este momento la sala no recibe ideas."), 409)


def post_idea(ideathon: Ideathon, participant: Participant, *, theme_id, text: str, client_id: str) -> tuple[Idea, bool]:
    """Store a participant's idea in a theme and broadcast it to the room.

    Idempotent: the same `client_id` from the same participant (a retry, a double tap) returns
    the idea stored the first time, with `created` False, and broadcasts nothing.
    """
    text = _checked_text(text)
    if not _CLIENT_ID.match(client_id or ""):
        raise IdeaError(_l("El formulario está incompleto. Recargue la página e intente de nuevo."), 400)
    if participant.ideathon_id != ideathon.id:
        raise IdeaError(_l("Usted no participa en esta sala."), 403)
    existing = _by_client_id(participant, client_id)
    if existing is not None:
        return existing, False
    try:
        with write():
            _require_collecting(ideathon)
            _require_not_muted(participant)
            theme = _theme_of(ideathon, theme_id)
            existing = _by_client_id(participant, client_id)
            if existing is not None:
                return existing, False
            # Pre-moderation: it waits for a moderator; its author sees it as "waiting for review".
            status = IdeaStatus.PENDING if ideathon.premoderation else IdeaStatus.VISIBLE
            idea = Idea(ideathon_id=ideathon.id, theme_id=theme.id, participant_id=participant.id,
                        client_id=client_id, text=text, status=status.value, flagged_words=flags_in(text))
            db.session.add(idea)
            db.session.flush()
            seq = next_sequence(ideathon)
    except IntegrityError:
        # The same post won a race in another process: answer with what it stored.
        existing = _by_client_id(participant, client_id)
        if existing is None:
            raise
        return existing, False
    broadcasts.idea_changed(ideathon, idea, seq)
    return idea, True


def edit_idea(idea: Idea, participant: Participant, *, text: str) -> Idea:
    """The author rewrites their own idea while the room collects ideas."""
    text = _checked_text(text)
    with write():
        _require_own_visible(_locked(idea), participant)
        _require_collecting(idea_ideathon := db.session.get(Ideathon, idea.ideathon_id))
        if idea.text == text:
            return idea
        idea.text = text
        idea.edited_at = utcnow()
        idea.flagged_words = flags_in(text)
        seq = next_sequence(idea_ideathon)
    broadcasts.idea_changed(idea_ideathon, idea, seq)
    return idea


def withdraw_idea(idea: Idea, participant: Participant) -> Idea:
    """The author takes their own idea off the board while the room collects ideas."""
    with write():
        _require_own_visible(_locked(idea), participant)
        ideathon = db.session.get(Ideathon, idea.ideathon_id)
        _require_collecting(ideathon)
        idea.status = IdeaStatus.WITHDRAWN.value
        seq = next_sequence(ideathon)
    broadcasts.idea_changed(ideathon, idea, seq)
    return idea


def post_paper_idea(ideathon: Ideathon, *, theme_id, text: str, actor) -> Idea:
    """A moderator types in an idea written on paper in the hall (marked as such), so people
    without phones are on the board too."""
    import uuid

    from ..ideathons.services import can_moderate

    if not can_moderate(actor, ideathon):
        raise IdeaError(_l("Solo quienes moderan esta ideatón pueden hacer esto."), 403)
    text = _checked_text(text)
    with write():
        db.session.refresh(ideathon)
        if not (ideathon.collecting_ideas or ideathon.voting):
            raise IdeaError(_l("En este momento la sala no recibe ideas."), 409)
        theme = _theme_of(ideathon, theme_id)
        idea = Idea(ideathon_id=ideathon.id, theme_id=theme.id, participant_id=None, client_id=str(uuid.uuid4()),
                    text=text, from_paper=True, entered_by_id=actor.id, flagged_words=flags_in(text))
        db.session.add(idea)
        db.session.flush()
        seq = next_sequence(ideathon)
    broadcasts.idea_changed(ideathon, idea, seq)
    return idea


def _locked(idea: Idea) -> Idea:
    """Lock the idea and re-read it: a moderator may have hidden, merged or edited it meanwhile."""
    db.session.execute(sa.select(Idea).where(Idea.id == idea.id).with_for_update()
                       .execution_options(populate_existing=True))
    return idea


def _require_own_visible(idea: Idea, participant: Participant) -> None:
    if idea.participant_id != participant.id:
        raise IdeaError(_l("Solo puede cambiar sus propias ideas."), 403)
    if idea.status == IdeaStatus.HIDDEN:
        raise IdeaError(_l("La moderación ocultó esta idea: ya no se puede cambiar."), 409)
    if idea.status == IdeaStatus.MERGED:
        raise IdeaError(_l("La moderación unió esta idea con otras parecidas: ya no se puede cambiar."), 409)
    if idea.status not in (IdeaStatus.VISIBLE, IdeaStatus.PENDING):
        raise IdeaError(_l("Esa idea ya fue retirada."), 409)


def _require_not_muted(participant: Participant) -> None:
    muted = db.session.scalar(sa.select(Participant.muted_at).where(Participant.id == participant.id))
    if muted is not None:
        raise IdeaError(_l("La moderación pausó sus publicaciones en esta sala: puede seguir leyendo el tablero y "
                           "votar cuando llegue la votación. Si cree que es un error, hable con quien modera."), 403)


def _theme_of(ideathon: Ideathon, theme_id) -> Theme:
    theme = theme_of(ideathon, theme_id)
    if theme is None:
        raise IdeaError(_l("Ese tema no existe en esta sala. Elija uno de la lista."))
    return theme


def _by_client_id(participant: Participant, client_id: str) -> Idea | None:
    return db.session.scalar(
        sa.select(Idea).where(Idea.participant_id == participant.id, Idea.client_id == client_id)
    )


def get_idea(ideathon: Ideathon, idea_id: int) -> Idea | None:
    idea = db.session.get(Idea, idea_id)
    return idea if idea and idea.ideathon_id == ideathon.id else None


def idea_for_card(idea_id) -> Idea | None:
    """An idea with what its card shows (its author), in one query; None for a bad or unknown id."""
    try:
        idea_id = int(idea_id)
    except (TypeError, ValueError):
        return None
    return db.session.scalar(sa.select(Idea).options(joinedload(Idea.participant)).where(Idea.id == idea_id))


def visible_ideas_by_theme(ideathon: Ideathon, viewer: Participant | None = None,
                           staff: bool = True) -> dict[int, list[Idea]]:
    """Every theme's visible ideas, newest first: what the board shows to this viewer.

    During silent brainstorming a participant sees only their own ideas.
    """
    mine = Idea.participant_id == (viewer.id if viewer else -1)
    shown = Idea.status == IdeaStatus.VISIBLE.value
    if ideathon.ideas_are_private and not staff:
        shown = sa.and_(shown, mine)
    # My own ideas waiting for review (pre-moderation), or taken off the board by the moderators
    # (rejected, hidden: with their reason), are on my board, marked as such; nobody else's.
    query = sa.select(Idea).where(Idea.ideathon_id == ideathon.id, sa.or_(
        shown, sa.and_(mine, Idea.status.in_((IdeaStatus.PENDING.value, IdeaStatus.HIDDEN.value)))))
    rows = db.session.scalars(
        query
        .options(sa.orm.selectinload(Idea.participant), sa.orm.selectinload(Idea.sources))
        .order_by(Idea.pinned.desc(), Idea.created_at.desc(), Idea.id.desc())
    )
    grouped: dict[int, list[Idea]] = {theme.id: [] for theme in ideathon.themes}
    for idea in rows:
        grouped.setdefault(idea.theme_id, []).append(idea)
    return grouped


def participants_seeing_own_ideas(ideathon: Ideathon) -> list[Participant]:
    """Whose board shows ideas the room's does not: authors of ideas waiting for review or taken
    off the board and,
    during silent brainstorming, every author (rooms.broadcasts.room_changed sends them theirs)."""
    own = Idea.status.in_((IdeaStatus.PENDING.value, IdeaStatus.HIDDEN.value))
    if ideathon.ideas_are_private:
        own = sa.or_(own, Idea.status == IdeaStatus.VISIBLE.value)
    authors = sa.select(Idea.participant_id).where(Idea.ideathon_id == ideathon.id, own)
    return list(db.session.scalars(sa.select(Participant).where(Participant.id.in_(authors)).order_by(Participant.id)))


def count_visible(theme_id: int) -> int:
    return theme_counts({theme_id})[theme_id]


def theme_counts(theme_ids) -> dict[int, int]:
    """Visible ideas per theme, for these themes (0 for an empty one)."""
    theme_ids = set(theme_ids)
    rows = db.session.execute(
        sa.select(Idea.theme_id, sa.func.count(Idea.id))
        .where(Idea.theme_id.in_(theme_ids), Idea.status == IdeaStatus.VISIBLE.value).group_by(Idea.theme_id))
    return {theme_id: 0 for theme_id in theme_ids} | dict(rows.all())


def count_hidden(ideathon_id: int) -> int:
    """How many of a room's ideas the moderation has hidden (the console's "Ideas ocultadas")."""
    return db.session.scalar(sa.select(sa.func.count(Idea.id)).where(
        Idea.ideathon_id == ideathon_id, Idea.status == IdeaStatus.HIDDEN.value))


def idea_ids_of(participant: Participant | None) -> set[int]:
    if participant is None:
        return set()
    return set(db.session.scalars(sa.select(Idea.id).where(Idea.participant_id == participant.id)))
