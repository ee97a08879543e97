"""Evidence in a real browser, on a phone: a coordinator uploads a photo taken with the phone and the
communiqué, fixes a refused form, and the public sees the gallery (axe on every page)."""
import pytest
from playwright.sync_api import expect

from ideaboard.accounts.models import Role
from tests.uploads.samples import pdf_bytes, phone_photo

from .conftest import check_page, log_in

pytestmark = pytest.mark.browser

ALT = "Vecinas y vecinos pegan puntos en el tablero del salón municipal de Mixco."


def test_a_coordinator_uploads_evidence_from_a_phone_and_the_public_sees_it(app, make_user, make_ideathon, phone,
                                                                           new_page):
    coordinator = make_user(Role.COORDINATOR)
    ideathon = make_ideathon(actor=coordinator, title="Ideatón de Mixco")
    page = phone
    log_in(page, coordinator)
    page.goto(f"/ideatones/{ideathon.id}/evidencias")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ideatón de Mixco")
    check_page(page, "evidence-empty")

    # A photo without its description is refused, with the reason on the field.
    page.get_by_label("Clase de evidencia").select_option("photo")
    page.get_by_label("Título").fill("Votación con puntos")
    page.get_by_label("Archivo").set_input_files(
        files=[{"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": phone_photo(size=(1200, 900))}])
    page.get_by_role("button", name="Guardar la evidencia").click()
    expect(page.get_by_text("lo leen en voz alta los lectores de pantalla").first).to_be_visible()
    expect(page.get_by_text("El archivo estaba bien, pero hay que elegirlo de nuevo.")).to_be_visible()
    check_page(page, "evidence-refused")

    page.get_by_label("Descripción").fill(ALT)
    page.get_by_label("Archivo").set_input_files(
        files=[{"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": phone_photo(size=(1200, 900))}])
    page.get_by_role("button", name="Guardar la evidencia").click()
    expect(page.get_by_text("Evidencia guardada.")).to_be_visible()

    page.get_by_label("Clase de evidencia").select_option("communique")
    page.get_by_label("Título").fill("Comunicado de prensa")
    page.get_by_label("Archivo").set_input_files(
        files=[{"name": "comunicado.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}])
    page.get_by_role("button", name="Guardar la evidencia").click()
    expect(page.get_by_text("Evidencia guardada.")).to_be_visible()
    check_page(page, "evidence-staff")

    visitor = new_page("phone")
    visitor.goto(f"/ideatones/{ideathon.id}/evidencias")
    photo = visitor.get_by_role("img", name=ALT)
    expect(photo).to_be_visible()
    # The small copy, held upright: the phone took it sideways (1200x900, EXIF orientation 6). Visible
    # is not loaded: wait for the image itself before reading its size.
    visitor.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    assert photo.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [360, 480]
    expect(visitor.get_by_role("link", name="Comunicado de prensa")).to_be_visible()
    expect(visitor.get_by_role("button", name="Borrar")).to_have_count(0)
    check_page(visitor, "evidence-public")
    with visitor.expect_download(timeout=90_000) as download:
        visitor.get_by_role("link", name="Comunicado de prensa").click()
    assert download.value.suggested_filename == "comunicado.pdf"
