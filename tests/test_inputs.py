"""What a request may carry (ideaboard/inputs.py), on real requests and the real database (run with
DATABASE_URL set for PostgreSQL, which cannot store a NUL character at all):

- a NUL character in a path, a query or a form value is refused with 400 (the API's in JSON) before it
  reaches a view, whatever the page; an uploaded CSV file with one is refused by the import with its
  reason, nothing saved;
- a number from a query or a form that no row, page or year can have is answered as an unknown one (a
  refusal, a 404) or, as a public filter, ignored; never a 500.
"""
import io
import uuid

import pytest
import sqlalchemy as sa

from ideaboard.accounts.models import Role, User
from ideaboard.extensions import db
from ideaboard.ideas.services import post_idea
from ideaboard.ideathons.models import Ideathon
from ideaboard.moderation.flags import flag_words
from ideaboard.municipalities.services import get_by_code
from ideaboard.pilots import services as pilots
from ideaboard.pilots.models import BaselineValue, Indicator
from ideaboard.programme.models import Programme
from ideaboard.rooms.services import change_phase
from tests.conftest import Auth

HUGE = str(2**63)  # beyond every database integer
UNKNOWN_ID = str(2**31 - 1)  # the largest id a row could have, and none has
HTMX = {"HX-Request": "true"}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- NUL -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/propuestas?tema=%00", "/propuestas?q=agua%00", "/propuestas?municipio=0301%00", "/propuestas?estado=%00",
    "/propuestas?anio=2026%00", "/propuestas?pagina=%00", "/propuestas?%00=1", "/municipios/%00", "/municipios/03%0001",
    "/entrar?next=/panel%00", "/datos/proposals%00.csv", "/programas/1/calendario?mes=%00",
])
def test_a_nul_in_a_public_page_address_is_a_bad_request(client, url):
    response = client.get(url)
    assert response.status_code == 400, url
    assert "Solicitud no válida" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", [
    "/api/v1/proposals?theme=%00", "/api/v1/proposals?q=agua%00", "/api/v1/proposals?municipality=%00",
    "/api/v1/proposals?status=%00", "/api/v1/ideathons?municipality=0301%00", "/api/v1/responses?municipality=%00",
    "/api/v1/municipalities?department=Jalapa%00", "/api/v1/municipalities/%00", "/api/v1/proposals?page=1%00",
])
def test_a_nul_in_the_api_is_its_json_bad_request(client, url):
    response = client.get(url)
    assert response.status_code == 400 and response.is_json, url
    assert response.get_json() == {"error": "NUL character in the request", "status": 400}


def test_a_nul_in_a_staff_form_is_refused_and_nothing_is_stored(client, auth, make_user):
    auth.login(make_user(Role.ADMIN))
    today = "2026-01-01"
    programme = {"name": "Ideatones\x00", "description": "", "starts_on": today, "ends_on": "2026-12-31",
                 "coordinating_institution": "Comisión", "supporting_institutions": ""}
    ideathon = {"municipality": "Cobán, Alta Verapaz (1601)", "title": "Ideatón\x00 de Cobán",
                "starts_at": "2030-05-02T09:00", "venue": "Salón", "description": "", "op": "save",
                "themes-0-theme_id": "", "themes-0-name": "Agua", "themes-0-icon": "water"}
    user = {"name": "Olga\x00", "email": "olga@example.org", "role": "moderator", "municipality": "",
            "password": "clave-inicial-1"}
    words_before = flag_words()
    for path, data in (("/programas/nuevo", programme), ("/ideatones/nueva", ideathon), ("/usuarios/nuevo", user),
                       ("/moderacion/palabras", {"words": "basura\x00\nmugre"})):
        for headers in ({}, HTMX):
            response = auth.post(path, data, headers=headers)
            assert response.status_code == 400, (path, headers)
            assert "Solicitud no válida" in response.get_data(as_text=True)
    # A NUL in a field's name is refused alike.
    assert auth.post("/moderacion/palabras", {"words": "mugre", "x\x00": "1"}).status_code == 400
    assert count(Programme) == 0 and count(Ideathon) == 0
    assert db.session.scalar(sa.select(User).filter_by(email="olga@example.org")) is None
    assert flag_words() == words_before


