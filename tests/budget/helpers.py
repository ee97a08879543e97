"""Reading the budget tables back, as the database has them (what a failed request left behind)."""
import sqlalchemy as sa

from ideaboard.budget.models import BudgetLine, Expense
from ideaboard.extensions import db


def expense_count() -> int:
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Expense))


def planned(ideathon) -> dict:
    db.session.commit()
    return {line.category: line.planned_cents for line in db.session.scalars(
        sa.select(BudgetLine).where(BudgetLine.ideathon_id == ideathon.id))}
