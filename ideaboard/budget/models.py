"""Each ideathon's budget: planned amounts by category against what was actually spent.

Amounts are whole centavos (integers): exact sums, no floating point, on both databases."""
import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db


class Category(enum.StrEnum):
    HALL = "hall"
    PER_DIEM = "per_diem"
    COFFEE_BREAK = "coffee_break"
    TRANSPORT = "transport"
    MATERIALS = "materials"
    AUDIOVISUAL = "audiovisual"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(CATEGORY_LABELS[self])


CATEGORY_LABELS = {
    Category.HALL: _l("Alquiler de salón"),
    Category.PER_DIEM: _l("Viáticos de facilitadores"),
    Category.COFFEE_BREAK: _l("Refacción"),
    Category.TRANSPORT: _l("Transporte"),
    Category.MATERIALS: _l("Materiales"),
    Category.AUDIOVISUAL: _l("Equipo audiovisual"),
    Category.OTHER: _l("Otros"),
}

# The pilot programme's plan for one workshop: Q8,100 (in centavos), by category.
DEFAULT_PLAN = {
    Category.HALL: 1_500_00,
    Category.PER_DIEM: 2_400_00,
    Category.COFFEE_BREAK: 1_200_00,
    Category.TRANSPORT: 1_300_00,
    Category.MATERIALS: 800_00,
    Category.AUDIOVISUAL: 600_00,
    Category.OTHER: 300_00,
}

_CATEGORY_CHECK = "category IN ({})".format(", ".join(f"'{c.value}'" for c in Category))


class BudgetLine(db.Model):
    """The planned amount of one category for one ideathon."""

    __tablename__ = "budget_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    ideathon_id: Mapped[int] = mapped_column(sa.ForeignKey("ideathons.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(sa.String(20))
    planned_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    __table_args__ = (
        sa.UniqueConstraint("ideathon_id", "category", name="one_line_per_category"),
        sa.CheckConstraint(_CATEGORY_CHECK, name="category"),
        sa.CheckConstraint("planned_cents >= 0", name="planned_not_negative"),
    )


class Expense(db.Model):
    """Money actually spent for an ideathon: one receipt or payment."""

    __tablename__ = "expenses"

    id: Mapped[int] = mapped_column(primary_key=True)
    ideathon_id: Mapped[int] = mapped_column(sa.ForeignKey("ideathons.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(sa.String(20))
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    spent_on: Mapped[date] = mapped_column(sa.Date)
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    created_by = relationship("User")

    __table_args__ = (
        sa.CheckConstraint(_CATEGORY_CHECK, name="category"),
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
    )
