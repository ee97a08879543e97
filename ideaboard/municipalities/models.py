import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

# The eight pilot municipalities of the Open Government ideathon programme (INE codes).
PILOT_CODES = frozenset({"2101", "0301", "1307", "0801", "1601", "0108", "0901", "0115"})


class Municipality(db.Model):
    """One of Guatemala's 340 municipalities, keyed in URLs by its 4-digit INE code."""

    __tablename__ = "municipalities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(4), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    department: Mapped[str] = mapped_column(sa.String(60), index=True)
    department_code: Mapped[str] = mapped_column(sa.String(2))
    is_pilot: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (sa.CheckConstraint("length(code) = 4", name="code_length"),)

    @property
    def label(self) -> str:
        """How the municipality is written in choices: unambiguous, since names repeat."""
        return f"{self.name}, {self.department} ({self.code})"

    def __repr__(self) -> str:
        return f"<Municipality {self.code} {self.name}>"
