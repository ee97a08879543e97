import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db
from ..i18n import gettext as _


def new_participant_token() -> str:
    return secrets.token_urlsafe(24)


class Participant(db.Model):
    """A person in one room, known only by a random token kept in a signed cookie."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    ideathon_id: Mapped[int] = mapped_column(sa.ForeignKey("ideathons.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_participant_token)
    nickname: Mapped[str] = mapped_column(sa.String(40), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    muted_at: Mapped[datetime | None] = mapped_column(sa.DateTime)  # a moderator stopped their posting
    # Answered the end-of-ideathon survey (the answers themselves are not linked: evaluation.models).
    exit_survey_done: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    ideathon = relationship("Ideathon")
    card = relationship("JoinCard", primaryjoin="JoinCard.participant_id == Participant.id", uselist=False,
                        viewonly=True)

    @property
    def display_name(self) -> str:
        return self.nickname or _("Anónimo")


class AgeBand(enum.StrEnum):
    UNDER_18 = "under18"
    FROM_18 = "18-29"
    FROM_30 = "30-44"
    FROM_45 = "45-59"
    FROM_60 = "60plus"


AGE_BAND_LABELS = {
    AgeBand.UNDER_18: _l("Menos de 18 años"),
    AgeBand.FROM_18: _l("18 a 29 años"),
    AgeBand.FROM_30: _l("30 a 44 años"),
    AgeBand.FROM_45: _l("45 a 59 años"),
    AgeBand.FROM_60: _l("60 años o más"),
}

GENDER_LABELS = {
    "woman": _l("Mujer"),
    "man": _l("Hombre"),
    "other": _l("Otro"),
}


class ParticipationSurvey(db.Model):
    """The optional evaluation answers of one person joining a room.

    Deliberately NOT linked to the participant: the programme can count who took part without
    anyone being able to tie answers to a nickname or to ideas.
    """

    __tablename__ = "participation_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    ideathon_id: Mapped[int] = mapped_column(sa.ForeignKey("ideathons.id", ondelete="CASCADE"), index=True)
    age_band: Mapped[str | None] = mapped_column(sa.String(10))
    gender: Mapped[str | None] = mapped_column(sa.String(10))
    community: Mapped[str] = mapped_column(sa.String(80), default="")
    first_time: Mapped[bool | None] = mapped_column()
    created_on: Mapped[datetime] = mapped_column(sa.Date, default=lambda: utcnow().date())


class PhaseChange(db.Model):
    """The record of a room moving from one phase to another: who, when, from, to."""

    __tablename__ = "phase_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    ideathon_id: Mapped[int] = mapped_column(sa.ForeignKey("ideathons.id", ondelete="CASCADE"), index=True)
    from_phase: Mapped[str] = mapped_column(sa.String(20))
    to_phase: Mapped[str] = mapped_column(sa.String(20))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    actor = relationship("User")


class JoinCard(db.Model):
    """A printed card with its own code: it admits exactly one participant (one person, one ballot)."""

    __tablename__ = "join_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    ideathon_id: Mapped[int] = mapped_column(sa.ForeignKey("ideathons.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    number: Mapped[int] = mapped_column()  # printed on the card: 1, 2, 3 ... within the ideathon
    participant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    participant = relationship("Participant", foreign_keys=[participant_id])

    __table_args__ = (sa.UniqueConstraint("ideathon_id", "number", name="uq_join_cards_ideathon_number"),)

    @property
    def is_used(self) -> bool:
        return self.participant_id is not None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
