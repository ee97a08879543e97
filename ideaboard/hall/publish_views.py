"""The results bundle on the web: the laptop's export button (the ideathon's moderators) and the
central server's upload page (coordinators and admins). Both call the services of bundle.py and
publish.py, as the `hall export` and `hall publish` commands do."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField

from ..accounts import role_required
from ..extensions import db
from ..forms import ShowsErrors
from ..ideathons.models import Ideathon
from ..policies import PLANNERS
from ..uploads import accepts_uploads
from .bundle import BundleError, build_bundle, bundle_filename
from .publish import PublishError, publish_bundle, published_note_date

bp = Blueprint("hall_publish", __name__)


class BundleForm(ShowsErrors, FlaskForm):
    bundle = FileField(_l("Paquete de resultados (.zip)"))


@bp.get("/ideatones/<int:ideathon_id>/resultados.zip")
@role_required()
def export(ideathon_id: int):
    """The results bundle of a closed, archived ideathon, to carry to the central server."""
    ideathon = db.get_or_404(Ideathon, ideathon_id)
    try:
        data = build_bundle(ideathon, actor=current_user)
    except BundleError as error:
        if error.status == 403:
            abort(403)
        flash(str(error), "error")
        return redirect(url_for("ideathons.detail", ideathon_id=ideathon.id))
    response = current_app.response_class(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{bundle_filename(ideathon)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/archivo/publicar", methods=["GET", "POST"])
@accepts_uploads
@role_required(*PLANNERS)
def publish():
    """Upload a results bundle made on a hall's laptop: the ideathon joins the public archive."""
    form = BundleForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        file = request.files.get(form.bundle.name)
        if file is None or not file.filename:
            form.bundle.errors = [_("Elija el archivo del paquete de resultados (resultados-….zip).")]
            return _page(form, 422)
        try:
            published = publish_bundle(file.stream.read(), actor=current_user)
        except PublishError as error:
            if error.status == 403:
                abort(403)
            form.bundle.errors = [str(error)]
            return _page(form, error.status)
        ideathon = published.ideathon
        if published.already:
            flash(_("Este paquete ya fue publicado el %(when)s: no cambió nada.", when=published_note_date(ideathon)),
                  "success")
        else:
            flash(_("Resultados publicados: la ideatón ya está en el archivo público."), "success")
        return redirect(url_for("archive.archived", ideathon_id=ideathon.id))
    return _page(form)


def _page(form: BundleForm, status: int = 200):
    return render_template("hall/publish.html", form=form,
                           max_mb=current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024)), status
