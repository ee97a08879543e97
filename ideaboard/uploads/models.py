from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import utcnow
from ..extensions import db


class Upload(db.Model):
    """A file someone uploaded, as stored: under a generated name in the upload folder (never the
    static folder), with the content type found by reading it. Images are re-encoded (resized, no
    metadata) and get a small copy for lists (`thumb_name`)."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    thumb_name: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(40))
    original_name: Mapped[str] = mapped_column(sa.String(200), default="")  # cleaned, for the download name
    size: Mapped[int] = mapped_column()
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
