"""The live room over HTTP: join by QR or code, the board, its refetch, and the presenter view."""
import io

import segno
from flask import Blueprint, Response, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..accounts import role_required
from ..extensions import db, limiter
from ..ideas.forms import IdeaForm
from ..ideas.queries import idea_ids_of, visible_ideas_by_theme
from ..ideathons.models import Ideathon
from ..policies import can_moderate
from ..security import RECORDING_PERMISSIONS_POLICY
from .addresses import public_base_url
from .admission import ANNULLED, admission, admit, current_participant, has_annulled_card, remember_participant
from .codes import display_code, normalise_code
from .forms import CodeForm, JoinForm
from .presence import presence
from ..database import utcnow
from ..votes.queries import dots_left, my_votes, ranking, vote_counts
from .models import JoinCard
from .services import (
    CARD_CODE_LENGTH, RoomError, close_room, code_admits, find_card, find_room, join_room, open_room,
)

bp = Blueprint("rooms", __name__)


def _failed_join(response) -> bool:
    return response.status_code in (403, 404, 409, 410, 422)


def _presented_code() -> str | None:
    """The code this join attempt presents: in the link (QR code, join card) or typed; None for
    the page with the form, which guesses nothing."""
    code = (request.view_args or {}).get("code")
    if code is None and request.method == "POST":
        code = request.form.get("code", "")
    return code


def _guesses_nothing() -> bool:
    """No code, or a code that admits: the wrong-code limit does not apply. A hall shares one
    address (its Wi-Fi, a carrier's NAT): one person guessing must never lock everyone out of the
    room, so the right code and a valid join card always get in."""
    code = _presented_code()
    return code is None or code_admits(code)


# Wrong codes from one address: at most 10 per 10 minutes (only failures count; a right code is
# never refused by this limit)...
join_limit = limiter.shared_limit(
    lambda: current_app.config["JOIN_FAILURE_LIMIT"], scope="room-join", deduct_when=_failed_join,
    exempt_when=_guesses_nothing,
)
# ...and, since a guesser refused by it still learns from a right code's answer, every attempt from
# one address, right or wrong, is capped, well above what a hall behind one address needs.
join_address_limit = limiter.shared_limit(
    lambda: current_app.config["JOIN_ADDRESS_RATE_LIMIT"], scope="room-join-address",
    exempt_when=lambda: _presented_code() is None,
)


def _ideathon_or_404(ideathon_id: int) -> Ideathon:
    ideathon = db.session.get(Ideathon, ideathon_id)
    if ideathon is None:
        abort(404)
    return ideathon


def _enter_room(code: str):
    """Exchange a valid code for the admission cookie, then go on to a URL without the code.
    A join card's longer code, typed by hand, goes the card's way."""
    if normalise_code(code, length=CARD_CODE_LENGTH):
        return _enter_with_card(code)
    ideathon = find_room(code)
    if current_participant(ideathon):
        return redirect(url_for("rooms.board", ideathon_id=ideathon.id))
    return admit(redirect(url_for("rooms.join", ideathon_id=ideathon.id)), ideathon)


def _enter_with_card(code: str):
    card = find_card(code)
    ideathon = db.session.get(Ideathon, card.ideathon_id)
    participant = current_participant(ideathon)
    if participant is not None and card.participant_id == participant.id:
        return redirect(url_for("rooms.board", ideathon_id=ideathon.id))
    if card.is_used:
        raise RoomError(_("Esta tarjeta ya se usó. Cada tarjeta sirve para una sola persona."), 409)
    return admit(redirect(url_for("rooms.join", ideathon_id=ideathon.id)), ideathon, card_id=card.id)


@bp.route("/c/<code>")
@join_limit
@join_address_limit
def scan_card(code: str):
    """The link inside a join card's QR code: the card admits exactly one participant."""
    try:
        return _enter_with_card(code)
    except RoomError as error:
        form = CodeForm()
        form.code.errors = [str(error)]
        return render_template("rooms/enter_code.html", form=form), error.status


@bp.route("/s/<code>")
@join_limit
@join_address_limit
def scan(code: str):
    """The link inside the QR code."""
    try:
        return _enter_room(code)
    except RoomError as error:
        form = CodeForm(data={"code": code})
        form.code.errors = [str(error)]
        return render_template("rooms/enter_code.html", form=form), error.status


