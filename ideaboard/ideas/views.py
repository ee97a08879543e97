"""Posting, editing and withdrawing ideas, with htmx or with whole pages (no JavaScript)."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..extensions import limiter
from ..responses import act, answer, refused
from ..rooms.admission import participant_rate_key, room_and_participant
from ..rooms.views import board_context
from .forms import EditIdeaForm, IdeaForm
from .queries import count_visible, get_idea
from ..uploads import accepts_uploads
from ..uploads.services import UploadError
from .services import IdeaError, edit_idea, post_idea, post_voice_idea, withdraw_idea

bp = Blueprint("ideas", __name__, url_prefix="/sala/<int:ideathon_id>/ideas")



def _board_url(ideathon, theme_id=None):
    anchor = f"#theme-{theme_id}" if theme_id else ""
    return url_for("rooms.board", ideathon_id=ideathon.id) + anchor


# Per participant (their cookie), so one busy phone cannot flood the room and a hall behind
# one address is not limited as a whole.
participant_limit = limiter.shared_limit(lambda: current_app.config["PARTICIPANT_RATE_LIMIT"],
                                         scope="participant-actions", key_func=participant_rate_key)


@bp.route("", methods=["POST"])
@participant_limit
def post(ideathon_id: int):
    """Post an idea. htmx gets a fresh form plus the new card; a plain form post gets the board."""
    ideathon, participant = room_and_participant(ideathon_id)
    form = IdeaForm()
    try:
        idea, _created = post_idea(ideathon, participant, theme_id=form.theme_id.data,
                                   text=form.text.data, client_id=form.client_id.data,
                                   language=form.language.data or None)
    except IdeaError as error:
        theme = next((t for t in ideathon.themes if str(t.id) == str(form.theme_id.data)), None)
        if theme is None:  # no form to answer in: at the bottom of the board, or at the top of the page
            return refused(error, _board_url(ideathon), on_403="answer")
        # Refused (not valid, muted, the room not taking ideas): said in the form that was sent,
        # what was typed kept.
        form.text.errors = [str(error)]
        return refused(error, fragment="ideas/_post_form.html", context={"ideathon": ideathon, "theme": theme,
                                                                         "form": form},
                       page=lambda: _refused_page(ideathon, participant, form, theme, error), on_403="answer")
    return answer("ideas/_posted.html", lambda: {
        "ideathon": ideathon, "theme": idea.theme, "form": IdeaForm.blank(idea.theme_id, idea.language), "idea": idea,
        "theme_counts": {idea.theme_id: count_visible(idea.theme_id)}, "mine": {idea.id}},
        _board_url(ideathon, idea.theme_id), message=_("Idea enviada."), headers={"X-Idea-Id": str(idea.id)})


@bp.route("/voz", methods=["POST"])
@accepts_uploads
@participant_limit
def post_voice(ideathon_id: int):
    """Post an idea by voice: a recording from the page's recorder (htmx) or the phone's own (a
    plain form with a file). It waits for the moderators to write it down."""
    ideathon, participant = room_and_participant(ideathon_id)
    theme_id = request.form.get("theme_id")
    try:
        idea, _created = post_voice_idea(ideathon, participant, theme_id=theme_id, audio=request.files.get("audio"),
                                         client_id=request.form.get("client_id", ""))
    except (IdeaError, UploadError) as error:
        theme = next((t for t in ideathon.themes if str(t.id) == str(theme_id)), None)
        if theme is None:
            return refused(error, _board_url(ideathon), on_403="answer")
        return refused(error, fragment="ideas/_voice_form.html",
                       context={"ideathon": ideathon, "theme": theme, "voice_error": str(error)},
                       page=lambda: _refused_voice_page(ideathon, participant, theme, error), on_403="answer")
    return answer("ideas/_voice_posted.html", lambda: {
        "ideathon": ideathon, "theme": idea.theme, "idea": idea,
        "theme_counts": {idea.theme_id: count_visible(idea.theme_id)}, "mine": {idea.id}},
        _board_url(ideathon, idea.theme_id),
        message=_("Grabación enviada: la moderación la escuchará y la escribirá en el tablero."),
        headers={"X-Idea-Id": str(idea.id)})


def _refused_voice_page(ideathon, participant, theme, error):
    """Without JavaScript, a refused recording comes back as the board, the message in its form."""
    forms = {t.id: IdeaForm.blank(t.id) for t in ideathon.themes}
    return render_template("rooms/board.html", forms=forms, voice_errors={theme.id: str(error)},
                           **board_context(ideathon, participant)), error.status


def _refused_page(ideathon, participant, form, theme, error: IdeaError):
    """Without JavaScript, a refused post comes back as the board with the message in the form that
    was refused, what was typed kept (the form's action ends in #post-N: the page opens there)."""
    forms = {t.id: IdeaForm.blank(t.id) for t in ideathon.themes}
    forms[theme.id] = form
    return render_template("rooms/board.html", forms=forms, **board_context(ideathon, participant)), error.status


@bp.route("/<int:idea_id>/editar", methods=["GET", "POST"])
@participant_limit
def edit(ideathon_id: int, idea_id: int):
    """The author edits (or, from the same page, withdraws) their own idea."""
    ideathon, participant = room_and_participant(ideathon_id)
    idea = get_idea(ideathon, idea_id)
    if idea is None or not idea.is_visible:
        abort(404)
    if idea.participant_id != participant.id:
        abort(403)
    form = EditIdeaForm(data={"text": idea.text} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            edit_idea(idea, participant, text=form.text.data)
            flash(_("Idea actualizada."), "success")
            return redirect(_board_url(ideathon, idea.theme_id))
        except IdeaError as error:
            form.text.errors = [str(error)]
    status = 422 if request.method == "POST" else 200
    return render_template("ideas/edit.html", ideathon=ideathon, idea=idea, form=form), status


@bp.route("/<int:idea_id>/retirar", methods=["POST"])
@participant_limit
def withdraw(ideathon_id: int, idea_id: int):
    """The author takes their idea off the board (after confirming on the edit page)."""
    ideathon, participant = room_and_participant(ideathon_id)
    idea = get_idea(ideathon, idea_id)
    if idea is None:
        abort(404)
    return act(lambda: withdraw_idea(idea, participant), _("Idea retirada."),
               redirect_to=_board_url(ideathon, idea.theme_id), catch=IdeaError, on_403="plain")
