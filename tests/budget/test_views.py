"""The budget pages through real forms: an ideathon's budget (planners change it, its municipality's
officials read it) and the programme's (public once published, totals only)."""
import re
from datetime import timedelta

import pytest

from ideaboard.accounts.models import Role
from ideaboard.budget.services import add_expense, ideathon_totals
from ideaboard.ideathons.services import cancel_ideathon
from tests.budget.helpers import expense_count, planned
from tests.conftest import Auth


def expense_form(today, **values):
    return {"category": "hall", "amount": "1,250.50", "spent_on": today.isoformat(),
            "description": "Alquiler del salón comunal, factura A-17"} | values


def plan_form(**values):
    base = {"plan-hall": "1500", "plan-per_diem": "2400", "plan-coffee_break": "1200", "plan-transport": "1300",
            "plan-materials": "800", "plan-audiovisual": "600", "plan-other": "300"}
    return base | {f"plan-{k}": v for k, v in values.items()}


def error_at(html: str, field_id: str) -> str:
    """The message shown under a field (the `field` macro's <p id="<field>-error">)."""
    match = re.search(rf'<p class="field__error" id="{re.escape(field_id)}-error">([^<]*)</p>', html)
    return match.group(1) if match else ""


def test_the_planner_sees_plan_against_actual_and_the_forms(client, auth, ideathon, coordinator):
    auth.login(coordinator)
    response = client.get(f"/ideatones/{ideathon.id}/presupuesto")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in ("Presupuesto de la ideatón", "Alquiler de salón", "Viáticos de facilitadores", "Q8,100.00",
                 "Todavía no hay gastos registrados.", "Registrar un gasto", "Cambiar el plan de esta ideatón"):
        assert text in html, text
    assert f'action="/ideatones/{ideathon.id}/gastos"' in html
    assert 'name="plan-hall" type="text" value="1500.00"' in html


def test_recording_an_expense_through_the_form(client, auth, ideathon, coordinator, today):
    auth.login(coordinator)
    response = auth.post(f"/ideatones/{ideathon.id}/gastos", expense_form(today))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/ideatones/{ideathon.id}/presupuesto#gastos")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Gasto registrado." in html and "Alquiler del salón comunal, factura A-17" in html
    assert "Q1,250.50" in html and "Q6,849.50" in html  # spent, and what is left of Q8,100
    assert ideathon_totals(ideathon).actual_total == 1_250_50


@pytest.mark.parametrize("values, field, message", [
    ({"amount": "-20"}, "amount", "El monto no puede ser negativo."),
    ({"amount": "0"}, "amount", "El gasto debe ser mayor que cero."),
    ({"amount": "veinte"}, "amount", "«veinte» no es un monto. Escriba, por ejemplo, 1500 o 1,500.50."),
    ({"amount": "1200.505"}, "amount", "Escriba como máximo dos decimales (los centavos)."),
    ({"spent_on": "tomorrow"}, "spent_on", "La fecha del gasto no puede ser futura."),
    ({"spent_on": "2001-01-01"}, "spent_on", "La fecha del gasto debe caer dentro del periodo del programa"),
    ({"spent_on": ""}, "spent_on", "La fecha del gasto es obligatoria."),
    ({"description": ""}, "description", "Describa el gasto"),
    ({"category": "fiesta"}, "category", "Elija una categoría de la lista."),
])
def test_a_bad_expense_is_shown_again_with_the_message_at_its_field(client, auth, ideathon, coordinator, today,
                                                                     values, field, message):
    auth.login(coordinator)
    if values.get("spent_on") == "tomorrow":
        values = {**values, "spent_on": (today + timedelta(days=1)).isoformat()}
    response = auth.post(f"/ideatones/{ideathon.id}/gastos", expense_form(today, **values))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in error_at(html, field).replace("&#34;", '"').replace("&#39;", "'")
    assert "Revise los campos marcados." in html
    if field != "description":  # what was typed stays in the form
        assert 'value="Alquiler del salón comunal, factura A-17"' in html
    assert expense_count() == 0


