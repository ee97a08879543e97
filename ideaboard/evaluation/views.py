"""The exit survey on the phones, and the programme's evaluation: page, CSV, printable report, PDF."""
import re

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_login import current_user

# The mayor's report's PDF: its rate limit and its way of reading the app's own files only.
from ..archive.views import REPORT_PDF_RATE_LIMIT
from ..pdf import pdf_download, static_text
from ..programme.views import visible_programme
from ..money import quetzales
from ..extensions import db, limiter
from ..forms import show_errors
from ..ideathons.models import Ideathon
from ..text import fold
from ..programme.models import Programme
from ..programme.services import ProgrammeError
from ..rooms.admission import current_participant, participant_rate_key
from . import models  # noqa: F401
from .charts import charts_of
from .forms import ExitSurveyForm
from .services import CSV_ENCODING, MIN_ANSWERS, answer_survey, evaluation, evaluation_csv, survey_refusal

bp = Blueprint("evaluation", __name__)

# Per phone (its cookie), as the room's other actions: a hall's phones share one address.
survey_limit = limiter.shared_limit(lambda: current_app.config["PARTICIPANT_RATE_LIMIT"], scope="exit-survey",
                                    key_func=participant_rate_key, methods=["POST"])


# --- The exit survey -----------------------------------------------------------------------------

@bp.route("/sala/<int:ideathon_id>/encuesta", methods=["GET", "POST"])
@survey_limit
def survey(ideathon_id: int):
    """Four optional questions, anonymous, once the room is closed: the room's participants only
    (anyone else is sent to join, or refused if logged in, as on the board)."""
    ideathon = db.session.get(Ideathon, ideathon_id)
    if ideathon is None:
        abort(404)
    participant = current_participant(ideathon)
    if participant is None:
        if current_user.is_authenticated:
            abort(403)
        return redirect(url_for("rooms.enter_code"))
    form = ExitSurveyForm()
    refusal = survey_refusal(participant, ideathon)
    if refusal is not None:
        # Not yet (or no survey): a friendly page; answered already: the thanks page.
        page = "thanks" if participant.exit_survey_done else "closed"
        if request.method == "POST":
            return _survey_page(ideathon, form, page, message=str(refusal)), refusal.status
        return _survey_page(ideathon, form, page)
    if request.method == "POST":
        try:  # (CSRFProtect has checked the token; the answers are the service's to check)
            answer_survey(ideathon, participant, **form.answers())
        except ProgrammeError as error:
            show_errors(form, error.errors)
            if not error.errors or error.status != 422:
                form.form_errors.append(str(error))
            status = error.status
            page = "thanks" if status == 409 and participant.exit_survey_done else "form"
            return _survey_page(ideathon, form, page, message=str(error) if page == "thanks" else None), status
        return redirect(url_for("evaluation.survey", ideathon_id=ideathon.id))
    return _survey_page(ideathon, form, "form")


def _survey_page(ideathon: Ideathon, form: ExitSurveyForm, page: str, message: str | None = None) -> str:
    return render_template("evaluation/survey.html", ideathon=ideathon, form=form, page=page, message=message)


# --- The programme's evaluation ------------------------------------------------------------------

def _page(template: str, programme: Programme, *, pdf: bool = False, svg_css: str | None = None) -> str:
    ev = evaluation(programme)
    return render_template(template, programme=programme, ev=ev, charts=charts_of(ev, svg_css=svg_css),
                           pdf=pdf, min_answers=MIN_ANSWERS, n=format_decimal, pct=_percent, money=quetzales)


def _percent(value) -> str:
    """A share already in 0-100 (one decimal), as the page writes it: 66.7%."""
    return "—" if value is None else format_decimal(value / 100, format="#,##0.#%")


@bp.route("/programas/<int:programme_id>/evaluacion")
def page(programme_id: int):
    """Participation, the exit survey, the proposals' answers and the budget, with charts."""
    return _page("evaluation/page.html", visible_programme(programme_id))


def _filename(programme: Programme, extension: str) -> str:
    """evaluacion-<programme>.<extension>: ASCII only."""
    name = re.sub(r"[^a-z0-9]+", "-", fold(programme.name)).strip("-")[:60] or str(programme.id)
    return f"evaluacion-{name}.{extension}"


@bp.route("/programas/<int:programme_id>/evaluacion.csv")
def csv(programme_id: int):
    """The page's figures, one row per ideathon, for a spreadsheet (see services.CSV_ENCODING)."""
    programme = visible_programme(programme_id)
    response = current_app.response_class(evaluation_csv(programme).encode(CSV_ENCODING),
                                          mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(programme, "csv")}"'
    return response


@bp.route("/programas/<int:programme_id>/evaluacion/informe")
def report(programme_id: int):
    """The evaluation as a document for printing (A4), with every figure in tables too."""
    return _page("evaluation/report.html", visible_programme(programme_id))


@bp.route("/programas/<int:programme_id>/evaluacion/informe.pdf")
@limiter.limit(REPORT_PDF_RATE_LIMIT)
def report_pdf(programme_id: int):
    """The same report as a PDF, drawn by WeasyPrint from the app's own files only (as the mayor's
    report: archive.report_pdf)."""
    programme = visible_programme(programme_id)
    html = _page("evaluation/report.html", programme, pdf=True, svg_css=static_text("css/report.css"))
    return pdf_download(html, _filename(programme, "pdf"))
