"""Spanish first, English kept in step.

Two halves:
- the locale a visitor gets (cookie, else Accept-Language, else Spanish) and the POST /idioma
  switch that sets the cookie and only ever redirects to a path on this site;
- the catalogues: the .pot matches what the sources say now, every message has a real English
  translation with the same placeholders, nothing is fuzzy, and the compiled .mo files are current.

When a catalogue test fails after you added or changed a string: run `make update-messages`,
translate the new entries in ideaboard/translations/en/LC_MESSAGES/messages.po, then `make install`.
"""
import io
import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "ideaboard" / "translations"
POT = TRANSLATIONS / "messages.pot"
# Every catalogue present (es, en and those started for other languages: quc, kek, cak, mam).
LOCALES = tuple(sorted(p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")))
# The same as BABEL_KEYWORDS in the Makefile and `keywords` in babel.cfg.
BABEL_KEYWORDS = ("_l", "lazy_gettext", "lazy_ngettext:1,2", "lazy_pgettext:1c,2")
WORKFLOW = (
    "Run `make update-messages`, translate the new entries in "
    "ideaboard/translations/en/LC_MESSAGES/messages.po, then `make install`."
)

HOME_ES = "Ideatones: su municipio escucha sus ideas"
HOME_EN = "Ideathons: your municipality listens to your ideas"


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True))
    assert match, "no <html lang> on the page"
    return match.group(1)


# --- Choosing the language -------------------------------------------------------------------


def test_spanish_by_default(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html_lang(response) == "es"
    assert HOME_ES in html
    assert ">Entrar<" in html and "Municipios" in html
    assert HOME_EN not in html


@pytest.mark.parametrize("header", ["en-US", "en-US,en;q=0.9", "en", "fr-FR,en;q=0.8,es;q=0.5"])
def test_english_from_accept_language(client, header):
    response = client.get("/", headers={"Accept-Language": header})
    html = response.get_data(as_text=True)
    assert html_lang(response) == "en"
    assert HOME_EN in html
    assert ">Log in<" in html and "Municipalities" in html
    assert HOME_ES not in html


@pytest.mark.parametrize("header", ["es", "es-GT,es;q=0.9,en;q=0.8", "fr-FR", "de, *;q=0.1"])
def test_spanish_when_the_browser_does_not_prefer_english(client, header):
    response = client.get("/", headers={"Accept-Language": header})
    assert html_lang(response) == "es"
    assert HOME_ES in response.get_data(as_text=True)


def test_cookie_wins_over_accept_language(client):
    client.set_cookie("lang", "en")
    response = client.get("/", headers={"Accept-Language": "es-GT,es;q=0.9"})
    assert html_lang(response) == "en"
    assert HOME_EN in response.get_data(as_text=True)

    client.set_cookie("lang", "es")
    response = client.get("/", headers={"Accept-Language": "en-US"})
    assert html_lang(response) == "es"
    assert HOME_ES in response.get_data(as_text=True)


def test_unknown_cookie_value_is_ignored(client):
    client.set_cookie("lang", "xx")
    assert html_lang(client.get("/")) == "es"
    assert html_lang(client.get("/", headers={"Accept-Language": "en"})) == "en"


def test_lazy_strings_follow_each_request(client):
    """Module-level lazy strings (error pages) are translated per request, not frozen at import."""
    english = client.get("/no-such-page", headers={"Accept-Language": "en"})
    spanish = client.get("/no-such-page")
    assert english.status_code == spanish.status_code == 404
    assert "Page not found" in english.get_data(as_text=True)
    assert "Página no encontrada" in spanish.get_data(as_text=True)


def test_plural_forms(client, make_ideathon):
    make_ideathon("0108")
    make_ideathon("0108")
    make_ideathon("0301")
    spanish = client.get("/").get_data(as_text=True)
    english = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "2 ideatones" in spanish and "1 ideatón" in spanish
    assert "2 ideathons" in english and "1 ideathon<" in english


def test_default_themes_in_the_visitors_language(app):
    from ideaboard.ideathons.themes import default_themes

    # A fresh app context per request, as in production: Flask-Babel caches the locale in `g`.
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "en"}):
        names = [theme["name"] for theme in default_themes()]
        assert "Water and sanitation" in names
        assert "Procedures, fees and property tax (IUSI)" in names
    with app.app_context(), app.test_request_context("/"):
        assert "Agua y saneamiento" in [theme["name"] for theme in default_themes()]


