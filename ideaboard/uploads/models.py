from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import utcnow
from ..extensions import db

THUMB_SIDE = 480  # pixels, the long side of an image's small copy


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

    @property
    def is_audio(self) -> bool:
        return self.content_type.startswith("audio/")

    @property
    def type_label(self) -> str:
        """What a person calls it: PDF, JPG, PNG."""
        return {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG"}.get(self.content_type, "")

    @property
    def size_label(self) -> str:
        """1.2 MB, 340 KB: what a download costs on prepaid data."""
        if self.size >= 1024 * 1024:
            return f"{self.size / (1024 * 1024):.1f} MB"
        return f"{max(1, round(self.size / 1024))} KB"

    def thumb_size(self, side: int = THUMB_SIDE) -> tuple[int, int] | None:
        """The small copy's width and height (for the page's layout before it loads)."""
        if not self.width or not self.height:
            return None
        scale = min(1.0, side / max(self.width, self.height))
        return max(1, round(self.width * scale)), max(1, round(self.height * scale))
