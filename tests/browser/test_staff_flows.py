"""Staff flows in a real browser: logging in, and planning an ideathon with the theme editor."""
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from ideaboard.extensions import db
from ideaboard.ideathons.models import Ideathon

from .conftest import check_page, log_in

pytestmark = pytest.mark.browser

MIXCO = "Mixco, Guatemala (0108)"


def theme_names(page) -> list[str]:
    """The names in the theme editor's rows, top to bottom, as the DOM holds them now."""
    return page.locator("#theme-editor .theme-row input[name$='-name']").evaluate_all(
        "inputs => inputs.map(i => i.value)"
    )


def test_admin_logs_in_and_sees_the_panel(app, make_user, device_page):
    page = device_page
    admin = make_user("admin", name="Ana Admin")

    page.goto("/entrar")
    expect(page.get_by_role("heading", level=1)).to_have_text("Entrar")
    check_page(page, "login")

    page.get_by_label("Correo electrónico").fill(admin.email)
    page.get_by_label("Contraseña", exact=True).fill("contraseña-de-prueba")
    page.locator("main").get_by_role("button", name="Entrar").click()

    page.wait_for_url("**/panel")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hola, Ana Admin")
    expect(page.locator("#alerts")).to_contain_text("Bienvenida/o, Ana Admin.")
    expect(page.get_by_role("link", name=re.compile("Cuentas del personal"))).to_be_visible()
    expect(page.get_by_role("button", name="Salir")).to_be_visible()
    check_page(page, "panel")


def test_wrong_password_shows_the_error_and_stays_on_login(app, make_user, device_page):
    page = device_page
    admin = make_user("admin")

    page.goto("/entrar")
    page.get_by_label("Correo electrónico").fill(admin.email)
    page.get_by_label("Contraseña", exact=True).fill("no-es-la-contraseña")
    page.locator("main").get_by_role("button", name="Entrar").click()

    expect(page.get_by_role("alert")).to_have_text("Correo o contraseña incorrectos.")
    assert page.url.endswith("/entrar")
    expect(page.get_by_role("heading", level=1)).to_have_text("Entrar")
    expect(page.get_by_label("Correo electrónico")).to_have_value(admin.email)
    expect(page.get_by_role("link", name="Panel")).to_have_count(0)
    check_page(page, "login-error")


def test_coordinator_creates_an_ideathon_with_the_theme_editor(app, make_user, device_page):
    page = device_page
    coordinator = make_user("coordinator")
    log_in(page, coordinator)

    page.get_by_role("link", name=re.compile("Nueva ideatón")).click()
    page.wait_for_url("**/ideatones/nueva")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nueva ideatón")
    check_page(page, "ideathon-form")

    municipality = page.get_by_label("Municipio", exact=True)
    municipality.press_sequentially("Mixc")
    expect(page.locator(f'#municipality-options option[value="{MIXCO}"]')).to_have_count(1)
    municipality.fill(MIXCO)
    page.get_by_label("Título").fill("Ideatón de Mixco 2030")
    page.get_by_label("Fecha y hora (hora de Guatemala)").fill("2030-05-04T09:30")
    page.get_by_label("Lugar").fill("Salón municipal de Mixco")

    before = theme_names(page)
    assert before[:4] == ["Agua y saneamiento", "Desechos y limpieza", "Mercados y rastros", "Calles y caminos"]
    assert before[-1] == "Otro"
    # A marker on the window survives an htmx swap and dies with a full page load.
    page.evaluate("window.__sameDocument = true")

    def editor_step(button_id: str, expected: list[str]) -> None:
        with page.expect_response(lambda r: r.request.method == "POST" and r.request.headers.get("hx-request") == "true") as info:
            page.locator(f"#{button_id}").click()
        assert info.value.status == 200
        page.wait_for_function(
            """expected => JSON.stringify([...document.querySelectorAll("#theme-editor .theme-row input[name$='-name']")]
                   .map(i => i.value)) === JSON.stringify(expected)""",
            arg=expected,
        )
        assert page.evaluate("window.__sameDocument === true"), "the editor step reloaded the whole page"

    # Move "Agua y saneamiento" down, then "Calles y caminos" up.
    order = ["Desechos y limpieza", "Agua y saneamiento"] + before[2:]
    editor_step("theme-down-0", order)
    order[2], order[3] = order[3], order[2]
    editor_step("theme-up-3", order)
    assert order[:4] == ["Desechos y limpieza", "Agua y saneamiento", "Calles y caminos", "Mercados y rastros"]
    check_page(page, "theme-editor-after-moves")  # axe after the live update too

    # Rename one (the rename travels with the next editor step), remove one, add one.
    page.get_by_label("Nombre del tema 2", exact=True).fill("Agua potable y drenajes")
    order[1] = "Agua potable y drenajes"
    remove = page.get_by_role("button", name="Quitar «Mercados y rastros»")
    assert remove.get_attribute("id") == "theme-remove-3"
    del order[3]
    editor_step("theme-remove-3", order)
    editor_step("theme-add", order + [""])
    new_index = len(order) + 1
    page.get_by_label(f"Nombre del tema {new_index}", exact=True).fill("Cultura y deporte")
    page.get_by_label(f"Ícono del tema {new_index}", exact=True).select_option("market")
    order.append("Cultura y deporte")
    assert theme_names(page) == order
    check_page(page, "theme-editor-edited")

    page.locator("#save-ideathon").click()
    page.wait_for_url(re.compile(r"/ideatones/\d+$"))
    expect(page.locator("#alerts")).to_contain_text("Ideatón creada.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ideatón de Mixco 2030")
    expect(page.locator(".theme-list li")).to_have_text(order)
    expect(page.locator(".facts")).to_contain_text("Salón municipal de Mixco")
    check_page(page, "ideathon-detail")

    db.session.rollback()  # end any read snapshot taken before the server wrote
    ideathon = db.session.scalar(sa.select(Ideathon).where(Ideathon.title == "Ideatón de Mixco 2030"))
    assert ideathon is not None
    assert page.url.endswith(f"/ideatones/{ideathon.id}")
    assert ideathon.municipality.code == "0108"
    assert ideathon.venue == "Salón municipal de Mixco"
    assert ideathon.starts_at.isoformat() == "2030-05-04T15:30:00"  # 09:30 in Guatemala (UTC-6)
    assert ideathon.created_by_id == coordinator.id
    assert [t.name for t in ideathon.themes] == order
    assert [t.position for t in ideathon.themes] == list(range(len(order)))
    assert ideathon.themes[-1].icon == "market"


def test_theme_editor_works_without_javascript(app, make_user, new_page):
    page = new_page("phone-nojs", java_script_enabled=False)
    log_in(page, make_user("coordinator"))

    page.goto("/ideatones/nueva")
    rows = page.locator("#theme-editor .theme-row")
    count = rows.count()
    assert count == 11
    page.get_by_label("Título").fill("Sin JavaScript")

    with page.expect_navigation():
        page.get_by_role("button", name="Añadir tema").click()
    expect(rows).to_have_count(count + 1)
    expect(page.get_by_label("Título")).to_have_value("Sin JavaScript")  # the rest of the form survives

    with page.expect_navigation():
        page.get_by_role("button", name="Bajar «Agua y saneamiento»").click()
    assert theme_names(page)[:2] == ["Desechos y limpieza", "Agua y saneamiento"]
    check_page(page, "theme-editor", axe=False)
