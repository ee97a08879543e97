"""Rules of dot voting. Fair under concurrency: a participant's votes are serialised on their
row (FOR UPDATE on PostgreSQL, the process write lock on SQLite), and the database's unique
slots make over-budget or duplicate votes impossible even if that were bypassed."""
import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..database import write
from ..extensions import db
from ..ideas.models import Idea, IdeaStatus
from ..ideathons.models import Ideathon
from ..ideathons.services import can_moderate
from ..rooms.models import Participant
from .models import PaperTally, Vote
from .tallies import tallies

_CLIENT_ID = re.compile(r"^[A-Za-z0-9-]{8,36}$")
MAX_PAPER_VOTES = 100000


class VoteError(ValueError):
    """A vote was refused; the message is for the person who tried."""

    def __init__(self, message, status: int = 409):
        super().__init__(message)
        self.status = status


def _lock(participant: Participant) -> None:
    """Serialise this participant's votes (PostgreSQL row lock; SQLite is serialised already)."""
    db.session.execute(sa.select(Participant.id).where(Participant.id == participant.id).with_for_update())


def _require_voting(ideathon: Ideathon) -> None:
    db.session.refresh(ideathon)
    if not ideathon.voting:
        raise VoteError(_l("La votación no está abierta en este momento."))


def _votable(ideathon: Ideathon, participant: Participant, idea_id) -> Idea:
    try:
        idea = db.session.get(Idea, int(idea_id))
    except (TypeError, ValueError):
        idea = None
    if idea is None or idea.ideathon_id != ideathon.id or idea.status != IdeaStatus.VISIBLE:
        raise VoteError(_l("Esa idea no se puede votar."), 422)
    if not ideathon.self_votes and idea.participant_id == participant.id:
        raise VoteError(_l("En esta sala no se votan las ideas propias."))
    return idea


def cast_vote(ideathon: Ideathon, participant: Participant, *, idea_id, client_id: str) -> bool:
    """Place one dot on an idea. Returns True if a dot was placed, False if this exact request
    (same client_id) was already counted: a double tap or a retry gets the current state."""
    if participant.ideathon_id != ideathon.id:
        raise VoteError(_l("Usted no participa en esta sala."), 403)
    if not _CLIENT_ID.match(client_id or ""):
        raise VoteError(_l("El formulario está incompleto. Recargue la página e intente de nuevo."), 400)
    try:
        with write():
            _require_voting(ideathon)
            _lock(participant)
            if _by_client_id(participant, client_id) is not None:
                return False
            idea = _votable(ideathon, participant, idea_id)
            mine = db.session.execute(
                sa.select(Vote.slot, Vote.idea_id, Vote.idea_slot).where(Vote.participant_id == participant.id)
            ).all()
            if len(mine) >= ideathon.dot_budget:
                raise VoteError(_l("Ya usó todos sus puntos. Puede quitar uno para ponerlo en otra idea."))
            on_idea = [row.idea_slot for row in mine if row.idea_id == idea.id]
            if len(on_idea) >= ideathon.max_dots_per_idea:
                raise VoteError(ngettext_max(ideathon.max_dots_per_idea))
            slot = min(set(range(1, ideathon.dot_budget + 1)) - {row.slot for row in mine})
            idea_slot = min(set(range(1, ideathon.max_dots_per_idea + 1)) - set(on_idea))
            db.session.add(Vote(ideathon_id=ideathon.id, idea_id=idea.id, participant_id=participant.id,
                                slot=slot, idea_slot=idea_slot, client_id=client_id))
    except IntegrityError:
        # A parallel request of the same participant took the slot first: the state is what it is.
        return False
    tallies.touch(ideathon.id, int(idea_id))
    return True


def ngettext_max(n: int):
    if n == 1:
        return _l("Ya puso su punto en esta idea. Quítelo para ponerlo en otra.")
    return _l("Ya puso en esta idea el máximo de %(n)s puntos.", n=n)


def withdraw_vote(ideathon: Ideathon, participant: Participant, *, idea_id) -> None:
    """Take back one of my dots from an idea while voting is open."""
    if participant.ideathon_id != ideathon.id:
        raise VoteError(_l("Usted no participa en esta sala."), 403)
    with write():
        _require_voting(ideathon)
        _lock(participant)
        try:
            idea_id = int(idea_id)
        except (TypeError, ValueError):
            raise VoteError(_l("Esa idea no se puede votar."), 422) from None
        vote = db.session.scalar(
            sa.select(Vote).where(Vote.participant_id == participant.id, Vote.idea_id == idea_id)
            .order_by(Vote.idea_slot.desc()).limit(1)
        )
        if vote is None:
            raise VoteError(_l("No tiene puntos en esta idea."))
        db.session.delete(vote)
    tallies.touch(ideathon.id, idea_id)


