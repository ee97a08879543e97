import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db


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
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)

    municipality = relationship("Municipality", lazy="joined")
    themes = relationship(
        "Theme", order_by="Theme.position", cascade="all, delete-orphan", back_populates="ideathon"
    )
    moderators = relationship("User", secondary=ideathon_moderators, order_by="User.name")
    created_by = relationship("User", foreign_keys=[created_by_id])

    __table_args__ = (sa.CheckConstraint("status IN ('scheduled', 'cancelled')", name="status"),)

    @property
    def status_enum(self) -> IdeathonStatus:
        return IdeathonStatus(self.status)

    @property
    def is_cancelled(self) -> bool:
        return self.status == IdeathonStatus.CANCELLED

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
