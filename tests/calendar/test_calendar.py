"""The programme's calendar: the month grid (days in Guatemala, not UTC), navigation, a bad `mes`,
the list by month, the iCalendar feed read back, and who may see a draft's calendar."""
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar

from ideaboard.accounts.models import Role
from ideaboard.calendar import services
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideathons.services import cancel_ideathon
from ideaboard.programme.services import CommitmentDraft, add_activity, add_milestone, local_day
from tests.conftest import Auth

CELL = re.compile(r'<td class="cal-day([^"]*)"[^>]*>(.*?)</td>', re.DOTALL)


def cells(html: str) -> list[tuple[str, str]]:
    """(classes, inner html) of every day cell of the grid, in order."""
    return CELL.findall(html)


def day_cell(html: str, n: int) -> str:
    """The inner html of day `n` of the month shown."""
    for classes, inner in cells(html):
        if "--outside" not in classes and f'<span class="cal-day__n">{n}</span>' in inner:
            return inner
    raise AssertionError(f"no day {n} in the grid")


def days_with(html: str, text: str) -> list[int]:
    return [int(re.search(r'<span class="cal-day__n">(\d+)</span>', inner).group(1))
            for classes, inner in cells(html) if "--outside" not in classes and text in inner]


def month_page(client, programme, mes=None) -> str:
    response = client.get(f"/programas/{programme.id}/calendario" + (f"?mes={mes}" if mes is not None else ""))
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- The month grid ---------------------------------------------------------------------------------


def test_the_month_grid_starts_on_monday_in_spanish(client, year_programme, plan_ideathon):
    programme = year_programme()
    mixco = plan_ideathon(programme, datetime(2025, 3, 14, 9, 30), title="Ideatón de Mixco")
    html = month_page(client, programme, "2025-03")
    assert '<h2 class="month-head__title" id="month-title">Marzo de 2025</h2>' in html
    heads = re.findall(r'<th scope="col"><abbr title="([^"]+)">([^<]+)</abbr></th>', html)
    assert [wide for wide, _ in heads] == ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
    grid = cells(html)
    assert len(grid) == 42  # six whole weeks: 1 March 2025 is a Saturday, the 31st a Monday
    assert [("--outside" in classes) for classes, _ in grid[:6]] == [True] * 5 + [False]
    assert days_with(html, "Ideatón de Mixco") == [14]
    cell = day_cell(html, 14)
    assert f'href="/ideatones/{mixco.id}"' in cell and ">9:30\u202fa.\u202fm.</time>" in cell and "Mixco" in cell
    assert "cal-day--empty" not in grid[5 + 13][0] and "cal-day--empty" in grid[5][0]
    assert "1 ideatón este mes." in html


def test_an_evening_ideathon_is_on_its_day_in_guatemala_not_utc(client, year_programme, plan_ideathon, app):
    programme = year_programme()
    late = plan_ideathon(programme, datetime(2025, 3, 31, 20, 0), title="Ideatón nocturna", municipality="0301")
    assert late.starts_at == datetime(2025, 4, 1, 2, 0)  # stored in UTC: already the next day, next month
    march = month_page(client, programme, "2025-03")
    assert days_with(march, "Ideatón nocturna") == [31]
    assert ">8:00\u202fp.\u202fm.</time>" in day_cell(march, 31)
    april = month_page(client, programme, "2025-04")
    assert "Ideatón nocturna" not in april and "No hay ideatones en este mes." in april
    view = services.month_view(programme, date(2025, 3, 1), date(2025, 6, 1))
    placed = {d.day: d.ideathons for week in view.weeks for d in week if d.ideathons}
    assert placed == {date(2025, 3, 31): [late]}


def test_a_cancelled_ideathon_is_struck_through_and_says_so(client, year_programme, plan_ideathon, coordinator):
    programme = year_programme()
    ideathon = plan_ideathon(programme, datetime(2025, 5, 10, 9, 0), title="Ideatón suspendida")
    cancel_ideathon(ideathon, reason="Lluvias", actor=coordinator)
    cell = day_cell(month_page(client, programme, "2025-05"), 10)
    assert '<s class="cal-event__title">Ideatón suspendida</s>' in cell and "Cancelada" in cell


