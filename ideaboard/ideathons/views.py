"""Ideathon pages: the public page of each ideathon, and the coordinators' planning forms."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..accounts import role_required
from ..database import utcnow
from ..evidence.services import evidence_for
from ..inputs import whole_number
from ..languages import language_name
from ..municipalities.services import all_municipalities
from ..policies import PLANNERS, ROOM_STAFF, can_moderate, can_see_programme
from ..programme.services import programme_choices
from ..responses import is_htmx
from .forms import CancelForm, IdeathonForm, ModeratorsForm
from .services import (
    IdeathonError, active_moderators, assign_moderators, cancel_ideathon, create_ideathon, get_ideathon,
    ideathons_for_staff, update_ideathon,
)
from .themes import MAX_THEMES, default_themes, interface_languages

bp = Blueprint("ideathons", __name__, url_prefix="/ideatones")


def _get_or_404(ideathon_id: int):
    ideathon = get_ideathon(ideathon_id)
    if ideathon is None:
        abort(404)
    return ideathon


def _edit_themes(form: IdeathonForm) -> bool:
    """Apply a theme-editor button (add, up, down, remove) to the posted rows.

    Returns True when the post was an editor step rather than a save; the form is then
    re-rendered with the new order and nothing is stored.
    """
    op = request.form.get("op", "save")
    if op == "save":
        return False
    rows = form.theme_rows()
    action, _sep, index = op.partition(":")
    i = whole_number(index, 0, MAX_THEMES)
    i = -1 if i is None else i
    if action == "add" and len(rows) < MAX_THEMES:
        rows.append({"theme_id": "", "name": "", "icon": "other", "default_key": "", "names": {}})
    elif action == "up" and 0 < i < len(rows):
        rows[i - 1], rows[i] = rows[i], rows[i - 1]
    elif action == "down" and 0 <= i < len(rows) - 1:
        rows[i], rows[i + 1] = rows[i + 1], rows[i]
    elif action == "remove" and 0 <= i < len(rows) and len(rows) > 1:
        rows.pop(i)
    form.set_theme_rows(rows)
    return True


def _render_form(form: IdeathonForm, ideathon=None, status=200):
    if is_htmx() and request.form.get("op", "save") != "save":
        return render_template("ideathons/_theme_editor.html", form=form, max_themes=MAX_THEMES,
                               name_languages=_name_languages()), status
    return render_template(
        "ideathons/form.html", form=form, ideathon=ideathon,
        municipalities=all_municipalities(), max_themes=MAX_THEMES, name_languages=_name_languages(),
    ), status


def _name_languages() -> list[tuple[str, str]]:
    """The languages a theme may be named in (the interface's), each with its own name."""
    return [(code, language_name(code)) for code in interface_languages()]


def _save(form: IdeathonForm, ideathon=None):
    if _edit_themes(form):
        return _render_form(form, ideathon)
    if form.validate_on_submit():
        try:
            if ideathon is None:
                ideathon = create_ideathon(form.to_plan(), actor=current_user)
                flash(_("Ideatón creada."), "success")
            else:
                update_ideathon(ideathon, form.to_plan(), actor=current_user)
                flash(_("Cambios guardados."), "success")
            return redirect(url_for("ideathons.detail", ideathon_id=ideathon.id))
        except IdeathonError as error:
            form.form_errors.append(str(error))
    return _render_form(form, ideathon, status=422 if request.method == "POST" else 200)


@bp.route("/")
@role_required(*ROOM_STAFF)
def index():
    """Staff list of ideathons: all of them for planners, a moderator's own for moderators."""
    return render_template("ideathons/index.html", ideathons=ideathons_for_staff(current_user), now=utcnow())


@bp.route("/nueva", methods=["GET", "POST"])
@role_required(*PLANNERS)
def create():
    """A coordinator plans a new ideathon; its themes start as the default municipal services."""
    form = IdeathonForm().with_programmes(programme_choices())
    if request.method == "GET":
        form.set_theme_rows(default_themes())
        form.programme.data = request.args.get("programa", "")
    return _save(form)


@bp.route("/<int:ideathon_id>")
def detail(ideathon_id: int):
    """The public page of an ideathon: when, where, what about; staff also see their actions."""
    ideathon = _get_or_404(ideathon_id)
    programme = ideathon.programme
    return render_template(
        "ideathons/detail.html", ideathon=ideathon, is_staff=can_moderate(current_user, ideathon),
        programme=programme if programme and can_see_programme(current_user, programme) else None,
        evidence=evidence_for(ideathon, viewer=current_user),
    )


@bp.route("/<int:ideathon_id>/editar", methods=["GET", "POST"])
@role_required(*PLANNERS)
def edit(ideathon_id: int):
    """Change an ideathon's details and themes (add, rename, remove, reorder)."""
    ideathon = _get_or_404(ideathon_id)
    if ideathon.is_cancelled:
        flash(_("Esta ideatón fue cancelada y ya no se puede editar."), "error")
        return redirect(url_for("ideathons.detail", ideathon_id=ideathon.id))
    form = IdeathonForm().with_programmes(programme_choices())
    if request.method == "GET":
        form.programme.data = str(ideathon.programme_id or "")
        form.municipality.data = ideathon.municipality.label
        form.title.data = ideathon.title
        form.starts_at.data = to_user_timezone(ideathon.starts_at).replace(tzinfo=None)
        form.venue.data = ideathon.venue
        form.description.data = ideathon.description
        form.set_theme_rows(
            [{"theme_id": str(t.id), "name": t.name, "icon": t.icon, "default_key": t.default_key or "",
              "names": {given.language: given.name for given in t.names}} for t in ideathon.themes]
        )
    return _save(form, ideathon)


@bp.route("/<int:ideathon_id>/cancelar", methods=["GET", "POST"])
@role_required(*PLANNERS)
def cancel(ideathon_id: int):
    """Ask for a reason and confirmation, then cancel the ideathon."""
    ideathon = _get_or_404(ideathon_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            cancel_ideathon(ideathon, reason=form.reason.data, actor=current_user)
            flash(_("La ideatón quedó cancelada."), "success")
            return redirect(url_for("ideathons.detail", ideathon_id=ideathon.id))
        except IdeathonError as error:
            form.form_errors.append(str(error))
    status = 422 if request.method == "POST" else 200
    return render_template("ideathons/cancel.html", ideathon=ideathon, form=form), status


@bp.route("/<int:ideathon_id>/moderadores", methods=["GET", "POST"])
@role_required(*PLANNERS)
def moderators(ideathon_id: int):
    """Choose which moderator accounts run this ideathon's room."""
    ideathon = _get_or_404(ideathon_id)
    candidates = {user.id: user for user in active_moderators()}
    for user in ideathon.moderators:
        candidates.setdefault(user.id, user)
    form = ModeratorsForm()
    form.moderators.choices = [SelectChoice(user.id, f"{user.name} ({user.email})") for user in candidates.values()]
    if request.method == "GET":
        form.moderators.data = [user.id for user in ideathon.moderators]
    if form.validate_on_submit():
        try:
            assign_moderators(ideathon, [candidates[i] for i in form.moderators.data], actor=current_user)
            flash(_("Moderadores actualizados."), "success")
            return redirect(url_for("ideathons.detail", ideathon_id=ideathon.id))
        except IdeathonError as error:
            form.form_errors.append(str(error))
    status = 422 if request.method == "POST" else 200
    return render_template("ideathons/moderators.html", ideathon=ideathon, form=form), status
