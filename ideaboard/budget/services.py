"""Budget rules: each ideathon of a programme gets the default plan by category (Q8,100 for the pilot
programme); coordinators adjust the plan and record what was actually spent; totals per ideathon and
for the whole programme compare the two.

- Only planners (coordinators and admins) change a plan or record and delete spending.
- Only an ideathon of a programme has a budget. A cancelled ideathon keeps what it spent (it was
  spent) but takes no new spending and no plan changes, and its plan no longer counts in the
  programme's planned total.
- An expense is more than zero, dated within the programme's period and not in the future (days
  in Guatemala), in one of the categories, with a description (at most 200 characters).
- Amounts are typed by people, so they are read by one rule, `parse_amount` (see its docstring),
  (ideaboard/money.py), which refuses anything it could misread rather than guess.

A new ideathon of a programme gets its plan when the `ideathon_planned` event is dispatched, after
the ideathon is committed (`plan_planned_ideathon`; ideaboard/events.py): ideathons need not know
about budgets.
"""
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..database import write
from ..dates import parse_day, today
from ..extensions import db
from ..money import AmountError, parse_amount
from ..ideathons.models import Ideathon
from ..programme.services import ProgrammeError, check_within, ideathons_of, require_planner
from .models import DEFAULT_PLAN, BudgetLine, Category, Expense

MAX_DESCRIPTION = 200


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


def plan_planned_ideathon(_sender, *, ideathon: Ideathon) -> None:
    """Subscriber of `events.ideathon_planned`: an ideathon created in (or moved into) a programme
    gets the default plan, in a transaction of its own right after the ideathon's."""
    if ideathon.programme_id is not None:
        with write():
            ensure_plan(ideathon)


def _totals(planned_where, actual_where=None) -> Totals:
    totals = Totals()
    planned = sa.select(BudgetLine.category, sa.func.sum(BudgetLine.planned_cents)).join(
        Ideathon, Ideathon.id == BudgetLine.ideathon_id).where(planned_where).group_by(BudgetLine.category)
    actual = sa.select(Expense.category, sa.func.sum(Expense.amount_cents)).join(
        Ideathon, Ideathon.id == Expense.ideathon_id).where(
        planned_where if actual_where is None else actual_where).group_by(Expense.category)
    for category, cents in db.session.execute(planned):
        totals.planned[Category(category)] = int(cents or 0)
    for category, cents in db.session.execute(actual):
        totals.actual[Category(category)] = int(cents or 0)
    return totals


def ideathon_totals(ideathon: Ideathon) -> Totals:
    return _totals(Ideathon.id == ideathon.id)


def programme_totals(programme) -> Totals:
    """The programme's budget: every non-cancelled ideathon's plan, and everything spent (money
    spent before an ideathon was cancelled was spent all the same)."""
    return _totals(sa.and_(Ideathon.programme_id == programme.id, Ideathon.status != "cancelled"),
                   Ideathon.programme_id == programme.id)


# --- Changing the budget --------------------------------------------------------------------------

def _require_budget(ideathon: Ideathon, *, spending: bool) -> None:
    """The ideathon must be of a programme and, for new spending or plan changes, not cancelled."""
    if ideathon.programme_id is None:
        raise ProgrammeError(_l("Esta ideatón no es parte de un programa: no tiene presupuesto. "
                                      "Asígnela a un programa para planificar y registrar gastos."), status=409)
    if ideathon.is_cancelled:
        raise ProgrammeError(
            _l("Esta ideatón fue cancelada: no admite gastos nuevos.") if spending
            else _l("Esta ideatón fue cancelada: su plan ya no cambia."), status=409)


def _category(value) -> Category | None:
    try:
        return Category(value)
    except ValueError:
        return None


def set_plan(ideathon: Ideathon, amounts: dict, actor) -> Totals:
    """Set the planned amount of each category ({category: amount as typed}; every category, ≥ 0).

    All or nothing: one unreadable amount and nothing changes; the errors map each category's
    value (the form field) to its message."""
    require_planner(actor)
    _require_budget(ideathon, spending=False)
    given = {(c.value if isinstance(c, Category) else str(c)): text for c, text in (amounts or {}).items()}
    unknown = set(given) - {c.value for c in Category}
    errors, cents = {}, {}
    for category in Category:
        try:
            cents[category] = parse_amount(given.get(category.value))
        except AmountError as error:
            errors[category.value] = error.args[0]
    if unknown:
        raise ProgrammeError(_l("Esa categoría no existe en el presupuesto."))
    if errors:
        raise ProgrammeError(_l("Revise los montos marcados."), errors=errors)
    with write():
        _require_budget(ideathon, spending=False)
        ensure_plan(ideathon)
        lines = {line.category: line for line in db.session.scalars(
            sa.select(BudgetLine).where(BudgetLine.ideathon_id == ideathon.id))}
        for category, value in cents.items():
            line = lines.get(category.value)
            if line is None:
                db.session.add(BudgetLine(ideathon_id=ideathon.id, category=category.value, planned_cents=value))
            else:
                line.planned_cents = value
    return ideathon_totals(ideathon)