def test_activity_deadlines_are_marked_apart(client, year_programme, plan_ideathon, coordinator):
    programme = year_programme()
    milestone = add_milestone(programme, CommitmentDraft(
        title="Convenios firmados", due_from=date(2025, 3, 1), due_until=date(2025, 4, 30),
        responsible="INFOM"), actor=coordinator)
    add_activity(milestone, CommitmentDraft(
        title="Firmar el convenio con Mixco", due_from=date(2025, 3, 3), due_until=date(2025, 3, 20),
        responsible="Municipalidad de Mixco"), actor=coordinator)
    html = month_page(client, programme, "2025-03")
    assert days_with(html, "Vence: Firmar el convenio con Mixco") == [20]
    assert '<li class="cal-deadline">' in day_cell(html, 20) and "cal-event\"" not in day_cell(html, 20)
    assert "1 fecha límite de actividades." not in html  # no ideathon: the empty state says it instead
    assert "Vence 1 actividad del programa" in html


# --- Months: navigation, default, bad input --------------------------------------------------------


def test_previous_and_next_stay_within_the_programme(client, year_programme):
    programme = year_programme()
    first = month_page(client, programme, "2025-03")
    assert 'rel="prev"' not in first and f'href="/programas/{programme.id}/calendario?mes=2025-04"' in first
    middle = month_page(client, programme, "2025-06")
    assert "?mes=2025-05" in middle and "?mes=2025-07" in middle and "Mes anterior:" in middle
    last = month_page(client, programme, "2025-11")
    assert 'rel="next"' not in last and "?mes=2025-10" in last


@pytest.mark.parametrize("mes", ["", "abc", "2025-13", "2025-00", "2025-3", "20250-01", "2025-03-01", "0000-01",
                                 "2024-12", "2025-12", "9999-99", "2025-03;drop"])  # a NUL: 400 (test_inputs.py)
def test_a_bad_or_outside_month_shows_the_default(client, year_programme, mes):
    programme = year_programme()
    html = month_page(client, programme, mes)
    # Today is not in 2025's programme: the default is its first month.
    assert 'id="month-title">Marzo de 2025</h2>' in html


def test_while_the_programme_runs_it_opens_on_this_month_with_today_marked(client, make_programme, make_ideathon,
                                                                         coordinator, app):
    programme = make_programme(actor=coordinator)
    today = local_day(utcnow())
    html = month_page(client, programme)
    assert f'id="month-title">{services.month_title(today.replace(day=1))}</h2>' in html
    today_cells = [(classes, inner) for classes, inner in cells(html) if "cal-day--today" in classes]
    assert len(today_cells) == 1 and f'<span class="cal-day__n">{today.day}</span>' in today_cells[0][1]
    assert 'aria-current="date"' in html and '<strong class="cal-day__today">Hoy</strong>' in html
    other = services.add_months(today.replace(day=1), 1)
    elsewhere = month_page(client, programme, services.month_key(other))
    assert "cal-day--today" not in elsewhere and "Este mes" in elsewhere


def test_read_month(app, year_programme):
    programme = year_programme()
    today = date(2025, 7, 15)
    assert services.read_month("2025-09", programme, today) == date(2025, 9, 1)
    assert services.read_month("2025-02", programme, today) == date(2025, 7, 1)  # before it: this month
    assert services.read_month(None, programme, date(2026, 1, 1)) == date(2025, 3, 1)


# --- The list --------------------------------------------------------------------------------------


