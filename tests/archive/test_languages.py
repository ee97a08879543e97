"""The record of ideas in one's own language: the archive's page, a proposal's page and the mayor's
report show each idea's original with its language and, apart and labelled, the moderation's
translation."""
import uuid

from ideaboard.archive.services import ProposalDraft, archive_ideathon, draft_proposal
from ideaboard.ideas.services import post_idea
from ideaboard.moderation.services import translate_idea
from ideaboard.rooms.services import change_phase, join_room
from ideaboard.votes.services import cast_vote

LABEL = "Traducción de la moderación (Español):"


def archived_room(open_room):
    room = open_room(themes=[("Agua", "water")])
    ana = join_room(room, nickname="Ana")
    quc = post_idea(room, ana, theme_id=room.themes[0].id, text="Utz ri ja'", client_id=str(uuid.uuid4()),
                    language="quc")[0]
    es = post_idea(room, ana, theme_id=room.themes[0].id, text="Más luz", client_id=str(uuid.uuid4()))[0]
    change_phase(room, "voting", actor=room.created_by)
    cast_vote(room, join_room(room), idea_id=quc.id, client_id=str(uuid.uuid4()))
    change_phase(room, "closed", actor=room.created_by)
    translate_idea(room, quc.id, actor=room.created_by, text="Que haya agua")  # after closing: for the record
    proposal = draft_proposal(room, ProposalDraft(title="Agua", problem="Falta agua.", proposal="Un tanque.",
                                                  idea_ids=[quc.id]), actor=room.created_by)
    archive_ideathon(room, actor=room.created_by)
    return room, quc, es, proposal


def shows_both(html):
    return ('<span lang="quc">Utz ri ja&#39;</span>' in html and 'badge--lang" lang="quc">K&#39;iche&#39;' in html
            and LABEL in html and '<span lang="es">Que haya agua</span>' in html)


def test_the_archive_the_proposal_and_the_report_show_the_original_and_the_translation(app, client, open_room):
    room, quc, es, proposal = archived_room(open_room)
    archive = client.get(f"/ideatones/{room.id}/archivo").get_data(as_text=True)
    assert shows_both(archive)
    assert '<span lang="es">Más luz</span>' in archive and archive.count("badge--lang") == 1  # Spanish: not marked
    assert shows_both(client.get(f"/propuestas/{proposal.id}").get_data(as_text=True))
    report = client.get(f"/ideatones/{room.id}/informe").get_data(as_text=True)
    assert shows_both(report[report.index("report-ranking"):])  # the most voted ideas
    proposals = report[report.index("report-proposal__ideas"):]
    assert shows_both(proposals[:proposals.index("</ul>")])


def test_in_english_the_spanish_idea_is_marked_and_labels_are_english(app, client, open_room):
    room, *_ = archived_room(open_room)
    client.set_cookie("lang", "en")
    archive = client.get(f"/ideatones/{room.id}/archivo").get_data(as_text=True)
    assert 'badge--lang" lang="es">Español' in archive and "Translation by the moderators (Español):" in archive


def test_the_report_pdf_is_drawn_from_the_same_page(app, client, open_room):
    room, *_ = archived_room(open_room)  # the PDF is this page drawn by WeasyPrint (ideaboard/pdf.py)
    response = client.get(f"/ideatones/{room.id}/informe.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
