"""Budget rules: the default plan, reading typed amounts, changing the plan, recording and deleting
spending, and the programme's totals. Every refusal leaves the database as it was."""
from datetime import timedelta

import pytest

from ideaboard.accounts.models import Role
from ideaboard.budget.models import DEFAULT_PLAN, Category
from ideaboard.budget.services import (
    add_expense, delete_expense, expenses_of, ideathon_budgets, ideathon_totals, programme_totals, set_plan,
)
from ideaboard.ideathons.services import cancel_ideathon
from ideaboard.money import AmountError, parse_amount, quetzales
from ideaboard.programme.services import ProgrammeError
from tests.budget.helpers import expense_count, planned

# --- The default plan ----------------------------------------------------------------------------


def test_each_ideathon_of_a_programme_starts_with_the_pilot_plan_of_q8100(ideathon):
    totals = ideathon_totals(ideathon)
    assert totals.planned_total == 8_100_00 and quetzales(totals.planned_total) == "Q8,100.00"
    assert totals.planned == dict(DEFAULT_PLAN) and totals.actual_total == 0
    assert totals.executed_share == 0


def test_eight_ideathons_make_a_programme_of_q64800(make_ideathon, programme, coordinator):
    for n, code in enumerate(["2101", "0301", "1308", "0801", "1601", "0108", "0901", "0115"]):
        make_ideathon(code, days=10 + n, programme=programme, actor=coordinator)
    totals = programme_totals(programme)
    assert totals.planned_total == 64_800_00 and quetzales(totals.planned_total) == "Q64,800.00"
    assert totals.planned[Category.PER_DIEM] == 8 * 2_400_00
    rows = ideathon_budgets(programme)
    assert len(rows) == 8 and sum(r.planned for r in rows) == 64_800_00


def test_an_ideathon_outside_a_programme_has_no_budget(make_ideathon):
    assert ideathon_totals(make_ideathon()).planned_total == 0


# --- Reading typed amounts -------------------------------------------------------------------------


@pytest.mark.parametrize("text, cents", [
    ("1500", 1_500_00), ("1,500", 1_500_00), ("1,500.50", 1_500_50), ("1500.5", 1_500_50), ("1500.50", 1_500_50),
    ("Q1,500", 1_500_00), ("Q.1,500.00", 1_500_00), ("Q 250", 250_00), ("q250.75", 250_75), ("GTQ 99", 99_00),
    ("1500,50", 1_500_50), ("1500,5", 1_500_50), ("1,5", 1_50), ("0.99", 99), ("0", 0), ("  12  ", 12_00),
    ("10,000,000", 10_000_000_00), ("Q10,000,000.00", 10_000_000_00), ("Q.50", 50_00),
])
def test_amounts_are_read_the_guatemalan_way(app, text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text, message", [
    ("", "Escriba el monto."),
    ("   ", "Escriba el monto."),
    (None, "Escriba el monto."),
    ("-1500", "El monto no puede ser negativo."),
    ("Q-1,500", "El monto no puede ser negativo."),
    ("-Q1,500.50", "El monto no puede ser negativo."),
    ("mil quinientos", "«mil quinientos» no es un monto."),
    ("1 500", "«1 500» no es un monto."),
    ("1,50,0", "no es un monto"),
    ("1.2.3", "no es un monto"),
    ("١٥٠٠", "no es un monto"),  # digits of another script
    ("1.500", "«1.500» no es claro: ¿el punto separa los miles o los centavos?"),
    ("12.345", "no es claro"),
    ("1.500,50", "el punto separa miles"),
    ("1.500.000", "el punto separa miles"),
    ("1500.505", "Escriba como máximo dos decimales"),
    ("1,500.505", "Escriba como máximo dos decimales"),
    ("10,000,000.01", "El monto es demasiado grande: el máximo es Q10,000,000.00."),
    ("99999999999", "El monto es demasiado grande"),
    ("9" * 200, "no es un monto"),
])
def test_amounts_that_could_be_misread_are_refused_with_a_reason(app, text, message):
    with pytest.raises(AmountError) as refused:
        parse_amount(text)
    assert message in str(refused.value.args[0])


# --- The plan --------------------------------------------------------------------------------------


def amounts(**changed) -> dict:
    values = {c.value: f"{cents / 100:.2f}" for c, cents in DEFAULT_PLAN.items()}
    return values | changed


def test_a_planner_sets_the_plan(ideathon, coordinator):
    totals = set_plan(ideathon, amounts(hall="2,000", other="0", per_diem="Q2,400.50"), coordinator)
    assert totals.planned[Category.HALL] == 2_000_00 and totals.planned[Category.OTHER] == 0
    assert planned(ideathon)["per_diem"] == 2_400_50
    assert totals.planned_total == 8_100_00 + 500_00 - 300_00 + 50


