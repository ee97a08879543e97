"""Dates and times for people (ideaboard/i18n.py: `when`, `day`, `time_of_day`, `month_year`):
words in the visitor's language, the app's time zone, never seconds or a UTC offset."""
import re
from datetime import date, datetime

import pytest
from flask_babel import force_locale

from ideaboard.i18n import day, month_year, time_of_day, when

NBSP = "\u202f"  # CLDR writes a narrow no-break space before "a. m." / "AM"

# 15:00 UTC is 9:00 in Guatemala (UTC-6, no daylight saving).
MORNING = datetime(2026, 12, 5, 15, 0, 30)


def plain(text: str) -> str:
    return text.replace(NBSP, " ").replace("\xa0", " ")


@pytest.mark.parametrize("locale, moment, weekday, only_day, month", [
    ("es_GT", "5 de diciembre de 2026, 9:00 a. m.", "sábado, 5 de diciembre de 2026, 9:00 a. m.",
     "5 de diciembre de 2026", "mayo de 2026"),
    ("en", "December 5, 2026, 9:00 AM", "Saturday, December 5, 2026, 9:00 AM", "December 5, 2026", "May 2026"),
])
def test_dates_read_as_words_in_each_language(app, locale, moment, weekday, only_day, month):
    with app.test_request_context("/"), force_locale(locale):
        assert plain(when(MORNING)) == moment
        assert plain(when(MORNING, weekday=True)) == weekday
        assert plain(day(MORNING)) == only_day
        assert plain(day(date(2026, 12, 5))) == only_day
        assert plain(time_of_day(MORNING)) == moment.rsplit(", ", 1)[1]
        assert month_year(date(2026, 5, 1)) == month
        assert when(None) == day(None) == time_of_day(None) == ""


def test_no_seconds_nor_offsets(app):
    with app.test_request_context("/"):
        for locale in ("es_GT", "en"):
            with force_locale(locale):
                text = when(MORNING)
                assert ":30" not in text and ":00:00" not in text
                assert not re.search(r"[-+]\d{4}|UTC|GMT", text), text


def test_the_filters_are_the_helpers(app):
    with app.test_request_context("/"):
        rendered = app.jinja_env.from_string(
            "{{ m|when }}|{{ m|when(weekday=True) }}|{{ m|day }}|{{ m|time_of_day }}|{{ d|month_year }}"
        ).render(m=MORNING, d=date(2026, 5, 1))
        assert plain(rendered) == ("5 de diciembre de 2026, 9:00 a. m.|sábado, 5 de diciembre de 2026, 9:00 a. m.|"
                                   "5 de diciembre de 2026|9:00 a. m.|mayo de 2026")


def test_public_pages_show_no_seconds_nor_offsets(app, client, make_ideathon):
    from ideaboard.extensions import db

    ideathon = make_ideathon()
    ideathon.starts_at = MORNING
    db.session.commit()
    html = plain(client.get(f"/ideatones/{ideathon.id}").get_data(as_text=True))
    assert "sábado, 5 de diciembre de 2026, 9:00 a. m." in html
    words = re.sub(r"<[^>]+>", " ", html)  # what people read (a <time datetime> attribute is for machines)
    assert not re.search(r"\d:\d\d:\d\d|-0600", words)

