"""Proposals (a closed board's structured results) and the municipality's responses to them."""
import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db


class CostRange(enum.StrEnum):
    UNDER_10K = "lt10k"
    TO_50K = "10k-50k"
    TO_250K = "50k-250k"
    TO_1M = "250k-1m"
    OVER_1M = "gt1m"
    UNKNOWN = "unknown"


COST_LABELS = {
    CostRange.UNDER_10K: _l("Menos de Q10,000"),
    CostRange.TO_50K: _l("De Q10,000 a Q50,000"),
    CostRange.TO_250K: _l("De Q50,000 a Q250,000"),
    CostRange.TO_1M: _l("De Q250,000 a Q1,000,000"),
    CostRange.OVER_1M: _l("Más de Q1,000,000"),
    CostRange.UNKNOWN: _l("Sin estimar"),
}


class Competence(enum.StrEnum):
    MUNICIPAL = "municipal"
    COORDINATION = "coordination"
    OTHER = "other"


COMPETENCE_LABELS = {
    Competence.MUNICIPAL: _l("Municipal"),
    Competence.COORDINATION: _l("Requiere coordinación con otras instituciones"),
    Competence.OTHER: _l("Corresponde a otra institución"),
}


class ResponseStatus(enum.StrEnum):
    """Where a proposal stands with the municipality. `PENDING`: no answer yet."""

    PENDING = "pending"
    RECEIVED = "received"
    STUDYING = "studying"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"
    REJECTED = "rejected"


STATUS_LABELS = {
    ResponseStatus.PENDING: lazy_pgettext("proposal status", "Sin respuesta"),
    ResponseStatus.RECEIVED: _l("Recibida"),
    ResponseStatus.STUDYING: _l("En estudio"),
    ResponseStatus.ACCEPTED: _l("Aceptada"),
    ResponseStatus.IN_PROGRESS: _l("En ejecución"),
    ResponseStatus.IMPLEMENTED: _l("Realizada"),
    ResponseStatus.REJECTED: _l("Rechazada"),
}

# The steps an answer may take: received → under study → accepted / in progress / implemented,
# or rejected (with a reason) from any open step.
NEXT_STATUSES = {
    ResponseStatus.PENDING: (ResponseStatus.RECEIVED,),
    ResponseStatus.RECEIVED: (ResponseStatus.STUDYING, ResponseStatus.REJECTED),
    ResponseStatus.STUDYING: (ResponseStatus.ACCEPTED, ResponseStatus.IN_PROGRESS, ResponseStatus.REJECTED),
    ResponseStatus.ACCEPTED: (ResponseStatus.IN_PROGRESS, ResponseStatus.IMPLEMENTED, ResponseStatus.REJECTED),
    ResponseStatus.IN_PROGRESS: (ResponseStatus.IMPLEMENTED,),
    ResponseStatus.IMPLEMENTED: (),
    ResponseStatus.REJECTED: (),
}

proposal_ideas = sa.Table(
    "proposal_ideas",
    db.metadata,
    sa.Column("proposal_id", sa.ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("idea_id", sa.ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True),
)


class Proposal(db.Model):
    """What a closed board asks of the municipality, written up from its ideas by the moderators."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    ideathon_id: Mapped[int] = mapped_column(sa.ForeignKey("ideathons.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"), index=True)
    theme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("themes.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(160))
    problem: Mapped[str] = mapped_column(sa.Text)
    proposal: Mapped[str] = mapped_column(sa.Text)
    place: Mapped[str] = mapped_column(sa.String(160), default="")  # zone, village, canton
    beneficiaries: Mapped[str] = mapped_column(sa.String(200), default="")
    cost_range: Mapped[str] = mapped_column(sa.String(20), default=CostRange.UNKNOWN.value)
    office: Mapped[str] = mapped_column(sa.String(120), default="")  # responsible municipal office
    competence: Mapped[str] = mapped_column(sa.String(20), default=Competence.MUNICIPAL.value)
    votes: Mapped[int] = mapped_column(default=0)  # the dots of its ideas, counted when the ideathon is archived
    status: Mapped[str] = mapped_column(sa.String(20), default=ResponseStatus.PENDING.value, index=True)
    # Lower case, without accents, of every text field: what the full-text search indexes.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)

    ideathon = relationship("Ideathon")
    municipality = relationship("Municipality")
    theme = relationship("Theme")
    ideas = relationship("Idea", secondary=proposal_ideas, order_by="Idea.id")
    responses = relationship("Response", order_by="Response.id", back_populates="proposal",
                             cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint("cost_range IN ('lt10k', '10k-50k', '50k-250k', '250k-1m', 'gt1m', 'unknown')",
                           name="cost_range"),
        sa.CheckConstraint("competence IN ('municipal', 'coordination', 'other')", name="competence"),
        sa.CheckConstraint("status IN ('pending', 'received', 'studying', 'accepted', 'in_progress', "
                           "'implemented', 'rejected')", name="status"),
        # The archive's order (most voted first): searches walk it instead of sorting wide rows.
        sa.Index("ix_proposals_rank", "votes", "id", "ideathon_id"),
    )

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[ResponseStatus(self.status)])

    @property
    def cost_label(self) -> str:
        return str(COST_LABELS[CostRange(self.cost_range)])

    @property
    def competence_label(self) -> str:
        return str(COMPETENCE_LABELS[Competence(self.competence)])


class Response(db.Model):
    """One dated step of the municipality's answer to a proposal, with its public text."""

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20))
    text: Mapped[str] = mapped_column(sa.Text)
    official_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    proposal = relationship("Proposal", back_populates="responses")
    official = relationship("User")

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[ResponseStatus(self.status)])
