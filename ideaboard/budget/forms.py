"""The plan and expense forms. They only carry what was typed: amounts, dates and choices are read and
checked by budget/services.py (one rule for amounts: `parse_amount`), whose messages land on these
fields."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice

from ..forms import ShowsErrors
from .models import CATEGORY_LABELS, Category
from ..money import plain_amount
from .services import MAX_DESCRIPTION

AMOUNT_HINT = _l("En quetzales, por ejemplo 1500 o 1,500.50.")


class PlanForm(ShowsErrors, FlaskForm):
    """One amount per category (field names are the categories' values, prefixed `plan-`)."""

    def amounts(self) -> dict:
        return {c.value: getattr(self, c.value).data for c in Category}

    def fill(self, totals) -> "PlanForm":
        for category in Category:
            getattr(self, category.value).data = plain_amount(totals.planned[category])
        return self


for _category in Category:
    setattr(PlanForm, _category.value, StringField(CATEGORY_LABELS[_category]))
del _category


def plan_form(**kwargs) -> PlanForm:
    return PlanForm(prefix="plan", **kwargs)


class ExpenseForm(ShowsErrors, FlaskForm):
    category = SelectField(_l("Categoría"), validate_choice=False,
                           choices=[SelectChoice("", _l("Elija una categoría"))]
                           + [SelectChoice(c.value, CATEGORY_LABELS[c]) for c in Category])
    amount = StringField(_l("Monto"))
    spent_on = StringField(_l("Fecha del gasto"))
    description = StringField(_l("Descripción (qué se pagó; número de factura)"))

    max_description = MAX_DESCRIPTION
