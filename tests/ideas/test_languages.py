"""Ideas in one's own language (issue 17): each idea records its language (the author's interface
language by default, another if chosen), cards mark ideas not in the page's language, and the
moderation's translations are kept apart, labelled, audited and sent to the room."""
import uuid

import pytest
import sqlalchemy as sa
from ideaboard.i18n import refresh

from ideaboard.accounts.models import Role
from ideaboard.archive.services import archive_ideathon
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea, IdeaTranslation
from ideaboard.ideas.services import IdeaError, post_idea, post_paper_idea
from ideaboard.ideathons.services import assign_moderators
from ideaboard.moderation import services as mod
from ideaboard.moderation.models import ModerationAction
from ideaboard.moderation.services import ModerationError
from ideaboard.rooms.services import change_phase, join_room
from tests.conftest import Auth

HTMX = {"HX-Request": "true"}


def cid():
    return str(uuid.uuid4())


@pytest.fixture
def room(open_room):
    room = open_room(themes=[("Agua", "water")])
    room.ana = join_room(room, nickname="Ana")
    return room


def post(room, text="Más agua", **kwargs):
    return post_idea(room, room.ana, theme_id=room.themes[0].id, text=text, client_id=cid(), **kwargs)[0]


def translations():
    return db.session.execute(sa.select(IdeaTranslation.idea_id, IdeaTranslation.language, IdeaTranslation.text)
                              .order_by(IdeaTranslation.id)).all()


def audit(room):
    return db.session.scalars(sa.select(ModerationAction).where(ModerationAction.ideathon_id == room.id)
                              .order_by(ModerationAction.id)).all()


# --- the idea's language ----------------------------------------------------------------------

def test_an_idea_is_in_its_authors_interface_language_unless_another_is_chosen(app, room):
    assert post(room).language == "es"  # outside a request: Spanish
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        refresh()  # the locale found outside the request is kept on the app context
        assert post(room, "More water").language == "en"
        assert post(room, "Más agua potable", language="es").language == "es"
        assert post(room, "Utz ri ja'", language="quc").language == "quc"
    assert post(room, "Ch'utin ja'", language="tzj").language == "tzj"  # any language of Guatemala


@pytest.mark.parametrize("language", ["xx", "ES", "es-GT", "quc ", "k'iche'", "1" * 20])
def test_an_unknown_language_is_refused_and_nothing_stored(app, room, language):
    with pytest.raises(IdeaError) as refused:
        post(room, language=language)
    assert refused.value.status == 422 and "Ese idioma no está en la lista" in str(refused.value)
    assert db.session.scalar(sa.select(sa.func.count(Idea.id))) == 0


def test_a_paper_idea_records_its_language(app, room):
    idea = post_paper_idea(room, theme_id=room.themes[0].id, text="Ja' chi ri tinamit", actor=room.created_by,
                           language="quc")
    assert idea.from_paper and idea.language == "quc"
    assert post_paper_idea(room, theme_id=room.themes[0].id, text="Agua", actor=room.created_by).language == "es"
    with pytest.raises(IdeaError):
        post_paper_idea(room, theme_id=room.themes[0].id, text="Agua", actor=room.created_by, language="zz")
    assert db.session.scalar(sa.select(sa.func.count(Idea.id))) == 2


# --- the moderation's translations --------------------------------------------------------------

def test_a_moderator_adds_corrects_and_removes_a_translation_audited(app, room):
    idea = post(room, "Utz ri ja'", language="quc")
    actor = room.created_by
    first = mod.translate_idea(room, idea.id, actor=actor, text="  Que  haya agua ")
    assert (first.language, first.text, first.translated_by_id) == ("es", "Que haya agua", actor.id)
    mod.translate_idea(room, idea.id, actor=actor, text="Que haya agua limpia", language="es")  # corrected
    mod.translate_idea(room, idea.id, actor=actor, text="Clean water", language="en")
    assert translations() == [(idea.id, "es", "Que haya agua limpia"), (idea.id, "en", "Clean water")]
    db.session.refresh(idea)
    assert idea.text == "Utz ri ja'" and idea.language == "quc"  # the original untouched
    mod.remove_translation(room, idea.id, actor=actor, language="en")
    assert translations() == [(idea.id, "es", "Que haya agua limpia")]
    entries = audit(room)
    assert [e.action for e in entries] == ["translate", "translate", "translate", "untranslate"]
    assert entries[0].before is None and entries[0].after == {"translation": {"language": "es", "text": "Que haya agua"}}
    assert entries[1].before == {"translation": {"language": "es", "text": "Que haya agua"}}
    assert entries[3].before == {"translation": {"language": "en", "text": "Clean water"}} and entries[3].after is None
    assert all(e.idea_id == idea.id and e.actor_id == actor.id for e in entries)


