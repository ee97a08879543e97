"""Evidence pages: each ideathon's and each activity's photos, video links and documents (the
programme's tracker shows them all, with the same gallery), and the files themselves, served only to
those who may see them."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts import role_required
from ..extensions import db, limiter
from ..ideathons.models import Ideathon
from ..policies import (
    activity_is_public, can_manage_evidence, can_manage_evidence_of, can_see_evidence, can_see_evidence_of,
)
from ..programme.models import Activity
from ..responses import refused
from ..uploads import accepts_uploads
from ..uploads.services import DOCUMENTS, accept_attribute, send_upload
from . import services
from .forms import EvidenceEditForm, EvidenceForm
from .models import Evidence

bp = Blueprint("evidence", __name__)

# Staff adding evidence after a workshop: a few dozen photos at most. Per account, not per address
# (a municipal office shares one).
UPLOAD_RATE_LIMIT = "60 per hour"


def _per_account() -> str:
    return f"evidence-upload:{current_user.id}" if current_user.is_authenticated else request.remote_addr or ""



def _activity(activity_id: int) -> Activity:
    """An activity whose page the visitor may see (404 otherwise: a draft programme is not shown)."""
    activity = db.session.get(Activity, activity_id)
    if activity is None or not can_see_evidence_of(current_user, activity):
        abort(404)
    return activity


def _evidence(evidence_id: int, *, manage: bool = False) -> Evidence:
    """Evidence the visitor may see (404 otherwise), or may manage (403 for someone who may not)."""
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None:
        abort(404)
    if manage:
        if not can_manage_evidence(current_user, evidence):
            abort(403)
    elif not can_see_evidence(current_user, evidence):
        abort(404)
    return evidence


def _target_of(evidence: Evidence):
    return evidence.activity or evidence.ideathon


def _page_url(target) -> str:
    if isinstance(target, Activity):
        return url_for("evidence.for_activity", activity_id=target.id)
    return url_for("evidence.for_ideathon", ideathon_id=target.id)


def _page(target, form: EvidenceForm | None = None, status: int = 200):
    manage = can_manage_evidence_of(current_user, target)
    if manage and form is None:
        form = EvidenceForm()
    items = services.evidence_for(target, viewer=current_user)
    return render_template(
        "evidence/page.html", target=target, is_activity=isinstance(target, Activity), items=items,
        manageable=_manageable(items), form=form if manage else None, add_url=_page_url(target),
        accept=accept_attribute(DOCUMENTS), max_mb=current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024),
    ), status


def _manageable(items) -> set[int]:
    return {e.id for e in items if can_manage_evidence(current_user, e)}


def _add(target):
    if not can_manage_evidence_of(current_user, target):
        abort(403)
    form = EvidenceForm()
    if not form.validate_on_submit():
        abort(400)
    draft = services.EvidenceDraft(kind=form.kind.data, title=form.title.data, description=form.description.data,
                                   url=form.url.data, published=form.published.data)
    file = request.files.get(form.file.name)
    try:
        services.add_evidence(target, draft, file, actor=current_user)
    except services.EvidenceError as error:
        def page():
            if file and file.filename and "file" not in error.errors:
                # A browser never keeps a chosen file when a page comes back: say so where it was chosen.
                form.file.errors = [_("El archivo estaba bien, pero hay que elegirlo de nuevo.")]
            return _page(target, form, error.status)

        return refused(error, page=page, forms=[form], htmx=False, flash_on_page=True, on_403="plain")
    flash(_("Evidencia guardada."), "success")
    return redirect(_page_url(target))


@bp.get("/ideatones/<int:ideathon_id>/evidencias")
def for_ideathon(ideathon_id: int):
    """An ideathon's evidence: public once published; its moderators and the planners add to it here."""
    return _page(db.get_or_404(Ideathon, ideathon_id))


@bp.post("/ideatones/<int:ideathon_id>/evidencias")
@accepts_uploads
@role_required()
@limiter.limit(UPLOAD_RATE_LIMIT, key_func=_per_account)
def add_to_ideathon(ideathon_id: int):
    """Add a photo, video link or document to an ideathon (its moderators and the planners)."""
    return _add(db.get_or_404(Ideathon, ideathon_id))


@bp.get("/actividades/<int:activity_id>/evidencias")
def for_activity(activity_id: int):
    """An activity's evidence (and its ideathon's): public once the programme is published."""
    return _page(_activity(activity_id))


@bp.post("/actividades/<int:activity_id>/evidencias")
@accepts_uploads
@role_required()
@limiter.limit(UPLOAD_RATE_LIMIT, key_func=_per_account)
def add_to_activity(activity_id: int):
    """Add evidence that an activity of the programme was done (planners)."""
    return _add(_activity(activity_id))


@bp.route("/evidencias/<int:evidence_id>/editar", methods=["GET", "POST"])
@role_required()
def edit(evidence_id: int):
    """Correct a piece of evidence: title, description (a photo's alt text), link, published or not."""
    evidence = _evidence(evidence_id, manage=True)
    form = EvidenceEditForm(obj=evidence if request.method == "GET" else None)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        draft = services.EvidenceDraft(kind=evidence.kind, title=form.title.data, description=form.description.data,
                                       url=form.url.data, published=form.published.data)
        try:
            services.update_evidence(evidence, draft, actor=current_user)
        except services.EvidenceError as error:
            form.show_errors(error.errors)
            flash(str(error), "error")
            return render_template("evidence/edit.html", evidence=evidence, form=form), error.status
        flash(_("Evidencia guardada."), "success")
        return redirect(_page_url(_target_of(evidence)))
    return render_template("evidence/edit.html", evidence=evidence, form=form)


@bp.post("/evidencias/<int:evidence_id>/publicar")
@role_required()
def publish(evidence_id: int):
    """Publish (publicado=1) or withdraw from the public (publicado=0) a piece of evidence."""
    evidence = _evidence(evidence_id, manage=True)
    choice = request.form.get("publicado")
    if choice not in ("0", "1"):
        abort(400)
    services.publish_evidence(evidence, actor=current_user, published=choice == "1")
    flash(_("Evidencia publicada.") if choice == "1" else _("La evidencia ya no es pública."), "success")
    return redirect(_page_url(_target_of(evidence)))


@bp.post("/evidencias/<int:evidence_id>/borrar")
@role_required()
def delete(evidence_id: int):
    """Delete a piece of evidence and its file."""
    evidence = _evidence(evidence_id, manage=True)
    target = _target_of(evidence)
    services.delete_evidence(evidence, actor=current_user)
    flash(_("Evidencia borrada."), "success")
    return redirect(_page_url(target))


def _send(evidence: Evidence, *, thumb: bool):
    if evidence.upload is None or (thumb and not evidence.upload.thumb_name):
        abort(404)
    public = evidence.published and (evidence.activity is None or activity_is_public(evidence.activity))
    return send_upload(evidence.upload, thumb=thumb, public=public)


@bp.get("/evidencias/<int:evidence_id>/archivo")
def file(evidence_id: int):
    """The evidence's file: a photo shown as it is, a document downloaded."""
    return _send(_evidence(evidence_id), thumb=False)


@bp.get("/evidencias/<int:evidence_id>/miniatura")
def thumbnail(evidence_id: int):
    """A photo's small copy, for the gallery (a document has none: 404)."""
    return _send(_evidence(evidence_id), thumb=True)
