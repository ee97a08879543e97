"""Placing and taking back dots, with htmx (the card and my dots left come back) or whole pages."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from ..database import row_id
from ..extensions import db, limiter
from ..ideathons.models import Ideathon
from ..rooms.admission import participant_rate_key, room_and_participant
from ..ideas.queries import idea_for_card
from ..responses import is_htmx
from .queries import dots_left, my_votes, vote_counts
from .services import Ballot, VoteError, cast_vote, withdraw_vote

bp = Blueprint("votes", __name__, url_prefix="/sala/<int:ideathon_id>/votos")

vote_limit = limiter.shared_limit(lambda: current_app.config["VOTE_RATE_LIMIT"], scope="votes",
                                  key_func=participant_rate_key)
vote_address_limit = limiter.shared_limit(lambda: current_app.config["VOTE_ADDRESS_RATE_LIMIT"],
                                          scope="votes-address")


def _answer(ideathon: Ideathon, participant, idea_id, error: VoteError | None = None, ballot: Ballot | None = None,
            idea=None):
    """My state after a vote: the idea's card as I see it and my dots left (per viewer, never broadcast).
    A placed ballot already carries that state; otherwise it is read now."""
    if not is_htmx():
        if error is not None:
            flash(str(error), "error")
        return redirect(url_for("rooms.board", ideathon_id=ideathon.id) + (f"#idea-{idea_id}" if idea_id else ""))
    idea = idea or idea_for_card(idea_id)
    if idea is None or idea.ideathon_id != ideathon.id:
        abort(error.status if error else 404, description=str(error) if error else None)
    if ballot is None:
        db.session.refresh(ideathon)
        mine = my_votes(participant)
        counts = vote_counts(ideathon, {idea.id}) if ideathon.counts_visible else {}
    else:
        mine, counts = ballot.my_votes, ballot.counts
    html = render_template(
        "votes/_my_state.html", ideathon=ideathon, idea=idea, participant=participant, my_votes=mine,
        dots_left=dots_left(ideathon, participant, mine), mine=set(), counts=counts,
        message=str(error) if error else None,
    )
    return html, 409 if error else 200


@bp.route("", methods=["POST"])
@vote_limit
@vote_address_limit
def cast(ideathon_id: int):
    """Place a dot. A refusal (no dots left, the limit per idea, voting closed) says why."""
    ideathon, participant = room_and_participant(ideathon_id)
    idea_id = row_id(request.form.get("idea_id"))  # None when no idea can have it
    idea = idea_for_card(idea_id) if is_htmx() else None  # read before waiting to vote
    try:
        ballot = cast_vote(ideathon, participant, idea_id=idea_id, client_id=request.form.get("client_id", ""))
    except VoteError as error:
        return _refused(ideathon, participant, idea_id, error)
    return _answer(ideathon, participant, idea_id, ballot=ballot, idea=idea)


def _refused(ideathon, participant, idea_id, error: VoteError):
    if error.status in (400, 403) and is_htmx():
        abort(error.status, description=str(error))
    return _answer(ideathon, participant, idea_id, error)


@bp.route("/quitar", methods=["POST"])
@vote_limit
@vote_address_limit
def withdraw(ideathon_id: int):
    """Take back one of my dots from an idea."""
    ideathon, participant = room_and_participant(ideathon_id)
    idea_id = row_id(request.form.get("idea_id"))  # None when no idea can have it
    try:
        withdraw_vote(ideathon, participant, idea_id=idea_id, dots=request.form.get("dots"))
    except VoteError as error:
        return _refused(ideathon, participant, idea_id, error)
    return _answer(ideathon, participant, idea_id)