@pytest.mark.parametrize(("text", "language", "message"), [
    ("", "es", "Escriba la traducción."),
    ("   ", "es", "Escriba la traducción."),
    ("x" * 281, "es", "La traducción tiene 281 caracteres; el máximo es 280."),
    ("Agua", "quc", "La idea ya está escrita en K'iche': elija otro idioma"),
    ("Agua", "xx", "Ese idioma no está en la lista"),
    ("Agua", "", "Ese idioma no está en la lista"),
])
def test_a_bad_translation_is_refused_in_spanish_and_nothing_stored(app, room, text, language, message):
    idea = post(room, "Utz ri ja'", language="quc")
    with pytest.raises(ModerationError) as refused:
        mod.translate_idea(room, idea.id, actor=room.created_by, text=text, language=language)
    assert refused.value.status == 422 and message in str(refused.value)
    assert translations() == [] and audit(room) == []


def test_only_the_rooms_moderators_translate_and_not_after_archiving(app, room, make_user):
    idea = post(room, "Utz ri ja'", language="quc")
    with pytest.raises(ModerationError) as refused:
        mod.translate_idea(room, idea.id, actor=make_user(Role.MODERATOR), text="Agua")
    assert refused.value.status == 403
    with pytest.raises(ModerationError) as refused:
        mod.remove_translation(room, idea.id, actor=room.created_by, language="es")
    assert refused.value.status == 404 and "no tiene traducción" in str(refused.value)
    with pytest.raises(ModerationError) as refused:
        mod.translate_idea(room, 999_999, actor=room.created_by, text="Agua")
    assert refused.value.status == 404
    change_phase(room, "closed", actor=room.created_by)  # after the room closes: still (for the report)
    mod.translate_idea(room, idea.id, actor=room.created_by, text="Agua")
    archive_ideathon(room, actor=room.created_by)
    with pytest.raises(ModerationError) as refused:
        mod.translate_idea(room, idea.id, actor=room.created_by, text="Agua limpia")
    assert "archivada" in str(refused.value)
    assert translations() == [(idea.id, "es", "Agua")]


# --- what pages show ----------------------------------------------------------------------------

def card_of(html, idea):
    card = html[html.index(f'id="idea-{idea.id}"'):]
    return card[:card.index("</li>")]


def test_a_board_marks_ideas_in_another_language_and_shows_the_translation(app, client, join, open_room):
    room = open_room(themes=[("Agua", "water")])
    join(client, room, nickname="Ana")
    ana = room.ana = join_room(room, nickname="Beto")
    quc = post(room, "Utz ri ja'", language="quc")
    es = post(room, "Agua para la aldea")
    mod.translate_idea(room, quc.id, actor=room.created_by, text="Que haya agua")
    html = client.get(f"/sala/{room.id}").get_data(as_text=True)
    card = card_of(html, quc)
    assert '<p class="idea__text" lang="quc">Utz ri ja&#39;</p>' in card
    assert 'badge--lang" lang="quc"' in card and "K&#39;iche&#39;" in card
    assert "Traducción de la moderación" in card and '<span lang="es">Que haya agua</span>' in card
    spanish_card = card_of(html, es)
    assert 'lang="' not in spanish_card.split("idea__meta")[0] and "badge--lang" not in spanish_card
    # In English, the Spanish idea is marked too; the K'iche' one shows no English translation but the Spanish one.
    client.set_cookie("lang", "en")
    html = client.get(f"/sala/{room.id}").get_data(as_text=True)
    assert '<p class="idea__text" lang="es">Agua para la aldea</p>' in html and "Español" in html
    assert "Translation by the moderators" in html and '<span lang="es">Que haya agua</span>' in html
    assert ana  # (a second author on the board)


