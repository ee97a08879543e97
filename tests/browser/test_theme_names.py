"""Theme names per language in a real browser (issue 17): the planner names a theme in English in the
theme editor on a phone, and an English phone's board reads every theme in English."""
import os
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from ideaboard.extensions import db
from ideaboard.ideathons.models import Ideathon
from ideaboard.rooms.services import change_phase, open_room

from .conftest import PROJECT_ROOT, check_page, log_in, wait_live

pytestmark = pytest.mark.browser
# README's screenshots, refreshed on demand (`IDEABOARD_DOCS_SCREENSHOTS=1`), as tests/browser/test_phone.py does.
DOCS = (PROJECT_ROOT / "docs" / "screenshots" if os.environ.get("IDEABOARD_DOCS_SCREENSHOTS")
        else PROJECT_ROOT / "test-artifacts" / "readme-screenshots")


def docs_shot(page, name: str) -> None:
    """What the phone's screen shows now, 360x740, in 64 colours: small enough for the README."""
    from PIL import Image

    DOCS.mkdir(parents=True, exist_ok=True)
    path = DOCS / f"{name}.png"
    page.screenshot(path=str(path), caret="initial")
    image = Image.open(path).convert("RGB").resize((360, 740), Image.Resampling.LANCZOS)
    image.quantize(colors=64, dither=Image.Dither.NONE).save(path, optimize=True)


def test_a_planner_names_a_theme_in_english_and_an_english_phone_reads_it(app, make_user, phone, new_page):
    coordinator = make_user("coordinator")
    page = phone
    log_in(page, coordinator)
    page.goto("/ideatones/nueva")
    page.get_by_label("Municipio", exact=True).fill("Mixco, Guatemala (0108)")
    page.get_by_label("Título").fill("Ideatón de Mixco")
    page.get_by_label("Fecha y hora (hora de Guatemala)").fill("2030-05-04T09:30")
    page.get_by_label("Lugar").fill("Salón municipal")
    rows = page.locator("#theme-editor .theme-row")
    page.locator("#themes-10-name").fill("Feria patronal")  # the last default, renamed: the planner's name
    other_languages = rows.nth(10).locator("details.theme-row__names")
    expect(other_languages.locator("#themes-10-names-en")).to_be_hidden()  # closed until asked for
    other_languages.locator("summary").click()
    other_languages.get_by_label("Nombre del tema 11 en English").fill("Patron saint's fair")
    page.locator("#themes-10-names-en").scroll_into_view_if_needed()
    check_page(page, "theme-editor-names")
    page.evaluate("document.getElementById('themes-9-name').scrollIntoView({block: 'start'})")
    docs_shot(page, "theme-editor-names")
    page.locator("#save-ideathon").click()
    page.wait_for_url(re.compile(r"/ideatones/\d+$"))

    db.session.rollback()
    ideathon = db.session.scalar(sa.select(Ideathon).where(Ideathon.title == "Ideatón de Mixco"))
    assert [(t.name, t.default_key) for t in ideathon.themes][::10] == [("Agua y saneamiento", "water"),
                                                                        ("Feria patronal", None)]
    assert {n.language: n.name for n in ideathon.themes[10].names} == {"en": "Patron saint's fair"}
    open_room(ideathon, actor=coordinator)
    change_phase(ideathon, "ideas", actor=coordinator)
    db.session.commit()

    english = new_page("phone-en", locale="en-US", extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})
    english.goto(f"/s/{ideathon.room_code}")
    english.wait_for_url(f"**/sala/{ideathon.id}/unirse")
    english.locator("main form button[type=submit]").first.click()
    english.wait_for_url(re.compile(rf"/sala/{ideathon.id}$"))
    wait_live(english)
    names = english.locator(".theme-tab__name")
    expect(names.nth(0)).to_have_text("Water and sanitation")
    expect(names.nth(10)).to_have_text("Patron saint's fair")
    expect(english.locator(".theme-tab").nth(0)).to_have_attribute("title", "Drinking water, drains and water treatment")
    expect(english.locator("#themes")).not_to_contain_text("Agua y saneamiento")
    check_page(english, "board-english-themes")
    english.evaluate("window.scrollTo(0, 0)")
    docs_shot(english, "phone-english-themes")
