"""Interface languages beyond Spanish and English (issue 17): configured with IDEABOARD_LANGUAGES,
each offered by its own name, and a language Babel does not know (Kaqchikel, Mam) still served:
its catalogue for the words, Spanish of Guatemala (FORMAT_FALLBACK) for dates, numbers and plurals.
"""
import html
import re
import uuid
from datetime import datetime

import pytest
from babel.dates import format_date, format_time
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from ideaboard import create_app
from ideaboard.accounts.models import Role
from ideaboard.catalogues import PLURAL_FORMS, TRANSLATIONS, completeness, init_catalogue
from ideaboard.i18n import configured_languages, current_language, interface_language, when
from tests.conftest import app_config
from tests.test_i18n import html_lang
from tests.test_permissions import ANON, PARTICIPANT, walk

SIX = ("es", "en", "quc", "kek", "cak", "mam")
NAMES = {"es": "Español", "en": "English", "quc": "K'iche'", "kek": "Q'eqchi'", "cak": "Kaqchikel", "mam": "Mam"}
six_languages = pytest.mark.app_config(LANGUAGES=SIX)


# --- Configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("es,en,quc", ("es", "en", "quc")),
    (" en , quc ", ("es", "en", "quc")),  # Spanish always, first
    ('["es", "en", "cak"]', ("es", "en", "cak")),
    (["en", "en", "es"], ("es", "en")),
    ("es", ("es",)),
])
def test_languages_from_configuration(value, expected):
    assert configured_languages(value) == expected


def test_the_environment_variable_is_read_as_a_list(monkeypatch, migrated):
    monkeypatch.setenv("IDEABOARD_LANGUAGES", "es,en,quc,kek,cak,mam")
    app = create_app(app_config(migrated))
    assert app.config["LANGUAGES"] == SIX
    monkeypatch.setenv("IDEABOARD_LANGUAGES", '["en", "cak"]')
    assert create_app(app_config(migrated)).config["LANGUAGES"] == ("es", "en", "cak")
    monkeypatch.delenv("IDEABOARD_LANGUAGES")
    assert create_app(app_config(migrated)).config["LANGUAGES"] == ("es", "en")


@pytest.mark.parametrize("value, says", [
    ("es,en,xx", "'xx', which is not a language of ideaboard/languages.py"),
    ("es,fr", "'fr', which is not a language"),
    ("es,tzj", "'tzj' (Tz'utujil), which has no compiled catalogue"),
    ('["es", 1]', "must be a list of language codes"),
    ("[es", "not a valid JSON list"),
])
def test_a_language_the_app_cannot_offer_stops_it_at_start(migrated, value, says):
    with pytest.raises(RuntimeError) as refused:
        create_app(app_config(migrated, LANGUAGES=value))
    assert says in str(refused.value)
    assert "IDEABOARD_LANGUAGES" in str(refused.value)


def test_a_format_fallback_babel_does_not_know_stops_it_at_start(migrated):
    with pytest.raises(RuntimeError, match="IDEABOARD_FORMAT_FALLBACK"):
        create_app(app_config(migrated, FORMAT_FALLBACK="cak"))


# --- The switcher --------------------------------------------------------------------------------


def switch_buttons(page: str) -> list[tuple[str, str, str, bool]]:
    """(value, lang, text, current) of each button of the footer's language switch."""
    form = re.search(r'<form method="post" action="/idioma" class="lang-switch">(.*?)</form>', page, re.S).group(1)
    return [(value, lang, html.unescape(text.strip()), bool(current))
            for value, lang, current, text in re.findall(
                r'<button type="submit" name="lang" value="([^"]+)" lang="([^"]+)"( aria-current="true")?>([^<]+)</button>',
                form)]