def test_a_bad_plan_changes_nothing_and_names_each_bad_amount(ideathon, coordinator):
    before = planned(ideathon)
    with pytest.raises(ProgrammeError) as refused:
        set_plan(ideathon, amounts(hall="-100", transport="mucho", materials="", audiovisual="1500"), coordinator)
    assert refused.value.status == 422
    errors = {k: str(v) for k, v in refused.value.errors.items()}
    assert errors["hall"] == "El monto no puede ser negativo."
    assert "«mucho» no es un monto" in errors["transport"]
    assert errors["materials"] == "Escriba el monto."
    assert set(errors) == {"hall", "transport", "materials"}
    assert planned(ideathon) == before


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.OFFICIAL])
def test_only_planners_change_the_plan(ideathon, make_user, role):
    before = planned(ideathon)
    with pytest.raises(ProgrammeError) as refused:
        set_plan(ideathon, amounts(hall="1"), make_user(role))
    assert refused.value.status == 403 and planned(ideathon) == before


def test_a_cancelled_ideathon_keeps_its_plan(ideathon, coordinator):
    cancel_ideathon(ideathon, reason="Lluvias", actor=coordinator)
    with pytest.raises(ProgrammeError) as refused:
        set_plan(ideathon, amounts(hall="1"), coordinator)
    assert refused.value.status == 409 and "fue cancelada" in str(refused.value)
    assert planned(ideathon)["hall"] == 1_500_00


def test_an_ideathon_outside_a_programme_has_no_plan_to_set(make_ideathon, coordinator):
    loose = make_ideathon()
    with pytest.raises(ProgrammeError) as refused:
        set_plan(loose, amounts(), coordinator)
    assert refused.value.status == 409 and "no es parte de un programa" in str(refused.value)
    assert planned(loose) == {}


# --- Spending --------------------------------------------------------------------------------------


def test_a_planner_records_and_deletes_spending(ideathon, coordinator, today):
    first = add_expense(ideathon, "hall", "Q1,200.00", today, "Alquiler del salón comunal, factura 123", coordinator)
    second = add_expense(ideathon, Category.COFFEE_BREAK, "350,50", today - timedelta(days=3), "  Refacción  ",
                         coordinator)
    assert (first.amount_cents, first.category, first.created_by_id) == (1_200_00, "hall", coordinator.id)
    assert second.description == "Refacción" and second.amount_cents == 350_50
    totals = ideathon_totals(ideathon)
    assert totals.actual_total == 1_550_50 and totals.actual[Category.HALL] == 1_200_00
    assert [e.id for e in expenses_of(ideathon)] == [first.id, second.id]  # latest first
    delete_expense(first, coordinator)
    assert expense_count() == 1 and ideathon_totals(ideathon).actual_total == 350_50


def test_the_date_as_typed_in_a_form_is_read(ideathon, coordinator, today):
    assert add_expense(ideathon, "other", "10", today.isoformat(), "Fotocopias", coordinator).spent_on == today
    assert add_expense(ideathon, "other", "10", today.strftime("%d/%m/%Y"), "Fotocopias", coordinator).spent_on == today


@pytest.mark.parametrize("field, values, message", [
    ("amount", {"amount": "-50"}, "El monto no puede ser negativo."),
    ("amount", {"amount": "0"}, "El gasto debe ser mayor que cero."),
    ("amount", {"amount": "Q0.00"}, "El gasto debe ser mayor que cero."),
    ("amount", {"amount": "cincuenta"}, "«cincuenta» no es un monto."),
    ("amount", {"amount": "50.1255"}, "Escriba como máximo dos decimales"),
    ("amount", {"amount": "50.125"}, "«50.125» no es claro"),
    ("amount", {"amount": "20,000,000"}, "El monto es demasiado grande"),
    ("amount", {"amount": ""}, "Escriba el monto."),
    ("category", {"category": "fiesta"}, "Elija una categoría de la lista."),
    ("category", {"category": ""}, "Elija una categoría de la lista."),
    ("spent_on", {"spent_on": None}, "La fecha del gasto es obligatoria."),
    ("spent_on", {"spent_on": "31/02/2026"}, "«31/02/2026» no es una fecha."),
    ("spent_on", {"spent_on": "before"}, "La fecha del gasto debe caer dentro del periodo del programa"),
    ("spent_on", {"spent_on": "tomorrow"}, "La fecha del gasto no puede ser futura."),
    ("description", {"description": "   "}, "Describa el gasto"),
    ("description", {"description": "x" * 201}, "La descripción admite como máximo 200 caracteres."),
])
def test_bad_spending_is_refused_at_its_field_and_nothing_is_written(ideathon, coordinator, programme, today,
                                                                     field, values, message):
    days = {"before": programme.starts_on - timedelta(days=1), "tomorrow": today + timedelta(days=1)}
    typed = {"category": "hall", "amount": "100", "spent_on": today, "description": "Salón"} | values
    typed["spent_on"] = days.get(typed["spent_on"], typed["spent_on"])
    with pytest.raises(ProgrammeError) as refused:
        add_expense(ideathon, typed["category"], typed["amount"], typed["spent_on"], typed["description"], coordinator)
    assert refused.value.status == 422 and str(refused.value) == "Revise los campos marcados."
    assert list(refused.value.errors) == [field]
    assert message in str(refused.value.errors[field])
    assert expense_count() == 0


