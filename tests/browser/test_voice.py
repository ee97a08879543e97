"""Ideas by voice in a real Chromium, its microphone a fake device (a beep): a phone records an idea
with the page's recorder (timer, listen, record again, send), the moderator hears it in the
console (the recording loads: 200, audio) and transcribes it, and the phones then see it, marked,
and vote on it. A phone without JavaScript sends its own recorder's file with a plain form; a phone
on plain HTTP at the hall's address (no secure context) is offered the file input and told why.

Screenshots at 360x740: the recorder ready, recording, recorded; the insecure-context note; the
console's voice row.
"""
import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from ideaboard.accounts.models import Role
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.ideathons.services import assign_moderators
from tests.uploads.audio_samples import m4a_aac

from .conftest import (
    BROWSER_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS, PHONE, _close, check_page, log_in, screenshot, watch_console,
)
from .test_live_room import THEMES, clear_presence, join_by_qr
from .test_voting import vote

pytestmark = pytest.mark.browser

WATER = THEMES[0][0]
SAID = "Queremos un pozo nuevo para la aldea"
SAID_SPANISH = "Queremos un pozo nuevo para la aldea (traducción)"
FAKE_MICROPHONE = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def microphone_browser(playwright_instance):
    """Chromium whose microphone is a fake device (a steady beep), granted without a prompt."""
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + FAKE_MICROPHONE)
    yield browser
    browser.close()


@pytest.fixture
def recording_phone(microphone_browser, live_server):
    """A phone (360x740) that may record: its microphone is the fake device."""
    context = microphone_browser.new_context(base_url=live_server.url, permissions=["microphone"], **PHONE)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    watch_console(page)
    page.device_name = "phone"
    yield page
    _close(context, page)


def voice_form(page, theme: str = WATER):
    return page.locator("details.voice-form", has=page.locator(f"xpath=..//h2[contains(., '{theme}')]")).first


def open_voice(page):
    details = page.locator("details.voice-form").first
    details.locator("summary").click()
    expect(details).to_have_attribute("open", "")
    return details


def wait_until(page, script: str, arg=None) -> None:
    """Poll a condition in the page (page.wait_for_function would evaluate a string in the page,
    which the CSP forbids)."""
    deadline = time.monotonic() + BROWSER_TIMEOUT_MS / 1000
    while not page.evaluate(script, arg):
        assert time.monotonic() < deadline, f"timed out waiting for {script}"
        page.wait_for_timeout(100)


def voice_ids():
    db.session.rollback()
    return list(db.session.scalars(sa.select(Idea.id).where(Idea.from_voice).order_by(Idea.id)))


