from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db


class Vote(db.Model):
    """One dot a participant placed on an idea.

    Fairness is kept by the database, whatever the concurrency: a participant's dots occupy
    numbered slots (1..budget, unique per participant), and their dots on one idea occupy
    numbered idea slots (1..max per idea, unique per participant and idea). A burst of parallel
    requests can therefore never exceed either limit, and a retried request (same client_id)
    is recognised instead of counted twice.
    """

    __tablename__ = "votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    ideathon_id: Mapped[int] = mapped_column(sa.ForeignKey("ideathons.id", ondelete="CASCADE"), index=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id", ondelete="CASCADE"))
    slot: Mapped[int] = mapped_column()
    idea_slot: Mapped[int] = mapped_column()
    client_id: Mapped[str] = mapped_column(sa.String(36))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("participant_id", "slot", name="uq_votes_participant_slot"),
        sa.UniqueConstraint("participant_id", "idea_id", "idea_slot", name="uq_votes_participant_idea_slot"),
        sa.UniqueConstraint("participant_id", "client_id", name="uq_votes_participant_client"),
        sa.CheckConstraint("slot BETWEEN 1 AND 10", name="slot"),
        sa.CheckConstraint("idea_slot BETWEEN 1 AND 10", name="idea_slot"),
    )


class PaperTally(db.Model):
    """Dots counted on a paper wall, entered by a moderator: people without phones count too.

    Each entry is kept (who, when, how many); an idea's paper votes are the latest entry.
    """

    __tablename__ = "paper_tallies"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    votes: Mapped[int] = mapped_column()
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    entered_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    entered_by = relationship("User")

    __table_args__ = (sa.CheckConstraint("votes BETWEEN 0 AND 100000", name="votes"),)