def add_expense(ideathon: Ideathon, category, amount_text, spent_on, description, actor) -> Expense:
    """Record money spent for an ideathon: one receipt or payment.

    Every problem is reported at once, as {field: message} (fields: category, amount, spent_on,
    description); an ideathon outside a programme, or cancelled, is refused as a whole (409)."""
    require_planner(actor)
    _require_budget(ideathon, spending=True)
    errors = {}
    chosen = _category(category)
    if chosen is None:
        errors["category"] = _l("Elija una categoría de la lista.")
    cents = None
    try:
        cents = parse_amount(amount_text)
        if cents == 0:
            errors["amount"] = _l("El gasto debe ser mayor que cero.")
    except AmountError as error:
        errors["amount"] = error.args[0]
    label = _l("La fecha del gasto")
    try:
        day = parse_day(spent_on)
    except ValueError:
        day = None
        errors["spent_on"] = _l("«%(text)s» no es una fecha. Use el formato dd/mm/aaaa.", text=str(spent_on)[:30])
    if "spent_on" not in errors:
        errors |= check_within(ideathon.programme, day, "spent_on", label)
    if "spent_on" not in errors and day > today():
        errors["spent_on"] = _l("La fecha del gasto no puede ser futura.")
    text = " ".join((description or "").split())
    if not text:
        errors["description"] = _l("Describa el gasto (qué se pagó y a quién, o el número de factura).")
    elif len(text) > MAX_DESCRIPTION:
        errors["description"] = _l("La descripción admite como máximo %(n)s caracteres.", n=MAX_DESCRIPTION)
    if errors:
        raise ProgrammeError(_l("Revise los campos marcados."), errors=errors)
    with write():
        _require_budget(ideathon, spending=True)  # fresh row: cancelled in the meantime?
        expense = Expense(ideathon_id=ideathon.id, category=chosen.value, amount_cents=cents, spent_on=day,
                          description=text, created_by_id=actor.id)
        db.session.add(expense)
    return expense


def delete_expense(expense: Expense, actor) -> None:
    """Remove an expense recorded by mistake (also from a cancelled ideathon: a correction)."""
    require_planner(actor)
    with write():
        db.session.delete(expense)


# --- Reading the budget ---------------------------------------------------------------------------

def get_expense(expense_id: int) -> Expense | None:
    return db.session.get(Expense, expense_id)


def expenses_of(ideathon: Ideathon) -> list[Expense]:
    """The ideathon's expenses, latest first (descriptions may name people: planners and the
    municipality's officials only)."""
    return list(db.session.scalars(sa.select(Expense).where(Expense.ideathon_id == ideathon.id)
                                   .order_by(Expense.spent_on.desc(), Expense.id.desc())))


def programme_expenses(programme) -> list[Expense]:
    """Every expense of the programme's ideathons, latest first (planners only)."""
    return list(db.session.scalars(
        sa.select(Expense).join(Ideathon, Ideathon.id == Expense.ideathon_id)
        .where(Ideathon.programme_id == programme.id)
        .order_by(Expense.spent_on.desc(), Expense.id.desc())))


@dataclass(frozen=True)
class IdeathonBudget:
    """One ideathon's line on the programme's budget. A cancelled one's plan does not count
    (`planned` is 0, its former plan in `former_plan`); what it spent does."""

    ideathon: Ideathon
    planned: int
    actual: int
    former_plan: int = 0

    @property
    def difference(self) -> int:
        """Planned minus actual: negative when more was spent than planned."""
        return self.planned - self.actual

    @property
    def over(self) -> bool:
        return self.actual > self.planned

    @property
    def executed_share(self) -> float | None:
        return self.actual / self.planned if self.planned else None


def ideathon_budgets(programme) -> list[IdeathonBudget]:
    """Per ideathon of the programme, by date: planned, actual and their difference; the sums
    equal `programme_totals(programme)`."""
    ideathons = ideathons_of(programme)
    ids = [i.id for i in ideathons]
    planned, actual = {}, {}
    if ids:
        planned = dict(db.session.execute(
            sa.select(BudgetLine.ideathon_id, sa.func.sum(BudgetLine.planned_cents))
            .where(BudgetLine.ideathon_id.in_(ids)).group_by(BudgetLine.ideathon_id)).all())
        actual = dict(db.session.execute(
            sa.select(Expense.ideathon_id, sa.func.sum(Expense.amount_cents))
            .where(Expense.ideathon_id.in_(ids)).group_by(Expense.ideathon_id)).all())
    rows = []
    for ideathon in ideathons:
        plan, spent = int(planned.get(ideathon.id) or 0), int(actual.get(ideathon.id) or 0)
        if ideathon.is_cancelled:
            rows.append(IdeathonBudget(ideathon, 0, spent, former_plan=plan))
        else:
            rows.append(IdeathonBudget(ideathon, plan, spent))
    return rows