@bp.route("/unirse", methods=["GET", "POST"])
@join_limit
@join_address_limit
def enter_code():
    """Type the room's code (for those who cannot scan)."""
    form = CodeForm()
    if form.validate_on_submit():
        try:
            return _enter_room(form.code.data)
        except RoomError as error:
            form.code.errors = [str(error)]
            return render_template("rooms/enter_code.html", form=form), error.status
    return render_template("rooms/enter_code.html", form=form), 422 if request.method == "POST" else 200


@bp.route("/sala/<int:ideathon_id>/unirse", methods=["GET", "POST"])
def join(ideathon_id: int):
    """An optional nickname and optional evaluation questions, then the board."""
    ideathon = _ideathon_or_404(ideathon_id)
    if current_participant(ideathon):
        return redirect(url_for("rooms.board", ideathon_id=ideathon.id))
    if not ideathon.room_is_open:
        form = CodeForm()
        form.code.errors = [_("Esta sala ya cerró: su código ya no sirve para entrar.")]
        return render_template("rooms/enter_code.html", form=form), 410
    admitted = admission(ideathon)
    if admitted is None and has_annulled_card(ideathon):
        flash(ANNULLED, "error")
        return redirect(url_for("rooms.enter_code"))
    if admitted is None:
        flash(_("Para entrar, escanee el código QR o escriba el código de la sala."), "info")
        return redirect(url_for("rooms.enter_code"))
    card = db.session.get(JoinCard, admitted["card"]) if admitted.get("card") else None
    form = JoinForm()
    if form.validate_on_submit():
        try:
            participant = join_room(ideathon, nickname=form.nickname.data, survey=form.survey(), card=card)
        except RoomError as error:
            form.form_errors.append(str(error))
        else:
            return remember_participant(redirect(url_for("rooms.board", ideathon_id=ideathon.id)), participant)
    status = 422 if request.method == "POST" else 200
    return render_template("rooms/join.html", ideathon=ideathon, form=form), status


def _viewer(ideathon: Ideathon):
    """The participant (or moderator) looking at this room; anyone else is sent to join."""
    participant = current_participant(ideathon)
    moderator = current_user.is_authenticated and can_moderate(current_user, ideathon)
    if participant is None and not moderator:
        if current_user.is_authenticated:
            abort(403)
        return None, False
    return participant, moderator


def board_context(ideathon: Ideathon, participant, staff: bool = False, page: bool = True) -> dict:
    """What the board shows this viewer: per viewer (my ideas, my dots), never broadcast.
    `page`: a whole page, whose forms also work without JavaScript (they carry the CSRF token).

    Each thing is read once: the counts (only when the cards and the ranking show them, from the
    voting phase on) serve the cards and the ranking, the ideas already read serve the ranking
    when this viewer sees every visible idea, and my dots serve the cards and my dots left."""
    ideas = visible_ideas_by_theme(ideathon, participant, staff=staff)
    voted = ideathon.phase in ("voting", "closed") and ideathon.counts_visible
    counts = vote_counts(ideathon) if voted else {}
    mine_votes = my_votes(participant)
    if not voted:
        ranked = []
    elif ideathon.ideas_are_private and not staff:  # the ranking is everyone's, not only mine
        ranked = ranking(ideathon, counts=counts)
    else:
        ranked = ranking(ideathon, counts=counts, ideas=[idea for column in ideas.values() for idea in column
                                                         if idea.is_visible])
    return {
        "ideathon": ideathon,
        "ideas": ideas,
        "mine": idea_ids_of(participant),
        "present": presence.total(ideathon.id, ideathon.room_code) if page else None,  # re-fetches show no count
        "counts": counts,
        "ranked": ranked,
        "my_votes": mine_votes,
        "dots_left": dots_left(ideathon, participant, mine_votes),
        "participant": participant,
        "server_now": utcnow(),
        # Only pages and responses rendered for this viewer carry their CSRF token (for forms
        # without JavaScript); broadcast renders never do.
        "viewer_csrf": generate_csrf() if page else None,
    }