def test_the_list_groups_ideathons_by_month_in_guatemala(client, year_programme, plan_ideathon, coordinator):
    programme = year_programme()
    plan_ideathon(programme, datetime(2025, 5, 3, 9, 0), title="Ideatón de Antigua", municipality="0301",
                  venue="Palacio del Noble Ayuntamiento")
    plan_ideathon(programme, datetime(2025, 3, 31, 20, 0), title="Ideatón nocturna")
    plan_ideathon(programme, datetime(2025, 3, 8, 10, 0), title="Ideatón de Mixco", venue="Salón comunal zona 1")
    cancelled = plan_ideathon(programme, datetime(2025, 6, 7, 9, 0), title="Ideatón de Huehuetenango",
                              municipality="1301")
    cancel_ideathon(cancelled, reason="Suspendida", actor=coordinator)
    response = client.get(f"/programas/{programme.id}/calendario/lista")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    headings = re.findall(r'<h2 id="month-(\d{4}-\d{2})">.*?</svg> ([^<]+) <span class="cal-group__count">\((\d+)\)', html)
    assert headings == [("2025-03", "Marzo de 2025", "2"), ("2025-05", "Mayo de 2025", "1"),
                        ("2025-06", "Junio de 2025", "1")]
    march = html[html.index('id="month-2025-03"'):html.index('id="month-2025-05"')]
    assert march.index("Ideatón de Mixco") < march.index("Ideatón nocturna")  # by date
    assert "lunes, 31 de marzo de 2025, 8:00\u202fp.\u202fm." in march and "sábado, 8 de marzo de 2025, 10:00\u202fa.\u202fm." in march
    assert "Mixco (Guatemala)" in march and "Salón comunal zona 1" in march
    may = html[html.index('id="month-2025-05"'):html.index('id="month-2025-06"')]
    assert "Antigua Guatemala (Sacatepéquez)" in may and "Palacio del Noble Ayuntamiento" in may
    assert "Realizada" in may  # 2025 is past
    june = html[html.index('id="month-2025-06"'):]
    assert "<s>Ideatón de Huehuetenango</s>" in june and "Cancelada" in june
    assert f'href="/programas/{programme.id}/calendario?mes=2025-06"' in june


def test_the_list_states_and_its_empty_state(client, make_programme, make_ideathon, coordinator):
    programme = make_programme(actor=coordinator)
    empty = client.get(f"/programas/{programme.id}/calendario/lista").get_data(as_text=True)
    assert "Este programa todavía no tiene ideatones." in empty
    make_ideathon(days=20, title="Ideatón futura", programme=programme, actor=coordinator)
    html = client.get(f"/programas/{programme.id}/calendario/lista").get_data(as_text=True)
    assert '<span class="badge badge--state-scheduled">Programada</span>' in html


# --- The iCalendar feed ----------------------------------------------------------------------------


def unfolded(body: bytes) -> str:
    return body.decode("utf-8").replace("\r\n ", "")


def test_the_feed_reads_back_as_icalendar(client, year_programme, plan_ideathon, coordinator):
    programme = year_programme()
    late = plan_ideathon(programme, datetime(2025, 3, 31, 20, 0), title="Ideatón nocturna",
                         venue="Salón 1, Zona 3; Edificio municipal")
    antigua = plan_ideathon(programme, datetime(2025, 5, 3, 9, 0), title="Ideatón de Antigua", municipality="0301")
    cancel_ideathon(antigua, reason="Feriado local", actor=coordinator)
    response = client.get(f"/programas/{programme.id}/calendario.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=900"
    cal = Calendar.from_ical(response.data)
    assert str(cal["X-WR-CALNAME"]) == "Ideatones municipales 2025" and str(cal["VERSION"]) == "2.0"
    assert cal.decoded("REFRESH-INTERVAL") == timedelta(hours=6) and str(cal["X-PUBLISHED-TTL"]) == "PT6H"
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {f"ideathon-{late.id}@localhost", f"ideathon-{antigua.id}@localhost"}

    night = events[f"ideathon-{late.id}@localhost"]
    assert night.decoded("DTSTART") == datetime(2025, 4, 1, 2, 0, tzinfo=UTC)  # 20:00 in Guatemala
    assert night.decoded("DTEND") == datetime(2025, 4, 1, 6, 0, tzinfo=UTC)
    assert str(night["SUMMARY"]) == "Ideatón nocturna" and str(night["STATUS"]) == "CONFIRMED"
    assert str(night["LOCATION"]) == "Salón 1, Zona 3; Edificio municipal, Mixco, Guatemala"
    assert str(night["URL"]) == f"http://localhost/ideatones/{late.id}"
    assert f"http://localhost/ideatones/{late.id}" in str(night["DESCRIPTION"])
    text = unfolded(response.data)
    assert "DTSTART:20250401T020000Z" in text and "DTEND:20250401T060000Z" in text
    assert "LOCATION:Salón 1\\, Zona 3\\; Edificio municipal\\, Mixco\\, Guatemala" in text

    off = events[f"ideathon-{antigua.id}@localhost"]
    assert str(off["STATUS"]) == "CANCELLED" and str(off["SUMMARY"]) == "Cancelada: Ideatón de Antigua"
    assert "Feriado local" in str(off["DESCRIPTION"])
    assert off.decoded("DTSTART") == datetime(2025, 5, 3, 15, 0, tzinfo=UTC)


def test_the_feed_changes_only_when_an_ideathon_does(client, year_programme, plan_ideathon, coordinator):
    programme = year_programme()
    ideathon = plan_ideathon(programme, datetime(2025, 4, 5, 9, 0), title="Ideatón de Mixco")
    an_hour_ago = utcnow() - timedelta(hours=1)
    ideathon.created_at = ideathon.updated_at = an_hour_ago  # planned an hour ago
    db.session.commit()
    url = f"/programas/{programme.id}/calendario.ics"
    first = client.get(url)
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304  # a phone polling an unchanged feed downloads nothing
    event = Calendar.from_ical(first.data).walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) == 0 and event.decoded("DTSTAMP") == an_hour_ago.replace(microsecond=0, tzinfo=UTC)
    cancel_ideathon(ideathon, reason="Lluvias", actor=coordinator)
    changed = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    event = Calendar.from_ical(changed.data).walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) >= 3600 and str(event["STATUS"]) == "CANCELLED"