def test_the_phone_posts_in_a_chosen_language_with_and_without_javascript(app, client, join, open_room):
    room = open_room(themes=[("Agua", "water")])
    join(client, room, nickname="Ana")
    page = client.get(f"/sala/{room.id}").get_data(as_text=True)
    form = page[page.index(f'id="post-{room.themes[0].id}"'):]
    selector = form[form.index('<select name="language"'):]
    selector = selector[:selector.index("</select>")]
    assert '<option value="es" selected>Español</option>' in selector
    assert selector.index('value="en"') < selector.index("Otro idioma…") < selector.index('value="quc"')
    auth = Auth(client)
    form = {"theme_id": room.themes[0].id, "client_id": cid(), "text": "Utz ri ja'", "language": "quc"}
    answer = auth.post(f"/sala/{room.id}/ideas", form, headers=HTMX)
    assert answer.status_code == 200  # the fresh form keeps the language chosen
    assert '<option value="quc" selected>' in answer.get_data(as_text=True)
    assert auth.post(f"/sala/{room.id}/ideas", {**form, "client_id": cid(), "text": "Agua",
                                                 "language": ""}).status_code == 302
    refused = auth.post(f"/sala/{room.id}/ideas", {**form, "client_id": cid(), "text": "Otra", "language": "zz"},
                        headers=HTMX)
    assert refused.status_code == 422 and "Ese idioma no está en la lista" in refused.get_data(as_text=True)
    assert db.session.execute(sa.select(Idea.text, Idea.language).order_by(Idea.id)).all() == [
        ("Utz ri ja'", "quc"), ("Agua", "es")]


def test_the_console_translates_with_htmx_and_without_and_refuses_in_spanish(app, client, auth, room):
    idea = post(room, "Utz ri ja'", language="quc")
    auth.login(room.created_by)
    page = client.get(f"/sala/{room.id}/moderar").get_data(as_text=True)
    assert f'id="mod-translate-{idea.id}"' in page and f"/moderar/ideas/{idea.id}/traducir" in page
    answer = auth.post(f"/sala/{room.id}/moderar/ideas/{idea.id}/traducir", {"text": "Que haya agua",
                                                                             "language": "es"}, headers=HTMX)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Traducción guardada." in html
    assert "Traducción de la moderación (Español):" in html and "Que haya agua" in html
    refused = auth.post(f"/sala/{room.id}/moderar/ideas/{idea.id}/traducir", {"text": "", "language": "es"})
    assert refused.status_code == 302
    assert "Escriba la traducción." in client.get(f"/sala/{room.id}/moderar").get_data(as_text=True)
    removed = auth.post(f"/sala/{room.id}/moderar/ideas/{idea.id}/traducir/quitar", {"language": "es"})
    assert removed.status_code == 302 and translations() == []
    log = client.get(f"/sala/{room.id}/moderar/registro").get_data(as_text=True)
    assert "Traducción de la moderación guardada" in log and "Traducción de la moderación quitada" in log
    assert "traducción (Español): «Que haya agua»" in log


def test_a_translation_reaches_the_phones_and_the_consoles(app, room, join, socket_client, make_user):
    idea = post(room, "Utz ri ja'", language="quc")
    phone, console = app.test_client(), app.test_client()
    join(phone, room)
    moderator = make_user(Role.MODERATOR)
    assign_moderators(room, [moderator], actor=room.created_by)
    Auth(console).login(moderator)
    phone_socket, console_socket = socket_client(phone, room=room.id), socket_client(console, room=room.id)
    phone_socket.get_received()
    console_socket.get_received()
    mod.translate_idea(room, idea.id, actor=moderator, text="Que haya agua")
    change = phone_socket.events("change")
    assert len(change) == 1
    html = change[0]["args"][0]["html"]
    assert f'id="idea-{idea.id}"' in html and "Traducción de la moderación" in html and "Que haya agua" in html
    assert 'lang="quc"' in html
    rows = console_socket.events("moderation")
    assert len(rows) == 1 and "Que haya agua" in rows[0]["args"][0]["html"]
    mod.remove_translation(room, idea.id, actor=moderator, language="es")
    html = phone_socket.events("change")[0]["args"][0]["html"]
    assert f'id="idea-{idea.id}"' in html and "Que haya agua" not in html


def test_a_merge_records_its_texts_language_and_the_sources_keep_theirs(app, room):
    a, b = post(room, "Utz ri ja'", language="quc"), post(room, "Agua limpia")
    with pytest.raises(ModerationError) as refused:
        mod.merge_ideas(room, [a.id, b.id], actor=room.created_by, text="Agua", language="xx")
    assert refused.value.status == 422 and "Ese idioma no está en la lista" in str(refused.value)
    assert db.session.scalar(sa.select(sa.func.count(Idea.id))) == 2
    merged, _ = mod.merge_ideas(room, [a.id, b.id], actor=room.created_by, text="Ja' chi ri tinamit", language="quc")
    assert merged.language == "quc"
    db.session.refresh(a)
    assert (a.status, a.language) == ("merged", "quc")
    other, _ = mod.merge_ideas(room, [merged.id, post(room, "Más agua").id], actor=room.created_by, text="Agua")
    assert other.language == "es"  # the moderator's interface language (Spanish outside a request)