def test_a_cancelled_ideathon_refuses_spending_on_the_page(client, auth, ideathon, coordinator, today):
    cancel_ideathon(ideathon, reason="Lluvias fuertes", actor=coordinator)
    auth.login(coordinator)
    page = client.get(f"/ideatones/{ideathon.id}/presupuesto").get_data(as_text=True)
    assert "Esta ideatón fue cancelada." in page and "Registrar un gasto" not in page
    response = auth.post(f"/ideatones/{ideathon.id}/gastos", expense_form(today))
    assert response.status_code == 409
    assert "Esta ideatón fue cancelada: no admite gastos nuevos." in response.get_data(as_text=True)
    assert expense_count() == 0


def test_an_ideathon_outside_a_programme_says_so(client, auth, make_ideathon, coordinator, today):
    loose = make_ideathon(actor=coordinator)
    auth.login(coordinator)
    page = client.get(f"/ideatones/{loose.id}/presupuesto")
    assert page.status_code == 200
    assert "Esta ideatón no es parte de un programa: no tiene presupuesto." in page.get_data(as_text=True)
    response = auth.post(f"/ideatones/{loose.id}/gastos", expense_form(today))
    assert response.status_code == 409 and "no es parte de un programa" in response.get_data(as_text=True)
    assert expense_count() == 0


def test_changing_the_plan_through_the_form(client, auth, ideathon, coordinator):
    auth.login(coordinator)
    response = auth.post(f"/ideatones/{ideathon.id}/presupuesto/plan", plan_form(hall="Q2,000.00", other="0"))
    assert response.status_code == 302
    assert "Plan guardado." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert planned(ideathon)["hall"] == 2_000_00 and planned(ideathon)["other"] == 0
    assert ideathon_totals(ideathon).planned_total == 8_100_00 + 500_00 - 300_00


def test_a_bad_plan_is_shown_again_and_nothing_changes(client, auth, ideathon, coordinator):
    auth.login(coordinator)
    before = planned(ideathon)
    response = auth.post(f"/ideatones/{ideathon.id}/presupuesto/plan",
                         plan_form(hall="-5", transport="1.500", materials="3000"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Revise los montos marcados." in html
    assert error_at(html, "plan-hall") == "El monto no puede ser negativo."
    assert "¿el punto separa los miles o los centavos?" in error_at(html, "plan-transport")
    assert error_at(html, "plan-materials") == ""
    assert 'name="plan-materials" type="text" value="3000"' in html  # what was typed stays
    assert "<details class=\"panel budget-plan\" open>" in html
    assert planned(ideathon) == before


def test_deleting_an_expense_asks_first(client, auth, ideathon, coordinator, today):
    url = f"/gastos/{add_expense(ideathon, 'transport', '400', today, 'Bus de la capital', coordinator).id}/borrar"
    auth.login(coordinator)
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "¿Borrar este gasto?" in html and "Bus de la capital" in html
    assert "Q400.00" in html and "Sí, borrar el gasto" in html
    assert expense_count() == 1  # looking is not deleting
    response = auth.post(url)
    assert response.status_code == 302 and expense_count() == 0
    assert "Gasto borrado." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get(url).status_code == 404


def test_overspending_is_marked_in_words(client, auth, ideathon, coordinator, today):
    add_expense(ideathon, "hall", "1,750", today, "Salón", coordinator)
    auth.login(coordinator)
    html = client.get(f"/ideatones/{ideathon.id}/presupuesto").get_data(as_text=True)
    assert "Excedido en Q250.00" in html and 'class="budget-table__over"' in html


# --- Who may see and change what ------------------------------------------------------------------


def test_officials_of_the_municipality_read_the_budget_others_may_not(app, ideathon, coordinator, make_user, today):
    add_expense(ideathon, "hall", "100", today, "Depósito del salón", coordinator)
    url = f"/ideatones/{ideathon.id}/presupuesto"
    assert app.test_client().get(url).status_code == 302  # to the login page

    own = app.test_client()
    Auth(own).login(make_user(Role.OFFICIAL, municipality="0108"))
    html = own.get(url).get_data(as_text=True)
    assert "Depósito del salón" in html and "Solo lectura" in html
    assert "Registrar un gasto" not in html and "Cambiar el plan" not in html and "/borrar" not in html

    other = app.test_client()
    Auth(other).login(make_user(Role.OFFICIAL, municipality="0301"))
    assert other.get(url).status_code == 403

    moderator = app.test_client()
    Auth(moderator).login(make_user(Role.MODERATOR))
    assert moderator.get(url).status_code == 403
    assert app.test_client().get("/ideatones/999999/presupuesto").status_code == 302


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.MODERATOR])
def test_only_planners_post(app, ideathon, coordinator, make_user, today, role):
    expense = add_expense(ideathon, "hall", "100", today, "Salón", coordinator)
    client = app.test_client()
    auth = Auth(client)
    auth.login(make_user(role, municipality="0108") if role is Role.OFFICIAL else make_user(role))
    before = planned(ideathon)
    assert auth.post(f"/ideatones/{ideathon.id}/gastos", expense_form(today)).status_code == 403
    assert auth.post(f"/ideatones/{ideathon.id}/presupuesto/plan", plan_form(hall="1")).status_code == 403
    assert client.get(f"/gastos/{expense.id}/borrar").status_code == 403
    assert auth.post(f"/gastos/{expense.id}/borrar").status_code == 403
    assert expense_count() == 1 and planned(ideathon) == before


