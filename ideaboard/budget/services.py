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
  which refuses anything it could misread rather than guess.

The programme's rules (`ProgrammeError`, `require_planner`, `check_within`) are imported inside the
functions: programme.services imports ideathons.services, which imports `ensure_plan` from here.
"""
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..database import write
from ..programme.dates import parse_day, today
from ..extensions import db
from ..ideathons.models import Ideathon
from ..refusals import Refusal
from .models import DEFAULT_PLAN, BudgetLine, Category, Expense

MAX_CENTS = 10_000_000_00  # Q10,000,000.00: more than this for one workshop is a typing error
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


def quetzales(cents: int) -> str:
    """Q8,100.00 (the way amounts are written in Guatemala)."""
    sign = "-" if cents < 0 else ""
    return f"{sign}Q{abs(cents) / 100:,.2f}"


def plain_amount(cents: int) -> str:
    """1500.00: an amount as a form shows it for editing (read back by `parse_amount`)."""
    return f"{cents // 100}.{cents % 100:02d}"


# --- Reading amounts ----------------------------------------------------------------------------

class AmountError(Refusal):
    """The typed amount cannot be read, or is out of bounds; the message says why, in Spanish."""


_CURRENCY = re.compile(r"(?:GTQ|Q)\.?\s*", re.IGNORECASE)
_WHOLE = re.compile(r"[0-9]+")
_GROUPED = re.compile(r"([0-9]{1,3}(?:,[0-9]{3})+)(?:\.([0-9]+))?")  # 1,500  1,500.50  10,000,000
_POINT = re.compile(r"([0-9]+)\.([0-9]+)")  # 1500.5  1500.50
_COMMA = re.compile(r"([0-9]+),([0-9]{1,2})")  # 1500,5  1500,50 (a decimal comma)
_EUROPEAN = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]*)?|[0-9]+\.[0-9]+,[0-9]*")  # 1.500,50  1.500.000


def parse_amount(text) -> int:
    """Read an amount typed in quetzales; return whole centavos. Raises AmountError.

    The rule, Guatemala's way of writing money, with one allowance:
    - an optional "Q", "Q." or "GTQ" before the number ("Q1,500", "Q.1,500.00", "Q 250"): in
      "Q.50" the point belongs to the currency sign, so it reads Q50;
    - the point is the decimal separator, with one or two decimals ("1500.5", "1500.50");
    - the comma separates thousands when it is followed by exactly three digits, in groups of three
      ("1,500", "10,000,000", "1,500.50");
    - a comma followed by one or two digits at the end, with no other separator, is a decimal comma
      ("1500,50", "1500,5"): it cannot be a thousands separator;
    - everything else is refused with a message, never guessed: "1.500" (one thousand five hundred
      written the European way, or one point five?), "1.500,50" and "1.500.000" (the European
      way, where the point is for thousands), three or more decimals, spaces inside the number,
      letters.
    Zero is read (a plan may be zero; an expense may not: its caller refuses it). A minus sign gives
    "El monto no puede ser negativo."; more than Q10,000,000.00 is refused as a typing error.
    """
    raw = (text if isinstance(text, str) else "" if text is None else str(text)).strip()
    if not raw:
        raise AmountError(_l("Escriba el monto."))
    shown = raw if len(raw) <= 30 else raw[:29] + "…"
    negative = False
    rest = raw
    for _ in range(2):  # "-Q1,500" and "Q-1,500" alike
        if rest[:1] in ("-", "−"):
            negative, rest = True, rest[1:].strip()
        match = _CURRENCY.match(rest)
        if match:
            rest = rest[match.end():]
    rest = rest.strip()
    if len(rest) > 20:
        raise AmountError(_l("«%(text)s» no es un monto. Escriba, por ejemplo, 1500 o 1,500.50.", text=shown))
    whole, decimals = None, ""
    if _WHOLE.fullmatch(rest):
        whole = rest
    elif match := _GROUPED.fullmatch(rest):
        whole, decimals = match.group(1).replace(",", ""), match.group(2) or ""
    elif match := _POINT.fullmatch(rest):
        whole, decimals = match.groups()
        if len(decimals) == 3 and len(whole) <= 3:
            raise AmountError(_l("«%(text)s» no es claro: ¿el punto separa los miles o los centavos? Escriba "
                                 "los miles sin punto (1500 o 1,500) y los centavos con dos cifras (1500.50).",
                                 text=shown))
    elif match := _COMMA.fullmatch(rest):
        whole, decimals = match.groups()
    elif _EUROPEAN.fullmatch(rest):
        raise AmountError(_l("En «%(text)s» el punto separa miles: use la coma para los miles y el punto "
                             "para los centavos, por ejemplo 1,500.50.", text=shown))
    else:
        raise AmountError(_l("«%(text)s» no es un monto. Escriba, por ejemplo, 1500 o 1,500.50.", text=shown))
    if len(decimals) > 2:
        raise AmountError(_l("Escriba como máximo dos decimales (los centavos)."))
    cents = int(whole) * 100 + int(decimals.ljust(2, "0") or 0)
    if negative:
        raise AmountError(_l("El monto no puede ser negativo."))
    if cents > MAX_CENTS:
        raise AmountError(_l("El monto es demasiado grande: el máximo es %(max)s.", max=quetzales(MAX_CENTS)))
    return cents


# --- Changing the budget --------------------------------------------------------------------------

def _programme_rules():
    from ..programme import services

    return services


def _require_budget(ideathon: Ideathon, *, spending: bool) -> None:
    """The ideathon must be of a programme and, for new spending or plan changes, not cancelled."""
    rules = _programme_rules()
    if ideathon.programme_id is None:
        raise rules.ProgrammeError(_l("Esta ideatón no es parte de un programa: no tiene presupuesto. "
                                      "Asígnela a un programa para planificar y registrar gastos."), status=409)
    if ideathon.is_cancelled:
        raise rules.ProgrammeError(
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
    rules = _programme_rules()
    rules.require_planner(actor)
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
        raise rules.ProgrammeError(_l("Esa categoría no existe en el presupuesto."))
    if errors:
        raise rules.ProgrammeError(_l("Revise los montos marcados."), errors=errors)
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
    rules = _programme_rules()
    rules.require_planner(actor)
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
        errors |= rules.check_within(ideathon.programme, day, "spent_on", label)
    if "spent_on" not in errors and day > today():
        errors["spent_on"] = _l("La fecha del gasto no puede ser futura.")
    text = " ".join((description or "").split())
    if not text:
        errors["description"] = _l("Describa el gasto (qué se pagó y a quién, o el número de factura).")
    elif len(text) > MAX_DESCRIPTION:
        errors["description"] = _l("La descripción admite como máximo %(n)s caracteres.", n=MAX_DESCRIPTION)
    if errors:
        raise rules.ProgrammeError(_l("Revise los campos marcados."), errors=errors)
    with write():
        _require_budget(ideathon, spending=True)  # fresh row: cancelled in the meantime?
        expense = Expense(ideathon_id=ideathon.id, category=chosen.value, amount_cents=cents, spent_on=day,
                          description=text, created_by_id=actor.id)
        db.session.add(expense)
    return expense


def delete_expense(expense: Expense, actor) -> None:
    """Remove an expense recorded by mistake (also from a cancelled ideathon: a correction)."""
    _programme_rules().require_planner(actor)
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
    from ..programme.services import ideathons_of

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
