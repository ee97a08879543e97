"""Proof of the work: photos (with a description for screen readers), video links and documents
(the communiqué, the activity report), each attached to an ideathon or to an activity."""
import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db
from ..uploads.models import Upload  # noqa: F401 - the table its files live in


class EvidenceKind(enum.StrEnum):
    PHOTO = "photo"
    VIDEO = "video"
    COMMUNIQUE = "communique"
    REPORT = "report"
    DOCUMENT = "document"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {
    EvidenceKind.PHOTO: _l("Foto"),
    EvidenceKind.VIDEO: _l("Video"),
    EvidenceKind.COMMUNIQUE: _l("Comunicado"),
    EvidenceKind.REPORT: _l("Informe de actividad"),
    EvidenceKind.DOCUMENT: _l("Documento"),
}


class Evidence(db.Model):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200))
    # For a photo, what it shows, read aloud by screen readers (its alt text); required for photos.
    description: Mapped[str] = mapped_column(sa.Text, default="")
    upload_id: Mapped[int | None] = mapped_column(sa.ForeignKey("uploads.id", ondelete="CASCADE"))
    url: Mapped[str | None] = mapped_column(sa.String(500))  # a video's address
    ideathon_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ideathons.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    published: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    upload = relationship("Upload", lazy="joined")
    ideathon = relationship("Ideathon")
    activity = relationship("Activity")

    __table_args__ = (
        sa.CheckConstraint("kind IN ('photo', 'video', 'communique', 'report', 'document')", name="kind"),
        sa.CheckConstraint("ideathon_id IS NOT NULL OR activity_id IS NOT NULL", name="attached"),
        sa.CheckConstraint("upload_id IS NOT NULL OR url IS NOT NULL", name="has_content"),
    )

    @property
    def kind_enum(self) -> EvidenceKind:
        return EvidenceKind(self.kind)

    @property
    def url_host(self) -> str:
        """Where a link leads (shown beside it: a visitor knows before leaving the site)."""
        from urllib.parse import urlsplit

        try:
            return (urlsplit(self.url).hostname or "").removeprefix("www.") if self.url else ""
        except ValueError:
            return ""
