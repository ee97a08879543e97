"""Rules of dot voting. Fair under concurrency: a participant's votes are serialised on their
row (FOR UPDATE on PostgreSQL, the process write lock on SQLite), and the database's unique
slots make over-budget or duplicate votes impossible even if that were bypassed."""
import re
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from .. import events
from ..accounts.models import User
from ..database import GroupCommit, end_read, row_id, utcnow, write
from ..extensions import db
from ..ideas.models import Idea, IdeaStatus
from ..ideathons.models import Ideathon
from ..policies import can_moderate
from ..refusals import Refusal
from ..rooms.models import Participant
from .models import PaperTally, Vote
from .queries import my_votes_of, vote_counts

_CLIENT_ID = re.compile(r"^[A-Za-z0-9-]{8,36}$")
MAX_PAPER_VOTES = 100000


class VoteError(Refusal):
    """A vote was refused; the message is for the person who tried."""

    status = 409


def _lock(participant: Participant) -> None:
    """Serialise this participant's votes (PostgreSQL row lock; SQLite is serialised already)."""
    db.session.execute(sa.select(Participant.id).where(Participant.id == participant.id)
                       .with_for_update(key_share=True))


def _require_voting(ideathon: Ideathon) -> None:
    db.session.refresh(ideathon)
    if not ideathon.voting:
        raise VoteError(_l("La votación no está abierta en este momento."))


@dataclass(eq=False)
class Ballot:
    """One request to place a dot, and what became of it."""

    ideathon_id: int
    participant_id: int
    idea_id: int
    client_id: str
    placed: bool = False  # False with no error: this client_id was counted already (double tap, retry)
    error: VoteError | None = None
    my_votes: dict[int, int] = field(default_factory=dict)  # the participant's dots per idea, after
    counts: dict[int, int] = field(default_factory=dict)  # the idea's total, only if counts are visible


def cast_vote(ideathon: Ideathon, participant: Participant, *, idea_id, client_id: str) -> Ballot:
    """Place one dot on an idea. `placed` is False if this exact request (same client_id) was
    already counted: a double tap or a retry gets the current state, never a second dot.

    Votes arriving together are decided and stored together (`GroupCommit`): a storm of votes
    costs a few statements per batch, not per vote. The rules are the same for every ballot."""
    if participant.ideathon_id != ideathon.id:
        raise VoteError(_l("Usted no participa en esta sala."), 403)
    if not _CLIENT_ID.match(client_id or ""):
        raise VoteError(_l("El formulario está incompleto. Recargue la página e intente de nuevo."), 400)
    idea_id = row_id(idea_id)
    if idea_id is None:  # no idea has that id (text, or a number no row can have)
        raise VoteError(_l("Esa idea no se puede votar."), 422)
    end_read()  # wait for the ballot box without holding a pooled connection
    ballot = _ballot_box.submit(Ballot(ideathon.id, participant.id, idea_id, client_id))
    if ballot.error is not None:
        raise ballot.error
    return ballot


def _decide(batch: list[Ballot]) -> None:
    """Decide and store a batch of ballots in one transaction: lock their participants, read their
    rooms, votes and ideas once, apply the rules in order, insert the accepted dots at once.
    If the database refuses the batch (a vote of the same participant from another process took a
    slot first), each ballot is decided again on its own, and a refused lone ballot keeps the
    state as it is (its dot, if any, is already there)."""
    session = db.session()
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        # The batch runs in the session of the request that leads it: its own objects (the room,
        # the participant, the idea of its card) stay as they were read, not reloaded one by one.
        with write():
            _decide_together(batch)
    except IntegrityError:
        if len(batch) > 1:
            for ballot in batch:
                _decide([ballot])
            return
        ballot = batch[0]
        ballot.placed, ballot.error = False, None
        ballot.my_votes = my_votes_of(ballot.participant_id)
    finally:
        session.expire_on_commit = keep


