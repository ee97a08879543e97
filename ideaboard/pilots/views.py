"""Pilot municipalities of a programme (propose, select, invite, sign the agreement) and their baseline.

Planners (coordinators and admins) do everything here; a municipality's officials read its record;
the signed agreement's PDF is public once the programme is published."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts import role_required
from ..database import row_id
from ..extensions import db
from ..municipalities.services import all_municipalities
from ..policies import PLANNERS, PLANNERS_AND_OFFICIALS, can_plan, sees_municipality
from ..programme.models import Programme
from ..programme.services import ProgrammeError
from ..responses import refused
from ..uploads import accepts_uploads
from ..uploads.services import send_upload
from . import services
from .forms import (ActionForm, AgreementForm, ImportForm, IndicatorForm, InvitationForm, ProposeForm, SelectForm,
                    ValueForm)
from .models import Indicator, PilotMunicipality

bp = Blueprint("pilots", __name__)

def _refused(error: ProgrammeError, page, form=None):
    """A 403 stops here; otherwise the page again (`page()`), with the field errors on `form`."""
    return refused(error, page=page, forms=[form] if form is not None else [], htmx=False, on_403="plain")


# --- The municipalities of a programme -----------------------------------------------------------

def _index_page(programme, form=None, error=None, status=200):
    return render_template("pilots/index.html", programme=programme, form=form or ProposeForm(),
                           pilots=services.pilots_of(programme), counts=services.stage_counts(programme),
                           municipalities=all_municipalities(), next_steps=services.NEXT_STEPS, error=error), status


@bp.route("/programas/<int:programme_id>/municipios")
@role_required(*PLANNERS)
def index(programme_id: int):
    """Each municipality's stage at a glance, the counts per stage, and the form to propose one."""
    return _index_page(db.get_or_404(Programme, programme_id))


@bp.route("/programas/<int:programme_id>/municipios", methods=["POST"])
@role_required(*PLANNERS)
def propose(programme_id: int):
    """Propose a municipality for the programme."""
    programme = db.get_or_404(Programme, programme_id)
    form = ProposeForm()
    form.submitted()
    try:
        pilot = services.propose(programme, form.municipality.municipality, form.proposal_note.data,
                                 actor=current_user)
    except ProgrammeError as error:
        return _refused(error, lambda: _index_page(programme, form, error, error.status), form)
    flash(_("%(name)s propuesto.", name=pilot.municipality.name), "success")
    return redirect(url_for("pilots.index", programme_id=programme.id))


# --- One municipality's record -------------------------------------------------------------------

def _detail_page(pilot, *, forms=None, error=None, status=200):
    planner = can_plan(current_user)
    context = {"pilot": pilot, "programme": pilot.programme, "planner": planner, "error": error,
               "values": services.values_of(pilot)}
    if planner:
        indicators = services.indicators_of(pilot.programme)
        context.update(select_form=SelectForm(formdata=None, selection_reason=pilot.selection_reason),
                       invitation_form=InvitationForm(formdata=None, invited_on=pilot.invited_on,
                                                      invitation_note=pilot.invitation_note),
                       agreement_form=AgreementForm(formdata=None, signed_on=pilot.signed_on,
                                                    signatories=pilot.signatories),
                       value_form=ValueForm(formdata=None).for_indicators(indicators))
        context.update(forms or {})
    return render_template("pilots/detail.html", **context), status


@bp.route("/pilotos/<int:pilot_id>")
@role_required(*PLANNERS_AND_OFFICIALS)
def detail(pilot_id: int):
    """The municipality's record in the programme, read-only for its officials; for planners, with
    the forms of the next steps."""
    pilot = db.get_or_404(PilotMunicipality, pilot_id)
    if not sees_municipality(current_user, pilot.municipality_id):
        abort(403)
    return _detail_page(pilot)


def _step(pilot, form, name, save, message):
    """Shared by the stage forms: call the service, or show the record again with its errors."""
    form.submitted()
    try:
        save()
    except ProgrammeError as error:
        return _refused(error, lambda: _detail_page(pilot, forms={name: form}, error=error, status=error.status), form)
    flash(message, "success")
    return redirect(url_for("pilots.detail", pilot_id=pilot.id))