# --- The language switch ---------------------------------------------------------------------


def lang_cookie(response):
    cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("lang=")]
    return cookies[0] if cookies else None


def test_language_switch_sets_cookie_and_goes_back(client, auth):
    response = auth.post("/idioma", {"lang": "en", "next": "/municipios?x=1"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/municipios?x=1"
    cookie = lang_cookie(response)
    assert cookie and cookie.startswith("lang=en;")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    max_age = int(re.search(r"Max-Age=(\d+)", cookie).group(1))
    assert max_age >= 300 * 24 * 3600

    # The browser keeps the cookie: the next page is English even for a Spanish browser.
    page = client.get("/", headers={"Accept-Language": "es"})
    assert html_lang(page) == "en" and HOME_EN in page.get_data(as_text=True)

    response = auth.post("/idioma", {"lang": "es", "next": "/"})
    assert lang_cookie(response).startswith("lang=es;")
    page = client.get("/", headers={"Accept-Language": "en"})
    assert html_lang(page) == "es"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example",
        "https://evil.example/municipios",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "municipios",
        "",
    ],
)
def test_language_switch_only_redirects_to_a_local_path(auth, next_url):
    response = auth.post("/idioma", {"lang": "en", "next": next_url})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert not location.scheme and not location.netloc
    assert location.path == "/"
    assert lang_cookie(response).startswith("lang=en;")


def test_language_switch_ignores_unknown_languages(client, auth):
    response = auth.post("/idioma", {"lang": "fr", "next": "/municipios"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/municipios"
    assert lang_cookie(response) is None
    assert html_lang(client.get("/")) == "es"


def test_language_switch_needs_csrf_token(client):
    response = client.post("/idioma", data={"lang": "en", "next": "/"})
    assert response.status_code == 400
    assert lang_cookie(response) is None


def test_every_page_has_the_switch(client):
    html = client.get("/").get_data(as_text=True)
    assert 'action="/idioma"' in html
    assert 'name="lang" value="es"' in html and 'name="lang" value="en"' in html


# --- The catalogues --------------------------------------------------------------------------

# A %-format conversion as Python's `%` operator reads it, named or not; "%%" is a literal.
CONVERSION = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])")


def placeholders(text: str) -> Counter:
    """The %-conversions in `text`; a lone `%` that Python would choke on counts as an error."""
    found = Counter()
    rest = CONVERSION.sub(lambda m: found.update([(m["name"], m["type"])]) or "", text)
    if "%" in rest:
        found.update([("<stray %>", "")])
    return found


def read_catalogue(path: Path, locale: str | None = None):
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def key(message):
    """What identifies a message: its msgid (with msgid_plural) and context."""
    msgid = message.id if isinstance(message.id, str) else tuple(message.id)
    return msgid, message.context


def keys(catalogue) -> set:
    return {key(m) for m in catalogue if m.id}


def describe(missing) -> str:
    return "\n".join(f"  {msgid!r}" + (f" (context {ctx!r})" if ctx else "") for msgid, ctx in sorted(missing, key=str))


@pytest.fixture(scope="module")
def pot():
    assert POT.exists(), f"{POT} is missing. {WORKFLOW}"
    return read_catalogue(POT)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """Extract from the sources now, with babel.cfg, exactly as `make extract-messages` does."""
    out = tmp_path_factory.mktemp("i18n") / "messages.pot"
    keywords = [arg for kw in BABEL_KEYWORDS for arg in ("-k", kw)]
    CommandLineInterface().run(
        ["pybabel", "--quiet", "extract", "-F", str(ROOT / "babel.cfg"), *keywords, "--no-location", "-o", str(out), str(ROOT)]
    )
    return read_catalogue(out)


