"""The programme around the ideathons: its milestones and their activities, each a public commitment
with a due period, a responsible institution, the expected result and how it is verified."""
import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db


class WorkStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"

    @property
    def label(self) -> str:
        return str(WORK_STATUS_LABELS[self])


WORK_STATUS_LABELS = {
    WorkStatus.PLANNED: _l("Pendiente"),
    WorkStatus.IN_PROGRESS: _l("En curso"),
    WorkStatus.DONE: _l("Cumplido"),
}


class Programme(db.Model):
    """A year (or so) of ideathons run by a coordinating institution with supporting ones.

    A draft (`published_at` is None) is seen by coordinators and admins only; once published,
    its tracker, calendar and evaluation are public."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    coordinating_institution: Mapped[str] = mapped_column(sa.String(200))
    # One institution per line.
    supporting_institutions: Mapped[str] = mapped_column(sa.Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)

    milestones = relationship("Milestone", order_by="(Milestone.position, Milestone.id)",
                              cascade="all, delete-orphan", back_populates="programme")

    __table_args__ = (sa.CheckConstraint("ends_on >= starts_on", name="period"),)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def supporters(self) -> list[str]:
        return [line.strip() for line in self.supporting_institutions.splitlines() if line.strip()]

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def __repr__(self) -> str:
        return f"<Programme {self.id} {self.name!r}>"


class Commitment:
    """What a milestone and an activity share: a dated, owned, verifiable piece of work."""

    title: Mapped[str] = mapped_column(sa.String(200))
    due_from: Mapped[date] = mapped_column(sa.Date)
    due_until: Mapped[date] = mapped_column(sa.Date)
    responsible: Mapped[str] = mapped_column(sa.String(200))  # the responsible institution
    expected_result: Mapped[str] = mapped_column(sa.Text, default="")
    verification: Mapped[str] = mapped_column(sa.Text, default="")  # the "medio de verificación"
    status: Mapped[str] = mapped_column(sa.String(20), default=WorkStatus.PLANNED.value)
    done_on: Mapped[date | None] = mapped_column(sa.Date)
    position: Mapped[int] = mapped_column(default=0)

    @property
    def status_enum(self) -> WorkStatus:
        return WorkStatus(self.status)

    def is_late(self, today: date) -> bool:
        return self.status != WorkStatus.DONE and self.due_until < today


def _commitment_checks() -> tuple:
    return (
        sa.CheckConstraint("due_until >= due_from", name="due_period"),
        sa.CheckConstraint("status IN ('planned', 'in_progress', 'done')", name="status"),
    )


class Milestone(Commitment, db.Model):
    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)

    programme = relationship("Programme", back_populates="milestones")
    activities = relationship("Activity", order_by="(Activity.position, Activity.id)",
                              cascade="all, delete-orphan", back_populates="milestone")

    __table_args__ = _commitment_checks()


class Activity(Commitment, db.Model):
    """A step of a milestone; an ideathon of the programme is one, linked to its board."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(sa.ForeignKey("milestones.id", ondelete="CASCADE"), index=True)
    ideathon_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ideathons.id", ondelete="SET NULL"), index=True)

    milestone = relationship("Milestone", back_populates="activities")
    ideathon = relationship("Ideathon")

    __table_args__ = _commitment_checks()
