"""The hall kit's pages in a real browser: a coordinator finds the kit and the setup sheet on the
ideathon's staff box, an admin imports a kit on the upload page (a refused file first), on a phone and
on a laptop's screen (axe, the Nu HTML Checker and screenshots through check_page)."""
import json
import uuid

import pytest
from playwright.sync_api import expect

from ideaboard.accounts.models import Role

from .conftest import check_page, log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_kit_from_the_staff_box_and_its_import_on_the_upload_page(app, make_user, make_ideathon, device, request):
    page = request.getfixturevalue(device)
    if device == "desktop":
        page.set_viewport_size({"width": 1366, "height": 768})
    coordinator = make_user(Role.COORDINATOR, name="Carmen Coordinadora")
    ideathon = make_ideathon("0301", title="Ideatón de Antigua", actor=coordinator)
    log_in(page, coordinator)
    page.goto(f"/ideatones/{ideathon.id}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Kit de sala sin conexión").click()
    kit = json.loads(open(download.value.path(), "rb").read())
    assert kit["ideathon"]["public_id"] == ideathon.public_id
    expect(page.get_by_role("link", name="Hoja de sala para imprimir")).to_be_visible()
    check_page(page, "hall-ideathon-staff")

    # The same server stands for the laptop here: the kit of another ideathon (another public id).
    kit["ideathon"]["public_id"] = str(uuid.uuid4())
    kit["ideathon"]["title"] = "Ideatón <b>traída</b> a la sala"
    admin = make_user(Role.ADMIN)
    page.context.clear_cookies()
    log_in(page, admin)
    page.goto("/sala-sin-conexion/importar")
    page.get_by_label("Kit de sala (archivo .json)").set_input_files(
        files=[{"name": "kit.json", "mimeType": "application/json", "buffer": b'{"format": "otro"}'}])
    page.get_by_role("button", name="Importar").click()
    expect(page.get_by_text("Esto no es un kit de sala de Ideaboard.")).to_be_visible()
    check_page(page, "hall-upload-refused")

    page.get_by_label("Kit de sala (archivo .json)").set_input_files(
        files=[{"name": "kit.json", "mimeType": "application/json", "buffer": json.dumps(kit).encode()}])
    page.get_by_role("button", name="Importar").click()
    expect(page.get_by_role("heading", name="Kit importado")).to_be_visible()
    expect(page.get_by_text("La ideatón «Ideatón <b>traída</b> a la sala» está lista")).to_be_visible()  # as text
    expect(page.get_by_text("carmen.coordinadora@sala.local")).to_be_visible()
    check_page(page, "hall-imported")
