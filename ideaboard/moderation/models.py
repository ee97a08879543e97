"""The record of moderation: every action (audit log), merges and the votes they moved, the flag list."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db


class ModerationAction(db.Model):
    """One moderator action on an ideathon: who, when, what, and the state before and after (JSON)."""

    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    ideathon_id: Mapped[int] = mapped_column(sa.ForeignKey("ideathons.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(30))
    idea_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ideas.id", ondelete="SET NULL"))
    participant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("participants.id", ondelete="SET NULL"))
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, index=True)

    actor = relationship("User")
    idea = relationship("Idea")
    participant = relationship("Participant")


class Merge(db.Model):
    """Ideas consolidated into one. Undone (split) by restoring the sources and their votes."""

    __tablename__ = "merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    ideathon_id: Mapped[int] = mapped_column(sa.ForeignKey("ideathons.id", ondelete="CASCADE"), index=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"), index=True)  # the consolidated idea
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    undone_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class MergedVote(db.Model):
    """A dot that was on a source idea when it was merged. `kept`: it moved to the consolidated idea
    (vote_id); otherwise it collapsed (that participant already had a dot there) and was returned.
    Splitting puts each back on its source where the participant still has the dot to give."""

    __tablename__ = "merged_votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    merge_id: Mapped[int] = mapped_column(sa.ForeignKey("merges.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id", ondelete="CASCADE"))
    from_idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(sa.String(36))
    kept: Mapped[bool] = mapped_column()
    vote_id: Mapped[int | None] = mapped_column(sa.ForeignKey("votes.id", ondelete="SET NULL"))


class FlagWord(db.Model):
    """A word that flags an idea for the moderators (never hides or deletes it)."""

    __tablename__ = "flag_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(sa.String(60), unique=True)
