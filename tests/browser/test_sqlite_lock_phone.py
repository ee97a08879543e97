"""The phone's side of a locked SQLite database (tests/test_sqlite_lock.py has the server's): a
post that the server answers 503 + Retry-After, because another process kept the write lock past
SQLITE_LOCK_WAIT, is sent again by room.js, the same form and client_id, after the Retry-After,
and shows once. SQLite profile only."""
import os
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from ideaboard.extensions import db
from ideaboard.ideas.models import Idea

from ..test_sqlite_lock import LockHolder, impatient
from .test_live_room import THEMES, cards, idea_box, join_by_qr, post_form

pytestmark = pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="SQLite's write lock (SQLite profile)")


@pytest.fixture(scope="module")
def live_server(migrated, tmp_path_factory):
    """This module's phones talk to a server that waits 1 s at most for SQLite's lock."""
    with impatient(migrated, tmp_path_factory.mktemp("impatient"), lock_wait=1) as server:
        yield server


def test_a_post_refused_503_while_another_process_holds_the_lock_is_sent_again(app, open_room, new_page):
    room = open_room(themes=THEMES)
    theme = THEMES[0][0]
    phone = new_page("phone")
    join_by_qr(phone, room, "Marta")
    text = "Bancas a la sombra en el parque central"
    answers = []
    phone.on("response", lambda r: answers.append((r.status, r.headers.get("retry-after"), r.request.post_data,
                                                    time.monotonic()))
             if r.request.method == "POST" and r.url.endswith("/ideas") else None)

    holder = LockHolder(app.config["SQLALCHEMY_DATABASE_URI"], 4)
    idea_box(phone, theme).fill(text)
    post_form(phone, theme).get_by_role("button", name="Enviar").click()
    expect(phone.locator("#connection-banner")).to_be_visible(timeout=10_000)  # the post is kept, unsent
    held = holder.wait()
    expect(cards(phone, text)).to_have_count(1, timeout=30_000)
    expect(idea_box(phone, theme)).to_have_value("", timeout=10_000)
    expect(phone.locator("#connection-banner")).to_be_hidden(timeout=10_000)

    statuses = [status for status, *_ in answers]
    assert statuses[0] == 503 and statuses[-1] == 200 and set(statuses) == {503, 200}, answers
    assert answers[0][1] == "2"
    assert len({post_data for *_, post_data, _at in answers}) == 1  # the same form: the same client_id
    assert answers[1][3] - answers[0][3] >= 2  # not sooner than Retry-After
    print(f"\nlock held {held:.1f} s; the phone's posts: {[(s, r) for s, r, *_ in answers]}")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Idea.id)).where(Idea.text == text)) == 1
    # The 503 is the browser's console line for the answer this test waited for, and only that.
    phone.console_errors[:] = [e for e in phone.console_errors if "status of 503" not in e]
