"""Pilot municipalities of a programme (proposed, selected, invited, agreement signed) and their
baseline: indicators the coordinator chooses, one value per municipality."""
import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db
from ..uploads.models import Upload  # noqa: F401 - the table its files live in


class PilotStage(enum.StrEnum):
    PROPOSED = "proposed"
    SELECTED = "selected"
    INVITED = "invited"
    AGREED = "agreed"

    @property
    def label(self) -> str:
        return str(STAGE_LABELS[self])


STAGE_LABELS = {
    PilotStage.PROPOSED: _l("Propuesto"),
    PilotStage.SELECTED: _l("Seleccionado"),
    PilotStage.INVITED: _l("Invitado"),
    PilotStage.AGREED: _l("Convenio firmado"),
}
STAGES = list(PilotStage)


class PilotMunicipality(db.Model):
    """One municipality's way into a programme. Its stage follows from what has been recorded."""

    __tablename__ = "pilot_municipalities"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"))
    proposal_note: Mapped[str] = mapped_column(sa.Text, default="")  # why it was proposed (internal)
    proposed_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    selected_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    selection_reason: Mapped[str] = mapped_column(sa.Text, default="")
    invited_on: Mapped[date | None] = mapped_column(sa.Date)
    invitation_note: Mapped[str] = mapped_column(sa.Text, default="")  # e.g. the letter's reference
    signed_on: Mapped[date | None] = mapped_column(sa.Date)
    signatories: Mapped[str] = mapped_column(sa.Text, default="")  # one per line: name, office
    agreement_upload_id: Mapped[int | None] = mapped_column(sa.ForeignKey("uploads.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    programme = relationship("Programme")
    municipality = relationship("Municipality", lazy="joined")
    agreement = relationship("Upload")

    __table_args__ = (sa.UniqueConstraint("programme_id", "municipality_id", name="one_per_programme"),)

    @property
    def stage(self) -> PilotStage:
        if self.signed_on:
            return PilotStage.AGREED
        if self.invited_on:
            return PilotStage.INVITED
        if self.selected_at:
            return PilotStage.SELECTED
        return PilotStage.PROPOSED

    @property
    def signatory_list(self) -> list[str]:
        return [line.strip() for line in self.signatories.splitlines() if line.strip()]


class Indicator(db.Model):
    """A baseline indicator of a programme, e.g. water coverage (%)."""

    __tablename__ = "baseline_indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    unit: Mapped[str] = mapped_column(sa.String(40), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.UniqueConstraint("programme_id", "name", name="indicator_name"),)


class BaselineValue(db.Model):
    __tablename__ = "baseline_values"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("baseline_indicators.id", ondelete="CASCADE"))
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"), index=True)
    value: Mapped[float] = mapped_column(sa.Float)
    source: Mapped[str] = mapped_column(sa.String(200), default="")
    measured_on: Mapped[date | None] = mapped_column(sa.Date)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)

    indicator = relationship("Indicator")

    __table_args__ = (sa.UniqueConstraint("indicator_id", "municipality_id", name="one_value"),)