def test_a_nul_in_the_baseline_import_saves_nothing(client, auth, make_user, make_programme):
    coordinator = make_user(Role.COORDINATOR)
    programme = make_programme(actor=coordinator)
    pilots.propose(programme, get_by_code("2101"), "Agua", actor=coordinator)
    auth.login(coordinator)
    path = f"/programas/{programme.id}/linea-base/importar"
    # Pasted rows are a form value like any other.
    assert auth.post(path, {"csv_text": "municipio,indicador,valor\n2101,Agua\x00,1\n"}).status_code == 400
    # A file is read by the import, which says what is wrong with it.
    for content in ("municipio,indicador,valor\n2101,Agua\x00,1\n".encode(),
                    "municipio,indicador,valor\n2101,Agua,1\n".encode("utf-16-le")):  # UTF-16 without its mark
        response = auth.post(path, {"csv_file": (io.BytesIO(content), "linea-base.csv", "text/csv")})
        assert response.status_code == 422
        assert "El archivo contiene caracteres nulos" in response.get_data(as_text=True)
    assert count(BaselineValue) == 0 and count(Indicator) == 0
    # The service refuses a NUL however the text reaches it (the command line, a future page).
    with pytest.raises(pilots.ImportRejected):
        pilots.import_baseline(programme, "municipio,indicador,valor\n2101,Agua\x00,1\n", actor=coordinator)


# --- Numbers out of range --------------------------------------------------------------------------

@pytest.fixture
def archived_proposal(app, open_room, join):
    """One archived proposal."""
    from ideaboard.archive.services import ProposalDraft, archive_ideathon, draft_proposal

    room = open_room()
    author = join(app.test_client(), room)
    idea, _ = post_idea(room, author, theme_id=room.themes[0].id, text="Agua", client_id=str(uuid.uuid4()))
    change_phase(room, "closed", actor=room.created_by)
    draft_proposal(room, ProposalDraft(title="Agua potable", problem="Poca agua.", proposal="Reparar la bomba.",
                                       idea_ids=[idea.id]), actor=room.created_by)
    archive_ideathon(room, actor=room.created_by)
    return room


@pytest.mark.parametrize("value", ["9999", "10000", "-5", HUGE, "0", "²", "1e3", " 2026"])
def test_a_year_no_archive_can_have_is_ignored_as_a_filter(client, archived_proposal, value):
    response = client.get("/propuestas", query_string={"anio": value})
    assert response.status_code == 200, value
    assert "Agua potable" in response.get_data(as_text=True)  # the filter is left out, as for any text


@pytest.mark.parametrize("value", ["-5", "0", HUGE, "²"])
def test_a_page_no_search_can_have_is_the_first(client, archived_proposal, value):
    response = client.get("/propuestas", query_string={"pagina": value})
    assert response.status_code == 200 and "Agua potable" in response.get_data(as_text=True), value


@pytest.mark.parametrize("query, message", [
    ("year=9999", "'year' must be an integer from 2000 to 2100"), (f"year={HUGE}", None), ("year=²", None),
    (f"page={HUGE}", "'page' must be an integer from 1 to 100000"), ("page=²", None), ("page=-1", None),
    ("per_page=", "'per_page' must be an integer from 1 to 100"), ("page=%201", None),
])
def test_the_api_refuses_numbers_out_of_its_document(client, query, message):
    response = client.get(f"/api/v1/proposals?{query}")
    assert response.status_code == 400 and response.is_json, query
    if message:
        assert response.get_json()["error"] == message


@pytest.fixture
def voting(app, open_room, join):
    room = open_room()
    author = join(app.test_client(), room, nickname="Ana")
    idea, _ = post_idea(room, author, theme_id=room.themes[0].id, text="Agua", client_id=str(uuid.uuid4()))
    change_phase(room, "voting", actor=room.created_by)
    phone = app.test_client()
    join(phone, room)
    return room, idea, Auth(phone)


