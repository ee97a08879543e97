"""Budget pages: an ideathon's budget (planners change it; the municipality's officials read it) and
the programme's budget (public once the programme is published: totals only, no expense lines)."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_percent, gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts import role_required
from ..charts import Item, bar_chart
from ..dates import today
from ..extensions import db
from ..ideathons.models import Ideathon
from ..money import quetzales
from ..policies import PLANNERS, PLANNERS_AND_OFFICIALS, can_plan, sees_municipality
from ..programme.services import ProgrammeError
from ..programme.views import visible_programme
from ..responses import refused
from . import models  # noqa: F401
from . import services
from .forms import ExpenseForm, plan_form
from .models import Category

bp = Blueprint("budget", __name__)


def category_label(value: str) -> str:
    return Category(value).label



def _readable(ideathon: Ideathon) -> Ideathon:
    """Planners, and the officials of the ideathon's municipality; 403 for anyone else."""
    if not sees_municipality(current_user, ideathon.municipality_id):
        abort(403)
    return ideathon


def _ideathon_page(ideathon: Ideathon, *, plan=None, expense=None, status: int = 200):
    planner = can_plan(current_user)
    budget = ideathon.programme_id is not None
    totals = services.ideathon_totals(ideathon) if budget else None
    if planner and budget and plan is None:
        plan = plan_form().fill(totals)
    return render_template(
        "budget/ideathon.html", ideathon=ideathon, programme=ideathon.programme, totals=totals,
        expenses=services.expenses_of(ideathon) if budget else [], planner=planner,
        editable=planner and budget and not ideathon.is_cancelled,
        plan=plan, expense=expense or ExpenseForm(), today=today(), quetzales=quetzales,
        category_label=category_label,
    ), status


def _refused(error: ProgrammeError, ideathon: Ideathon, **forms):
    """The page again with the refusal on its forms and at its top (no htmx here)."""
    return refused(error, page=lambda: _ideathon_page(ideathon, **forms, status=error.status), forms=forms.values(),
                   htmx=False, flash_on_page=True, on_403="plain")


@bp.route("/ideatones/<int:ideathon_id>/presupuesto")
@role_required(*PLANNERS_AND_OFFICIALS)
def ideathon(ideathon_id: int):
    """Planned against actual by category, the expenses, and for planners the two forms."""
    return _ideathon_page(_readable(db.get_or_404(Ideathon, ideathon_id)))


@bp.route("/ideatones/<int:ideathon_id>/presupuesto/plan", methods=["POST"])
@role_required(*PLANNERS)
def plan(ideathon_id: int):
    ideathon = db.get_or_404(Ideathon, ideathon_id)
    form = plan_form()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_plan(ideathon, form.amounts(), current_user)
    except ProgrammeError as error:
        return _refused(error, ideathon, plan=form)
    flash(_("Plan guardado."), "success")
    return redirect(url_for("budget.ideathon", ideathon_id=ideathon.id))


@bp.route("/ideatones/<int:ideathon_id>/gastos", methods=["POST"])
@role_required(*PLANNERS)
def add_expense(ideathon_id: int):
    ideathon = db.get_or_404(Ideathon, ideathon_id)
    form = ExpenseForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.add_expense(ideathon, form.category.data, form.amount.data, form.spent_on.data,
                             form.description.data, current_user)
    except ProgrammeError as error:
        return _refused(error, ideathon, expense=form)
    flash(_("Gasto registrado."), "success")
    return redirect(url_for("budget.ideathon", ideathon_id=ideathon.id) + "#gastos")


@bp.route("/gastos/<int:expense_id>/borrar", methods=["GET", "POST"])
@role_required(*PLANNERS)
def delete_expense(expense_id: int):
    """GET asks for confirmation; POST deletes."""
    expense = services.get_expense(expense_id)
    if expense is None:
        abort(404)
    ideathon = db.get_or_404(Ideathon, expense.ideathon_id)
    form = ExpenseForm()  # only its CSRF token is used
    if form.validate_on_submit():
        try:
            services.delete_expense(expense, current_user)
        except ProgrammeError as error:
            abort(error.status)
        flash(_("Gasto borrado."), "success")
        return redirect(url_for("budget.ideathon", ideathon_id=ideathon.id) + "#gastos")
    return render_template("budget/delete_expense.html", expense=expense, ideathon=ideathon, form=form,
                           category=Category(expense.category), quetzales=quetzales)


def _chart(totals: services.Totals):
    """How much of each category's plan has been spent, in percent (whole numbers: no separators to
    misread; the amounts are in the table below it). A category with nothing planned is grey."""
    items, description = [], []
    for category, planned, actual, _difference in totals.rows():
        if planned:
            share = round(100 * actual / planned)
            items.append(Item(category.label, share))
            description.append(_("%(category)s: %(share)s (%(actual)s de %(planned)s)", category=category.label,
                                 share=format_percent(share / 100), actual=quetzales(actual),
                                 planned=quetzales(planned)))
        else:
            items.append(Item(_("%(category)s (sin plan)", category=category.label), 0, True))
            description.append(_("%(category)s: sin plan, gastado %(actual)s", category=category.label,
                                 actual=quetzales(actual)))
    return bar_chart(items, id="budget-chart", title=_l("Ejecución por categoría, en porcentaje de lo planificado"),
                     label_heading=_l("Categoría"), value_heading=_l("Porcentaje ejecutado"),
                     description="; ".join(description) + ".")


@bp.route("/programas/<int:programme_id>/presupuesto")
def programme(programme_id: int):
    """The programme's budget: planned against actual by category and per ideathon."""
    programme = visible_programme(programme_id)  # public once published; a draft is the planners'
    totals = services.programme_totals(programme)
    rows = services.ideathon_budgets(programme)
    planner = can_plan(current_user)
    return render_template(
        "budget/programme.html", programme=programme, totals=totals, rows=rows, chart=_chart(totals),
        planner=planner, expenses=services.programme_expenses(programme) if planner else [],
        titles={row.ideathon.id: row.ideathon.title for row in rows}, quetzales=quetzales,
        category_label=category_label,
    )