def record_paper_tally(ideathon: Ideathon, *, idea_id, votes, actor: User) -> PaperTally:
    """A moderator enters the dots counted on a paper wall for one idea (replaces the last entry)."""
    if not can_moderate(actor, ideathon):
        raise VoteError(_l("Solo quienes moderan esta ideatón pueden hacer esto."), 403)
    try:
        votes = int(votes)
    except (TypeError, ValueError):
        raise VoteError(_l("Escriba el número de puntos contados en papel."), 422) from None
    if not 0 <= votes <= MAX_PAPER_VOTES:
        raise VoteError(_l("El número de puntos debe estar entre 0 y %(n)s.", n=MAX_PAPER_VOTES), 422)
    with write():
        db.session.refresh(ideathon)
        if not ideathon.voting:
            raise VoteError(_l("Los conteos en papel se registran durante la votación."))
        idea = db.session.get(Idea, int(idea_id)) if str(idea_id).isdigit() else None
        if idea is None or idea.ideathon_id != ideathon.id or idea.status != IdeaStatus.VISIBLE:
            raise VoteError(_l("Esa idea no se puede votar."), 422)
        tally = PaperTally(idea_id=idea.id, votes=votes, entered_by_id=actor.id)
        db.session.add(tally)
    tallies.touch(ideathon.id, idea.id)
    return tally


def _by_client_id(participant: Participant, client_id: str) -> Vote | None:
    return db.session.scalar(
        sa.select(Vote).where(Vote.participant_id == participant.id, Vote.client_id == client_id)
    )


def my_votes(participant: Participant | None) -> dict[int, int]:
    """My dots per idea (for my own page and responses only, never for broadcasts)."""
    if participant is None:
        return {}
    rows = db.session.execute(
        sa.select(Vote.idea_id, sa.func.count(Vote.id)).where(Vote.participant_id == participant.id)
        .group_by(Vote.idea_id)
    )
    return {idea_id: n for idea_id, n in rows}


def dots_left(ideathon: Ideathon, participant: Participant | None) -> int:
    return max(0, ideathon.dot_budget - sum(my_votes(participant).values())) if participant else 0


def paper_votes(ideathon: Ideathon) -> dict[int, int]:
    """Each idea's latest paper tally."""
    latest = (
        sa.select(PaperTally.idea_id, sa.func.max(PaperTally.id).label("last"))
        .join(Idea, Idea.id == PaperTally.idea_id).where(Idea.ideathon_id == ideathon.id)
        .group_by(PaperTally.idea_id).subquery()
    )
    rows = db.session.execute(sa.select(PaperTally.idea_id, PaperTally.votes).join(latest, PaperTally.id == latest.c.last))
    return {idea_id: votes for idea_id, votes in rows}


def vote_counts(ideathon: Ideathon, idea_ids=None) -> dict[int, int]:
    """Total dots per idea: phones plus paper. Callers must respect `ideathon.counts_visible`."""
    query = sa.select(Vote.idea_id, sa.func.count(Vote.id)).where(Vote.ideathon_id == ideathon.id)
    if idea_ids is not None:
        query = query.where(Vote.idea_id.in_(list(idea_ids)))
    counts = {idea_id: n for idea_id, n in db.session.execute(query.group_by(Vote.idea_id))}
    for idea_id, votes in paper_votes(ideathon).items():
        if idea_ids is None or idea_id in idea_ids:
            counts[idea_id] = counts.get(idea_id, 0) + votes
    return counts


def ranking(ideathon: Ideathon, limit: int = 10) -> list[tuple[Idea, int]]:
    """The most voted visible ideas, best first (ties: older first)."""
    counts = vote_counts(ideathon)
    ideas = db.session.scalars(
        sa.select(Idea).where(Idea.ideathon_id == ideathon.id, Idea.status == IdeaStatus.VISIBLE)
    ).all()
    ranked = sorted(ideas, key=lambda idea: (-counts.get(idea.id, 0), idea.id))
    return [(idea, counts.get(idea.id, 0)) for idea in ranked[:limit]]


def count_votes(ideathon: Ideathon) -> int:
    return db.session.scalar(sa.select(sa.func.count(Vote.id)).where(Vote.ideathon_id == ideathon.id))