@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "²", "٣", "1\r\nX-Injected: yes"])
def test_a_vote_for_an_idea_no_row_can_be_is_a_vote_for_an_unknown_idea(voting, value):
    room, _idea, phone = voting

    def answer(idea_id, path="votos", htmx=True):
        response = phone.post(f"/sala/{room.id}/{path}", {"idea_id": idea_id, "client_id": str(uuid.uuid4())},
                              headers=HTMX if htmx else {})
        if not htmx:  # a redirect to the board (to the idea's card when there is one)
            return response.status_code, response.headers["Location"].partition("#")[0]
        return response.status_code, response.get_data(as_text=True)

    for path in ("votos", "votos/quitar"):
        for htmx in (True, False):
            assert answer(value, path, htmx) == answer(UNKNOWN_ID, path, htmx), (path, htmx)


@pytest.mark.parametrize("value", [HUGE, "²"])
def test_a_moderator_naming_an_idea_no_row_can_be_is_told_it_does_not_exist(client, auth, voting, value):
    room, idea, _phone = voting
    auth.login(room.created_by.email)

    def answer(idea_id):
        paper = auth.post(f"/sala/{room.id}/moderar/conteo", {"idea_id": idea_id, "votes": "3"}, headers=HTMX)
        merge = auth.post(f"/sala/{room.id}/moderar/unir", {"idea_ids": [idea.id, idea_id], "text": "Unidas"},
                          headers=HTMX)
        return paper.status_code, merge.status_code

    assert answer(value) == answer(UNKNOWN_ID) and 500 not in answer(value)


def test_forms_with_a_number_that_is_not_one_are_told_so(client, auth, make_user, make_programme):
    coordinator = make_user(Role.COORDINATOR)
    auth.login(coordinator)
    ideathon = {"municipality": "Cobán, Alta Verapaz (1601)", "title": "Ideatón de Cobán", "starts_at": "2030-05-02T09:00",
                "venue": "Salón", "description": "", "themes-0-theme_id": "", "themes-0-name": "Agua",
                "themes-0-icon": "water", "themes-1-theme_id": "", "themes-1-name": "Calles", "themes-1-icon": "road"}
    # The theme editor's steps name a row: one that is no number moves nothing.
    for op in ("up:²", f"down:{HUGE}", "remove:-1"):
        assert auth.post("/ideatones/nueva", {**ideathon, "op": op}).status_code == 200, op
    # A municipality typed as a superscript "code" is no municipality.
    refused = auth.post("/ideatones/nueva", {**ideathon, "op": "save", "municipality": "²"})
    assert refused.status_code == 422 and "Elija un municipio de la lista" in refused.get_data(as_text=True)
    # A theme id that is no number is a new theme.
    assert auth.post("/ideatones/nueva", {**ideathon, "op": "save", "themes-0-theme_id": "²"}).status_code == 302
    assert count(Ideathon) == 1
    programme = make_programme(actor=coordinator)
    pilot = pilots.propose(programme, get_by_code("2101"), "Agua", actor=coordinator)
    pilots.add_indicator(programme, "Cobertura de agua", "%", "", actor=coordinator)
    for value in ("²", HUGE):
        response = auth.post(f"/pilotos/{pilot.id}/linea-base", {"indicator_id": value, "value": "1", "source": "",
                                                               "measured_on": ""})
        assert response.status_code == 422 and "Elija un indicador de la lista." in response.get_data(as_text=True)


def test_whole_number_reads_what_a_person_types_within_bounds():
    from ideaboard.inputs import whole_number

    assert [whole_number(v, 1, 100) for v in ("7", " 7 ", "007", "0" * 60 + "7", 7)] == [7] * 5
    assert [whole_number(v, 1, 100) for v in ("0", "101", "-7", HUGE, "9" * 5000, "²", "٣", "7.0", "1e2", "",
                                              None, True, 7.0, "+7")] == [None] * 14
    assert whole_number("-5", -10, 10) == -5
