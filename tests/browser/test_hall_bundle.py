"""Publishing a room run without internet, in a real browser: a coordinator on the central server
finds the upload from the ideathon's page, sends a damaged bundle (refused, said on the form), then
the laptop's bundle, and lands on the archived ideathon with its note; a visitor's phone reads it."""
import pytest
from playwright.sync_api import expect

from ideaboard.accounts.models import Role
from tests.hall.conftest import laptop, laptop_template  # noqa: F401 - the hall's laptop, as fixtures
from tests.hall.test_publish import laptop_bundle, rezip

from .conftest import check_page, log_in

pytestmark = pytest.mark.browser


def bundle_file(data: bytes, name: str = "resultados.zip") -> dict:
    return {"name": name, "mimeType": "application/zip", "buffer": data}


def test_a_coordinator_uploads_a_bundle_and_sees_the_archived_ideathon_with_its_note(app, laptop,  # noqa: F811
                                                                                    make_user, make_ideathon,
                                                                                    new_page):
    coordinator = make_user(Role.COORDINATOR)
    central = make_ideathon("0108", actor=coordinator, title="Ideatón de Mixco en el salón")
    data = laptop_bundle(laptop, central)

    page = new_page("desktop", viewport={"width": 1366, "height": 768}, is_mobile=False, has_touch=False,
                    device_scale_factor=1)
    log_in(page, coordinator)
    page.goto(f"/ideatones/{central.id}")
    check_page(page, "hall-ideathon-before")
    page.get_by_role("link", name="¿Se realizó sin conexión? Publicar su paquete de resultados").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publicar los resultados de una sala sin conexión")
    check_page(page, "hall-publish")
    on_phone = new_page("phone")
    log_in(on_phone, coordinator)
    on_phone.goto("/archivo/publicar")
    check_page(on_phone, "hall-publish")

    page.get_by_label("Paquete de resultados (.zip)").set_input_files(
        files=[bundle_file(rezip(data, {"votes.json": b"[]"}, rehash=False))])
    page.get_by_role("button", name="Publicar los resultados").click()
    expect(page.get_by_text("votes.json no coincide con el manifiesto")).to_be_visible()
    check_page(page, "hall-publish-refused")

    page.get_by_label("Paquete de resultados (.zip)").set_input_files(files=[bundle_file(data)])
    page.get_by_role("button", name="Publicar los resultados").click()
    page.wait_for_url(f"**/ideatones/{central.id}/archivo")
    expect(page.get_by_text("Resultados publicados: la ideatón ya está en el archivo público.")).to_be_visible()
    expect(page.locator("#offline-note")).to_contain_text("Realizada sin conexión; publicada el")
    expect(page.get_by_role("link", name="Agua para la aldea")).to_be_visible()
    check_page(page, "hall-published-archive")

    # The same file again changes nothing, and says so.
    page.goto("/archivo/publicar")
    page.get_by_label("Paquete de resultados (.zip)").set_input_files(files=[bundle_file(data)])
    page.get_by_role("button", name="Publicar los resultados").click()
    expect(page.get_by_text("Este paquete ya fue publicado el")).to_be_visible()

    visitor = new_page("phone")
    visitor.goto(f"/ideatones/{central.id}/archivo")
    expect(visitor.locator("#offline-note")).to_contain_text("Realizada sin conexión; publicada el")
    expect(visitor.get_by_text("Una idea ocultada. Motivo: Lenguaje ofensivo")).to_be_visible()
    check_page(visitor, "hall-published-archive")
    visitor.goto(f"/ideatones/{central.id}/informe")
    expect(visitor.locator("#offline-note")).to_contain_text("Realizada sin conexión; publicada el")
    check_page(visitor, "hall-published-report")
