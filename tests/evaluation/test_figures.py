"""The evaluation's figures against the hand-counted programme of conftest.small_programme, and
the CSV: the same figures, one row per ideathon."""
import csv
import io

from ideaboard.evaluation.services import (
    CSV_ENCODING, MIN_ANSWERS, evaluation, evaluation_csv, survey_results,
)


def by_title(ev):
    return {f.title: f for f in ev.ideathons}


def test_the_figures_of_a_hand_counted_programme(app, small_programme):
    rooms = small_programme.rooms
    ev = evaluation(small_programme)
    mixco, antigua, jalapa, later = (by_title(ev)[rooms[k].title] for k in ("mixco", "antigua", "jalapa", "later"))
    # By date; the ideathon outside the programme is nowhere.
    assert [f.title for f in ev.ideathons] == [rooms[k].title for k in ("mixco", "antigua", "jalapa", "later")]
    assert [f.state for f in ev.ideathons] == ["archived", "held", "cancelled", "scheduled"]
    assert [f.title for f in ev.planned] == [rooms[k].title for k in ("mixco", "antigua", "later")]
    # Cancelled Jalapa: what was spent on it, nothing else (not its plan, people or answer).
    assert (jalapa.participants, jalapa.survey.answers, jalapa.planned_cents, jalapa.actual_cents) == (None, 0, None, 99900)

    assert (mixco.participants, mixco.ideas, mixco.proposals, mixco.answered, mixco.implemented) == (4, 2, 2, 1, 1)
    # Held, not archived: people counted; ideas and proposals once archived.
    assert (antigua.participants, antigua.ideas, antigua.proposals, antigua.answered) == (2, None, None, None)
    assert (later.participants, later.ideas, later.proposals) == (None, None, None)

    assert mixco.survey.answers == 3 and mixco.survey_shown
    assert mixco.mean_satisfaction == 3.7  # (5 + 4 + 2) / 3
    assert (mixco.again_yes, mixco.learned_yes, mixco.first_time_yes) == (66.7, 33.3, 66.7)
    assert mixco.response_rate == 75.0
    assert mixco.survey.learned == {"yes": 1, "no": 0, "unsure": 1, None: 1}
    # One answer: counted, never shown.
    assert antigua.survey.answers == 1 and not antigua.survey_shown
    assert (antigua.mean_satisfaction, antigua.again_yes, antigua.learned_yes, antigua.first_time_yes) == (None,) * 4

    assert (mixco.budget.planned_total, mixco.budget.actual_total) == (810000, 150050)
    assert (antigua.budget.planned_total, antigua.budget.actual_total) == (810000, 20000)
    assert (later.budget.planned_total, later.budget.actual_total) == (810000, 0)
    assert (ev.budget.planned_total, ev.budget.actual_total) == (3 * 810000, 170050 + 99900)
    # The per-ideathon figures add up to the programme's totals.
    assert sum(f.planned_cents or 0 for f in ev.ideathons) == ev.budget.planned_total
    assert sum(f.actual_cents for f in ev.ideathons) == ev.budget.actual_total

    assert (ev.participants, ev.ideas, ev.proposals, ev.answered, ev.implemented, ev.answers) == (6, 2, 2, 1, 1, 4)
    places = {m.name: m for m in ev.municipalities}
    assert list(places) == ["Antigua Guatemala", "Jalapa", "Mixco"]  # by name
    j = places["Jalapa"]
    assert (j.ideathons, j.participants, j.planned_cents, j.actual_cents) == (0, 0, 0, 99900)
    m = places["Mixco"]
    assert (m.ideathons, m.participants, m.ideas, m.proposals, m.answered, m.implemented) == (1, 4, 2, 2, 1, 1)
    assert (m.planned_cents, m.actual_cents, m.answered_share, m.implemented_share) == (1620000, 150050, 50.0, 50.0)
    a = places["Antigua Guatemala"]
    assert (a.ideathons, a.participants, a.proposals, a.planned_cents, a.actual_cents) == (1, 2, 0, 810000, 20000)

    # The charts' survey: Mixco's three answers only; Antigua's one is withheld.
    total = ev.survey.total
    assert total.answers == 3 and total.satisfaction == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1, None: 0}
    assert total.take_part_again == {"yes": 2, "no": 1, "unsure": 0, None: 0}
    assert total.first_time == {True: 2, False: 1, None: 0}
    assert (ev.survey.withheld_answers, ev.survey.withheld_ideathons) == (1, 1)

    months = [(m.month, m.ideathons, m.participants) for m in ev.months if m.ideathons]
    assert months == sorted([(mixco.day.replace(day=1), 1, 4), (antigua.day.replace(day=1), 1, 2)]) or (
        mixco.day.replace(day=1) == antigua.day.replace(day=1) and months == [(mixco.day.replace(day=1), 2, 6)])
    assert ev.months[0].month == small_programme.starts_on.replace(day=1)
    assert sum(m.participants for m in ev.months) == 6
    assert not ev.is_empty


