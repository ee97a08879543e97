"""The archive: moderators write proposals and archive the ideathon; everyone browses and searches
the archive and follows each proposal's answers; officials answer their municipality's."""
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user

from ..accounts import role_required
from ..database import utcnow
from ..extensions import db, limiter
from ..ideathons.models import Ideathon
from ..inputs import number_arg
from ..moderation.views import moderated
from ..responses import refused
from ..municipalities.services import get_by_code
from ..pdf import pdf_download, static_text
from ..policies import can_answer_proposal, can_moderate
from ..text import fold
from ..votes.queries import ranking
from . import services
from .forms import ProposalForm, ResponseForm
from .models import STATUS_LABELS, Proposal
from .report import charts_of, report_of
from .search import FIRST_YEAR, LAST_YEAR, MAX_PAGE, Filters, search_proposals

bp = Blueprint("archive", __name__)


def _ideathon(ideathon_id: int) -> Ideathon:
    ideathon = db.session.get(Ideathon, ideathon_id)
    if ideathon is None:
        abort(404)
    return ideathon


def _proposal(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        abort(404)
    return proposal


def _draft(form: ProposalForm) -> services.ProposalDraft:
    return services.ProposalDraft(**{name: getattr(form, name).data for name in (
        "title", "problem", "proposal", "theme_id", "place", "beneficiaries", "cost_range", "office", "competence",
        "idea_ids")})


def _board_ideas(ideathon: Ideathon):
    return ranking(ideathon, limit=500)


@bp.route("/ideatones/<int:ideathon_id>/propuestas", methods=["GET", "POST"])
@role_required()
def proposals(ideathon_id: int):
    """Write the closed board up as proposals, then archive the ideathon."""
    ideathon = moderated(ideathon_id)
    form = ProposalForm().for_ideathon(ideathon, _board_ideas(ideathon))
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            services.draft_proposal(ideathon, _draft(form), actor=current_user)
        except services.ArchiveError as error:  # ProposalInvalid (422) carries its field errors
            return refused(error, page=lambda: (_proposals_page(ideathon, form), error.status), forms=[form],
                           htmx=False, flash_on_page=True, on_403="plain")
        flash(_("Propuesta guardada."), "success")
        return redirect(url_for("archive.proposals", ideathon_id=ideathon.id))
    return _proposals_page(ideathon, form)


def _proposals_page(ideathon, form):
    return render_template("archive/proposals.html", ideathon=ideathon, form=form,
                           proposals=services.proposals_of(ideathon))


@bp.route("/propuestas/<int:proposal_id>/editar", methods=["GET", "POST"])
@role_required()
def edit(proposal_id: int):
    proposal = _proposal(proposal_id)
    ideathon = moderated(proposal.ideathon_id)
    form = ProposalForm(obj=proposal if request.method == "GET" else None).for_ideathon(ideathon, _board_ideas(ideathon))
    if request.method == "GET":
        form.theme_id.data = str(proposal.theme_id or "")
        form.idea_ids.data = [str(idea.id) for idea in proposal.ideas]
    elif form.validate_on_submit():
        try:
            services.update_proposal(proposal, _draft(form), actor=current_user)
        except services.ProposalInvalid as invalid:
            form.show_errors(invalid.errors)
            flash(str(invalid), "error")
            return render_template("archive/edit.html", ideathon=ideathon, proposal=proposal, form=form), 422
        except services.ArchiveError as error:
            flash(str(error), "error")
            return redirect(url_for("archive.proposal", proposal_id=proposal.id))
        flash(_("Propuesta guardada."), "success")
        return redirect(url_for("archive.proposals", ideathon_id=ideathon.id))
    else:
        abort(400)
    return render_template("archive/edit.html", ideathon=ideathon, proposal=proposal, form=form)


@bp.route("/propuestas/<int:proposal_id>/borrar", methods=["POST"])
@role_required()
def delete(proposal_id: int):
    proposal = _proposal(proposal_id)
    ideathon = moderated(proposal.ideathon_id)
    try:
        services.delete_proposal(proposal, actor=current_user)
        flash(_("Propuesta borrada."), "success")
    except services.ArchiveError as error:
        flash(str(error), "error")
    return redirect(url_for("archive.proposals", ideathon_id=ideathon.id))


@bp.route("/ideatones/<int:ideathon_id>/archivar", methods=["POST"])
@role_required()
def archive(ideathon_id: int):
    """Archive the ideathon: its board and proposals become public record."""
    ideathon = moderated(ideathon_id)
    try:
        services.archive_ideathon(ideathon, actor=current_user)
    except services.ArchiveError as error:
        flash(str(error), "error")
        return redirect(url_for("archive.proposals", ideathon_id=ideathon.id))
    flash(_("Ideatón archivada: sus propuestas ya son públicas."), "success")
    return redirect(url_for("archive.archived", ideathon_id=ideathon.id))


@bp.route("/ideatones/<int:ideathon_id>/archivo")
def archived(ideathon_id: int):
    """An archived ideathon: its proposals ranked by votes, and its board as it was at closing."""
    ideathon = _ideathon(ideathon_id)
    if ideathon.archived_at is None:
        abort(404)
    return render_template("archive/archived.html", ideathon=ideathon, proposals=services.proposals_of(ideathon),
                           **services.closing_record(ideathon))


@bp.route("/propuestas")
def search():
    """Every archived proposal: search by words, filter by theme, status, municipality and year."""
    args = request.args
    municipality = args.get("municipio", "").strip()
    filters = Filters(q=args.get("q", "")[:200], theme=args.get("tema", ""), status=args.get("estado", ""),
                      municipality=municipality if get_by_code(municipality) else "",
                      year=number_arg("anio", FIRST_YEAR, LAST_YEAR))
    page = search_proposals(filters, page=number_arg("pagina", 1, MAX_PAGE, default=1))
    return render_template("archive/search.html", filters=filters, page=page, statuses=STATUS_LABELS,
                           themes=services.theme_choices(), years=services.archive_years())


@bp.route("/propuestas/<int:proposal_id>")
def proposal(proposal_id: int):
    """A proposal, its fields, the ideas it came from, and the municipality's answers so far."""
    proposal = _proposal(proposal_id)
    if proposal.ideathon.archived_at is None and not can_moderate(current_user, proposal.ideathon):
        abort(404)
    answer = ResponseForm().for_proposal(proposal) if can_answer_proposal(current_user, proposal) else None
    return render_template("archive/proposal.html", proposal=proposal, answer=answer)


@bp.route("/propuestas/<int:proposal_id>/responder", methods=["POST"])
@role_required()
def respond(proposal_id: int):
    """An official of the proposal's municipality records the next step of the answer."""
    proposal = _proposal(proposal_id)
    form = ResponseForm().for_proposal(proposal)
    if not form.validate_on_submit():
        abort(400)
    try:
        services.respond(proposal, actor=current_user, status=form.status.data, text=form.text.data)
    except services.ArchiveError as error:
        if error.status == 403:
            abort(403)
        form.text.errors = [str(error)]
        return render_template("archive/proposal.html", proposal=proposal, answer=form), error.status
    flash(_("Respuesta publicada."), "success")
    return redirect(url_for("archive.proposal", proposal_id=proposal.id) + "#timeline")


# --- The mayor's report ---------------------------------------------------------------------------

# Drawing a PDF takes the server a fraction of a second: enough for a mayor's office, not for a flood.
REPORT_PDF_RATE_LIMIT = "12 per minute"


def _report_ideathon(ideathon_id: int) -> Ideathon:
    """Public once archived; before that, only its moderators may preview the report (404 for others,
    as the archive page does)."""
    ideathon = _ideathon(ideathon_id)
    if ideathon.archived_at is None and not can_moderate(current_user, ideathon):
        abort(404)
    return ideathon


def _report_page(ideathon: Ideathon, *, pdf: bool = False, svg_css: str | None = None) -> str:
    figures = report_of(ideathon)
    return render_template("archive/report.html", ideathon=ideathon, report=figures, pdf=pdf,
                           charts=charts_of(figures, svg_css=svg_css), generated_at=utcnow())


@bp.route("/ideatones/<int:ideathon_id>/informe")
def report(ideathon_id: int):
    """The mayor's report: print-ready (A4) from the browser. Totals only, never names."""
    return _report_page(_report_ideathon(ideathon_id))


@bp.route("/ideatones/<int:ideathon_id>/informe.pdf")
@limiter.limit(REPORT_PDF_RATE_LIMIT)
def report_pdf(ideathon_id: int):
    """The same report as a PDF download (ideaboard/pdf.py)."""
    ideathon = _report_ideathon(ideathon_id)
    html = _report_page(ideathon, pdf=True, svg_css=static_text("css/report.css"))
    return pdf_download(html, _report_filename(ideathon))


def _report_filename(ideathon: Ideathon) -> str:
    """informe-<municipality>-<date>.pdf: ASCII, the date the ideathon took place (Guatemala time)."""
    place = re.sub(r"[^a-z0-9]+", "-", fold(ideathon.municipality.name)).strip("-") or ideathon.municipality.code
    return f"informe-{place}-{to_user_timezone(ideathon.starts_at).date().isoformat()}.pdf"
