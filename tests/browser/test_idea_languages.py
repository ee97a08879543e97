"""Ideas in one's own language, in real browsers (issue 17): a phone whose interface is K'iche'
posts an idea, which records its language; a moderator adds its Spanish translation from the
console; a Spanish phone and the projector show the idea marked "K'iche'" (lang="quc" on its text)
with the translation under it, labelled as the moderation's; after archiving, the archive shows both.

K'iche' is not among the default interface languages yet: this test runs its own server with
LANGUAGES = es, en, quc (Babel knows quc; with no catalogue its interface falls back to Spanish)."""
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from ideaboard.extensions import db
from ideaboard.ideas.models import Idea, IdeaTranslation
from tests.live_server import serving

from .conftest import DESKTOP, PHONE, _close, _open_page, check_page, log_in, screenshot, wait_live
from .test_live_room import LIVE, PRESENTER_1920, idea_box, join_by_qr, post_form

pytestmark = pytest.mark.browser

THEMES = [("Agua y saneamiento", "water"), ("Calles y caminos", "road")]
IDEA = "Kaj qaj ri ja' pa ri tinamit"
TRANSLATION = "Que llegue agua a la aldea"


@pytest.fixture(scope="module")
def quc_server(migrated, tmp_path_factory):
    with serving(migrated, tmp_path_factory.mktemp("quc-instance"), LANGUAGES='["es", "en", "quc"]') as server:
        yield server


@pytest.fixture
def pages(browser, quc_server):
    opened = []

    def make(name, cookies=(), **options):
        context, page = _open_page(browser, quc_server, **options)
        for cookie_name, value in cookies:
            context.add_cookies([{"name": cookie_name, "value": value, "url": quc_server.url}])
        page.device_name = name
        opened.append((context, page))
        return page

    yield make
    for context, page in opened:
        _close(context, page)


def test_a_kiche_idea_translated_by_the_moderation_on_every_screen_and_in_the_archive(app, open_room, pages):
    from ideaboard.archive.services import archive_ideathon
    from ideaboard.rooms.services import change_phase

    room = open_room(themes=THEMES)
    water = THEMES[0][0]

    console = pages("console", **DESKTOP)
    log_in(console, room.created_by)
    console.goto(f"/sala/{room.id}/moderar")
    wait_live(console)
    projector = pages("projector", **PRESENTER_1920, locale="es-GT")
    log_in(projector, room.created_by)
    projector.goto(f"/sala/{room.id}/proyector")
    wait_live(projector)
    reader = pages("phone", **PHONE)  # a phone in Spanish, where the K'iche' idea is marked
    join_by_qr(reader, room, "Beto")

    writer = pages("phone-quc", cookies=[("lang", "quc")], **PHONE)
    join_by_qr(writer, room, "Ana")
    expect(writer.locator("html")).to_have_attribute("lang", "quc")
    selector = post_form(writer, water).locator("select[name=language]")
    expect(selector).to_have_value("quc")  # the interface's language, unless the author picks another
    check_page(writer, "idea-language-post-form")
    idea_box(writer, water).fill(IDEA)
    with writer.expect_response(lambda r: r.request.method == "POST" and "/ideas" in r.url) as answer:
        post_form(writer, water).get_by_role("button", name="Enviar").click()
    assert answer.value.status == 200
    db.session.commit()  # (a new transaction: what the server wrote)
    idea = db.session.scalar(sa.select(Idea).where(Idea.text == IDEA))
    assert idea.language == "quc"

    # Her own phone shows it as written (her language: no mark); the Spanish phone marks it.
    mine = writer.locator(f"#idea-{idea.id}")
    expect(mine.locator(".idea__text")).to_have_text(IDEA, timeout=LIVE * 5)
    expect(mine.locator(".badge--lang")).to_have_count(0)
    theirs = reader.locator(f"#idea-{idea.id}")
    expect(theirs.locator('.idea__text[lang="quc"]')).to_have_text(IDEA, timeout=LIVE * 5)
    expect(theirs.locator(".badge--lang")).to_have_text("K'iche'")

    # The moderator translates it into Spanish from the console.
    row = console.locator(f"#mod-idea-{idea.id}")
    expect(row).to_be_visible(timeout=LIVE * 5)
    row.locator(f"#mod-translate-{idea.id} > summary").click()
    expect(row.get_by_label("Traducir al idioma")).to_have_value("es")
    row.get_by_label("Traducción (se muestra como de la moderación; el original se conserva)").fill(TRANSLATION)
    with console.expect_response(lambda r: r.request.method == "POST" and "/traducir" in r.url) as answer:
        row.get_by_role("button", name="Guardar traducción").click()
    assert answer.value.status == 200
    db.session.commit()  # (a new transaction: what the server wrote)
    assert db.session.execute(sa.select(IdeaTranslation.language, IdeaTranslation.text)).all() == [("es", TRANSLATION)]
    expect(console.locator(f"#mod-idea-{idea.id} .idea__translation")).to_contain_text(TRANSLATION)

    # Every screen gets it live, under the original, labelled as the moderation's.
    for page in (reader, projector):
        card = page.locator(f"#idea-{idea.id}")
        expect(card.locator(".idea__translation")).to_contain_text("Traducción de la moderación", timeout=LIVE * 5)
        expect(card.locator('.idea__translation [lang="es"]')).to_have_text(TRANSLATION)
        expect(card.locator('.idea__text[lang="quc"]')).to_have_text(IDEA)
        expect(card.locator(".badge--lang")).to_have_text("K'iche'")
    check_page(reader, "idea-language-board")
    screenshot(projector, "idea-language-projector")
    screenshot(console, "idea-language-console")

    # After the room closes and the ideathon is archived, the archive keeps both.
    change_phase(room, "closed", actor=room.created_by)
    archive_ideathon(room, actor=room.created_by)
    archive = pages("archive", **DESKTOP)
    archive.goto(f"/ideatones/{room.id}/archivo")
    row = archive.locator("li.row", has_text=IDEA)
    expect(row.locator('[lang="quc"]').first).to_have_text(IDEA)
    expect(row.locator(".badge--lang")).to_have_text("K'iche'")
    expect(row.locator(".idea__translation")).to_contain_text("Traducción de la moderación (Español):")
    expect(row.locator('.idea__translation [lang="es"]')).to_have_text(TRANSLATION)
    check_page(archive, "idea-language-archive")
