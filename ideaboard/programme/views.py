"""The programme: coordinators plan it (milestones and activities); everyone follows its public
commitment tracker, the page an open-government reviewer uses to verify the commitment."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts import role_required
from ..extensions import db
from ..policies import PLANNERS, can_see_programme
from . import services
from .tracker import tracker_context
from .forms import ActionForm, CommitmentForm, ProgrammeForm
from .models import Activity, Milestone, Programme

bp = Blueprint("programme", __name__)

def visible_programme(programme_id: int) -> Programme:
    """The programme, if this visitor may see it: a draft is the planners' (404 for anyone else)."""
    programme = db.session.get(Programme, programme_id)
    if programme is None or not can_see_programme(current_user, programme):
        abort(404)
    return programme


@bp.route("/programas")
def index():
    return render_template("programme/index.html", programmes=services.programmes_for(current_user))


@bp.route("/programas/nuevo", methods=["GET", "POST"])
@role_required(*PLANNERS)
def create():
    form = ProgrammeForm()
    if request.method == "POST" and form.submitted():
        try:
            programme = services.create_programme(services.ProgrammeDraft(**form.values(*form.FIELDS)),
                                                  actor=current_user)
        except services.ProgrammeError as error:
            form.show_errors(error.errors)
            return render_template("programme/form.html", form=form, programme=None, error=error), error.status
        flash(_("Programa creado. Agregue sus hitos y publíquelo cuando esté listo."), "success")
        return redirect(url_for("programme.tracker", programme_id=programme.id))
    return render_template("programme/form.html", form=form, programme=None)


@bp.route("/programas/<int:programme_id>/editar", methods=["GET", "POST"])
@role_required(*PLANNERS)
def edit(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    form = ProgrammeForm(obj=programme if request.method == "GET" else None)
    if request.method == "POST" and form.submitted():
        try:
            services.update_programme(programme, services.ProgrammeDraft(**form.values(*form.FIELDS)),
                                      actor=current_user)
        except services.ProgrammeError as error:
            form.show_errors(error.errors)
            return render_template("programme/form.html", form=form, programme=programme, error=error), error.status
        flash(_("Programa guardado."), "success")
        return redirect(url_for("programme.tracker", programme_id=programme.id))
    return render_template("programme/form.html", form=form, programme=programme)


@bp.route("/programas/<int:programme_id>/publicar", methods=["POST"])
@role_required(*PLANNERS)
def publish(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    ActionForm().submitted()
    published = request.form.get("published") == "1"
    services.publish_programme(programme, actor=current_user, published=published)
    flash(_("Programa publicado: su seguimiento ya es público.") if published
          else _("El programa volvió a borrador: ya no es público."), "success")
    return redirect(url_for("programme.tracker", programme_id=programme.id))


@bp.route("/programas/<int:programme_id>")
def tracker(programme_id: int):
    """The public commitment tracker: every milestone and activity, its status and dates, and its proof."""
    programme = visible_programme(programme_id)
    return render_template("programme/tracker.html", programme=programme,
                           **tracker_context(programme, current_user))


# --- Milestones and activities -------------------------------------------------------------------

def _commitment_page(form, *, programme, item=None, milestone=None, error=None, status=200):
    return render_template("programme/commitment_form.html", form=form, programme=programme, item=item,
                           milestone=milestone, error=error), status


def _save_commitment(form, save, *, programme, item=None, milestone=None):
    """Shared by the four forms: call the service, or show its errors on the fields."""
    if request.method == "POST" and form.submitted():
        try:
            save(services.CommitmentDraft(**form.values(*form.FIELDS)))
        except services.ProgrammeError as error:
            form.show_errors(error.errors)
            return _commitment_page(form, programme=programme, item=item, milestone=milestone, error=error,
                                    status=error.status)
        flash(_("Guardado."), "success")
        return redirect(url_for("programme.tracker", programme_id=programme.id) + "#hitos")
    return _commitment_page(form, programme=programme, item=item, milestone=milestone)


@bp.route("/programas/<int:programme_id>/hitos/nuevo", methods=["GET", "POST"])
@role_required(*PLANNERS)
def new_milestone(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    form = CommitmentForm().for_milestone()
    return _save_commitment(form, lambda draft: services.add_milestone(programme, draft, actor=current_user),
                            programme=programme)


@bp.route("/hitos/<int:milestone_id>/editar", methods=["GET", "POST"])
@role_required(*PLANNERS)
def edit_milestone(milestone_id: int):
    milestone = db.get_or_404(Milestone, milestone_id)
    form = CommitmentForm(obj=milestone if request.method == "GET" else None).for_milestone()
    return _save_commitment(form, lambda draft: services.update_commitment(milestone, draft, actor=current_user),
                            programme=milestone.programme, item=milestone)


@bp.route("/hitos/<int:milestone_id>/actividades/nueva", methods=["GET", "POST"])
@role_required(*PLANNERS)
def new_activity(milestone_id: int):
    milestone = db.get_or_404(Milestone, milestone_id)
    programme = milestone.programme
    form = CommitmentForm().for_activity(services.ideathons_of(programme))
    return _save_commitment(form, lambda draft: services.add_activity(milestone, draft, actor=current_user),
                            programme=programme, milestone=milestone)


@bp.route("/actividades/<int:activity_id>/editar", methods=["GET", "POST"])
@role_required(*PLANNERS)
def edit_activity(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    programme = activity.milestone.programme
    form = CommitmentForm(obj=activity if request.method == "GET" else None).for_activity(
        services.ideathons_of(programme))
    if request.method == "GET":
        form.ideathon_id.data = str(activity.ideathon_id or "")
    return _save_commitment(form, lambda draft: services.update_commitment(activity, draft, actor=current_user),
                            programme=programme, item=activity, milestone=activity.milestone)


def _delete(item, programme):
    """GET asks for confirmation; POST deletes only with the box ticked."""
    if request.method == "POST" and ActionForm().submitted() and request.form.get("confirm") == "1":
        services.delete_commitment(item, actor=current_user)
        flash(_("Borrado."), "success")
        return redirect(url_for("programme.tracker", programme_id=programme.id) + "#hitos")
    unconfirmed = request.method == "POST"
    return render_template("programme/confirm_delete.html", item=item, programme=programme,
                           unconfirmed=unconfirmed), 422 if unconfirmed else 200


@bp.route("/hitos/<int:milestone_id>/borrar", methods=["GET", "POST"])
@role_required(*PLANNERS)
def delete_milestone(milestone_id: int):
    milestone = db.get_or_404(Milestone, milestone_id)
    return _delete(milestone, milestone.programme)


@bp.route("/actividades/<int:activity_id>/borrar", methods=["GET", "POST"])
@role_required(*PLANNERS)
def delete_activity(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    return _delete(activity, activity.milestone.programme)
