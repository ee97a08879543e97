"""Public pages in a real browser (phone and desktop): axe on each, and the language switch."""
import re

import pytest
from playwright.sync_api import expect

from ideaboard.ideathons.services import cancel_ideathon

from .conftest import check_page

pytestmark = pytest.mark.browser


@pytest.fixture
def public_data(make_user, make_ideathon):
    """Antigua Guatemala has an upcoming, a past and a cancelled ideathon; Mixco has none."""
    coordinator = make_user("coordinator")
    upcoming = make_ideathon("0301", title="Ideatón de Antigua Guatemala", days=10, actor=coordinator,
                             venue="Palacio del Ayuntamiento")
    past = make_ideathon("0301", title="Primera ideatón de Antigua", days=-30, actor=coordinator)
    cancelled = make_ideathon("0301", title="Ideatón suspendida", days=20, actor=coordinator)
    cancel_ideathon(cancelled, reason="Lluvias fuertes; se reprogramará.", actor=coordinator)
    return {"upcoming": upcoming.id, "past": past.id, "cancelled": cancelled.id}


def test_home(app, public_data, device_page):
    page = device_page
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ideatones: su municipio escucha sus ideas")
    upcoming = page.locator("section", has=page.get_by_role("heading", name="Próximas ideatones"))
    expect(upcoming.get_by_role("link", name="Ideatón de Antigua Guatemala")).to_be_visible()
    expect(page.get_by_text("Ideatón suspendida")).to_have_count(0)  # cancelled: not on the home page
    past = page.locator("section", has=page.get_by_role("heading", name="Ideatones realizadas"))
    expect(past.get_by_role("link", name="Primera ideatón de Antigua")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^Antigua Guatemala\s+2 ideatones$"))).to_be_visible()
    check_page(page, "home")


def test_home_empty(app, device_page):
    page = device_page
    page.goto("/")
    expect(page.get_by_text("No hay ideatones programadas por ahora.")).to_be_visible()
    check_page(page, "home-empty")


def test_municipalities_list(app, device_page):
    page = device_page
    page.goto("/municipios/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Los 340 municipios de Guatemala")
    expect(page.locator(".muni-list li")).to_have_count(340)
    expect(page.get_by_role("navigation", name="Departamentos").get_by_role("link")).to_have_count(22)
    check_page(page, "municipalities")


def test_municipality_without_ideathons_shows_the_empty_state(app, public_data, device_page):
    page = device_page
    page.goto("/municipios/0108")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mixco")
    expect(page.locator(".empty-state")).to_contain_text("Mixco todavía no ha realizado ninguna ideatón.")
    expect(page.locator(".ideathon-card")).to_have_count(0)
    check_page(page, "municipality-empty")


def test_municipality_with_ideathons(app, public_data, device_page):
    page = device_page
    page.goto("/municipios/0301")
    expect(page.get_by_role("heading", level=1)).to_have_text("Antigua Guatemala")
    expect(page.locator(".ideathon-card")).to_have_count(3)
    expect(page.locator(".ideathon-card--cancelled .badge--cancelled")).to_have_text("Cancelada")
    check_page(page, "municipality")


def test_ideathon_page(app, public_data, device_page):
    page = device_page
    page.goto(f"/ideatones/{public_data['upcoming']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ideatón de Antigua Guatemala")
    expect(page.locator(".facts")).to_contain_text("Palacio del Ayuntamiento")
    expect(page.locator(".theme-list li")).to_have_text(
        ["Agua y saneamiento", "Desechos y limpieza", "Mercados y rastros"]
    )
    expect(page.locator(".staff-box")).to_have_count(0)  # anonymous visitors see no staff tools
    check_page(page, "ideathon")


def test_cancelled_ideathon_page(app, public_data, device_page):
    page = device_page
    page.goto(f"/ideatones/{public_data['cancelled']}")
    expect(page.locator("main .alert--error")).to_contain_text("Lluvias fuertes; se reprogramará.")
    check_page(page, "ideathon-cancelled")


def test_not_found_page(app, device_page):
    page = device_page
    response = page.goto("/municipios/9999")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Página no encontrada")
    expect(page.get_by_role("link", name="Volver al inicio")).to_be_visible()
    check_page(page, "not-found")


def test_switch_language_to_english_and_back(app, device_page):
    page = device_page
    page.goto("/municipios/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    footer = page.locator("footer")
    expect(footer.get_by_role("button", name="Español")).to_have_attribute("aria-current", "true")

    footer.get_by_role("button", name="English").click()
    page.wait_for_url("**/municipios/")  # back where the visitor was
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(footer.get_by_role("button", name="English")).to_have_attribute("aria-current", "true")
    expect(footer.get_by_role("button", name="Español")).not_to_have_attribute("aria-current", "true")
    # The English catalogue (ideaboard/translations/en, compiled by `make install`).
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Municipalities")).to_be_visible()
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Los 340 municipios de Guatemala")
    check_page(page, "municipalities-en")

    footer.get_by_role("button", name="Español").click()
    page.wait_for_url("**/municipios/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Los 340 municipios de Guatemala")
    expect(page.get_by_role("navigation", name="Principal").get_by_role("link", name="Municipios")).to_be_visible()
    expect(footer.get_by_role("button", name="Español")).to_have_attribute("aria-current", "true")
