"""The exit survey and the evaluation in a real browser (headless Chromium, as tests/browser):
the card reaches a phone's board live when the moderator closes the room; the survey fits one
360x740 screen, is answered by tapping big labels, with and without JavaScript; the evaluation
page and its report pass axe, on a phone and a desktop. Screenshots in test-artifacts/screenshots/."""
from playwright.sync_api import expect

from ideaboard.evaluation.models import ExitSurvey
from ideaboard.extensions import db
from ideaboard.rooms.services import change_phase
from tests.evaluation.conftest import small_programme  # noqa: F401 - a fixture of the evaluation tests

from .conftest import check_page, log_in, wait_live
from .test_live_room import assert_same_document, join_by_qr, mark_document


LIVE = 3_000  # ms


def answers():
    db.session.commit()
    return [(s.satisfaction, s.take_part_again, s.learned, s.first_time)
            for s in db.session.scalars(db.select(ExitSurvey).order_by(ExitSurvey.id))]


def test_the_card_arrives_live_and_the_survey_fits_one_phone_screen(app, open_room, phone, desktop):
    room = open_room()
    join_by_qr(phone, room, "Ana")
    expect(phone.locator("#exit-survey")).to_be_hidden()
    mark_document(phone)

    log_in(desktop, room.created_by)
    desktop.goto(f"/sala/{room.id}/moderar")
    desktop.locator("summary", has_text="Cerrar la sala").first.click()
    desktop.get_by_role("button", name="Sí, cerrar la sala").click()

    card = phone.get_by_role("link", name="¿Cómo le fue? Responda 4 preguntas (anónimo)")
    expect(card).to_be_visible(timeout=LIVE)
    assert_same_document(phone)  # it came over the socket, the page was not reloaded
    check_page(phone, "eval-board-closed")  # axe after the live update too
    card.click()
    phone.wait_for_url(f"**/sala/{room.id}/encuesta")
    check_page(phone, "eval-survey")
    send = phone.get_by_role("button", name="Enviar")
    box = send.bounding_box()
    assert box["y"] + box["height"] <= 740, f"the survey does not fit one screen: Enviar ends at {box}"
    expect(phone.get_by_role("link", name="Saltar", exact=True)).to_be_in_viewport()

    phone.get_by_text("Muy bien", exact=True).click()  # the label is the target
    phone.locator("fieldset", has_text="¿Volvería a participar").get_by_text("Sí", exact=True).click()
    phone.locator("fieldset", has_text="¿Aprendió algo").get_by_text("No sé", exact=True).click()
    phone.locator("fieldset", has_text="¿Es su primera ideatón?").get_by_text("No", exact=True).click()
    send.click()
    expect(phone.get_by_role("heading", name="Gracias por responder")).to_be_visible()
    check_page(phone, "eval-survey-thanks")
    assert answers() == [(5, "yes", "unsure", False)]
    phone.get_by_role("link", name="Volver al tablero").click()
    wait_live(phone)
    expect(phone.get_by_text("Gracias por responder la encuesta.")).to_be_visible()


def test_the_survey_without_javascript_and_its_error_messages(app, open_room, new_page):
    room = open_room()
    page = new_page("phone-nojs", java_script_enabled=False)
    page.goto(f"/s/{room.room_code}")
    page.get_by_role("button", name="Entrar al tablero").first.click()
    page.wait_for_url(f"**/sala/{room.id}")
    change_phase(room, "closed", actor=room.created_by)
    page.reload()
    page.get_by_role("link", name="¿Cómo le fue? Responda 4 preguntas (anónimo)").click()
    page.get_by_role("button", name="Enviar").click()  # nothing chosen
    expect(page.get_by_text("Responda al menos una pregunta")).to_be_visible()
    check_page(page, "eval-survey-empty", axe=False)
    page.get_by_text("Regular", exact=True).click()
    page.get_by_role("button", name="Enviar").click()
    expect(page.get_by_role("heading", name="Gracias por responder")).to_be_visible()
    assert answers() == [(3, None, None, None)]


def test_the_survey_with_errors_passes_axe(app, open_room, phone):
    room = open_room()
    join_by_qr(phone, room, "")
    change_phase(room, "closed", actor=room.created_by)
    phone.goto(f"/sala/{room.id}/encuesta")
    # A tampered value, as a broken or malicious client would send.
    phone.evaluate("document.querySelector('#satisfaction-0').value = '9'")
    phone.get_by_text("Muy mal", exact=True).click()
    phone.get_by_role("button", name="Enviar").click()
    expect(phone.get_by_text("Elija un número del 1 al 5.")).to_be_visible()
    check_page(phone, "eval-survey-error")
    assert answers() == []


def test_the_evaluation_page_and_report(app, small_programme, phone, desktop):
    for page in (phone, desktop):
        page.goto(f"/programas/{small_programme.id}/evaluacion")
        expect(page.get_by_role("heading", name=small_programme.name, level=1)).to_be_visible()
        expect(page.locator('.sub-nav a[aria-current="page"]')).to_have_text("Evaluación")  # the programme's tabs
        check_page(page, "eval-page")
    desktop.get_by_role("link", name="Informe para imprimir").click()
    expect(desktop.get_by_role("heading", name=small_programme.name)).to_be_visible()
    check_page(desktop, "eval-report")
    desktop.emulate_media(media="print")
    desktop.screenshot(path="test-artifacts/screenshots/eval-report-print-desktop.png", full_page=True)
    desktop.pdf(path="test-artifacts/screenshots/eval-report-chromium.pdf")  # printing works
    phone.goto(f"/programas/{small_programme.id}/evaluacion/informe")
    check_page(phone, "eval-report")


def test_an_empty_evaluation(app, make_programme, phone):
    programme = make_programme()
    phone.goto(f"/programas/{programme.id}/evaluacion")
    expect(phone.get_by_text("Todavía no hay nada que evaluar.")).to_be_visible()
    check_page(phone, "eval-page-empty")