def test_extraction_sees_python_templates_lazy_strings_and_plurals(extracted):
    """Guards babel.cfg itself: lost keywords or a broken Jinja extractor would shrink the .pot quietly."""
    found = keys(extracted)
    assert ("Agua y saneamiento", None) in found  # lazy_gettext as _l, Python
    assert ("Correo o contraseña incorrectos.", None) in found  # gettext as _, Python
    assert ("Hola, %(name)s", None) in found  # _() with a keyword argument, Jinja
    assert (("%(num)d ideatón", "%(num)d ideatones"), None) in found  # ngettext, Jinja
    assert len(found) > 150


def test_pot_is_up_to_date_with_the_sources(pot, extracted):
    new = keys(extracted) - keys(pot)
    gone = keys(pot) - keys(extracted)
    assert not new and not gone, (
        "ideaboard/translations/messages.pot is out of date with the sources.\n"
        + (f"New or changed strings not in the .pot:\n{describe(new)}\n" if new else "")
        + (f"Strings in the .pot no longer in the sources:\n{describe(gone)}\n" if gone else "")
        + WORKFLOW
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_has_every_message_of_the_pot(pot, locale):
    path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"{path} is missing: make init-messages LOCALE={locale}"
    catalogue = read_catalogue(path, locale)
    missing = keys(pot) - keys(catalogue)
    extra = keys(catalogue) - keys(pot)
    assert not missing and not extra, (
        f"The {locale} catalogue is not in step with the .pot.\n"
        + (f"Missing:\n{describe(missing)}\n" if missing else "")
        + (f"Not in the .pot:\n{describe(extra)}\n" if extra else "")
        + WORKFLOW
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_no_fuzzy_entries(locale):
    catalogue = read_catalogue(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", locale)
    assert not catalogue.fuzzy, f"the {locale} catalogue's header is marked fuzzy"
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert not fuzzy, f"Fuzzy entries in the {locale} catalogue (review, then remove the flag): {fuzzy}"


def test_every_message_has_an_english_translation(pot):
    catalogue = read_catalogue(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po", "en")
    untranslated = []
    for template in pot:
        if not template.id:
            continue
        message = catalogue.get(template.id, context=template.context)
        forms = message.string if message and isinstance(message.string, tuple) else (message and message.string,)
        if (
            message is None
            or message.fuzzy
            or not all(s and s.strip() for s in forms)
            or (template.pluralizable and len(forms) != catalogue.num_plurals)
        ):
            untranslated.append(key(template))
    assert not untranslated, f"Messages without an English translation:\n{describe(untranslated)}\n{WORKFLOW}"


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders(locale):
    catalogue = read_catalogue(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", locale)
    wrong = []
    for message in catalogue:
        if not message.id:
            continue
        if message.pluralizable:
            singular, plural = message.id
            for index, text in enumerate(message.string):
                expected = singular if index == 0 and catalogue.num_plurals > 1 else plural
                if text and placeholders(text) != placeholders(expected):
                    wrong.append((expected, text))
        elif message.string and placeholders(message.string) != placeholders(message.id):
            wrong.append((message.id, message.string))
    assert not wrong, f"{locale}: placeholders differ between msgid and msgstr:\n" + "\n".join(
        f"  {msgid!r} -> {msgstr!r}" for msgid, msgstr in wrong
    )


def test_placeholder_check_catches_mistakes():
    assert placeholders("Hola, %(name)s") == placeholders("Hello, %(name)s")
    assert placeholders("Hola, %(name)s") != placeholders("Hello, %(nombre)s")
    assert placeholders("%(n)d temas") != placeholders("%(n)s themes")
    assert placeholders("100%% listo") == placeholders("100%% ready")
    assert placeholders("100% listo") != placeholders("100%% ready")


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_is_current(locale):
    """The app reads the .mo (compiled by make, not committed): it must say what the .po says."""
    po_path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run `make install` to compile the catalogues."
    expected = io.BytesIO()
    write_mo(expected, read_catalogue(po_path, locale))  # what `pybabel compile` writes
    expected.seek(0)
    with mo_path.open("rb") as f:
        assert compiled(f) == compiled(expected), f"{mo_path} is stale: run `make install` to recompile it."


def compiled(fileobj) -> dict:
    return {key(m): tuple(m.string) if isinstance(m.string, list) else m.string for m in read_mo(fileobj) if m.id}
