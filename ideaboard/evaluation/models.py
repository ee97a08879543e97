"""The short anonymous survey phones offer when an ideathon closes."""
import enum
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from ..database import utcnow
from ..extensions import db


class Answer(enum.StrEnum):
    YES = "yes"
    NO = "no"
    UNSURE = "unsure"

    @property
    def label(self) -> str:
        return str(ANSWER_LABELS[self])


ANSWER_LABELS = {Answer.YES: _l("Sí"), Answer.NO: _l("No"), Answer.UNSURE: _l("No estoy seguro")}


class ExitSurvey(db.Model):
    """One person's answers at the end of an ideathon.

    Deliberately NOT linked to the participant (only `Participant.exit_survey_done` records that
    they answered, so a phone is asked once): answers cannot be tied to a nickname or to ideas.
    Every question may be skipped."""

    __tablename__ = "exit_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    ideathon_id: Mapped[int] = mapped_column(sa.ForeignKey("ideathons.id", ondelete="CASCADE"), index=True)
    satisfaction: Mapped[int | None] = mapped_column()  # 1 (very unhappy) .. 5 (very happy)
    take_part_again: Mapped[str | None] = mapped_column(sa.String(10))
    learned: Mapped[str | None] = mapped_column(sa.String(10))  # about how the municipality works
    first_time: Mapped[bool | None] = mapped_column()
    created_on: Mapped[date] = mapped_column(sa.Date, default=lambda: utcnow().date())

    __table_args__ = (
        sa.CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction"),
        sa.CheckConstraint("take_part_again IN ('yes', 'no', 'unsure')", name="take_part_again"),
        sa.CheckConstraint("learned IN ('yes', 'no', 'unsure')", name="learned"),
    )