def _decide_together(batch: list[Ballot]) -> None:
    room_ids = {b.ideathon_id for b in batch}
    participant_ids = sorted({b.participant_id for b in batch})
    rooms = {
        room.id: room for room in db.session.scalars(
            sa.select(Ideathon).where(Ideathon.id.in_(room_ids)).execution_options(populate_existing=True))
    }
    db.session.execute(
        # FOR NO KEY UPDATE: it serialises the batch's participants' votes without blocking the
        # foreign-key checks of a concurrent merge that records their dots (which would deadlock).
        sa.select(Participant.id).where(Participant.id.in_(participant_ids)).order_by(Participant.id)
        .with_for_update(key_share=True)
    )
    held: dict[int, list[tuple[int, int, int, str]]] = {pid: [] for pid in participant_ids}
    for row in db.session.execute(
        sa.select(Vote.participant_id, Vote.slot, Vote.idea_id, Vote.idea_slot, Vote.client_id)
        .where(Vote.participant_id.in_(participant_ids))
    ):
        held[row.participant_id].append((row.slot, row.idea_id, row.idea_slot, row.client_id))
    ideas = {
        idea.id: idea for idea in db.session.execute(
            # FOR SHARE: a merge or a hide of one of these ideas waits for this batch, and this batch
            # for it, so no dot lands on an idea a moderator has just taken off the board. In id
            # order, as moderation locks them: two transactions never wait for each other.
            sa.select(Idea.id, Idea.ideathon_id, Idea.status, Idea.participant_id)
            .where(Idea.id.in_({b.idea_id for b in batch})).order_by(Idea.id).with_for_update(read=True)
        )
    }
    new_votes = []
    for ballot in batch:
        mine = held[ballot.participant_id]
        try:
            new_votes.append(_place(rooms.get(ballot.ideathon_id), ideas.get(ballot.idea_id), ballot, mine))
        except VoteError as error:
            ballot.error = error
        except _AlreadyCounted:
            ballot.placed = False
    new_votes = [vote for vote in new_votes if vote is not None]
    if new_votes:
        db.session.execute(sa.insert(Vote), new_votes)
    for ballot in batch:
        if ballot.placed and ballot.error is None:
            events.record(events.counts_changed, ideathon_id=ballot.ideathon_id, idea_ids=[ballot.idea_id])
    for ballot in batch:
        ballot.my_votes = dict(Counter(idea_id for _slot, idea_id, _idea_slot, _cid in held[ballot.participant_id]))
    for room in rooms.values():
        if room.counts_visible:
            in_room = [b for b in batch if b.ideathon_id == room.id]
            counts = vote_counts(room, {b.idea_id for b in in_room})
            for ballot in in_room:
                ballot.counts = {ballot.idea_id: counts.get(ballot.idea_id, 0)}


class _AlreadyCounted(Exception):
    pass


def _place(ideathon: Ideathon | None, idea, ballot: Ballot, mine: list) -> dict:
    """The rules for one dot, against the participant's dots so far (`mine`, updated in place)."""
    if ideathon is None or not ideathon.voting:
        raise VoteError(_l("La votación no está abierta en este momento."))
    if any(cid == ballot.client_id for _slot, _idea, _idea_slot, cid in mine):
        raise _AlreadyCounted
    if idea is not None and idea.status == IdeaStatus.MERGED:
        raise VoteError(_l("La moderación unió esta idea con otras parecidas: vote por la idea unida."))
    if idea is None or idea.ideathon_id != ideathon.id or idea.status != IdeaStatus.VISIBLE:
        raise VoteError(_l("Esa idea no se puede votar."), 422)
    if not ideathon.self_votes and idea.participant_id == ballot.participant_id:
        raise VoteError(_l("En esta sala no se votan las ideas propias."))
    if len(mine) >= ideathon.dot_budget:
        raise VoteError(_l("Ya usó todos sus puntos. Puede quitar uno para ponerlo en otra idea."))
    on_idea = [idea_slot for _slot, idea_id, idea_slot, _cid in mine if idea_id == idea.id]
    if len(on_idea) >= ideathon.max_dots_per_idea:
        raise VoteError(ngettext_max(ideathon.max_dots_per_idea))
    slot = min(set(range(1, ideathon.dot_budget + 1)) - {row[0] for row in mine})
    idea_slot = min(set(range(1, ideathon.max_dots_per_idea + 1)) - set(on_idea))
    mine.append((slot, idea.id, idea_slot, ballot.client_id))
    ballot.placed = True
    return {"ideathon_id": ideathon.id, "idea_id": idea.id, "participant_id": ballot.participant_id,
            "slot": slot, "idea_slot": idea_slot, "client_id": ballot.client_id, "created_at": utcnow()}


