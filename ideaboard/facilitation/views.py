"""The moderator's controls of a live room. Every action goes through a service that checks the
actor may moderate this ideathon; each answers with the console again (Post/Redirect/Get)."""

import segno
from wtforms.fields.choices import SelectChoice
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts import role_required
from ..extensions import db
from ..ideas.queries import visible_ideas_by_theme
from ..ideas.services import IdeaError, post_paper_idea
from ..ideathons.models import Ideathon
from ..ideathons.themes import theme_name
from ..rooms.addresses import public_base_url
from ..rooms.codes import display_code
from ..rooms.models import JoinCard
from ..rooms.services import (
    RoomError, change_phase, clear_timer, create_cards, phase_history, reveal_ideas, revoke_card, set_timer,
    update_settings, cards_of,
)
from ..votes.queries import paper_votes
from ..votes.services import VoteError, record_paper_tally
from .forms import CardsForm, PaperIdeaForm, SettingsForm
from ..database import utcnow
from ..moderation.views import list_context, moderated
from ..responses import act

bp = Blueprint("facilitation", __name__, url_prefix="/sala/<int:ideathon_id>")


def _back(ideathon: Ideathon, anchor: str = ""):
    return redirect(url_for("facilitation.console", ideathon_id=ideathon.id) + anchor)


def _refuse_form(ideathon: Ideathon, form, anchor: str):
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")
    return _back(ideathon, anchor)


def _run(ideathon: Ideathon, action, success: str, anchor: str = ""):
    """Call a service; its refusal becomes a message on the console (a 403 the plain error page)."""
    return act(action, success, redirect_to=url_for("facilitation.console", ideathon_id=ideathon.id) + anchor,
               catch=(RoomError, IdeaError, VoteError), on_403="plain")


@bp.route("/moderar")
@role_required()
def console(ideathon_id: int):
    """The moderator's console: phase, timer, settings, join cards and paper entries."""
    ideathon = moderated(ideathon_id)
    settings = SettingsForm(obj=ideathon)
    paper = PaperIdeaForm()
    paper.theme_id.choices = [SelectChoice(str(t.id), theme_name(t)) for t in ideathon.themes]
    cards = cards_of(ideathon)
    return render_template(
        "facilitation/console.html", settings=settings, paper=paper,
        cards_form=CardsForm(), cards=cards, used=sum(1 for c in cards if c.is_used),
        history=phase_history(ideathon), ideas=visible_ideas_by_theme(ideathon),
        # Hidden counts stay hidden here too: this laptop is often the one on the projector.
        paper_votes=paper_votes(ideathon),
        server_now=utcnow(), merge_themes=ideathon.themes, **list_context(ideathon),
    )


@bp.route("/moderar/fase", methods=["POST"])
@role_required()
def phase(ideathon_id: int):
    """Move the room to its next phase."""
    ideathon = moderated(ideathon_id)
    to = request.form.get("to", "")
    return _run(ideathon, lambda: change_phase(ideathon, to, actor=current_user), _("Fase cambiada."))


@bp.route("/moderar/temporizador", methods=["POST"])
@role_required()
def timer(ideathon_id: int):
    """Start, extend or stop the countdown of the current phase."""
    ideathon = moderated(ideathon_id)
    mode = request.form.get("mode", "set")
    if mode == "clear":
        return _run(ideathon, lambda: clear_timer(ideathon, actor=current_user), _("Temporizador detenido."), "#timer-controls")
    minutes = request.form.get("minutes")
    return _run(ideathon, lambda: set_timer(ideathon, minutes=minutes, actor=current_user, extend=mode == "extend"),
                _("Temporizador en marcha."), "#timer-controls")


@bp.route("/moderar/ajustes", methods=["POST"])
@role_required()
def settings(ideathon_id: int):
    """Change the room's settings (voting rules are fixed once voting starts)."""
    ideathon = moderated(ideathon_id)
    form = SettingsForm()
    if not form.validate_on_submit():
        return _refuse_form(ideathon, form, "#settings")
    return _run(ideathon, lambda: update_settings(
        ideathon, actor=current_user, silent_ideas=form.silent_ideas.data, hidden_counts=form.hidden_counts.data,
        dot_budget=form.dot_budget.data, max_dots_per_idea=form.max_dots_per_idea.data,
        self_votes=form.self_votes.data, cards_only=form.cards_only.data, premoderation=form.premoderation.data,
    ), _("Ajustes guardados."), "#settings")


@bp.route("/moderar/revelar", methods=["POST"])
@role_required()
def reveal(ideathon_id: int):
    """End silent brainstorming: everyone sees every idea."""
    ideathon = moderated(ideathon_id)
    return _run(ideathon, lambda: reveal_ideas(ideathon, actor=current_user), _("Ideas reveladas a toda la sala."))


@bp.route("/moderar/papel", methods=["POST"])
@role_required()
def paper_idea(ideathon_id: int):
    """Type in an idea written on paper."""
    ideathon = moderated(ideathon_id)
    form = PaperIdeaForm()
    if not form.validate_on_submit():
        abort(400)
    return _run(ideathon, lambda: post_paper_idea(ideathon, theme_id=form.theme_id.data, text=form.text.data,
                                                  actor=current_user, language=form.language.data or None),
                _("Idea en papel agregada."), "#paper")


@bp.route("/moderar/conteo", methods=["POST"])
@role_required()
def paper_tally(ideathon_id: int):
    """Enter the dots counted on a paper wall for one idea."""
    ideathon = moderated(ideathon_id)
    return _run(ideathon, lambda: record_paper_tally(ideathon, idea_id=request.form.get("idea_id"),
                                                     votes=request.form.get("votes"), actor=current_user),
                _("Conteo en papel registrado."), "#tallies")


@bp.route("/moderar/tarjetas", methods=["POST"])
@role_required()
def make_cards(ideathon_id: int):
    """Make a batch of join cards, then print them."""
    ideathon = moderated(ideathon_id)
    form = CardsForm()
    if not form.validate_on_submit():
        return _refuse_form(ideathon, form, "#cards")
    return _run(ideathon, lambda: create_cards(ideathon, form.count.data, actor=current_user),
                _("Tarjetas creadas. Imprímalas desde «Imprimir tarjetas»."), "#cards")


@bp.route("/tarjetas/<int:card_id>/anular", methods=["POST"])
@role_required()
def revoke(ideathon_id: int, card_id: int):
    """Annul a join card (lost, or given to the wrong person)."""
    ideathon = moderated(ideathon_id)
    card = db.session.get(JoinCard, card_id)
    if card is None or card.ideathon_id != ideathon.id:
        abort(404)
    return _run(ideathon, lambda: revoke_card(card, actor=current_user),
                _("Tarjeta %(n)s anulada.", n=card.number), "#cards")


@bp.route("/tarjetas/imprimir")
@role_required()
def print_cards(ideathon_id: int):
    """A print-ready A4 sheet of the join cards not yet used or annulled, each with its QR code."""
    ideathon = moderated(ideathon_id)
    base = public_base_url()
    cards = [
        (card, display_code(card.code), _qr_data_uri(base + url_for("rooms.scan_card", code=card.code)))
        for card in cards_of(ideathon) if not card.is_used and not card.is_revoked
    ]
    return render_template("facilitation/cards_print.html", ideathon=ideathon, cards=cards, join_base=base)


def _qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=3, border=2)