def test_a_phone_records_an_idea_the_moderator_hears_and_transcribes_it_and_the_room_votes(
        app, open_room, make_user, recording_phone, phone, new_page):
    room = open_room(themes=THEMES)
    moderator = make_user(Role.MODERATOR)
    assign_moderators(room, [moderator], actor=room.created_by)
    clear_presence(app, room.id)
    join_by_qr(phone, room, "Beto")
    join_by_qr(recording_phone, room, "Ana")

    # The recorder replaces the file input: the page may record here (localhost is a secure context).
    box = open_voice(recording_phone)
    form = box.locator("form[data-voice]")
    expect(form).to_have_attribute("data-voice-ready", "recorder")
    expect(box.get_by_role("button", name="Empezar a grabar")).to_be_visible()
    expect(box.locator("[data-voice-file]")).to_be_hidden()
    box.scroll_into_view_if_needed()
    check_page(recording_phone, "voice-ready")

    box.get_by_role("button", name="Empezar a grabar").click()
    expect(box.locator("[data-voice-timer]")).to_have_text(re.compile(r"^0:0[2-9] / 1:00$"))
    expect(form).to_have_attribute("data-voice-state", "recording")
    screenshot(recording_phone, "voice-recording")
    box.get_by_role("button", name="Detener").click()
    expect(form).to_have_attribute("data-voice-state", "recorded")
    expect(box.locator("audio[data-voice-preview]")).to_be_visible()
    expect(box.locator("[data-voice-status]")).to_have_text("Escuche su grabación. Envíela o grabe de nuevo.")
    screenshot(recording_phone, "voice-recorded")
    # Record again, shorter: only the last recording goes.
    box.get_by_role("button", name="Grabar de nuevo").click()
    expect(form).to_have_attribute("data-voice-state", "recording")
    expect(box.locator("[data-voice-timer]")).to_have_text(re.compile(r"^0:0[1-9] / 1:00$"))
    box.get_by_role("button", name="Detener").click()
    expect(form).to_have_attribute("data-voice-state", "recorded")
    # The recording can be listened to before sending.
    wait_until(recording_phone, "() => document.querySelector('audio[data-voice-preview]').readyState >= 1")
    with recording_phone.expect_response(lambda r: r.request.method == "POST" and "/ideas/voz" in r.url) as sent:
        box.get_by_role("button", name="Enviar grabación").click()
    assert sent.value.status == 200, sent.value.text()[:300]
    assert int(sent.value.request.headers.get("content-length", "0") or 0) < 200 * 1024
    (idea_id,) = voice_ids()
    mine = recording_phone.locator(f"#idea-{idea_id}")
    expect(mine).to_contain_text("Idea por voz, sin transcribir")
    expect(mine).to_contain_text("la moderación la escuchará")
    expect(phone.locator(f"#idea-{idea_id}")).to_have_count(0)  # the room does not see it yet

    # The moderator's console (on a phone-sized screen): the row with its player, heard.
    console = new_page("phone")
    log_in(console, moderator)
    console.goto(f"/sala/{room.id}/moderar")
    row = console.locator(f"#mod-idea-{idea_id}")
    expect(row).to_contain_text("Idea por voz, sin transcribir")
    player = row.locator("audio")
    src = player.get_attribute("src")
    heard = console.request.get(src)
    assert heard.status == 200 and heard.headers["content-type"].startswith("audio/"), heard.status
    assert len(heard.body()) > 1000
    console.evaluate("a => { a.preload = 'auto'; a.load(); }", player.element_handle())
    wait_until(console, "a => a.readyState >= 1 && !a.error", player.element_handle())
    row.scroll_into_view_if_needed()
    row.screenshot(path=str(screenshot(console, "voice-console").with_name("voice-console-row-phone.png")))
    check_page(console, "voice-console")

    row.get_by_role("link", name="Transcribir").click()
    console.wait_for_url(f"**/moderar/ideas/{idea_id}/transcribir")
    check_page(console, "voice-transcribe")
    console.get_by_label("Texto de la idea").fill(SAID)
    console.get_by_label("Idioma en que se dijo").select_option("quc")
    console.get_by_label(re.compile("Traducción al español")).fill(SAID_SPANISH)
    console.get_by_role("button", name="Guardar y publicar en el tablero").click()
    console.wait_for_url(re.compile(rf"/sala/{room.id}/moderar"))
    expect(console.locator(f"#mod-idea-{idea_id}")).to_contain_text("Idea por voz, transcrita por la moderación")

    # Every phone sees it live, marked; then they vote on it.
    for page in (phone, recording_phone):
        card = page.locator(f"#idea-{idea_id}")
        expect(card).to_contain_text(SAID)
        expect(card).to_contain_text("Idea por voz, transcrita por la moderación")
    console.get_by_role("button", name="Empezar la votación").click()
    expect(console.get_by_role("heading", name="Fase: Votación")).to_be_visible()
    expect(phone.locator("#room-phase")).to_have_attribute("data-phase", "voting")
    vote(phone, SAID)
    expect(phone.locator(f"#idea-{idea_id}")).to_contain_text("Usted: 1 punto")
    check_page(phone, "voice-voted")


def test_a_phone_without_javascript_sends_its_own_recording(app, open_room, new_page, tmp_path):
    room = open_room(themes=THEMES)
    clear_presence(app, room.id)
    page = new_page("phone-nojs", java_script_enabled=False)
    page.goto(f"/s/{room.room_code}")
    page.get_by_role("button", name="Entrar al tablero").first.click()
    page.wait_for_url(re.compile(rf"/sala/{room.id}$"))
    box = page.locator("details.voice-form").first
    box.locator("summary").click()
    file_input = box.locator("input[type=file]")
    expect(file_input).to_be_visible()
    assert file_input.get_attribute("accept") == "audio/*" and file_input.get_attribute("capture") is not None
    recording = tmp_path / "Nota de voz.m4a"
    recording.write_bytes(m4a_aac(5.0))
    file_input.set_input_files(str(recording))
    box.get_by_role("button", name="Enviar grabación").click()
    page.wait_for_url(re.compile(rf"/sala/{room.id}#theme-"))
    expect(page.get_by_text("Grabación enviada")).to_be_visible()
    (idea_id,) = voice_ids()
    expect(page.locator(f"#idea-{idea_id}")).to_contain_text("Idea por voz, sin transcribir")
    check_page(page, "voice-nojs", axe=False)


def test_on_plain_http_at_the_hall_s_address_the_phone_offers_its_own_recorder(app, open_room, recording_phone):
    """A hall laptop serving plain HTTP on its LAN address is no secure context: the browser gives
    the page no microphone. Here the page is told so (isSecureContext false), as it would be there."""
    room = open_room(themes=THEMES)
    clear_presence(app, room.id)
    recording_phone.add_init_script("Object.defineProperty(window, 'isSecureContext', {get: () => false})")
    join_by_qr(recording_phone, room, "Carla")
    box = open_voice(recording_phone)
    expect(box.locator("form[data-voice]")).to_have_attribute("data-voice-ready", "file")
    expect(box.locator("[data-voice-recorder]")).to_be_hidden()
    expect(box.get_by_text("Sin HTTPS el teléfono no deja grabar")).to_be_visible()
    expect(box.locator("input[type=file]")).to_be_visible()
    box.scroll_into_view_if_needed()
    check_page(recording_phone, "voice-insecure")
