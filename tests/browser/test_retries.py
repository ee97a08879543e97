"""room.js and a dependency blip (issue 15): an answer 503 with Retry-After (the database or Redis
blinked) is sent again by the page itself, the same form with the same client_id, and counts once.

The worst case is played here: the server did the work (committed), and the answer is lost on the
way back as a 503. Each phone action that room.js retries is tried: posting an idea, placing a dot,
taking a dot back.
"""
import re
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.ideas.services import post_idea
from ideaboard.rooms.services import change_phase, join_room, update_settings
from ideaboard.votes.models import Vote

from .conftest import check_page
from .test_live_room import RECONNECT, THEMES, cards, idea_box, join_by_qr, mark_document, assert_same_document, post_form
from .test_voting import vote_button, withdraw_button

pytestmark = pytest.mark.browser

BUSY = re.compile(r"status of 503|Response Status Error Code 503")


class LostAnswer:
    """The first request to `path` reaches the server (and is done there); the page gets a 503 with
    Retry-After instead of its answer. Later requests go through untouched."""

    def __init__(self, page, path: str):
        self.sent: list[str] = []
        page.route(f"**{path}", self._handle)

    def _handle(self, route):
        self.sent.append(route.request.post_data)
        if len(self.sent) == 1:
            route.fetch()  # done on the server
            route.fulfill(status=503, headers={"Retry-After": "1", "Content-Type": "text/html; charset=utf-8"},
                          body="<p>Mucha actividad</p>")
        else:
            route.continue_()


def _quiet(page, since: int) -> None:
    """Chromium and htmx log the 503 played here; any other console error stays."""
    page.console_errors[since:] = [e for e in page.console_errors[since:] if not BUSY.search(e)]


def test_a_post_whose_answer_was_lost_as_a_503_is_sent_again_and_stored_once(app, open_room, new_page):
    room = open_room(themes=THEMES)
    theme = THEMES[0][0]
    phone = new_page("phone")
    join_by_qr(phone, room, "Rosa")
    mark_document(phone)
    lost = LostAnswer(phone, f"/sala/{room.id}/ideas")
    before = len(phone.console_errors)
    text = "Agua potable en la escuela todos los días"
    idea_box(phone, theme).fill(text)
    with phone.expect_response(lambda r: r.request.method == "POST" and "/ideas" in r.url and r.status == 200,
                               timeout=RECONNECT):
        post_form(phone, theme).get_by_role("button", name="Enviar").click()
    assert len(lost.sent) == 2 and lost.sent[0] == lost.sent[1]  # the same form, the same client_id
    expect(cards(phone, text)).to_have_count(1)
    expect(idea_box(phone, theme)).to_have_value("")
    assert_same_document(phone)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Idea.id)).where(Idea.text == text)) == 1
    _quiet(phone, before)
    check_page(phone)


def test_a_dot_placed_and_taken_back_behind_a_503_counts_once(app, open_room, new_page):
    room = open_room(themes=THEMES)
    author = join_room(room, nickname="Ana")
    text = "Reparar el puente de la aldea"
    idea = post_idea(room, author, theme_id=room.themes[0].id, text=text, client_id=str(uuid.uuid4()))[0]
    update_settings(room, actor=room.created_by, silent_ideas=False, hidden_counts=False, dot_budget=3,
                    max_dots_per_idea=3, self_votes=True, cards_only=False)
    change_phase(room, "voting", actor=room.created_by)
    phone = new_page("phone")
    join_by_qr(phone, room, "Beto")
    before = len(phone.console_errors)

    def my_dots() -> int:
        db.session.rollback()
        return db.session.scalar(sa.select(sa.func.count(Vote.id)).where(Vote.idea_id == idea.id))

    # Two dots through, then a third whose answer is lost: it is sent again, and counted once.
    for _ in range(2):
        with phone.expect_response(lambda r: r.request.method == "POST" and "/votos" in r.url):
            vote_button(phone, text).click()
        expect(cards(phone, text).locator(".my-dots")).to_contain_text(f"{_ + 1} punto")
    lost = LostAnswer(phone, f"/sala/{room.id}/votos")
    with phone.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/votos") and r.status == 200,
                               timeout=RECONNECT):
        vote_button(phone, text).click()
    assert len(lost.sent) == 2 and lost.sent[0] == lost.sent[1]
    expect(cards(phone, text).locator(".my-dots")).to_contain_text("3 puntos")
    assert my_dots() == 3

    # Taking one back, the answer lost: one dot comes back, not two.
    lost = LostAnswer(phone, f"/sala/{room.id}/votos/quitar")
    with phone.expect_response(lambda r: r.request.method == "POST" and "/quitar" in r.url and r.status == 200,
                               timeout=RECONNECT):
        withdraw_button(phone, text).click()
    assert len(lost.sent) == 2 and lost.sent[0] == lost.sent[1]
    expect(cards(phone, text).locator(".my-dots")).to_contain_text("2 puntos")
    assert my_dots() == 2
    _quiet(phone, before)
    check_page(phone)