def test_every_problem_of_an_expense_is_reported_at_once(ideathon, coordinator):
    with pytest.raises(ProgrammeError) as refused:
        add_expense(ideathon, "x", "-1", None, "", coordinator)
    assert set(refused.value.errors) == {"category", "amount", "spent_on", "description"}


def test_a_date_after_the_programme_is_outside_its_period(make_programme, make_ideathon, coordinator, today):
    ended = make_programme(days_before=60, days_after=-10, actor=coordinator)  # ended ten days ago
    past = make_ideathon(days=-30, programme=ended, actor=coordinator)
    with pytest.raises(ProgrammeError) as refused:
        add_expense(past, "hall", "100", today - timedelta(days=5), "Salón", coordinator)
    assert "dentro del periodo del programa" in str(refused.value.errors["spent_on"])
    assert add_expense(past, "hall", "100", today - timedelta(days=15), "Salón", coordinator).id


def test_spending_needs_an_ideathon_of_a_programme(make_ideathon, coordinator, today):
    with pytest.raises(ProgrammeError) as refused:
        add_expense(make_ideathon(), "hall", "100", today, "Salón", coordinator)
    assert refused.value.status == 409 and "no es parte de un programa" in str(refused.value)
    assert expense_count() == 0


def test_a_cancelled_ideathon_takes_no_new_spending(ideathon, coordinator, today):
    kept = add_expense(ideathon, "hall", "500", today, "Anticipo del salón", coordinator)
    cancel_ideathon(ideathon, reason="Elecciones", actor=coordinator)
    with pytest.raises(ProgrammeError) as refused:
        add_expense(ideathon, "hall", "100", today, "Salón", coordinator)
    assert refused.value.status == 409
    assert str(refused.value) == "Esta ideatón fue cancelada: no admite gastos nuevos."
    assert expense_count() == 1
    delete_expense(kept, coordinator)  # a correction is still possible
    assert expense_count() == 0


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.OFFICIAL])
def test_only_planners_record_or_delete_spending(ideathon, coordinator, make_user, today, role):
    someone = make_user(role)
    with pytest.raises(ProgrammeError) as refused:
        add_expense(ideathon, "hall", "100", today, "Salón", someone)
    assert refused.value.status == 403 and expense_count() == 0
    expense = add_expense(ideathon, "hall", "100", today, "Salón", coordinator)
    with pytest.raises(ProgrammeError) as refused:
        delete_expense(expense, someone)
    assert refused.value.status == 403 and expense_count() == 1


# --- The programme's totals ------------------------------------------------------------------------


def test_programme_totals_and_ideathon_lines_agree(make_ideathon, programme, coordinator, today):
    a = make_ideathon("0108", days=5, programme=programme, actor=coordinator)
    b = make_ideathon("0301", days=9, programme=programme, actor=coordinator)
    c = make_ideathon("1301", days=12, programme=programme, actor=coordinator)
    elsewhere = make_ideathon("0101", days=6, actor=coordinator)  # in no programme: never counted
    add_expense(a, "hall", "1,600", today, "Salón más caro", coordinator)  # Q100 over the hall's plan
    add_expense(b, "transport", "300", today, "Bus", coordinator)
    add_expense(c, "coffee_break", "200", today, "Anticipo de refacción", coordinator)
    cancel_ideathon(c, reason="Suspendida", actor=coordinator)
    assert elsewhere.programme_id is None

    totals = programme_totals(programme)
    assert totals.planned_total == 2 * 8_100_00  # the cancelled one's plan no longer counts...
    assert totals.actual_total == 1_600_00 + 300_00 + 200_00  # ...what it spent does
    assert totals.planned[Category.HALL] - totals.actual[Category.HALL] == 1_500_00 * 2 - 1_600_00

    rows = {row.ideathon.id: row for row in ideathon_budgets(programme)}
    assert [r.ideathon.id for r in ideathon_budgets(programme)] == [a.id, b.id, c.id]  # by date
    assert rows[a.id].actual == 1_600_00 and rows[a.id].difference == 8_100_00 - 1_600_00 and not rows[a.id].over
    assert rows[c.id].planned == 0 and rows[c.id].former_plan == 8_100_00 and rows[c.id].over
    assert sum(r.planned for r in rows.values()) == totals.planned_total
    assert sum(r.actual for r in rows.values()) == totals.actual_total
    assert ideathon_totals(a).rows()[0] == (Category.HALL, 1_500_00, 1_600_00, -100_00)
