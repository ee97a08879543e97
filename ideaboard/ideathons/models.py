import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db


class RoomPhase(enum.StrEnum):
    """Where the live room stands. Issue-4 phases (voting) extend this list."""

    PREPARATION = "preparation"  # planned; the room is not open yet
    IDEAS = "ideas"  # open: people join and post ideas
    CLOSED = "closed"  # over: the code no longer admits anyone, the board is read-only

    @property
    def label(self) -> str:
        return str({
            self.PREPARATION: _l("Preparación"), self.IDEAS: _l("Recibiendo ideas"), self.CLOSED: _l("Cerrada"),
        }[self])


class IdeathonStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str({self.SCHEDULED: _l("Programada"), self.CANCELLED: _l("Cancelada")}[self])


ideathon_moderators = sa.Table(
    "ideathon_moderators",
    db.metadata,
    sa.Column("ideathon_id", sa.ForeignKey("ideathons.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Ideathon(db.Model):
    """One workshop in one municipality on one date: the room of the board."""

    __tablename__ = "ideathons"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(160))
    starts_at: Mapped[datetime] = mapped_column(sa.DateTime, index=True)  # naive UTC
    venue: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default=IdeathonStatus.SCHEDULED.value)
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    # The live room: the code people type or scan, its phase, and the sequence number of the
    # last change broadcast to it (incremented in the same transaction as the change).
    room_code: Mapped[str | None] = mapped_column(sa.String(12), unique=True)
    room_opened_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    phase: Mapped[str] = mapped_column(sa.String(20), default=RoomPhase.PREPARATION.value,
                                       server_default=RoomPhase.PREPARATION.value)
    room_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)

    municipality = relationship("Municipality", lazy="joined")
    themes = relationship(
        "Theme", order_by="Theme.position", cascade="all, delete-orphan", back_populates="ideathon"
    )
    moderators = relationship("User", secondary=ideathon_moderators, order_by="User.name")
    created_by = relationship("User", foreign_keys=[created_by_id])

    __table_args__ = (
        sa.CheckConstraint("status IN ('scheduled', 'cancelled')", name="status"),
        sa.CheckConstraint("phase IN ('preparation', 'ideas', 'closed')", name="phase"),
    )

    @property
    def status_enum(self) -> IdeathonStatus:
        return IdeathonStatus(self.status)

    @property
    def is_cancelled(self) -> bool:
        return self.status == IdeathonStatus.CANCELLED

    @property
    def phase_enum(self) -> RoomPhase:
        return RoomPhase(self.phase)

    @property
    def room_is_open(self) -> bool:
        """Does the room code admit people now? Not before opening, after closing or if cancelled."""
        return bool(self.room_code) and self.phase != RoomPhase.CLOSED and not self.is_cancelled

    @property
    def collecting_ideas(self) -> bool:
        return self.room_is_open and self.phase == RoomPhase.IDEAS

    def __repr__(self) -> str:
        return f"<Ideathon {self.id} {self.title!r}>"


class Theme(db.Model):
    """A column of the board, usually a municipal service."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    ideathon_id: Mapped[int] = mapped_column(sa.ForeignKey("ideathons.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    icon: Mapped[str] = mapped_column(sa.String(20), default="other")
    position: Mapped[int] = mapped_column(default=0)

    ideathon = relationship("Ideathon", back_populates="themes")
