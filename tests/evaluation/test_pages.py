"""The evaluation page, its printable report and PDF: who sees them, and that they show the
hand-counted programme's figures (conftest.small_programme) with their charts."""
import re

import pytest

from ideaboard.accounts.models import Role
from ideaboard.charts import bar_groups, column_chart
from tests.archive.test_report import pdf_pages
from tests.conftest import Auth

PAGES = ("/programas/{}/evaluacion", "/programas/{}/evaluacion.csv", "/programas/{}/evaluacion/informe",
         "/programas/{}/evaluacion/informe.pdf")


def text(html: str) -> str:
    """The page's visible words, one space between them."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_page_shows_the_hand_counted_figures(app, client, small_programme):
    page = client.get(f"/programas/{small_programme.id}/evaluacion")
    html = page.get_data(as_text=True)
    words = text(html)
    assert page.status_code == 200
    assert "Evaluación del programa" in html and small_programme.name in html
    assert "2 de 3 ideatones realizadas" in words  # Mixco and Antigua held; Jalapa cancelled
    assert "6 participantes" in words and "4 respuestas a la encuesta" in words
    assert "1 de 2 propuestas respondidas" in words
    assert "Presupuesto ejecutado: Q2,699.50 de Q24,300.00 planificados (11.1%)." in words
    # Participation per municipality, in a chart and a table.
    for chart in ("chart-participation", "chart-months", "chart-satisfaction", "chart-take-part-again",
                  "chart-learned", "chart-first-time", "chart-proposals", "chart-budget"):
        assert f'<figure class="chart" id="{chart}">' in html, chart
    assert "Mixco 1 ideatón 4 2" in words and "Antigua Guatemala 1 ideatón 2 0" in words
    assert "Total 2 ideatones 6 2" in words
    # The survey: Mixco's figures; Antigua's single answer only counted ("pocas respuestas").
    assert "Respondieron 4 de 6 participantes." in words
    assert "Satisfacción media: 3.7 de 5." in words
    assert re.search(r"Mixco \d\d/\d\d/\d{4} 3 3.7 66.7% 33.3% 66.7%", words)
    assert re.search(r"Antigua Guatemala \d\d/\d\d/\d{4} 1 pocas respuestas", words)
    assert "Por eso los gráficos dejan fuera 1 respuesta." in words
    # Proposals answered and implemented, with shares.
    assert "Mixco 2 propuestas 1 50% 1 50%" in words.replace("\xa0", " ")
    assert "Sí: 1 (33%)" in html.replace("\xa0", " ")  # learned "yes", in the chart's legend (shares of the 3 answers)
    # The budget, per municipality and in total (the cancelled ideathon's spending counts).
    assert "Jalapa Q0.00 Q999.00" in words and "Q999.00 (" not in html  # no share of nothing planned and "Total del programa Q24,300.00 Q2,699.50" in words
    assert "Cancelada" in words
    # Links to the exports.
    for path in PAGES[1:]:
        assert f'href="{path.format(small_programme.id)}"' in html
    # Never a person: no nickname of anyone in the rooms.
    for nickname in ("Ana", "Beto", "Ceci", "Dora"):
        assert f">{nickname}<" not in html and f" {nickname} " not in words


def test_nothing_happened_yet_is_an_empty_state(app, client, make_programme, make_ideathon):
    programme = make_programme()
    make_ideathon(days=10, programme=programme)
    html = client.get(f"/programas/{programme.id}/evaluacion").get_data(as_text=True)
    assert "Todavía no hay nada que evaluar." in html and "1 ideatón programada" in html
    assert '<figure class="chart"' not in html and "evaluacion.csv" not in html
    bare = make_programme()
    assert "El programa todavía no tiene ideatones." in client.get(f"/programas/{bare.id}/evaluacion").get_data(as_text=True)


def test_the_report_prints_the_same_figures_and_the_pdf_draws_it(app, client, small_programme):
    report = client.get(f"/programas/{small_programme.id}/evaluacion/informe")
    html = report.get_data(as_text=True)
    words = text(html)
    assert report.status_code == 200 and 'class="report-page eval-report"' in html
    assert "Informe de evaluación del programa" in html and "Comisión de Gobierno Abierto" in html
    assert re.search(r"css/report\.[0-9a-f]{12}\.css", html) and "Descargar en PDF" in html
    assert "2 de 3 ideatones realizadas" in words and "Mixco 2 propuestas 1 50% 1 50%" in words.replace("\xa0", " ")
    assert "Informe generado el" in words
    pdf = client.get(f"/programas/{small_programme.id}/evaluacion/informe.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].startswith('attachment; filename="evaluacion-programa-')
    assert pdf.headers["Content-Disposition"].endswith('.pdf"')
    assert pdf_pages(pdf.data) >= 2


def test_the_pdf_is_rate_limited(app, client, make_programme):
    programme = make_programme()
    statuses = [client.get(f"/programas/{programme.id}/evaluacion/informe.pdf").status_code for _ in range(13)]
    assert statuses[:12] == [200] * 12 and statuses[12] == 429


@pytest.mark.parametrize("path", PAGES)
def test_a_draft_programme_is_the_planners_only(app, client, make_programme, make_user, path):
    draft = make_programme(published=False)
    url = path.format(draft.id)
    assert client.get(url).status_code == 404
    for role in (Role.MODERATOR, Role.OFFICIAL):
        someone = app.test_client()
        Auth(someone).login(make_user(role))
        assert someone.get(url).status_code == 404, role
    for role in (Role.COORDINATOR, Role.ADMIN):
        planner = app.test_client()
        Auth(planner).login(make_user(role))
        assert planner.get(url).status_code == 200, role
    assert client.get(path.format(999999)).status_code == 404


def test_a_published_programme_is_public(app, client, make_programme, make_user):
    programme = make_programme()
    for path in PAGES:
        assert client.get(path.format(programme.id)).status_code == 200, path
    assert "Borrador" not in client.get(f"/programas/{programme.id}/evaluacion").get_data(as_text=True)
    draft = make_programme(published=False)
    planner = app.test_client()
    Auth(planner).login(make_user(Role.COORDINATOR))
    assert "Borrador" in planner.get(f"/programas/{draft.id}/evaluacion").get_data(as_text=True)


def test_the_csv_figures_do_not_depend_on_the_interface_language(app, client, small_programme):
    """Numbers are written for a spreadsheet ("." for decimals), whatever language the page is in."""
    spanish = client.get(f"/programas/{small_programme.id}/evaluacion.csv").data.decode("utf-8-sig").splitlines()
    client.set_cookie("lang", "en")
    english = client.get(f"/programas/{small_programme.id}/evaluacion.csv").data.decode("utf-8-sig").splitlines()
    assert len(spanish) == len(english) == 5

    def figures(line):  # the numbers of a row (its title, place, date and state aside)
        return line.split(",")[5:]

    assert [figures(line) for line in spanish[1:]] == [figures(line) for line in english[1:]]
    assert "3.7" in spanish[1].split(",")


# --- The two chart kinds added to ideaboard/charts.py ---------------------------------------------

def test_a_column_chart_states_every_value_and_thins_its_ticks(app):
    with app.test_request_context("/"):
        data = [(f"Mes {i}", i * 10) for i in range(24)]
        chart = column_chart(data, id="c", title="Por mes <b>", ticks=[f"m{i:02d}\n2025" for i in range(24)])
        html = str(chart)
    assert '<figure class="chart" id="c">' in html and 'role="img" aria-labelledby="c-title c-desc"' in html
    assert "Por mes &lt;b&gt;" in html and "<b>" not in html  # escaped
    desc = re.search(r'<desc id="c-desc">([^<]*)</desc>', html).group(1)
    assert all(f"Mes {i}: {i * 10}" in desc for i in range(24))
    assert html.count("<tr><th scope=\"row\">") == 24  # the table keeps every month
    drawn = re.findall(r'class="chart__label"[^>]*>(m\d\d)<', html)
    assert 0 < len(drawn) < 24 and drawn[0] == "m00"  # too narrow for all: every other one drawn
    assert 'style=' not in html


def test_grouped_bars_write_values_and_shares(app):
    with app.test_request_context("/"):
        chart = bar_groups([("Mixco", [4, 3, 1]), ("Cobán", [0, 0, 0])], id="g", title="Propuestas",
                           series=["Entregadas", "Respondidas", "Realizadas"], shares_of=0)
        html = str(chart)
    assert "Mixco: Entregadas 4, Respondidas 3 (75%), Realizadas 1 (25%)" in html.replace("\xa0", " ")
    assert html.count('class="chart__key') == 3 and "chart__fill--2" in html
    assert "<td>3 (75" in html and "<th scope=\"col\">Realizadas</th>" in html


def test_the_evaluation_chart_names_months_in_the_visitors_language(app, small_programme):
    from flask_babel import force_locale

    from ideaboard.evaluation.charts import charts_of
    from ideaboard.evaluation.services import evaluation as evaluation_of

    with app.test_request_context("/"):
        for locale, pattern in (("es_GT", r"^[a-záéíóú]+ de 20\d\d$"), ("en", r"^[A-Z][a-z]+ 20\d\d$")):
            with force_locale(locale):
                chart = str(charts_of(evaluation_of(small_programme))["months"])
                labels = re.findall(r'<th scope="row">([^<]+)</th>', chart)
                assert labels, chart
                assert all(re.match(pattern, label) for label in labels), labels
                assert " de " not in " ".join(labels) if locale == "en" else True
