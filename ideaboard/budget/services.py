"""Budget rules: each ideathon of a programme gets the default plan by category (Q8,100 for the pilot
programme); coordinators adjust the plan and record what was actually spent; totals per ideathon and
for the whole programme compare the two."""
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..extensions import db
from ..ideathons.models import Ideathon
from .models import DEFAULT_PLAN, BudgetLine, Category, Expense


@dataclass
class Totals:
    """Planned and actual centavos by category, and their sums."""

    planned: dict = field(default_factory=lambda: {c: 0 for c in Category})
    actual: dict = field(default_factory=lambda: {c: 0 for c in Category})

    @property
    def planned_total(self) -> int:
        return sum(self.planned.values())

    @property
    def actual_total(self) -> int:
        return sum(self.actual.values())

    @property
    def executed_share(self) -> float | None:
        """Actual over planned (0..1+), None when nothing is planned."""
        return self.actual_total / self.planned_total if self.planned_total else None

    def rows(self):
        """(category, planned, actual, difference) for each category, in the plan's order."""
        return [(c, self.planned[c], self.actual[c], self.planned[c] - self.actual[c]) for c in Category]


def ensure_plan(ideathon: Ideathon) -> None:
    """Give an ideathon the default plan, once (call inside the caller's write())."""
    have = set(db.session.scalars(sa.select(BudgetLine.category).where(BudgetLine.ideathon_id == ideathon.id)))
    db.session.add_all(BudgetLine(ideathon_id=ideathon.id, category=c.value, planned_cents=cents)
                       for c, cents in DEFAULT_PLAN.items() if c.value not in have)


def _totals(where) -> Totals:
    totals = Totals()
    planned = sa.select(BudgetLine.category, sa.func.sum(BudgetLine.planned_cents)).join(
        Ideathon, Ideathon.id == BudgetLine.ideathon_id).where(where).group_by(BudgetLine.category)
    actual = sa.select(Expense.category, sa.func.sum(Expense.amount_cents)).join(
        Ideathon, Ideathon.id == Expense.ideathon_id).where(where).group_by(Expense.category)
    for category, cents in db.session.execute(planned):
        totals.planned[Category(category)] = int(cents or 0)
    for category, cents in db.session.execute(actual):
        totals.actual[Category(category)] = int(cents or 0)
    return totals


def ideathon_totals(ideathon: Ideathon) -> Totals:
    return _totals(Ideathon.id == ideathon.id)


def programme_totals(programme) -> Totals:
    """The programme's budget: every non-cancelled ideathon's plan, and everything spent."""
    return _totals(sa.and_(Ideathon.programme_id == programme.id, Ideathon.status != "cancelled"))


def quetzales(cents: int) -> str:
    """Q8,100.00 (the way amounts are written in Guatemala)."""
    sign = "-" if cents < 0 else ""
    return f"{sign}Q{abs(cents) / 100:,.2f}"
