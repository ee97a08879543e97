"""The evaluation's charts, drawn on the server with the chart kit (ideaboard/charts.py):
each a <figure> with its SVG, a text description and the same figures as a table."""
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from ..i18n import month_year
from ..charts import bar_chart, bar_groups, column_chart, stacked_bar
from ..money import quetzales
from .services import QUESTIONS, Evaluation, answer_rows


def _tick(month, index: int) -> str:
    """A month under its column: "ene" (and the year below, on the first column and in January)."""
    short = format_date(month, "LLL").rstrip(".")[:3]
    return f"{short}\n{month.year}" if index == 0 or month.month == 1 else short


def charts_of(ev: Evaluation, *, svg_css: str | None = None) -> dict:
    """The charts of the page and the report. `svg_css`: the stylesheet to embed in each chart for
    WeasyPrint (which does not style inline SVG from the page)."""
    made = {}
    places = [m for m in ev.municipalities if m.ideathons]
    if places:
        made["participation"] = bar_chart(
            [(m.name, m.participants) for m in places], id="chart-participation",
            title=_l("Participantes por municipio"), label_heading=_l("Municipio"),
            value_heading=_l("Participantes"), css=svg_css)
    if ev.held and ev.months:
        made["months"] = column_chart(
            [(month_year(m.month), m.participants) for m in ev.months], id="chart-months",
            ticks=[_tick(m.month, n) for n, m in enumerate(ev.months)], title=_l("Participantes por mes"),
            label_heading=_l("Mes"), value_heading=_l("Participantes"), css=svg_css)
    total = ev.survey.total
    if total.answers:
        made["satisfaction"] = bar_chart(
            answer_rows(total, "satisfaction"), id="chart-satisfaction", title=QUESTIONS["satisfaction"],
            label_heading=_l("Respuesta"), value_heading=_l("Personas"), total=total.answers, series=2, css=svg_css)
        for question in ("take_part_again", "learned", "first_time"):
            made[question] = stacked_bar(
                answer_rows(total, question), id=f"chart-{question.replace('_', '-')}", title=QUESTIONS[question],
                label_heading=_l("Respuesta"), value_heading=_l("Personas"), css=svg_css)
    answered = [m for m in ev.municipalities if m.proposals]
    if answered:
        made["proposals"] = bar_groups(
            [(m.name, [m.proposals, m.answered, m.implemented]) for m in answered], id="chart-proposals",
            title=_l("Propuestas respondidas y realizadas por municipio"), label_heading=_l("Municipio"),
            series=[_l("Propuestas entregadas"), _l("Respondidas"), _l("Realizadas")], shares_of=0, css=svg_css)
    budgeted = [m for m in ev.municipalities if m.planned_cents or m.actual_cents]
    if budgeted:
        made["budget"] = bar_groups(
            [(m.name, [m.planned_cents, m.actual_cents]) for m in budgeted], id="chart-budget",
            title=_l("Presupuesto planificado y ejecutado por municipio"), label_heading=_l("Municipio"),
            series=[_l("Planificado"), _l("Ejecutado")], value_format=quetzales, shares_of=0, css=svg_css)
    return made
