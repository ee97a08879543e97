"""Reading ideas: what a board shows to whom, and the counts the room and its moderators see.
Read-only, so that services, views and the broadcaster alike may use them."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..database import row_id
from ..extensions import db
from ..ideathons.models import Ideathon
from ..rooms.models import Participant
from .models import Idea, IdeaStatus


def get_idea(ideathon: Ideathon, idea_id: int) -> Idea | None:
    idea = db.session.get(Idea, idea_id)
    return idea if idea and idea.ideathon_id == ideathon.id else None


def idea_for_card(idea_id) -> Idea | None:
    """An idea with what its card shows (its author), in one query; None for a bad or unknown id."""
    idea_id = row_id(idea_id)
    if idea_id is None:
        return None
    return db.session.scalar(sa.select(Idea).options(joinedload(Idea.participant), sa.orm.selectinload(Idea.translations))
                             .where(Idea.id == idea_id))


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
        # The moderation's translations too: a card may show one (rendering.shown_translation).
        .options(sa.orm.selectinload(Idea.participant), sa.orm.selectinload(Idea.sources),
                 sa.orm.selectinload(Idea.translations))
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