def test_the_programme_budget_is_public_once_published_with_totals_only(app, make_programme, make_ideathon,
                                                                        coordinator, make_user, today):
    programme = make_programme(name="Ideatones abiertas", actor=coordinator)
    ideathon = make_ideathon("0108", title="Ideatón de Mixco", programme=programme, actor=coordinator)
    add_expense(ideathon, "per_diem", "2,600", today, "Viáticos de Juana Pérez", coordinator)
    url = f"/programas/{programme.id}/presupuesto"

    public = app.test_client().get(url)
    html = public.get_data(as_text=True)
    assert public.status_code == 200
    assert "Presupuesto del programa" in html and "Ideatón de Mixco" in html
    assert "Q8,100.00" in html and "Q2,600.00" in html and "Excedido en Q200.00" in html  # per diem: Q2,400 planned
    assert "<strong>32%</strong> ejecutado" in html  # 2,600 / 8,100
    assert '<figure class="chart" id="budget-chart">' in html
    assert re.search(r'<text class="chart__value"[^>]*>108</text>', html)  # per diem: 2,600 / 2,400
    assert "Viáticos de facilitadores: 108% (Q2,600.00 de Q2,400.00)" in html
    assert "Juana Pérez" not in html  # expense lines are the planners'
    assert f"/ideatones/{ideathon.id}/presupuesto" not in html

    planner = app.test_client()
    Auth(planner).login(coordinator)
    html = planner.get(url).get_data(as_text=True)
    assert "Viáticos de Juana Pérez" in html and f"/ideatones/{ideathon.id}/presupuesto" in html


def test_a_draft_programme_budget_is_the_planners(app, make_programme, make_ideathon, coordinator, make_user):
    draft = make_programme(published=False, actor=coordinator)
    url = f"/programas/{draft.id}/presupuesto"
    assert app.test_client().get(url).status_code == 404
    for role in (Role.OFFICIAL, Role.MODERATOR):
        client = app.test_client()
        Auth(client).login(make_user(role))
        assert client.get(url).status_code == 404
    for role in (Role.COORDINATOR, Role.ADMIN):
        client = app.test_client()
        Auth(client).login(make_user(role))
        response = client.get(url)
        assert response.status_code == 200 and "Borrador" in response.get_data(as_text=True)
    assert app.test_client().get("/programas/999999/presupuesto").status_code == 404


def test_an_empty_programme_budget(client, programme):
    html = client.get(f"/programas/{programme.id}/presupuesto").get_data(as_text=True)
    assert "Este programa todavía no tiene ideatones." in html and "Q0.00" in html


def test_an_official_reads_a_draft_programmes_ideathon_budget_without_a_link_to_the_draft(
        app, make_programme, make_ideathon, coordinator, make_user):
    draft = make_programme(published=False, actor=coordinator)
    ideathon = make_ideathon("0108", programme=draft, actor=coordinator)
    client = app.test_client()
    Auth(client).login(make_user(Role.OFFICIAL, municipality="0108"))
    html = client.get(f"/ideatones/{ideathon.id}/presupuesto").get_data(as_text=True)
    assert "Q8,100.00" in html and f"/programas/{draft.id}/presupuesto" not in html
    assert client.get(f"/programas/{draft.id}/presupuesto").status_code == 404
