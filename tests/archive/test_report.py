"""The mayor's report: its figures against a hand-counted board, its charts, the HTML and the PDF."""
import re
import uuid
import zlib

import pytest
from flask import url_for
from flask_babel import lazy_gettext as _l

from ideaboard.accounts.models import Role
from ideaboard.charts import bar_chart, stacked_bar
from ideaboard.archive.report import report_of
from ideaboard.archive.services import archive_ideathon, draft_proposal
from ideaboard.ideas.services import post_idea, post_paper_idea
from ideaboard.moderation.services import edit_idea_text, hide_idea, merge_ideas, move_idea, mute_participant
from ideaboard.rooms.services import change_phase, join_room, update_settings
from ideaboard.votes.services import cast_vote, record_paper_tally
from tests.archive.test_services import draft

NICKNAMES = ("Ana Secreta", "Beto Oculto", "Ceci Privada", "Dora Anónima")


def cid():
    return str(uuid.uuid4())


@pytest.fixture
def board(open_room):
    """Mixco (0108), two themes, four people, hand-counted:

    people   Ana (18-29, woman, first time), Beto (30-44, man, not first), Ceci (18-29, nothing else),
             Dora (no survey) -> 4 people, 3 surveys.
    ideas    a Ana/Agua, b Beto/Agua, c Ceci/Calles (edited), d Ana/Calles (moved to Agua, hidden),
             e paper/Calles -> 5 ideas, 1 on paper; a+b merged into m (Agua). Beto muted.
    dots     phones: Ana a c; Beto a b e; Ceci c. Paper: a 2, b 1, e 4. Then a+b -> m (Ana's and one
             of Beto's dots move, his other comes back; m gets paper 3), and Beto puts it on c.
             m = 2 + 3 = 5, c = 3, e = 1 + 4 = 5: 6 phone + 7 paper = 13.
             Agua: 3 ideas (a, b, d), 5 dots; Calles: 2 ideas (c, e), 8 dots.
    proposals "Calles iluminadas" (c, e: 8 dots), "Agua para la zona 3" (m: 5 dots).
    """
    room = open_room(themes=[("Agua", "water"), ("Calles", "road")])
    agua, calles = room.themes
    ana = join_room(room, nickname=NICKNAMES[0], survey={"age_band": "18-29", "gender": "woman", "first_time": "yes"})
    beto = join_room(room, nickname=NICKNAMES[1], survey={"age_band": "30-44", "gender": "man", "first_time": "no"})
    ceci = join_room(room, nickname=NICKNAMES[2], survey={"age_band": "18-29"})
    dora = join_room(room, nickname=NICKNAMES[3])
    mod = room.created_by
    a = post_idea(room, ana, theme_id=agua.id, text="Agua potable en la zona 3", client_id=cid())[0]
    b = post_idea(room, beto, theme_id=agua.id, text="Tanque nuevo para la zona 3", client_id=cid())[0]
    c = post_idea(room, ceci, theme_id=calles.id, text="Bacheo en la calle principl", client_id=cid())[0]
    d = post_idea(room, ana, theme_id=calles.id, text="Insulto grosero", client_id=cid())[0]
    e = post_paper_idea(room, theme_id=calles.id, text="Más luz en el parque", actor=mod)
    edit_idea_text(room, c.id, actor=mod, text="Bacheo de la calle principal")
    move_idea(room, d.id, actor=mod, theme_id=agua.id)
    hide_idea(room, d.id, actor=mod, reason="Lenguaje ofensivo")
    mute_participant(room, beto.id, actor=mod)
    change_phase(room, "voting", actor=mod)
    for person, ideas in ((ana, (a, c)), (beto, (a, b, e)), (ceci, (c,))):
        for idea in ideas:
            cast_vote(room, person, idea_id=idea.id, client_id=cid())
    for idea, n in ((a, 2), (b, 1), (e, 4)):
        record_paper_tally(room, idea_id=idea.id, votes=n, actor=mod)
    m, returned = merge_ideas(room, [a.id, b.id], actor=mod, text="Agua potable y tanque para la zona 3")
    assert returned == 1
    cast_vote(room, beto, idea_id=c.id, client_id=cid())
    change_phase(room, "closed", actor=mod)
    draft_proposal(room, draft(room, [m], title="Agua para la zona 3"), actor=mod)
    draft_proposal(room, draft(room, [c, e], title="Calles iluminadas y sin baches", theme_id=calles.id,
                               problem="Hay baches y el parque está oscuro.", proposal="Bachear y poner luminarias.",
                               place="Calle principal", office="Obras"), actor=mod)
    room.ideas = {"a": a, "b": b, "c": c, "d": d, "e": e, "m": m}
    room.people = (ana, beto, ceci, dora)
    return room


