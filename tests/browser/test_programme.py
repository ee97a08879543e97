"""The programme in a real browser, as the issue tells it: a coordinator records a pilot municipality's
agreement with its PDF, schedules an ideathon in the programme, enters its spending and a photo; a phone
answers the survey after the ideathon closes; the public tracker and the evaluation page show it all.
axe-core (through check_page) finds no violations on these pages."""
import io
import re
from datetime import date, datetime, timedelta

from PIL import Image
from playwright.sync_api import expect

from ideaboard.accounts.models import Role
from ideaboard.extensions import db
from ideaboard.ideathons.models import Ideathon
from ideaboard.municipalities.services import get_by_code
from ideaboard.pilots import services as pilots
from ideaboard.programme import services as programmes
from ideaboard.rooms.services import open_room

from .conftest import check_page, log_in
from .test_live_room import join_by_qr

MIXCO = "Mixco, Guatemala (0108)"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
ALT = "Vecinas de la zona 6 pegan sus ideas en la columna de agua"


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (40, 120, 180)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_programme_recorded_proved_and_evaluated_in_public(app, make_user, make_programme, desktop, phone):
    today = date.today()
    coordinator = make_user(Role.COORDINATOR, name="Carmen Coordinadora")
    programme = make_programme(name="Ideatones de Gobierno Abierto", days_before=100, days_after=200, actor=coordinator)
    pilot = pilots.propose(programme, get_by_code("0108"), "", actor=coordinator)
    pilots.select(pilot, "Concejo municipal comprometido.", actor=coordinator)
    pilots.record_invitation(pilot, today - timedelta(days=20), "Oficio 12-2026", actor=coordinator)
    milestone = programmes.add_milestone(programme, programmes.CommitmentDraft(
        title="Ocho ideatones municipales", due_from=today - timedelta(days=10), due_until=today + timedelta(days=150),
        responsible="Coordinación de Gobierno Abierto", verification="Tableros archivados y fotos",
        status="in_progress"), actor=coordinator)

    # The coordinator records the agreement, with its signed PDF.
    log_in(desktop, coordinator)
    desktop.goto(f"/pilotos/{pilot.id}")
    desktop.get_by_label("Fecha de firma").fill((today - timedelta(days=5)).isoformat())
    desktop.get_by_label("Firmantes").fill("Ana López, alcaldesa municipal\nCarmen Coordinadora")
    desktop.get_by_label("Convenio firmado (PDF)").set_input_files(
        {"name": "convenio-mixco.pdf", "mimeType": "application/pdf", "buffer": PDF})
    desktop.get_by_role("button", name="Guardar el convenio").click()
    expect(desktop.get_by_text("Convenio registrado.")).to_be_visible()
    check_page(desktop, "programme-agreement")

    # ... schedules an ideathon in the programme (a date outside its period is refused first) ...
    desktop.goto(f"/ideatones/nueva?programa={programme.id}")
    desktop.get_by_label("Municipio", exact=True).fill(MIXCO)
    desktop.get_by_label("Título").fill("Ideatón de Mixco")
    outside = datetime.combine(programme.ends_on + timedelta(days=3), datetime.min.time()).replace(hour=9)
    desktop.get_by_label("Fecha y hora (hora de Guatemala)").fill(outside.strftime("%Y-%m-%dT%H:%M"))
    desktop.get_by_label("Lugar").fill("Salón municipal de Mixco")
    expect(desktop.get_by_label("Programa")).to_have_value(str(programme.id))
    desktop.locator("#save-ideathon").click()
    expect(desktop.get_by_text("La fecha debe caer dentro del periodo del programa")).to_be_visible()
    soon = datetime.now().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=1)
    desktop.get_by_label("Fecha y hora (hora de Guatemala)").fill(soon.strftime("%Y-%m-%dT%H:%M"))
    desktop.locator("#save-ideathon").click()
    expect(desktop.get_by_role("heading", name="Ideatón de Mixco", level=1)).to_be_visible()
    db.session.commit()  # end this test's read snapshot: the server wrote the ideathon
    ideathon = db.session.scalar(db.select(Ideathon).where(Ideathon.title == "Ideatón de Mixco"))
    assert ideathon.programme_id == programme.id
    programmes.add_activity(milestone, programmes.CommitmentDraft(
        title="Ideatón en Mixco", due_from=soon.date(), due_until=soon.date(), responsible="Municipalidad de Mixco",
        ideathon_id=ideathon.id), actor=coordinator)

    # ... enters its spending (a negative amount is refused) ...
    desktop.get_by_role("link", name="Presupuesto y gastos").click()
    desktop.get_by_label("Categoría").select_option("hall")
    desktop.get_by_label("Monto").fill("-1500")
    desktop.get_by_label("Fecha del gasto").fill(today.isoformat())
    desktop.get_by_label("Descripción (qué se pagó; número de factura)").fill("Alquiler del salón, factura 881")
    desktop.get_by_role("button", name="Registrar el gasto").click()
    expect(desktop.get_by_text("El monto no puede ser negativo.")).to_be_visible()
    desktop.get_by_label("Monto").fill("1,450.00")
    desktop.get_by_role("button", name="Registrar el gasto").click()
    expect(desktop.get_by_text("Q1,450.00").first).to_be_visible()
    check_page(desktop, "programme-budget")

    # ... and its evidence: a photo, described for screen readers.
    desktop.goto(f"/ideatones/{ideathon.id}/evidencias")
    desktop.get_by_label("Clase de evidencia").select_option("photo")
    desktop.get_by_label("Título").fill("Columna de agua")
    desktop.get_by_label("Descripción").fill(ALT)
    desktop.get_by_label("Archivo").set_input_files({"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": _photo()})
    desktop.get_by_role("button", name="Guardar la evidencia").click()
    expect(desktop.get_by_text("Evidencia guardada.")).to_be_visible()

    # The ideathon is held; when it closes, a phone in the room answers the survey.
    open_room(ideathon, actor=coordinator)
    join_by_qr(phone, ideathon, "Rosa")
    desktop.goto(f"/sala/{ideathon.id}/moderar")  # the moderator closes the room from the console
    desktop.locator("summary", has_text="Cerrar la sala").first.click()
    desktop.get_by_role("button", name="Sí, cerrar la sala").click()
    survey = phone.get_by_role("link", name="¿Cómo le fue? Responda 4 preguntas (anónimo)")
    expect(survey).to_be_visible()  # it arrives live, over Socket.IO
    survey.click()
    check_page(phone, "programme-survey")
    phone.get_by_text("Muy bien", exact=True).click()
    phone.locator("fieldset", has_text="¿Volvería a participar").get_by_text("Sí", exact=True).click()
    phone.locator("fieldset", has_text="¿Es su primera ideatón?").get_by_text("Sí", exact=True).click()
    phone.get_by_role("button", name="Enviar").click()
    expect(phone.get_by_role("heading", name="Gracias por responder")).to_be_visible()

    # Anyone verifies the commitment: the tracker shows the agreement, the activity and its photo ...
    visitor = phone
    visitor.context.clear_cookies()  # the same phone, now just a member of the public
    visitor.goto(f"/programas/{programme.id}")
    expect(visitor.get_by_text("Mixco").first).to_be_visible()
    expect(visitor.get_by_text("Ana López, alcaldesa municipal", exact=False)).to_be_visible()
    expect(visitor.get_by_role("img", name=ALT)).to_be_visible()
    check_page(visitor, "programme-tracker")
    with visitor.expect_download(timeout=90_000) as download:
        visitor.get_by_role("link", name=re.compile("Convenio \\(PDF")).click()
    assert download.value.suggested_filename.endswith(".pdf")
    # ... and the evaluation page counts the answer and the money spent.
    visitor.get_by_role("link", name="Evaluación").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(programme.name)
    check_page(visitor, "programme-evaluation")
    visitor.get_by_role("link", name="Calendario").click()
    expect(visitor.get_by_role("link", name=re.compile("Ideatón de Mixco")).first).to_be_visible()
    check_page(visitor, "programme-calendar")