@bp.route("/pilotos/<int:pilot_id>/seleccionar", methods=["POST"])
@role_required(*PLANNERS)
def select(pilot_id: int):
    """Select the municipality, with the reason."""
    pilot = db.get_or_404(PilotMunicipality, pilot_id)
    form = SelectForm()
    return _step(pilot, form, "select_form",
                 lambda: services.select(pilot, form.selection_reason.data, actor=current_user),
                 _("Municipio seleccionado."))


@bp.route("/pilotos/<int:pilot_id>/invitacion", methods=["POST"])
@role_required(*PLANNERS)
def invitation(pilot_id: int):
    """Record the invitation's date (and an internal note)."""
    pilot = db.get_or_404(PilotMunicipality, pilot_id)
    form = InvitationForm()
    return _step(pilot, form, "invitation_form",
                 lambda: services.record_invitation(pilot, form.invited_on.data, form.invitation_note.data,
                                                    actor=current_user),
                 _("Invitación registrada."))


@bp.route("/pilotos/<int:pilot_id>/convenio", methods=["POST"])
@accepts_uploads
@role_required(*PLANNERS)
def agreement(pilot_id: int):
    """Record the signed agreement: date, signatories and the PDF (a new PDF replaces the old one)."""
    pilot = db.get_or_404(PilotMunicipality, pilot_id)
    form = AgreementForm()
    return _step(pilot, form, "agreement_form",
                 lambda: services.record_agreement(pilot, form.signed_on.data, form.signatories.data,
                                                   form.agreement_file.data, actor=current_user),
                 _("Convenio registrado."))


@bp.route("/pilotos/<int:pilot_id>/quitar", methods=["GET", "POST"])
@role_required(*PLANNERS)
def remove(pilot_id: int):
    """GET asks for confirmation; POST takes the municipality out of the programme, only with the box
    ticked."""
    pilot = db.get_or_404(PilotMunicipality, pilot_id)
    programme = pilot.programme

    def page(error=None):
        unconfirmed = request.method == "POST" and error is None
        status = error.status if error else 422 if unconfirmed else 200
        return render_template("pilots/remove.html", pilot=pilot, programme=programme, error=error,
                               unconfirmed=unconfirmed, values=services.baseline_count(pilot)), status

    if request.method == "POST" and ActionForm().submitted() and request.form.get("confirm") == "1":
        name = pilot.municipality.name
        try:
            services.remove(pilot, actor=current_user)
        except ProgrammeError as error:
            return _refused(error, lambda: page(error))
        flash(_("%(name)s ya no está en el programa.", name=name), "success")
        return redirect(url_for("pilots.index", programme_id=programme.id))
    return page()


@bp.route("/pilotos/<int:pilot_id>/convenio.pdf")
def agreement_file(pilot_id: int):
    """The signed agreement: public once the programme is published and the agreement signed;
    planners and the municipality's officials always. 404 otherwise (or when there is no file)."""
    pilot = db.session.get(PilotMunicipality, pilot_id)
    if pilot is None or pilot.agreement is None:
        abort(404)
    public = services.agreement_is_public(pilot)
    if not public and not sees_municipality(current_user, pilot.municipality_id):
        abort(404)
    return send_upload(pilot.agreement, public=public)


@bp.route("/pilotos/<int:pilot_id>/linea-base", methods=["POST"])
@role_required(*PLANNERS)
def set_value(pilot_id: int):
    """One indicator's baseline value for this municipality."""
    pilot = db.get_or_404(PilotMunicipality, pilot_id)
    form = ValueForm().for_indicators(services.indicators_of(pilot.programme))
    form.submitted()
    chosen = form.indicator_id.data or ""
    indicator_id = row_id(chosen)
    indicator = db.session.get(Indicator, indicator_id) if indicator_id else None
    try:
        if indicator is None or indicator.programme_id != pilot.programme_id:
            raise ProgrammeError(_("Revise los campos marcados."),
                                 errors={"indicator_id": _("Elija un indicador de la lista.")})
        if form.measured_on.errors:  # a date typed wrong: not saved without it
            raise ProgrammeError(_("Revise los campos marcados."), errors={"measured_on": form.measured_on.errors[0]})
        services.set_value(indicator, pilot.municipality, form.value.data, form.source.data, form.measured_on.data,
                           actor=current_user)
    except ProgrammeError as error:
        return _refused(error, lambda: _detail_page(pilot, forms={"value_form": form}, error=error,
                                                    status=error.status), form)
    flash(_("Valor guardado: %(indicator)s.", indicator=indicator.name), "success")
    return redirect(url_for("pilots.detail", pilot_id=pilot.id) + "#linea-base")


