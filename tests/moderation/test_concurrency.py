"""Moderation under concurrency, through the real server (gevent, real HTTP): a merge while people
vote, two moderators merging overlapping ideas, an edit while the author withdraws. Runs on SQLite
and, in CI's second profile, on PostgreSQL."""
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests
import sqlalchemy as sa

from ideaboard.accounts.models import Role
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.ideas.services import post_idea
from ideaboard.ideathons.services import assign_moderators
from ideaboard.moderation.models import MergedVote
from ideaboard.rooms.services import change_phase, join_room
from ideaboard.votes.models import Vote
from tests.conftest import PASSWORD
from tests.votes.test_concurrency import CSRF, phone_joins

PHONES = 40


def staff_session(base: str, user) -> tuple[requests.Session, str]:
    session = requests.Session()
    token = CSRF.search(session.get(f"{base}/entrar", timeout=30).text).group(1)
    answer = session.post(f"{base}/entrar", data={"csrf_token": token, "email": user.email, "password": PASSWORD},
                          allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text[:300]
    return session, CSRF.search(session.get(f"{base}/", timeout=30).text).group(1)


def htmx_post(session, token, url, data):
    return session.post(url, data=data, headers={"HX-Request": "true", "X-CSRFToken": token}, timeout=60)


def test_a_merge_while_people_vote_loses_and_doubles_nothing(app, live_server, open_room):
    room = open_room(themes=[("Agua", "water")])
    author = join_room(room, nickname="Autora")
    a, b, c = [post_idea(room, author, theme_id=room.themes[0].id, text=t, client_id=str(uuid.uuid4()))[0]
               for t in ("Agua los lunes", "Agua todos los días", "Baches")]
    change_phase(room, "voting", actor=room.created_by)
    base, room_id, code = live_server.url, room.id, room.room_code
    with ThreadPoolExecutor(max_workers=20) as pool:
        phones = list(pool.map(lambda i: phone_joins(base, room_id, code, i), range(PHONES)))
    moderator, moderator_token = staff_session(base, room.created_by)

    # Every phone votes A, B and C at once; halfway through, the moderator merges A and B.
    attempts = [(p, idea_id, str(uuid.uuid4())) for p in range(PHONES) for idea_id in (a.id, b.id, c.id)]
    started = threading.Barrier(2)
    outcomes = {}

    def vote(attempt):
        p, idea_id, client_id = attempt
        if attempt == attempts[len(attempts) // 2]:
            started.wait(10)
        session, token = phones[p]
        answer = htmx_post(session, token, f"{base}/sala/{room_id}/votos", {"idea_id": idea_id, "client_id": client_id})
        outcomes[client_id] = answer.status_code

    def merge():
        started.wait(10)
        return htmx_post(moderator, moderator_token, f"{base}/sala/{room_id}/moderar/unir",
                         {"idea_ids": [a.id, b.id], "text": "Agua todos los días, también los lunes"})

    with ThreadPoolExecutor(max_workers=21) as pool:
        merging = pool.submit(merge)
        list(pool.map(vote, attempts))
        merged_answer = merging.result()

    assert merged_answer.status_code == 200 and "ideas unidas en una" in merged_answer.text, merged_answer.text[:3000]
    assert set(outcomes.values()) <= {200, 409}, live_server.log()[-3000:]  # never a 500; on a merged source: 409
    db.session.commit()  # end the read transaction: see what the server wrote
    merged = db.session.scalars(sa.select(Idea).where(Idea.consolidated)).one()
    stored = db.session.execute(sa.select(Vote.client_id, Vote.idea_id, Vote.participant_id)).all()
    collapsed = set(db.session.scalars(sa.select(MergedVote.client_id).where(MergedVote.kept.is_(False))))
    accepted = {client_id for client_id, status in outcomes.items() if status == 200}
    stored_ids = {row.client_id for row in stored}
    assert accepted == stored_ids | collapsed  # no accepted vote lost...
    assert not stored_ids & collapsed  # ...or counted twice
    assert not [row for row in stored if row.idea_id in (a.id, b.id)]  # nothing left on a merged source
    per_person = {}
    for row in stored:
        if row.idea_id == merged.id:
            per_person[row.participant_id] = per_person.get(row.participant_id, 0) + 1
    assert set(per_person.values()) <= {1}  # at most once per person on the consolidated idea
    refused = [cid for cid, status in outcomes.items() if status == 409]
    assert len(stored) + len(collapsed) + len(refused) == len(attempts)


def test_two_moderators_merging_overlapping_ideas_one_wins_the_other_is_told(app, live_server, open_room, make_user):
    room = open_room(themes=[("Agua", "water")])
    author = join_room(room, nickname="Autora")
    a, b, c = [post_idea(room, author, theme_id=room.themes[0].id, text=t, client_id=str(uuid.uuid4()))[0].id
               for t in ("Uno", "Dos", "Tres")]
    second = make_user(Role.MODERATOR)
    assign_moderators(room, [second], actor=room.created_by)
    base, room_id = live_server.url, room.id
    sessions = [staff_session(base, room.created_by), staff_session(base, second)]
    barrier = threading.Barrier(2)

    def merge(i):
        session, token = sessions[i]
        barrier.wait(10)
        return htmx_post(session, token, f"{base}/sala/{room_id}/moderar/unir",
                         {"idea_ids": [(a, c), (b, c)][i], "text": f"Unión {i}"})

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(merge, range(2)))
    assert sorted(r.status_code for r in answers) == [200, 409], [r.text[:200] for r in answers]
    loser = next(r for r in answers if r.status_code == 409)
    assert "Otra persona cambió alguna de estas ideas" in loser.text
    db.session.commit()  # end the read transaction: see what the server wrote
    assert db.session.scalar(sa.select(sa.func.count(Idea.id)).where(Idea.consolidated)) == 1
    assert db.session.get(Idea, c).status == "merged"


def test_an_edit_while_the_author_withdraws_ends_in_one_clear_state(app, live_server, open_room):
    room = open_room(themes=[("Agua", "water")])
    base, room_id, code = live_server.url, room.id, room.room_code
    (phone, phone_token), = [phone_joins(base, room_id, code, 0)]
    posted = htmx_post(phone, phone_token, f"{base}/sala/{room_id}/ideas",
                       {"theme_id": room.themes[0].id, "text": "Agua potable", "client_id": str(uuid.uuid4())})
    assert posted.status_code == 200, posted.text[:300]
    idea_id = int(posted.headers["X-Idea-Id"])
    moderator, token = staff_session(base, room.created_by)
    barrier = threading.Barrier(2)

    def edit():
        barrier.wait(10)
        return htmx_post(moderator, token, f"{base}/sala/{room_id}/moderar/ideas/{idea_id}/editar",
                         {"text": "Agua potable para la zona 3"})

    def withdraw():
        barrier.wait(10)
        return htmx_post(phone, phone_token, f"{base}/sala/{room_id}/ideas/{idea_id}/retirar", {})

    with ThreadPoolExecutor(max_workers=2) as pool:
        edited, withdrawn = pool.submit(edit), pool.submit(withdraw)
        edited, withdrawn = edited.result(), withdrawn.result()
    assert withdrawn.status_code in (200, 302), withdrawn.text[:300]  # the author may always withdraw
    db.session.commit()  # end the read transaction: see what the server wrote
    idea = db.session.get(Idea, idea_id)
    assert idea.status == "withdrawn"
    if edited.status_code == 200:  # the edit came first: it is on record, then the idea was withdrawn
        assert idea.text == "Agua potable para la zona 3" and idea.original_text == "Agua potable"
    else:  # the withdrawal came first: the moderator is told why
        assert edited.status_code == 409 and "Su autor retiró esta idea" in edited.text
        assert idea.text == "Agua potable" and idea.original_text is None