@bp.route("/sala/<int:ideathon_id>")
def board(ideathon_id: int):
    """The board: one theme at a time on a phone, all columns side by side on a wide screen."""
    ideathon = _ideathon_or_404(ideathon_id)
    participant, moderator = _viewer(ideathon)
    if participant is None and not moderator:
        if has_annulled_card(ideathon):
            flash(ANNULLED, "error")
        return redirect(url_for("rooms.enter_code"))
    forms = {theme.id: IdeaForm.blank(theme.id) for theme in ideathon.themes}
    response = make_response(render_template("rooms/board.html", forms=forms,
                                             **board_context(ideathon, participant, moderator)))
    if participant is not None:  # a phone may record an idea by voice here (ideas/_voice_form.html)
        response.headers["Permissions-Policy"] = RECORDING_PERMISSIONS_POLICY
    return response


@bp.route("/sala/<int:ideathon_id>/tablero")
def board_sync(ideathon_id: int):
    """The board's changing parts (lists, counts, phase, sequence number): the re-fetch after a gap.
    The projector's (?screen=projector) shows what the room sees, as its page does: never the
    ideas of a silent brainstorm, although a moderator is logged in on it."""
    ideathon = _ideathon_or_404(ideathon_id)
    participant, moderator = _viewer(ideathon)
    if participant is None and not moderator:
        abort(403)
    staff = moderator and request.args.get("screen") != "projector"
    return render_template("rooms/_sync.html", screen=request.args.get("screen"),
                           **board_context(ideathon, participant, staff, page=False))


@bp.route("/sala/<int:ideathon_id>/proyector")
@role_required()
def presenter(ideathon_id: int):
    """The projector: a big QR code, the code and the join address, the columns filling up live."""
    ideathon = _ideathon_or_404(ideathon_id)
    if not can_moderate(current_user, ideathon):
        abort(403)
    return render_template("rooms/presenter.html", **board_context(ideathon, None, staff=False))


bp.add_app_template_global(public_base_url, "public_base_url")


@bp.app_template_filter("room_code")
def room_code_filter(code: str | None) -> str:
    """A room's code as people read it (rooms/codes.py)."""
    return display_code(code) if code else ""


def _join_url(ideathon: Ideathon) -> str | None:
    if not ideathon.room_code:
        return None
    return public_base_url() + url_for("rooms.scan", code=ideathon.room_code)


@bp.route("/sala/<int:ideathon_id>/qr.svg")
@role_required()
def qr_code(ideathon_id: int):
    """The QR code of the join link, as SVG made here (works with no internet)."""
    ideathon = _ideathon_or_404(ideathon_id)
    if not can_moderate(current_user, ideathon):
        abort(403)
    if not ideathon.room_is_open or ideathon.cards_only:  # a cards-only room refuses its own code
        abort(404)
    buffer = io.BytesIO()
    segno.make(_join_url(ideathon), error="m").save(
        buffer, kind="svg", scale=10, border=2, xmldecl=False, omitsize=True,
        title=_("Código QR para entrar a la sala"),
    )
    return Response(buffer.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


def _moderator_action(ideathon_id: int, action, success: str):
    ideathon = _ideathon_or_404(ideathon_id)
    try:
        action(ideathon, actor=current_user)
        flash(success, "success")
    except RoomError as error:
        if error.status == 403:
            abort(403)
        flash(str(error), "error")
    return ideathon


@bp.route("/ideatones/<int:ideathon_id>/sala/abrir", methods=["POST"])
@role_required()
def open_room_view(ideathon_id: int):
    """Open the live room (it gets its code) and go to the moderator's console."""
    ideathon = _moderator_action(ideathon_id, open_room, _("Sala abierta: ya se puede entrar."))
    if not ideathon.room_is_open:
        return redirect(url_for("ideathons.detail", ideathon_id=ideathon.id))
    return redirect(url_for("facilitation.console", ideathon_id=ideathon.id))


@bp.route("/ideatones/<int:ideathon_id>/sala/cerrar", methods=["POST"])
@role_required()
def close_room_view(ideathon_id: int):
    """Close the live room: its code stops admitting people; the board becomes read-only."""
    ideathon = _moderator_action(ideathon_id, close_room, _("Sala cerrada."))
    return redirect(url_for("ideathons.detail", ideathon_id=ideathon.id))
