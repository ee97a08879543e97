"""Theme names in the viewer's language (issue 17): a default theme kept as it is shows in each
viewer's language, a planner may name a theme per language, and every screen falls back to the
planner's own name."""
from html.parser import HTMLParser

import sqlalchemy as sa

from ideaboard.accounts.models import Role
from ideaboard.extensions import db
from ideaboard.ideathons.models import Ideathon
from ideaboard.rooms.services import change_phase, open_room


class _FormFields(HTMLParser):
    """The values a browser would post from a page's form: inputs, and each select's chosen option."""

    def __init__(self):
        super().__init__()
        self.values, self._select, self._first = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") not in ("submit", "checkbox", "radio"):
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea" and attrs.get("name"):
            self.values.setdefault(attrs["name"], "")
        elif tag == "select":
            self._select, self._first = attrs.get("name"), True
        elif tag == "option" and self._select:
            if self._first or "selected" in attrs:
                self.values[self._select] = attrs.get("value", "")
            self._first = False

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def form_fields(html: str) -> dict:
    parser = _FormFields()
    parser.feed(html)
    return parser.values


def plan_with_the_editors_defaults(client, auth, coordinator, **changes) -> Ideathon:
    """A coordinator plans an ideathon keeping the theme editor's default themes, as a browser posts it."""
    auth.login(coordinator)
    fields = form_fields(client.get("/ideatones/nueva").get_data(as_text=True))
    fields.update({"municipality": "Cobán, Alta Verapaz (1601)", "title": "Ideatón de Cobán",
                   "starts_at": "2030-05-02T09:00", "venue": "Salón municipal", "op": "save", **changes})
    response = auth.post("/ideatones/nueva", fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    auth.logout()
    return db.session.scalar(sa.select(Ideathon).order_by(Ideathon.id.desc()))


def test_an_english_board_shows_the_default_themes_in_english(app, client, auth, make_user, join):
    """The issue's symptom: themes kept from the defaults were stored in the planner's Spanish, and an
    English board showed "Agua y saneamiento"."""
    coordinator = make_user(Role.COORDINATOR)
    ideathon = plan_with_the_editors_defaults(client, auth, coordinator)
    open_room(ideathon, actor=coordinator)
    change_phase(ideathon, "ideas", actor=coordinator)
    client.set_cookie("lang", "en")
    join(client, ideathon)
    html = client.get(f"/sala/{ideathon.id}").get_data(as_text=True)
    assert "Water and sanitation" in html and "Street lighting" in html
    assert "Agua y saneamiento" not in html and "Alumbrado público" not in html


# --- names per language, and the fallbacks -------------------------------------------------------

from datetime import datetime, timedelta  # noqa: E402
import uuid  # noqa: E402

from ideaboard.ideas.services import post_idea  # noqa: E402
from ideaboard.ideathons.models import Theme, ThemeName  # noqa: E402
from ideaboard.ideathons.services import IdeathonError, IdeathonPlan, ThemeDraft, create_ideathon  # noqa: E402
from ideaboard.ideathons.themes import theme_name  # noqa: E402
from ideaboard.municipalities.services import get_by_code  # noqa: E402
from ideaboard.rooms.services import reveal_ideas  # noqa: E402

# (name the planner typed, icon, default it came from, names per language) -> what es and en viewers read
CASES = [
    (("Agua y saneamiento", "water", "water", {}), "Agua y saneamiento", "Water and sanitation"),
    (("  agua Y SANEAMIENTO ", "road", "water", {}), "Agua y saneamiento", "Water and sanitation"),  # still the default
    (("Water and sanitation", "light", "water", {}), "Agua y saneamiento", "Water and sanitation"),  # typed in English
    (("Agua potable para Cobán", "waste", "water", {}), "Agua potable para Cobán", "Agua potable para Cobán"),  # renamed
    (("Mercado de Cobán", "market", None, {"en": "Cobán market"}), "Mercado de Cobán", "Cobán market"),
    (("Otro", "other", "other", {"en": "Something else"}), "Otro", "Something else"),  # per-language name first
    (("Feria patronal", "other", None, {"es": "Feria de Santo Domingo"}), "Feria de Santo Domingo", "Feria patronal"),
]


def plan(themes, **changes):
    fields = dict(municipality=get_by_code("1601"), title="Ideatón de Cobán", venue="Salón municipal", description="",
                  starts_at_local=datetime.now().replace(second=0, microsecond=0) + timedelta(days=5),
                  themes=[ThemeDraft(name, icon, None, key, dict(names)) for name, icon, key, names in themes])
    fields.update(changes)
    return IdeathonPlan(**fields)


def test_each_viewer_reads_the_per_language_name_else_the_translated_default_else_the_planners(
        app, client, make_user, join):
    coordinator = make_user(Role.COORDINATOR)
    # Two themes named alike are refused; plan the cases in two ideathons where they would clash.
    first = create_ideathon(plan([c[0] for c in CASES[:1] + CASES[3:]]), actor=coordinator)
    second = create_ideathon(plan([c[0] for c in CASES[1:3]]), actor=coordinator)
    keys = [t.default_key for t in first.themes + second.themes]
    assert keys == ["water", None, None, "other", None, "water", "water"]  # the renamed one lost its key
    expected = [(c[1], c[2]) for c in CASES[:1] + CASES[3:] + CASES[1:3]]
    for theme, (es, en) in zip(first.themes + second.themes, expected):
        assert (theme_name(theme, "es"), theme_name(theme, "en")) == (es, en), theme.name
    open_room(first, actor=coordinator)
    change_phase(first, "ideas", actor=coordinator)
    spanish, english = app.test_client(), app.test_client()
    english.set_cookie("lang", "en")
    for phone in (spanish, english):
        join(phone, first)
    es_board = spanish.get(f"/sala/{first.id}").get_data(as_text=True)
    en_board = english.get(f"/sala/{first.id}").get_data(as_text=True)
    for es, en in [(c[1], c[2]) for c in CASES[:1] + CASES[3:]]:
        assert f'<span class="theme-tab__name">{es}</span>' in es_board
        assert f'<span class="theme-tab__name">{en}</span>' in en_board
    assert "Feria patronal" not in es_board and "Cobán market" not in es_board
    # A default's description is the column's hint, in the viewer's language.
    assert 'title="Agua potable, drenajes y tratamiento de aguas"' in es_board
    assert 'title="Drinking water, drains and water treatment"' in en_board


def test_a_broadcast_names_the_themes_in_each_language(app, make_user, join, socket_client):
    coordinator = make_user(Role.COORDINATOR)
    room = create_ideathon(plan([("Agua y saneamiento", "water", "water", {}),
                                 ("Mercado de Cobán", "market", None, {"en": "Cobán market"})]), actor=coordinator)
    open_room(room, actor=coordinator)
    change_phase(room, "ideas", actor=coordinator)
    es_phone, en_phone = app.test_client(), app.test_client()
    en_phone.set_cookie("lang", "en")
    author = join(es_phone, room)
    join(en_phone, room)
    es_socket, en_socket = socket_client(es_phone, room=room.id), socket_client(en_phone, room=room.id)
    post_idea(room, author, theme_id=room.themes[0].id, text="Agua los domingos", client_id=str(uuid.uuid4()))
    for sio in (es_socket, en_socket):
        sio.get_received()
    reveal_ideas(room, actor=coordinator)  # the room's message carries every idea list, named by theme
    es_html = es_socket.events("change")[0]["args"][0]["html"]
    en_html = en_socket.events("change")[0]["args"][0]["html"]
    assert "Ideas de Agua y saneamiento" in es_html and "Ideas de Mercado de Cobán" in es_html
    assert "Ideas for Water and sanitation" in en_html and "Ideas for Cobán market" in en_html
    assert "saneamiento" not in en_html and "Mercado de Cobán" not in en_html


def test_the_board_loads_the_names_with_the_themes_not_per_card(app, client, make_user, join):
    """One query for every theme's names, however many themes and ideas the board shows."""
    from sqlalchemy import event

    coordinator = make_user(Role.COORDINATOR)
    room = create_ideathon(plan([(f"Tema {n}", "other", None, {"en": f"Theme {n}"}) for n in range(8)]),
                           actor=coordinator)
    open_room(room, actor=coordinator)
    change_phase(room, "ideas", actor=coordinator)
    author = join(client, room)
    for n in range(16):
        post_idea(room, author, theme_id=room.themes[n % 8].id, text=f"Idea {n}", client_id=str(uuid.uuid4()))
    db.session.expire_all()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(f"/sala/{room.id}").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert sum(1 for sql in statements if "theme_names" in sql) == 1


# --- the theme editor ----------------------------------------------------------------------------

def editor_post(client, auth, ideathon, **changes):
    fields = form_fields(client.get(f"/ideatones/{ideathon.id}/editar").get_data(as_text=True))
    fields.update(op="save", **changes)
    return auth.post(f"/ideatones/{ideathon.id}/editar", fields)


def stored_names():
    return sorted((n.theme.name, n.language, n.name) for n in db.session.scalars(sa.select(ThemeName)))


def test_the_editor_names_a_theme_per_language_and_keeps_a_kept_default(app, client, auth, make_user):
    coordinator = make_user(Role.COORDINATOR)
    ideathon = plan_with_the_editors_defaults(client, auth, coordinator)
    assert [t.default_key for t in ideathon.themes][:2] == ["water", "waste"]
    auth.login(coordinator)
    page = client.get(f"/ideatones/{ideathon.id}/editar").get_data(as_text=True)
    assert page.count("<summary>Nombre en otros idiomas</summary>") == 11
    assert 'name="themes-0-names-en"' in page and 'name="themes-0-names-es"' in page
    assert 'name="themes-0-default_key" type="hidden" value="water"' in page
    response = editor_post(client, auth, ideathon, **{"themes-1-names-en": "  Rubbish  ",
                                                      "themes-2-name": "Mercado de Cobán"})
    assert response.status_code == 302
    db.session.expire_all()
    themes = db.session.get(Ideathon, ideathon.id).themes
    assert stored_names() == [("Desechos y limpieza", "en", "Rubbish")]
    assert [t.default_key for t in themes][:3] == ["water", "waste", None]  # renamed: the planner's name wins
    page = client.get(f"/ideatones/{ideathon.id}/editar").get_data(as_text=True)
    assert 'value="Rubbish"' in page and "<summary>Nombre en otros idiomas (1)</summary>" in page
    # Emptying the field removes the name; the editor's steps (add, move) carry the names along.
    moved = auth.post(f"/ideatones/{ideathon.id}/editar",
                      {**form_fields(page), "op": "up:1"}).get_data(as_text=True)
    moved_fields = form_fields(moved)
    assert moved_fields["themes-0-name"] == "Desechos y limpieza" and moved_fields["themes-0-names-en"] == "Rubbish"
    assert moved_fields["themes-0-default_key"] == "waste" and moved_fields["themes-1-names-en"] == ""
    assert editor_post(client, auth, ideathon, **{"themes-1-names-en": ""}).status_code == 302
    assert stored_names() == []


BAD_NAMES = {
    "an unknown language": ({"themes-0-names-xx": "Water"}, "El idioma «xx» no es uno de los idiomas de la interfaz."),
    "a name too long": ({"themes-0-names-en": "W" * 61},
                        "El nombre de «Agua y saneamiento» en English puede tener como máximo 60 caracteres."),
    "a name twice in one language": ({"themes-0-names-en": "Water", "themes-1-names-en": "water"},
                                     "El tema «water» está repetido en English."),
}


def test_the_editor_refuses_bad_names_in_spanish_and_stores_nothing(app, client, auth, make_user):
    coordinator = make_user(Role.COORDINATOR)
    ideathon = plan_with_the_editors_defaults(client, auth, coordinator)
    auth.login(coordinator)
    assert editor_post(client, auth, ideathon, **{"themes-3-names-en": "Roads"}).status_code == 302
    before = stored_names()
    for case, (changes, message) in BAD_NAMES.items():
        response = editor_post(client, auth, ideathon, title="Otro título", **changes)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, case
        assert message.replace("«", "&laquo;").replace("»", "&raquo;") in html or message in html, case
        db.session.expire_all()
        assert stored_names() == before and db.session.get(Ideathon, ideathon.id).title == "Ideatón de Cobán", case


def test_the_service_refuses_bad_names_too(app, make_user):
    coordinator = make_user(Role.COORDINATOR)
    for names in ({"quc": "Ja'"}, {"en": "x" * 61}):  # quc is not an interface language here
        try:
            create_ideathon(plan([("Agua", "water", None, names)]), actor=coordinator)
        except IdeathonError:
            pass
        else:
            raise AssertionError(names)
    assert db.session.scalar(sa.select(sa.func.count(Theme.id))) == 0
