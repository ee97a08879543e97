"""From board to municipality, in a real browser: a moderator closes the room, writes a proposal and
archives the ideathon; a resident opens the archive from the map, searches the proposal; an official
answers it; everyone sees the public timeline. axe on the archive, search and proposal pages."""
import re
import uuid

from playwright.sync_api import expect

from ideaboard.accounts.models import Role
from ideaboard.ideas.services import post_idea
from ideaboard.municipalities.services import get_by_code
from ideaboard.rooms.services import change_phase, join_room
from ideaboard.votes.services import cast_vote

from .conftest import check_page, log_in


def test_close_propose_archive_search_answer_follow(app, make_user, open_room, desktop, phone, new_page):
    room = open_room(municipality="0301", themes=[("Agua y saneamiento", "water"), ("Calles y caminos", "road")])
    ana, beto = join_room(room, nickname="Ana"), join_room(room, nickname="Beto")
    water, road = [post_idea(room, ana, theme_id=room.themes[i].id, text=text, client_id=str(uuid.uuid4()))[0]
                   for i, text in enumerate(("Agua potable todos los días en la zona 3", "Bachear la 5a calle"))]
    change_phase(room, "voting", actor=room.created_by)
    cast_vote(room, beto, idea_id=water.id, client_id=str(uuid.uuid4()))
    cast_vote(room, ana, idea_id=water.id, client_id=str(uuid.uuid4()))

    # The moderator closes the room from the console and writes the proposal.
    log_in(desktop, room.created_by)
    desktop.goto(f"/sala/{room.id}/moderar")
    desktop.locator("summary", has_text="Cerrar la sala").first.click()
    desktop.get_by_role("button", name="Sí, cerrar la sala").click()
    desktop.get_by_role("link", name="Escribir las propuestas").click()
    expect(desktop.get_by_role("heading", name="Propuestas para la municipalidad")).to_be_visible()
    desktop.get_by_label("Título").fill("Agua potable todos los días")
    desktop.get_by_label("Problema: qué pasa hoy").fill("El agua llega dos veces por semana a la zona 3.")
    desktop.get_by_label("Propuesta: qué se pide a la municipalidad").fill("Reparar la bomba y el tanque.")
    desktop.get_by_label("Lugar (zona, aldea, caserío, cantón)").fill("Zona 3")
    desktop.get_by_label("Costo estimado").select_option("50k-250k")
    desktop.get_by_role("checkbox", name=re.compile("Agua potable todos los días en la zona 3")).check()
    desktop.get_by_role("button", name="Guardar la propuesta").click()
    expect(desktop.get_by_text("Propuesta guardada.")).to_be_visible()
    check_page(desktop, "archive-proposals")
    desktop.locator("summary", has_text="Archivar").click()
    desktop.get_by_role("button", name="Sí, archivar").click()
    expect(desktop.get_by_text("Ideatón archivada: sus propuestas ya son públicas.")).to_be_visible()

    # A resident: home page → map → the municipality → its archived ideathon → search → the proposal.
    phone.goto("/")
    phone.locator('a[href="/municipios/0301"]').first.click()
    expect(phone.get_by_role("heading", name="Antigua Guatemala", level=1)).to_be_visible()
    expect(phone.get_by_text("1 propuesta entregada")).to_be_visible()
    phone.get_by_role("link", name=room.title).last.click()
    expect(phone.get_by_text("Agua potable todos los días").first).to_be_visible()
    check_page(phone, "archive-ideathon")
    phone.goto("/propuestas")
    phone.get_by_label("Buscar palabras").fill("AGUA potable")
    phone.get_by_role("button", name="Buscar").click()
    expect(phone.get_by_text("1 propuesta", exact=True)).to_be_visible()
    check_page(phone, "archive-search")
    phone.get_by_role("link", name="Agua potable todos los días").click()
    expect(phone.get_by_text("La municipalidad todavía no ha respondido esta propuesta.")).to_be_visible()
    check_page(phone, "archive-proposal")
    assert "Ana" not in phone.content() and "Beto" not in phone.content()  # never names
    proposal_url = phone.url

    # The official of Antigua Guatemala answers.
    official = make_user(Role.OFFICIAL, municipality=get_by_code("0301"))
    office = new_page("official", viewport={"width": 1280, "height": 800}, is_mobile=False, has_touch=False)
    log_in(office, official)
    office.goto(proposal_url)
    office.get_by_label("Nuevo estado").select_option("received")
    office.get_by_label("Texto público (en el rechazo, el motivo)").fill("La recibió el concejo municipal.")
    office.get_by_role("button", name="Publicar la respuesta").click()
    expect(office.get_by_text("Respuesta publicada.")).to_be_visible()
    check_page(office, "archive-proposal-official")

    # Everyone follows the public timeline.
    phone.reload()
    timeline = phone.locator("#timeline")
    expect(timeline.get_by_text("Entregada a la municipalidad")).to_be_visible()
    expect(timeline.get_by_text("Recibida", exact=True)).to_be_visible()
    expect(timeline.get_by_text("La recibió el concejo municipal.")).to_be_visible()
    check_page(phone, "archive-proposal-answered")