def test_survey_results_take_a_programme_or_a_list_of_ideathons(app, small_programme):
    rooms = small_programme.rooms
    assert survey_results(small_programme).total.answers == 3
    only = survey_results([rooms["outside"], rooms["antigua"]])
    assert only.total.answers == 0 and only.withheld_answers == 2  # 1 + 1, both under MIN_ANSWERS
    assert only.by_ideathon[rooms["outside"].id].satisfaction[1] == 1
    assert MIN_ANSWERS == 3


def test_an_empty_programme_has_nothing_to_show(app, make_programme, make_ideathon):
    programme = make_programme()
    make_ideathon(days=10, programme=programme)
    ev = evaluation(programme)
    assert ev.is_empty and ev.participants == 0 and ev.survey.total.answers == 0
    assert ev.budget.planned_total == 810000  # planned, nothing spent


def parse(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def number(cell: str):
    return None if cell == "" else float(cell)


def test_the_csv_carries_the_pages_figures_one_row_per_ideathon(app, client, small_programme):
    ev = evaluation(small_programme)
    response = client.get(f"/programas/{small_programme.id}/evaluacion.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="evaluacion-programa-')
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8
    text = body.decode(CSV_ENCODING)
    assert text == evaluation_csv(small_programme) and "\r\n" in text
    rows = parse(text)
    assert len(rows) == len(ev.ideathons) == 4
    for row, f in zip(rows, ev.ideathons):
        assert row["Ideatón"] == f.title and row["Código del municipio"] == f.municipality_code
        assert row["Municipio"] == f.municipality and row["Fecha"] == f.day.isoformat()
        assert row["Estado"] == f.state_label
        assert number(row["Participantes"]) == f.participants
        assert number(row["Ideas"]) == f.ideas
        assert number(row["Respuestas a la encuesta"]) == f.survey.answers
        assert number(row["Satisfacción media (1 a 5)"]) == f.mean_satisfaction
        assert number(row["Volvería a participar: sí (%)"]) == f.again_yes
        assert number(row["Aprendió sobre la municipalidad: sí (%)"]) == f.learned_yes
        assert number(row["Primera vez: sí (%)"]) == f.first_time_yes
        assert number(row["Propuestas"]) == f.proposals
        assert number(row["Respondidas"]) == f.answered
        assert number(row["Realizadas"]) == f.implemented
        planned = number(row["Presupuesto planificado (Q)"])
        assert (None if planned is None else round(planned * 100)) == f.planned_cents
        assert round(number(row["Gasto ejecutado (Q)"]) * 100) == f.actual_cents
    mixco, antigua, jalapa, later = rows
    assert (mixco["Satisfacción media (1 a 5)"], mixco["Volvería a participar: sí (%)"]) == ("3.7", "66.7")
    assert (mixco["Gasto ejecutado (Q)"], mixco["Presupuesto planificado (Q)"]) == ("1500.50", "8100.00")
    # Antigua: one answer counted, its figures withheld; no ideas or proposals until archived.
    assert antigua["Respuestas a la encuesta"] == "1" and antigua["Satisfacción media (1 a 5)"] == ""
    assert antigua["Ideas"] == "" and antigua["Participantes"] == "2"
    assert later["Estado"] == "Programada" and later["Participantes"] == ""
    assert (jalapa["Estado"], jalapa["Presupuesto planificado (Q)"], jalapa["Gasto ejecutado (Q)"]) == (
        "Cancelada", "", "999.00")
