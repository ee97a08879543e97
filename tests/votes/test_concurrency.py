"""Vote integrity under a burst, through the real server: 100 participants, 1,000 parallel vote
attempts (double taps included). Runs on SQLite and, in CI's second profile, on PostgreSQL."""
import random
import re
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests
import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.ideas.services import post_idea
from ideaboard.rooms.services import change_phase, join_room
from ideaboard.votes.models import Vote
from ideaboard.votes.queries import vote_counts

CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
PARTICIPANTS = 100
ATTEMPTS = 1000


def phone_joins(base: str, room_id: int, code: str, i: int) -> tuple[requests.Session, str]:
    """A phone scans the room's QR link and joins: its own cookies, its CSRF token."""
    session = requests.Session()
    session.get(f"{base}/s/{code}", allow_redirects=False, timeout=30)
    page = session.get(f"{base}/unirse", timeout=30).text
    token = CSRF.search(page).group(1)
    joined = session.post(f"{base}/sala/{room_id}/unirse", data={"csrf_token": token, "nickname": f"P{i}"},
                          allow_redirects=False, timeout=30)
    assert joined.status_code == 302, joined.text[:300]
    return session, token


def test_a_burst_of_parallel_votes_stays_fair(app, live_server, open_room):
    room = open_room(themes=[("Agua", "water")])
    author = join_room(room, nickname="Autora")
    ideas = [post_idea(room, author, theme_id=room.themes[0].id, text=f"Idea {i}", client_id=str(uuid.uuid4()))[0]
             for i in range(5)]
    change_phase(room, "voting", actor=room.created_by)
    base = live_server.url
    # Worker threads must not touch this test's database session: plain values only.
    room_id, code, idea_ids = room.id, room.room_code, [idea.id for idea in ideas]

    with ThreadPoolExecutor(max_workers=20) as pool:
        phones = list(pool.map(lambda i: phone_joins(base, room_id, code, i), range(PARTICIPANTS)))

    # Each phone: 10 attempts on random ideas, half of them sent twice at once (a double tap).
    rng = random.Random(4)
    attempts = []
    for p, (session, token) in enumerate(phones):
        for _ in range(ATTEMPTS // PARTICIPANTS // 2):
            attempt = (p, rng.choice(idea_ids), str(uuid.uuid4()))
            attempts += [attempt, attempt]
    rng.shuffle(attempts)
    assert len(attempts) == ATTEMPTS

    def send(attempt):
        p, idea_id, client_id = attempt
        session, token = phones[p]
        response = session.post(f"{base}/sala/{room_id}/votos", data={"idea_id": idea_id, "client_id": client_id},
                                headers={"X-CSRFToken": token, "HX-Request": "true"}, timeout=60)
        return attempt, response.status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(send, attempts))

    statuses = Counter(status for _, status in results)
    assert not [s for s in statuses if s >= 500], statuses
    assert set(statuses) <= {200, 409}, statuses
    accepted = {attempt for attempt, status in results if status == 200}

    db.session.commit()
    votes = db.session.execute(sa.select(Vote.participant_id, Vote.idea_id, Vote.client_id)
                               .where(Vote.ideathon_id == room.id)).all()
    per_participant = Counter(v.participant_id for v in votes)
    per_participant_idea = Counter((v.participant_id, v.idea_id) for v in votes)
    assert len(votes) == len({v.client_id for v in votes})  # no duplicates
    assert max(per_participant.values()) <= room.dot_budget  # nobody over budget
    assert max(per_participant_idea.values()) == 1  # at most one dot per idea (the default)
    # Every accepted request is one stored dot, and every stored dot an accepted request.
    assert {v.client_id for v in votes} == {client_id for _, _, client_id in accepted}
    assert sum(vote_counts(room).values()) == len(votes)
    # The burst really tested the limits: most phones ran out of dots or hit the per-idea rule.
    assert statuses[409] > 100 and len(votes) > PARTICIPANTS