@six_languages
@pytest.mark.parametrize("code", SIX)
def test_the_switch_offers_each_language_by_its_own_name(client, code):
    client.set_cookie("lang", code)
    response = client.get("/")
    assert response.status_code == 200 and html_lang(response) == code
    buttons = switch_buttons(response.get_data(as_text=True))
    assert [(value, lang, text) for value, lang, text, _ in buttons] == [(c, c, NAMES[c]) for c in SIX]
    assert [value for value, _, _, current in buttons if current] == [code]


def test_two_languages_by_default(client):
    buttons = switch_buttons(client.get("/").get_data(as_text=True))
    assert [(value, text, current) for value, _, text, current in buttons] == [("es", "Español", True),
                                                                              ("en", "English", False)]


@six_languages
@pytest.mark.parametrize("code", ["cak", "mam", "quc"])
def test_choosing_a_language_without_javascript(client, auth, code):
    response = auth.post("/idioma", {"lang": code, "next": "/municipios/"})
    assert response.status_code == 302 and response.headers["Location"] == "/municipios/"
    assert any(h.startswith(f"lang={code};") for h in response.headers.getlist("Set-Cookie"))
    page = client.get("/municipios/", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and html_lang(page) == code


def test_a_language_not_configured_is_not_taken(client, auth):
    response = auth.post("/idioma", {"lang": "cak", "next": "/"})
    assert not any(h.startswith("lang=") for h in response.headers.getlist("Set-Cookie"))


@six_languages
def test_the_phone_header_lists_every_language(client, open_room, join):
    room = open_room()
    join(client, room)
    client.set_cookie("lang", "cak")
    page = client.get(f"/sala/{room.id}").get_data(as_text=True)
    menu = re.search(r'<details class="lang-mini lang-mini--menu">(.*?)</details>', page, re.S).group(1)
    assert '<span lang="cak">Kaqchikel</span>' in menu
    assert re.findall(r'value="([^"]+)" lang="\1"', menu) == list(SIX)
    assert 'value="cak" lang="cak" aria-current="true"' in menu
    assert f'name="next" value="/sala/{room.id}"' in menu


def test_the_phone_header_with_two_languages_is_one_button(client, open_room, join):
    room = open_room()
    join(client, room)
    page = client.get(f"/sala/{room.id}").get_data(as_text=True)
    assert "lang-mini--menu" not in page
    assert 'name="lang" value="en" lang="en" class="lang-mini__button"' in page


# --- No 500, whatever a request carries ----------------------------------------------------------

FUZZ = ["cak", "mam-GT", "*", "quc;q=0.5", "kek-GT,es;q=0.5", "cak-GT,en;q=0.9", "xx", "zz-ZZ", "", ";;;",
        "q=1", "en;q=abc", "es;q=", "🙂", "mam_GT", "de-DE-u-co-phonebk", "i-klingon", "x" * 8000,
        ",".join(f"l{i};q=0.{i % 10}" for i in range(500)), "es\t en", "\x7f", "../../etc/passwd", "<script>"]


@six_languages
@pytest.mark.filterwarnings("ignore:The 'lang' cookie is too large")
@pytest.mark.parametrize("value", FUZZ, ids=range(len(FUZZ)))
def test_no_accept_language_or_cookie_value_gives_a_500(client, value):
    for path in ("/", "/no-such-page", "/unirse"):
        assert client.get(path, headers={"Accept-Language": value}).status_code in (200, 404), (path, value)
        client.set_cookie("lang", value)
        assert client.get(path).status_code in (200, 404), (path, value)
        client.delete_cookie("lang")


@six_languages
@pytest.mark.parametrize("header, expected", [
    ("cak", "cak"), ("mam-GT", "mam"), ("quc;q=0.5", "quc"), ("*", "es"), ("fr, kek;q=0.3", "kek"),
    ("xx", "es"), ("en-US,cak;q=0.5", "en"), ("es-419,en;q=0.9", "es"), ("cak;q=0,mam;q=0.2", "mam"),
])
def test_the_browsers_language_when_configured(client, header, expected):
    assert html_lang(client.get("/", headers={"Accept-Language": header})) == expected


# --- A language Babel does not know: its catalogue, es_GT's formats --------------------------------


@pytest.fixture
def test_catalogues(tmp_path):
    """A translations folder with a tiny cak catalogue: two test markers (not Kaqchikel: nobody here
    can vouch for a translation), one plural message with its two forms."""
    catalogue = Catalog(locale="cak")
    catalogue._num_plurals, catalogue._plural_expr = PLURAL_FORMS
    catalogue.add("Municipios", "[cak] Municipios")
    catalogue.add("Editar o retirar", "[cak] Editar o retirar")
    catalogue.add("%(date)s, %(time)s", "[cak] %(date)s · %(time)s")
    catalogue.add(("%(num)d ideatón", "%(num)d ideatones"), ("[cak] %(num)d ideatón", "[cak] %(num)d ideatones"))
    folder = tmp_path / "translations"
    path = folder / "cak" / "LC_MESSAGES" / "messages.mo"
    path.parent.mkdir(parents=True)
    with path.open("wb") as f:
        write_mo(f, catalogue)
    return folder


@pytest.fixture
def cak_app(migrated, test_catalogues, app):
    """The `app` fixture's database, with the test cak catalogue over the real ones."""
    from tests.conftest import IsolatedClient

    cak = create_app(app_config(migrated, LANGUAGES=SIX,
                                BABEL_TRANSLATION_DIRECTORIES=f"{TRANSLATIONS};{test_catalogues}"))
    cak.test_client_class = IsolatedClient
    return cak


def test_a_babel_unknown_language_translates_with_its_catalogue_and_writes_dates_as_es_gt(
        cak_app, make_ideathon):
    ideathon = make_ideathon()
    make_ideathon()
    client = cak_app.test_client()
    client.set_cookie("lang", "cak")
    with cak_app.app_context():
        detail = client.get(f"/ideatones/{ideathon.id}")
    page = detail.get_data(as_text=True)
    assert detail.status_code == 200 and html_lang(detail) == "cak"
    assert "[cak] Municipios" in page  # the catalogue's entry
    assert "Propuestas" in page  # an entry it lacks: Spanish
    local = datetime.fromisoformat(re.search(r'<time datetime="([^"]+)Z"', page).group(1))
    with cak_app.test_request_context("/", headers={"Cookie": "lang=cak"}):
        assert current_language() == "cak"
        from flask_babel import get_locale, to_user_timezone

        assert str(get_locale()) == "es_GT"
        moment = to_user_timezone(local)
        expected = (f"[cak] {format_date(moment, 'full', locale='es_GT')} · "
                    f"{format_time(moment, 'short', locale='es_GT')}")
        assert when(local, weekday=True) == expected
    assert expected in page
    plain = expected.replace("\u202f", " ")
    assert "de 20" in plain and ("a. m." in plain or "p. m." in plain)  # Spanish of Guatemala
    with cak_app.app_context():
        home = client.get("/").get_data(as_text=True)
    assert "[cak] 2 ideatones" in home or "[cak] 1 ideatón" in home  # plural forms from its catalogue


def test_the_same_process_serves_each_language_its_own_catalogue(cak_app):
    with cak_app.app_context():
        pages = {code: cak_app.test_client().get("/", headers={"Accept-Language": code}).get_data(as_text=True)
                 for code in ("cak", "mam", "en", "es", "cak")}
    assert "[cak] Municipios" in pages["cak"]
    assert "[cak]" not in pages["mam"] and ">Municipios<" in pages["mam"].replace("<span>", ">")
    assert "Municipalities" in pages["en"] and "[cak]" not in pages["es"]


def test_interface_language_renders_in_the_language_asked(cak_app):
    from ideaboard.i18n import gettext

    with cak_app.test_request_context("/"):
        assert current_language() == "es"
        with interface_language("cak"):
            assert current_language() == "cak" and gettext("Municipios") == "[cak] Municipios"
            with interface_language("en"):
                assert gettext("Municipios") == "Municipalities"
            assert gettext("Municipios") == "[cak] Municipios"
        assert current_language() == "es" and gettext("Municipios") == "Municipios"


def test_a_room_socket_in_cak_joins_the_cak_channel_and_gets_cak_updates(cak_app, make_ideathon):
    from ideaboard.extensions import socketio
    from ideaboard.rooms.services import change_phase, open_room
    from tests.conftest import Auth, IsolatedSocketClient

    room = make_ideathon(themes=[("Agua", "water")])
    open_room(room, actor=room.created_by)
    change_phase(room, "ideas", actor=room.created_by)
    phones, sockets = {}, {}
    with cak_app.app_context():
        for code in ("cak", "es"):
            phone = phones[code] = cak_app.test_client()
            phone.set_cookie("lang", code)
            assert phone.get(f"/s/{room.room_code}").status_code == 302
            assert Auth(phone).post(f"/sala/{room.id}/unirse", {"nickname": code}).status_code == 302
    sockets = {code: IsolatedSocketClient(cak_app, phone, auth={"room": room.id}) for code, phone in phones.items()}
    try:
        assert all(sio.is_connected() for sio in sockets.values())
        assert f"room-{room.id}-cak" in socketio.server.manager.rooms["/"]
        for sio in sockets.values():
            sio.get_received()
        with cak_app.app_context():
            posted = Auth(phones["es"]).post(f"/sala/{room.id}/ideas", {
                "theme_id": room.themes[0].id, "text": "Agua los domingos", "client_id": str(uuid.uuid4())})
        assert posted.status_code == 302
        [cak_change] = sockets["cak"].events("change")
        [es_change] = sockets["es"].events("change")
    finally:
        for sio in sockets.values():
            if sio.is_connected():
                sio.disconnect()
    assert "Agua los domingos" in cak_change["args"][0]["html"] and "Agua los domingos" in es_change["args"][0]["html"]
    assert "[cak] Editar o retirar" in cak_change["args"][0]["html"]
    assert "Editar o retirar" in es_change["args"][0]["html"] and "[cak]" not in es_change["args"][0]["html"]


# --- Every page in every language (the permission walk of tests/test_permissions.py) --------------


@six_languages
# Anonymous, a phone, the admin (every staff page) and an official (their municipality's): the other
# roles see a subset of the admin's pages, walked in Spanish by tests/test_permissions.py.
@pytest.mark.parametrize("visitor", [ANON, PARTICIPANT, Role.ADMIN, Role.OFFICIAL], ids=lambda v: getattr(v, "value", v))
def test_every_page_in_every_language(app, make_user, open_room, join, visitor):
    # Spanish without a cookie is tests/test_permissions.py's own walk.
    assert walk(app, make_user, open_room, join, visitor, languages=SIX[1:]) > 5 * 100


# --- Catalogues ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["quc", "kek", "cak", "mam"])
def test_started_catalogues_are_untranslated_with_two_plural_forms(code):
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f, locale=None)
    assert catalogue.plural_forms == "nplurals=2; plural=(n != 1);"
    assert catalogue.locale_identifier == code and not catalogue.fuzzy
    translated = [m.id for m in catalogue if m.id and (any(m.string) if isinstance(m.string, tuple) else m.string)]
    assert translated == [], f"{code}: translations nobody here can verify"


def test_init_catalogue_starts_a_language_babel_does_not_know(tmp_path):
    path = init_catalogue("jac", directory=tmp_path)
    text = path.read_text()
    assert '"Language: jac\\n"' in text and "Popti'" in text
    assert '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"' in text
    [figures] = completeness(["jac"], directory=tmp_path)
    assert figures.translated == 0 and figures.total > 1000 and figures.present
    with pytest.raises(SystemExit, match="exists already"):
        init_catalogue("jac", directory=tmp_path)
    with pytest.raises(SystemExit, match="not a language"):
        init_catalogue("xx", directory=tmp_path)
