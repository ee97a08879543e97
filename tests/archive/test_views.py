"""The archive's pages: writing proposals, archiving, the public archive, search and answers."""
import pytest

from ideaboard.accounts.models import Role
from ideaboard.archive.services import ProposalDraft, archive_ideathon, draft_proposal, respond
from ideaboard.municipalities.services import get_by_code
from ideaboard.moderation.services import hide_idea, merge_ideas
from tests.archive.test_services import closed_room, draft  # noqa: F401 - fixtures and helpers


def form(room, ideas, **fields):
    values = {k: v for k, v in vars(draft(room, ideas, **fields)).items() if k != "idea_ids"}
    values["idea_ids"] = [str(i.id) for i in ideas]
    return values


def test_write_proposals_then_archive_through_the_pages(app, client, auth, closed_room):
    room = closed_room
    auth.login(room.created_by)
    page = client.get(f"/ideatones/{room.id}/propuestas").get_data(as_text=True)
    assert "Nueva propuesta" in page and "Agua potable en la zona 3 (3)" in page  # ideas with their dots
    bad = auth.post(f"/ideatones/{room.id}/propuestas", {**form(room, [room.a]), "title": "", "idea_ids": []})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "El título es obligatorio." in html and "Elija al menos una idea" in html
    assert 'value="El agua llega dos veces por semana."' not in html  # textareas keep what was typed:
    assert "El agua llega dos veces por semana." in html
    saved = auth.post(f"/ideatones/{room.id}/propuestas", form(room, [room.a, room.b]))
    assert saved.status_code == 302
    page = client.get(f"/ideatones/{room.id}/propuestas").get_data(as_text=True)
    assert "Agua potable todos los días" in page and "6 puntos" in page
    archived = auth.post(f"/ideatones/{room.id}/archivar")
    assert archived.status_code == 302 and archived.headers["Location"].endswith(f"/ideatones/{room.id}/archivo")
    again = auth.post(f"/ideatones/{room.id}/archivar")
    assert "ya estaba archivada" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_the_archived_board_discloses_moderation_and_carries_no_names(app, client, open_room, join):
    from ideaboard.ideas.services import post_idea
    from ideaboard.rooms.services import change_phase, join_room

    room = open_room(themes=[("Agua", "water")])
    ana = join_room(room, nickname="Ana Secreta")
    a, b, c = [post_idea(room, ana, theme_id=room.themes[0].id, text=t, client_id=f"client-{i}-0000")[0]
               for i, t in enumerate(("Agua uno", "Agua dos", "Insulto"))]
    merge_ideas(room, [a.id, b.id], actor=room.created_by, text="Agua para todos")
    hide_idea(room, c.id, actor=room.created_by, reason="Lenguaje ofensivo")
    change_phase(room, "voting", actor=room.created_by)
    change_phase(room, "closed", actor=room.created_by)
    assert client.get(f"/ideatones/{room.id}/archivo").status_code == 404  # not public before archiving
    archive_ideathon(room, actor=room.created_by)
    html = client.get(f"/ideatones/{room.id}/archivo").get_data(as_text=True)
    assert "Agua para todos" in html and "Unida de 2 ideas" in html and "«Agua uno»" in html
    assert "Una idea ocultada. Motivo: Lenguaje ofensivo" in html and "Insulto" not in html
    assert "Ana Secreta" not in html  # totals only: never names
    assert "<strong>1</strong> persona" in html, html[html.find("figures"):html.find("figures")+600]
    assert "<strong>3</strong> ideas" in html  # the three posted; not the one the merge made


def test_public_search_filters_and_pages(app, client, closed_room):
    room = closed_room
    for i in range(22):
        draft_proposal(room, ProposalDraft(**{**vars(draft(room, [room.a])), "title": f"Tanque número {i}"}),
                       actor=room.created_by)
    archive_ideathon(room, actor=room.created_by)
    html = client.get("/propuestas?q=TANQUE").get_data(as_text=True)
    assert "22 propuestas" in html and "Página 1 de 2" in html and "q=TANQUE" in html and "pagina=2" in html
    second = client.get("/propuestas?q=tanque&pagina=2").get_data(as_text=True)
    assert second.count('class="proposal-item"') == 2
    assert "Ninguna propuesta coincide" in client.get("/propuestas?q=helicoptero").get_data(as_text=True)
    assert "22 propuestas" in client.get("/propuestas?municipio=0108&estado=pending").get_data(as_text=True)
    assert "22 propuestas" in client.get("/propuestas?municipio=9999").get_data(as_text=True)  # unknown: no filter


def test_an_official_answers_and_anyone_follows_the_timeline(app, client, auth, closed_room, make_user):
    room = closed_room
    proposal = draft_proposal(room, draft(room, [room.a]), actor=room.created_by)
    assert client.get(f"/propuestas/{proposal.id}").status_code == 404  # a draft is not public
    archive_ideathon(room, actor=room.created_by)
    public = client.get(f"/propuestas/{proposal.id}").get_data(as_text=True)
    assert "todavía no ha respondido" in public and "Registrar el siguiente paso" not in public
    official = make_user(Role.OFFICIAL, municipality=get_by_code("0108"))
    auth.login(official)
    assert "Registrar el siguiente paso" in client.get(f"/propuestas/{proposal.id}").get_data(as_text=True)
    empty = auth.post(f"/propuestas/{proposal.id}/responder", {"status": "received", "text": ""})
    assert empty.status_code == 422 and "Escriba el texto público" in empty.get_data(as_text=True)
    done = auth.post(f"/propuestas/{proposal.id}/responder", {"status": "received", "text": "La recibimos."})
    assert done.status_code == 302
    auth.logout()
    timeline = client.get(f"/propuestas/{proposal.id}").get_data(as_text=True)
    assert "Entregada a la municipalidad" in timeline and "Recibida" in timeline and "La recibimos." in timeline
    municipality = client.get("/municipios/0108").get_data(as_text=True)
    assert "1 propuesta entregada" in municipality and "1 con respuesta" in municipality


@pytest.mark.parametrize("code", ["0101"])
def test_an_official_of_another_municipality_cannot_answer(app, client, auth, closed_room, make_user, code):
    room = closed_room
    proposal = draft_proposal(room, draft(room, [room.a]), actor=room.created_by)
    archive_ideathon(room, actor=room.created_by)
    auth.login(make_user(Role.OFFICIAL, municipality=get_by_code(code)))
    answer = auth.post(f"/propuestas/{proposal.id}/responder", {"status": "received", "text": "No es mía"})
    assert answer.status_code == 403
    with pytest.raises(Exception):
        respond(proposal, actor=make_user(Role.OFFICIAL, municipality=get_by_code(code)), status="received", text="x")
    assert proposal.responses == []


def test_absurd_numbers_in_addresses_are_not_server_errors(app, client):
    assert client.get("/propuestas?pagina=99999999999999999999").status_code == 200
    assert client.get("/propuestas/99999999999999999999").status_code == 404
    assert client.get("/ideatones/99999999999999999999/archivo").status_code == 404
    assert client.get("/sala/99999999999999999999").status_code == 404
