"""The coordinators' page of the interface languages (/idiomas): how complete each catalogue is,
configured or only present, the phone's strings first; nobody else sees it."""
import re

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from ideaboard import create_app
from ideaboard.accounts.models import Role
from ideaboard.catalogues import POT, TRANSLATIONS, completeness, phone_messages
from tests.conftest import IsolatedClient, Auth, app_config


def figures(page: str, code: str) -> dict:
    row = re.search(rf'<tr id="language-{code}">(.*?)</tr>', page, re.S).group(1)
    cells = dict(re.findall(r'data-figure="(\w+)">(.*?)</td>', row, re.S))
    done = {name: [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", re.sub(r"<[^>]+>", " ", cell))]
            for name, cell in cells.items()}  # 1,422 as Spanish of Guatemala writes it
    return {"phone": done["phone"], "all": done["all"], "fuzzy": done["fuzzy"][0],
            "offered": "IDEABOARD_LANGUAGES" not in row}


def test_coordinators_see_each_language_real_catalogues(client, auth, make_user):
    auth.login(make_user(Role.COORDINATOR))
    response = client.get("/idiomas")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Idiomas de la interfaz" in page and "docs/translating.md" in page
    with POT.open("rb") as f:
        total = sum(1 for m in read_po(f) if m.id)
    phone = len(phone_messages())
    for code in ("es", "en"):  # offered; English complete (tests/test_i18n.py)
        assert figures(page, code) == {"phone": [100, phone, phone], "all": [100, total, total], "fuzzy": 0,
                                       "offered": True}
    for code in ("quc", "kek", "cak", "mam"):  # present, just started, not offered by default
        assert figures(page, code) == {"phone": [0, 0, phone], "all": [0, 0, total], "fuzzy": 0, "offered": False}


def test_the_dashboard_links_it_for_planners_only(client, auth, make_user):
    auth.login(make_user(Role.ADMIN))
    assert 'href="/idiomas"' in client.get("/panel").get_data(as_text=True)
    auth.logout()
    auth.login(make_user(Role.MODERATOR))
    assert 'href="/idiomas"' not in client.get("/panel").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.OFFICIAL])
def test_other_staff_are_refused(client, auth, make_user, role):
    auth.login(make_user(role))
    assert client.get("/idiomas").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/idiomas")
    assert response.status_code == 302 and response.headers["Location"].startswith("/entrar?next=")


@pytest.fixture
def folder(tmp_path):
    """A translations folder: cak (offered) with two messages translated (one a phone string),
    one fuzzy, one translated in a single plural form (not counted); kek present, not offered."""
    with POT.open("rb") as f:
        pot = read_po(f)
    cak = Catalog(locale="cak", fuzzy=False)
    for message in pot:
        if message.id:
            cak.add(message.id, None if isinstance(message.id, str) else ("", ""), context=message.context)
    cak.get("Temas").string = "[cak] Temas"  # board.html: a phone string
    cak.get("Panel").string = "[cak] Panel"
    cak.get("Salir").string = "[cak] Salir"
    cak.get("Salir").flags.add("fuzzy")
    cak.get(("%(num)d ideatón", "%(num)d ideatones")).string = ("[cak] %(num)d ideatón", "")
    for code, catalogue in (("cak", cak), ("kek", Catalog(locale="kek"))):
        path = tmp_path / code / "LC_MESSAGES"
        path.mkdir(parents=True)
        with (path / "messages.po").open("wb") as f:
            write_po(f, catalogue)
    with (tmp_path / "cak" / "LC_MESSAGES" / "messages.mo").open("wb") as f:
        write_mo(f, cak)
    return tmp_path


def app_with(migrated, directory, languages):
    made = create_app(app_config(migrated, LANGUAGES=languages, BABEL_TRANSLATION_DIRECTORIES=str(directory)))
    made.test_client_class = IsolatedClient
    return made


def test_figures_follow_the_catalogue_files(app, migrated, folder, make_user):
    coordinator = make_user(Role.COORDINATOR)
    other = app_with(migrated, folder, ("es", "cak"))
    with other.app_context():
        client = other.test_client()
        Auth(client).login(coordinator)
        page = client.get("/idiomas").get_data(as_text=True)
    with POT.open("rb") as f:
        total = sum(1 for m in read_po(f) if m.id)
    phone = len(phone_messages())
    assert ("Temas", None) in phone_messages() and ("Panel", None) not in phone_messages()
    assert figures(page, "cak") == {"phone": [100 * 1 // phone, 1, phone], "all": [100 * 2 // total, 2, total],
                                    "fuzzy": 1, "offered": True}
    assert figures(page, "kek") == {"phone": [0, 0, phone], "all": [0, 0, total], "fuzzy": 0, "offered": False}
    assert figures(page, "es")["all"] == [100, total, total]
    assert "en" not in re.findall(r'<tr id="language-(\w+)">', page)
    # The same figures as the module computes from the files.
    [cak] = completeness(["cak"], directory=folder)
    assert (cak.translated, cak.fuzzy, cak.phone_translated) == (2, 1, 1)


def test_empty_state_with_only_spanish(app, migrated, tmp_path, make_user):
    coordinator = make_user(Role.COORDINATOR)
    other = app_with(migrated, tmp_path, ("es",))
    with other.app_context():
        client = other.test_client()
        Auth(client).login(coordinator)
        response = client.get("/idiomas")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Solo se ofrece el español" in page and "<table" not in page


def test_real_catalogues_folder_is_the_default():
    assert TRANSLATIONS.name == "translations" and (TRANSLATIONS / "cak" / "LC_MESSAGES" / "messages.po").exists()