# --- The baseline of a programme -----------------------------------------------------------------

def _baseline_page(programme, *, indicator_form=None, import_form=None, error=None, problems=None, status=200):
    return render_template("pilots/baseline.html", programme=programme, table=services.baseline_table(programme),
                           indicator_form=indicator_form or IndicatorForm(formdata=None),
                           import_form=import_form or ImportForm(formdata=None), error=error,
                           problems=problems or [], max_rows=services.MAX_IMPORT_ROWS,
                           max_indicators=services.MAX_NEW_INDICATORS), status


@bp.route("/programas/<int:programme_id>/linea-base")
@role_required(*PLANNERS)
def baseline(programme_id: int):
    """The indicators, the table of values (a row per municipality), and the forms to add an
    indicator and to import values from CSV."""
    return _baseline_page(db.get_or_404(Programme, programme_id))


@bp.route("/programas/<int:programme_id>/linea-base/indicadores", methods=["POST"])
@role_required(*PLANNERS)
def add_indicator(programme_id: int):
    """Add a baseline indicator."""
    programme = db.get_or_404(Programme, programme_id)
    form = IndicatorForm()
    form.submitted()
    try:
        indicator = services.add_indicator(programme, form.name.data, form.unit.data, form.description.data,
                                           actor=current_user)
    except ProgrammeError as error:
        return _refused(error, lambda: _baseline_page(programme, indicator_form=form, error=error,
                                                      status=error.status), form)
    flash(_("Indicador agregado: %(name)s.", name=indicator.name), "success")
    return redirect(url_for("pilots.baseline", programme_id=programme.id) + "#indicadores")


@bp.route("/programas/<int:programme_id>/linea-base/importar", methods=["POST"])
@role_required(*PLANNERS)
def import_baseline(programme_id: int):
    """Import baseline values from a CSV file (or pasted rows): all or nothing."""
    programme = db.get_or_404(Programme, programme_id)
    form = ImportForm()
    form.submitted()
    file = form.csv_file.data
    if file is not None and file.filename:
        content = file.stream.read()  # at most MAX_CONTENT_LENGTH: the service says when it is over 1 MB
    else:
        content = form.csv_text.data or ""
    try:
        if not (content.strip() if isinstance(content, str) else content):
            raise services.ImportRejected([_("Elija un archivo CSV o pegue las filas.")])
        result = services.import_baseline(programme, content, actor=current_user)
    except services.ImportRejected as rejected:
        return _baseline_page(programme, import_form=form, error=rejected, problems=rejected.problems, status=422)
    except ProgrammeError as error:
        return _refused(error, lambda: _baseline_page(programme, import_form=form, error=error, status=error.status))
    message = _("Importación lista: %(created)s valores nuevos, %(updated)s reemplazados.",
                created=result.created, updated=result.updated)
    if result.skipped:
        message += " " + _("%(n)s filas sin valor no cambiaron nada.", n=result.skipped)
    if result.new_indicators:
        message += " " + _("Indicadores nuevos: %(names)s.", names=", ".join(result.new_indicators))
    flash(message, "success")
    return redirect(url_for("pilots.baseline", programme_id=programme.id) + "#valores")


@bp.route("/programas/<int:programme_id>/linea-base/plantilla.csv")
@role_required(*PLANNERS)
def baseline_template(programme_id: int):
    """The import's CSV template: the header and a row to fill in per municipality and indicator."""
    programme = db.get_or_404(Programme, programme_id)
    return Response(services.template_csv(programme), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="linea-base-{programme.id}.csv"'})