_ballot_box = GroupCommit(_decide)


def ngettext_max(n: int):
    if n == 1:
        return _l("Ya puso su punto en esta idea. Quítelo para ponerlo en otra.")
    return _l("Ya puso en esta idea el máximo de %(n)s puntos.", n=n)


def withdraw_vote(ideathon: Ideathon, participant: Participant, *, idea_id, dots=None) -> bool:
    """Take back one of my dots from an idea while voting is open.

    `dots`: how many of my dots the idea held on the page that sent the request. Given, the dot is
    taken back only if it still holds that many, so a request sent again (room.js retries a lost
    answer) takes back one dot, not two; False means nothing changed (already taken back)."""
    if participant.ideathon_id != ideathon.id:
        raise VoteError(_l("Usted no participa en esta sala."), 403)
    with write():
        _require_voting(ideathon)
        _lock(participant)
        idea_id = row_id(idea_id)
        held = [] if idea_id is None else db.session.scalars(
            sa.select(Vote).where(Vote.participant_id == participant.id, Vote.idea_id == idea_id)
            .order_by(Vote.idea_slot.desc())
        ).all()
        try:
            expected = int(dots) if dots not in (None, "") else None
        except (TypeError, ValueError):
            expected = None
        if expected is not None and held and len(held) != expected:
            return False  # this request's dot was taken back already (a retry), or the page was stale
        if not held:
            if expected:
                return False  # the last one, taken back by the same request before
            raise VoteError(_l("No tiene puntos en esta idea."))
        db.session.delete(held[0])
        events.record(events.counts_changed, ideathon_id=ideathon.id, idea_ids=[idea_id])
    return True


def record_paper_tally(ideathon: Ideathon, *, idea_id, votes, actor: User) -> PaperTally:
    """A moderator enters the dots counted on a paper wall for one idea (replaces the last entry)."""
    if not can_moderate(actor, ideathon):
        raise VoteError(_l("Solo quienes moderan esta ideatón pueden hacer esto."), 403)
    try:
        votes = int(votes)
    except (TypeError, ValueError):
        raise VoteError(_l("Escriba el número de puntos contados en papel."), 422) from None
    if not 0 <= votes <= MAX_PAPER_VOTES:
        raise VoteError(_l("El número de puntos debe estar entre 0 y %(n)s.", n=MAX_PAPER_VOTES), 422)
    with write():
        db.session.refresh(ideathon)
        if not ideathon.voting:
            raise VoteError(_l("Los conteos en papel se registran durante la votación."))
        idea_id = row_id(idea_id)
        idea = db.session.get(Idea, idea_id) if idea_id else None
        if idea is None or idea.ideathon_id != ideathon.id or idea.status != IdeaStatus.VISIBLE:
            raise VoteError(_l("Esa idea no se puede votar."), 422)
        tally = PaperTally(idea_id=idea.id, votes=votes, entered_by_id=actor.id)
        db.session.add(tally)
        events.record(events.counts_changed, ideathon_id=ideathon.id, idea_ids=[idea.id])
    return tally