def test_the_pages_offer_the_subscription(client, year_programme):
    programme = year_programme()
    for path in ("calendario", "calendario/lista"):
        html = client.get(f"/programas/{programme.id}/{path}").get_data(as_text=True)
        assert f'href="webcal://localhost/programas/{programme.id}/calendario.ics"' in html
        assert f'value="http://localhost/programas/{programme.id}/calendario.ics"' in html
        assert "Suscribirse" in html


# --- Who may see it ------------------------------------------------------------------------------


def test_a_draft_programme_calendar_is_the_planners(app, year_programme, plan_ideathon, make_user):
    draft = year_programme(published=False)
    plan_ideathon(draft, datetime(2025, 3, 14, 9, 0), title="Ideatón en borrador")
    paths = [f"/programas/{draft.id}/calendario?mes=2025-03", f"/programas/{draft.id}/calendario/lista",
             f"/programas/{draft.id}/calendario.ics"]
    for path in paths:
        assert app.test_client().get(path).status_code == 404
    for role in (Role.OFFICIAL, Role.MODERATOR):
        client = app.test_client()
        Auth(client).login(make_user(role))
        assert [client.get(path).status_code for path in paths] == [404, 404, 404]
    for role in (Role.COORDINATOR, Role.ADMIN):
        client = app.test_client()
        Auth(client).login(make_user(role))
        responses = [client.get(path) for path in paths]
        assert [r.status_code for r in responses] == [200, 200, 200]
        assert "Ideatón en borrador" in responses[0].get_data(as_text=True)
        assert responses[2].headers["Cache-Control"] == "private, no-store"
    for path in ("/programas/999999/calendario", "/programas/999999/calendario/lista",
                 "/programas/999999/calendario.ics"):
        assert app.test_client().get(path).status_code == 404


def test_a_published_programme_calendar_is_public(app, year_programme, plan_ideathon):
    programme = year_programme()
    plan_ideathon(programme, datetime(2025, 3, 14, 9, 0), title="Ideatón pública")
    client = app.test_client()
    assert "Ideatón pública" in client.get(f"/programas/{programme.id}/calendario?mes=2025-03").get_data(as_text=True)
    assert "Ideatón pública" in client.get(f"/programas/{programme.id}/calendario/lista").get_data(as_text=True)
    assert b"Ideat\xc3\xb3n p\xc3\xbablica" in client.get(f"/programas/{programme.id}/calendario.ics").data
