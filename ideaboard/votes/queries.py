"""Reading votes: a participant's dots, the counts per idea (phones plus paper) and the ranking.
Read-only, so that services, views and the broadcaster alike may use them. Callers respect
`ideathon.counts_visible` before showing a count to the room."""
import sqlalchemy as sa

from ..extensions import db
from ..ideas.models import Idea, IdeaStatus
from ..ideathons.models import Ideathon
from ..rooms.models import Participant
from .models import PaperTally, Vote


def my_votes(participant: Participant | None) -> dict[int, int]:
    """My dots per idea (for my own page and responses only, never for broadcasts)."""
    return {} if participant is None else my_votes_of(participant.id)


def my_votes_of(participant_id: int) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(Vote.idea_id, sa.func.count(Vote.id)).where(Vote.participant_id == participant_id)
        .group_by(Vote.idea_id)
    )
    return {idea_id: n for idea_id, n in rows}


def dots_left(ideathon: Ideathon, participant: Participant | None, mine: dict[int, int] | None = None) -> int:
    if participant is None:
        return 0
    return max(0, ideathon.dot_budget - sum((my_votes(participant) if mine is None else mine).values()))


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


def ranking(ideathon: Ideathon, limit: int = 10, counts: dict[int, int] | None = None,
            ideas: list[Idea] | None = None) -> list[tuple[Idea, int]]:
    """The most voted visible ideas, best first (ties: older first). `counts`: if already read;
    `ideas`: the room's visible ideas, if already read (all of them: the ranking is the room's)."""
    counts = vote_counts(ideathon) if counts is None else counts
    if ideas is None:
        ideas = db.session.scalars(
            sa.select(Idea).where(Idea.ideathon_id == ideathon.id, Idea.status == IdeaStatus.VISIBLE)
        ).all()
    ranked = sorted(ideas, key=lambda idea: (-counts.get(idea.id, 0), idea.id))
    return [(idea, counts.get(idea.id, 0)) for idea in ranked[:limit]]


def count_votes(ideathon: Ideathon) -> int:
    return db.session.scalar(sa.select(sa.func.count(Vote.id)).where(Vote.ideathon_id == ideathon.id))
