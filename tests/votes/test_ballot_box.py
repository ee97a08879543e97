"""The ballot box under the server's own concurrency (gevent), on the real database: votes that
arrive together are decided in a few batches, not one transaction each, and every one is counted.

On SQLite every query runs inside C and never lets another greenlet run, so the batches form only
because the first waiter yields once before taking its batch (database.GroupCommit). The greenlets
run in a child process (gevent must patch the standard library before anything imports it)."""
import json
import subprocess
import sys
import uuid
from pathlib import Path

import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.ideas.services import post_idea
from ideaboard.rooms.services import change_phase, join_room
from ideaboard.votes.models import Vote
from ideaboard.votes.queries import vote_counts
from ideaboard.votes.services import cast_vote

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PHONES = 60

# Each greenlet is one request: its own app context, the room and the participant read, then
# cast_vote, as the vote view does. They all start at once.
CHILD = """
from gevent import monkey
monkey.patch_all()
import json, sys
import gevent, gevent.event
from ideaboard import create_app
from ideaboard.extensions import db
from ideaboard.ideathons.models import Ideathon
from ideaboard.rooms.models import Participant
from ideaboard.votes import services
from tests.conftest import app_config

plan = json.loads(sys.argv[1])
app = create_app(app_config(plan["database"]))
go = gevent.event.Event()
outcomes = []

def phone(participant_id, idea_id, client_id):
    go.wait()
    with app.app_context():
        room = db.session.get(Ideathon, plan["room"])
        participant = db.session.get(Participant, participant_id)
        ballot = services.cast_vote(room, participant, idea_id=idea_id, client_id=client_id)
        outcomes.append(ballot.placed)
        db.session.remove()

greenlets = [gevent.spawn(phone, *vote) for vote in plan["votes"]]
gevent.sleep(0.1)
go.set()
gevent.joinall(greenlets, timeout=60, raise_error=True)
box = services._ballot_box
print("RESULT " + json.dumps({"placed": sum(outcomes), "batches": box.batches, "items": box.items}))
"""


def test_votes_arriving_together_are_decided_in_batches(app, migrated, open_room):
    room = open_room(themes=[("Agua", "water")])
    author = join_room(room, nickname="Autora")
    ideas = [post_idea(room, author, theme_id=room.themes[0].id, text=f"Idea {i}", client_id=str(uuid.uuid4()))[0].id
             for i in range(3)]
    change_phase(room, "voting", actor=room.created_by)
    phones = [join_room(room).id for _ in range(PHONES)]
    votes = [(pid, ideas[i % 3], str(uuid.uuid4())) for i, pid in enumerate(phones)]
    db.session.commit()

    plan = {"database": migrated, "room": room.id, "votes": votes}
    child = subprocess.run([sys.executable, "-c", CHILD, json.dumps(plan)], cwd=PROJECT_ROOT,
                           capture_output=True, text=True, timeout=120)
    line = next((l for l in child.stdout.splitlines() if l.startswith("RESULT ")), None)
    assert line, child.stdout[-2000:] + child.stderr[-3000:]
    result = json.loads(line.split(" ", 1)[1])

    assert result["placed"] == PHONES and result["items"] == PHONES
    # Alone, each of them would be a transaction of its own (60 batches); together, a handful.
    assert result["batches"] <= PHONES // 4, result
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Vote.id)).where(Vote.ideathon_id == room.id)) == PHONES
    assert vote_counts(room) == {ideas[0]: 20, ideas[1]: 20, ideas[2]: 20}


def test_the_request_that_leads_a_batch_keeps_what_it_read(app, open_room):
    """The batch commits in the leading request's session without expiring its objects: its answer
    (the room's budget, the participant) needs no query to read them again."""
    room = open_room(themes=[("Agua", "water")])
    author = join_room(room, nickname="Autora")
    idea, _ = post_idea(room, author, theme_id=room.themes[0].id, text="Una idea", client_id=str(uuid.uuid4()))
    change_phase(room, "voting", actor=room.created_by)
    beto = join_room(room)
    room.dot_budget, beto.id  # loaded
    statements = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        ballot = cast_vote(room, beto, idea_id=idea.id, client_id=str(uuid.uuid4()))
        during = len(statements)
        assert ballot.placed and ballot.my_votes == {idea.id: 1} and ballot.counts == {idea.id: 1}
        assert room.dot_budget == 3 and room.counts_visible and beto.ideathon_id == room.id
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    assert len(statements) == during, statements[during:]  # nothing read again after the batch
    assert not sa.inspect(room).expired_attributes and not sa.inspect(beto).expired_attributes