def pdf_pages(pdf: bytes) -> int:
    """The PDF's page objects, those inside compressed object streams too."""
    chunks = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(stream))
        except zlib.error:
            pass
    return sum(len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", chunk)) for chunk in chunks)


def answers(rows):
    return {row["key"]: row["count"] for row in rows}


def test_the_figures_match_the_hand_count(app, board):
    report = report_of(board)
    assert report["summary"] == {"people": 4, "ideas": 5, "paper_ideas": 1, "on_board": 3, "dots": 13,
                                 "phone_dots": 6, "paper_dots": 7, "proposals": 2, "themes": 2}
    assert [(t["name"], t["ideas"], t["dots"]) for t in report["themes"]] == [("Agua", 3, 5), ("Calles", 2, 8)]
    survey = report["survey"]
    assert (survey["people"], survey["answered"]) == (4, 3)
    assert answers(survey["age_band"]) == {"under18": 0, "18-29": 2, "30-44": 1, "45-59": 0, "60plus": 0, None: 1}
    assert answers(survey["gender"]) == {"woman": 1, "man": 1, "other": 0, None: 2}
    assert answers(survey["first_time"]) == {True: 1, False: 1, None: 2}
    assert [row["label"] for row in survey["gender"]] == ["Mujer", "Hombre", "Otro", "Sin respuesta"]
    assert report["moderation"] == {
        "hidden": 1, "hidden_reasons": [{"reason": "Lenguaje ofensivo", "count": 1}], "merges": 1, "merged_ideas": 2,
        "edited": 1, "moved": 1, "muted": 1, "premoderation": False, "approved": 0, "rejected": 0, "pending": 0,
        "actions": 5}  # edit, move, hide, mute, merge
    assert [(p.title, p.votes) for p in report["proposals"]] == [("Calles iluminadas y sin baches", 8),
                                                                 ("Agua para la zona 3", 5)]
    assert [(i["text"], i["dots"], i["theme"]) for i in report["top_ideas"]] == [  # ties: the older idea first
        ("Más luz en el parque", 5, "Calles"), ("Agua potable y tanque para la zona 3", 5, "Agua"),
        ("Bacheo de la calle principal", 3, "Calles")]
    assert report["room"]["dot_budget"] == 3 and report["room"]["closed_at"] is not None
    assert report["archived"] is False
    archive_ideathon(board, actor=board.created_by)
    after = report_of(board)
    assert after["archived"] is True and after["summary"] == report["summary"]


def test_hidden_counts_stay_hidden_in_a_preview_while_voting(app, open_room):
    room = open_room(themes=[("Agua", "water")])
    update_settings(room, actor=room.created_by, silent_ideas=False, hidden_counts=True, dot_budget=3,
                    max_dots_per_idea=1, self_votes=True, cards_only=False)
    person = join_room(room)
    idea = post_idea(room, person, theme_id=room.themes[0].id, text="Idea", client_id=cid())[0]
    change_phase(room, "voting", actor=room.created_by)
    cast_vote(room, person, idea_id=idea.id, client_id=cid())
    report = report_of(room)
    assert report["counts_visible"] is False and report["summary"]["dots"] is None
    assert report["themes"][0]["dots"] is None and report["top_ideas"] == []
    change_phase(room, "closed", actor=room.created_by)
    assert report_of(room)["summary"]["dots"] == 1


def test_an_empty_room_reports_zeros(app, open_room):
    room = open_room(themes=[("Agua", "water")])
    report = report_of(room)
    assert report["summary"]["people"] == 0 and report["summary"]["ideas"] == 0 and report["summary"]["dots"] == 0
    assert answers(report["survey"]["gender"]) == {"woman": 0, "man": 0, "other": 0, None: 0}


# --- charts ---------------------------------------------------------------------------------------

def test_a_bar_chart_is_accessible_escaped_and_coloured_by_classes(app):
    with app.test_request_context():
        chart = bar_chart([("Agua <b>&</b>", 3), ("Calles", 0), ("Sin respuesta", 1, True)], id="c1",
                          title=_l("Ideas <por> tema"),  # a lazy translation is escaped too
                          value_heading="Ideas", label_heading="Tema", total=4)
        html = str(chart)
    assert html.startswith('<figure class="chart" id="c1">')
    assert 'role="img" aria-labelledby="c1-title c1-desc"' in html
    assert '<title id="c1-title">Ideas &lt;por&gt; tema</title>' in html
    assert "Agua &lt;b&gt;&amp;&lt;/b&gt;: 3 (75%); Calles: 0 (0%); Sin respuesta: 1 (25%)." in html.replace("\xa0", " ")
    assert "<b>" not in html and "style" not in html  # escaped; colours from classes, no inline style
    assert 'class="chart__bar chart__fill--0"' in html and 'class="chart__bar chart__fill--muted"' in html
    assert html.count('class="chart__bar ') == 2  # a zero draws no bar, only its track and "0"
    table = re.search(r'<div class="visually-hidden">(<table.*</table>)</div>', html).group(1)
    assert '<th scope="row">Calles</th><td>0</td>' in table and "<caption>Ideas &lt;por&gt; tema</caption>" in table
    assert "<tfoot><tr><th scope=\"row\">Total</th><td>4</td>" in table


def test_a_stacked_bar_shows_shares_and_embeds_css_only_when_asked(app):
    with app.test_request_context():
        plain = str(stacked_bar([("Mujer", 3), ("Hombre", 1), ("Sin respuesta", 0, True)], id="g", title="Género"))
        embedded = str(stacked_bar([("Sí", 1)], id="f", title="Primera vez", css=".chart__fill--0 { fill: #000 }"))
        empty = str(stacked_bar([("Sí", 0), ("No", 0)], id="z", title="Vacío"))
    assert "<style>" not in plain and "<style>.chart__fill--0 { fill: #000 }</style>" in embedded
    assert plain.count('class="chart__seg ') == 2 and "Mujer: 3 (75" in plain
    assert "Vacío" in empty and 'class="chart__seg ' not in empty


# --- pages ----------------------------------------------------------------------------------------

def test_the_report_is_public_once_archived_and_a_preview_for_moderators_before(app, client, auth, board, make_user):
    for path in (f"/ideatones/{board.id}/informe", f"/ideatones/{board.id}/informe.pdf"):
        assert client.get(path).status_code == 404  # not public yet
    auth.login(make_user(Role.MODERATOR))  # a moderator of other ideathons
    assert client.get(f"/ideatones/{board.id}/informe").status_code == 404
    auth.logout()
    auth.login(board.created_by)
    preview = client.get(f"/ideatones/{board.id}/informe")
    assert preview.status_code == 200 and "Vista previa para la moderación" in preview.get_data(as_text=True)
    auth.logout()
    archive_ideathon(board, actor=board.created_by)
    page = client.get(f"/ideatones/{board.id}/informe")
    assert page.status_code == 200 and "Vista previa" not in page.get_data(as_text=True)
    assert client.get("/ideatones/999999/informe").status_code == 404
    archived = client.get(f"/ideatones/{board.id}/archivo").get_data(as_text=True)
    assert f'href="/ideatones/{board.id}/informe"' in archived and f'href="/ideatones/{board.id}/informe.pdf"' in archived


def test_the_html_report_has_charts_with_text_alternatives_and_no_names(app, client, board):
    archive_ideathon(board, actor=board.created_by)
    response = client.get(f"/ideatones/{board.id}/informe")
    html = response.get_data(as_text=True)
    assert re.search(r"css/report\.[0-9a-f]{12}\.css", html) and "style=" not in html and "<style" not in html  # strict CSP
    for chart in ("chart-theme-ideas", "chart-theme-dots", "chart-age", "chart-gender", "chart-first-time"):
        figure = re.search(rf'<figure class="chart" id="{chart}">.*?</figure>', html, re.S).group(0)
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in figure
        assert f'<desc id="{chart}-desc">' in figure and "<table" in figure
    assert "Agua: 5; Calles: 8." in html  # the dots chart, read out
    assert "18 a 29 años: 2 (50" in html and "Sin respuesta: 2 (50" in html
    assert "Calles iluminadas y sin baches" in html and "Bachear y poner luminarias." in html
    assert html.index("Calles iluminadas y sin baches") < html.index("Agua para la zona 3")  # ranked
    assert "Lenguaje ofensivo" in html and "Insulto grosero" not in html  # the reason, never the hidden text
    for nickname in NICKNAMES:
        assert nickname not in html


def test_the_pdf_download(app, client, board, monkeypatch):
    from ideaboard import pdf

    fetched, made = [], pdf._static_fetcher

    def recording(root):  # the fetcher WeasyPrint is given, watched
        fetcher = made(root)
        fetch = fetcher.fetch
        fetcher.fetch = lambda url, headers=None: fetched.append(url) or fetch(url, headers)
        return fetcher

    import weasyprint

    drawn, html_of = [], weasyprint.HTML  # and the page it is given to draw
    monkeypatch.setattr(pdf, "_static_fetcher", recording)
    monkeypatch.setattr(weasyprint, "HTML", lambda **kwargs: drawn.append(kwargs["string"]) or html_of(**kwargs))
    archive_ideathon(board, actor=board.created_by)
    response = client.get(f"/ideatones/{board.id}/informe.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="informe-mixco-\d{4}-\d{2}-\d{2}\.pdf"', disposition), disposition
    pdf = response.data
    assert pdf.startswith(b"%PDF-")
    assert pdf_pages(pdf) >= 2  # summary, charts, two proposals and moderation do not fit on one A4 page
    (source,) = drawn  # the PDF's text is compressed glyphs: its names are checked in the page drawn
    assert "Calles iluminadas y sin baches" in source and not any(nickname in source for nickname in NICKNAMES)
    assert "Descargar en PDF" not in source  # no buttons on paper
    assert source.count("<style>") == 5  # each chart carries its colours (WeasyPrint does not style inline SVG)
    # By their content-hashed names (ideaboard/assets.py), read from disk all the same.
    assert [re.sub(r"\.[0-9a-f]{12}\.css$", ".css", url) for url in sorted(fetched)] == [
        "http://localhost/static/css/app.css", "http://localhost/static/css/report.css"]


def test_the_pdf_is_drawn_from_the_apps_own_files_only(app):
    from ideaboard.pdf import _static_fetcher

    with app.test_request_context():
        fetch = _static_fetcher("http://localhost/")
        css = fetch("http://localhost/static/css/report.css")
        assert css.content_type == "text/css" and b"@page" in css.read()
        hashed = fetch(url_for("static", filename="css/report.css", _external=True))
        assert re.search(r"/css/report\.[0-9a-f]{12}\.css$", hashed.url) and b"@page" in hashed.read()
        for url in ("https://example.org/static/css/report.css", "http://localhost/static/../ideaboard/config.py",
                    "http://localhost/ideatones/1/informe", "file:///etc/passwd", "http://localhost/static/nope.css"):
            with pytest.raises(ValueError):
                fetch(url)


def test_the_reports_sentences_end_with_one_full_stop(app, client, board):
    """Times end in "a. m." in Spanish: no sentence may add its own full stop after one ("a. m..")."""
    archive_ideathon(board, actor=board.created_by)
    for lang in ("es", "en"):
        client.set_cookie("lang", lang)
        html = client.get(f"/ideatones/{board.id}/informe").get_data(as_text=True)
        words = " ".join(re.sub(r"<[^>]+>", " ", html).split())
        assert ".." not in words.replace("...", ""), re.findall(r".{40}\.\..{10}", words)
        assert re.search(r"\d:\d\d", words)  # the room's opening hours are there
