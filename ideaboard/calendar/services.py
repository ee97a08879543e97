"""What the programme's calendar shows: its ideathons placed on their day in Guatemala, month by
month or as one list, the deadlines of its activities, and the iCalendar feed.

Times are stored as naive UTC; an ideathon at 20:00 in Guatemala (UTC-6) is stored at 02:00 the
next day, and belongs on the local day: every day here is a Guatemalan day (`local_day`).

The feed writes times in UTC with a Z (no VTIMEZONE to get wrong); each ideathon is one VEVENT with
a stable UID (`ideathon-<id>@<host>`), four hours long, STATUS:CANCELLED once cancelled, and a
SEQUENCE and DTSTAMP that move with the ideathon's last change (so the feed is the same bytes until
something changes, and a phone's copy updates when it does).
"""
import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from babel.dates import format_skeleton, get_day_names
from flask_babel import get_locale, to_utc
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from icalendar import Calendar, Event

from ..database import utcnow
from ..extensions import db
from ..ideathons.models import Ideathon
from ..programme.models import Activity, Milestone, Programme
from ..dates import local_day
from ..programme.services import ideathons_of

EVENT_LENGTH = timedelta(hours=4)  # an ideathon's usual length, for calendars that need an end
FEED_REFRESH = timedelta(hours=6)  # how often a subscribed calendar should fetch the feed again
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


# --- Months -------------------------------------------------------------------------------------

def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def programme_months(programme: Programme) -> tuple[date, date]:
    """The first and the last month of the programme's period (first days)."""
    return first_of_month(programme.starts_on), first_of_month(programme.ends_on)


def default_month(programme: Programme, today: date) -> date:
    """This month while the programme runs, else its first month."""
    first, last = programme_months(programme)
    this = first_of_month(today)
    return this if first <= this <= last else first


def read_month(text: str | None, programme: Programme, today: date) -> date:
    """The month asked for as "YYYY-MM"; anything unreadable, or outside the programme, gives
    the default month (never an error)."""
    match = _MONTH.fullmatch((text or "").strip())
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and year >= 1:
            asked = date(year, month, 1)
            first, last = programme_months(programme)
            if first <= asked <= last:
                return asked
    return default_month(programme, today)


def month_key(month: date) -> str:
    """The `mes` query value of a month: 2025-03."""
    return f"{month.year:04d}-{month.month:02d}"


def month_name(month: date) -> str:
    """"marzo de 2025" in Spanish, "March 2025" in English (Babel's pattern for the locale)."""
    return format_skeleton("yMMMM", month, locale=get_locale())


def month_title(month: date) -> str:
    """The month as a heading: "Marzo de 2025"."""
    text = month_name(month)
    return text[:1].upper() + text[1:]


def weekday_names() -> list[tuple[str, str]]:
    """(abbreviated, full) names of the days, Monday first, in the visitor's language."""
    locale = get_locale()
    short, wide = get_day_names("abbreviated", locale=locale), get_day_names("wide", locale=locale)
    return [(short[i], wide[i]) for i in range(7)]


# --- What happens on a day ------------------------------------------------------------------------

@dataclass(frozen=True)
class Deadline:
    """An activity's due date (its `due_until`), shown apart from the ideathons."""

    title: str
    milestone: str
    done: bool


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    ideathons: list = field(default_factory=list)
    deadlines: list = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.ideathons and not self.deadlines


@dataclass
class MonthView:
    month: date
    weeks: list  # of seven Days each, Monday first
    previous: date | None  # None at the programme's first month
    next: date | None  # None at its last month
    this_month: date | None  # today's month, when the programme covers it and another one is shown

    @property
    def ideathon_count(self) -> int:
        return sum(len(d.ideathons) for week in self.weeks for d in week if d.in_month)

    @property
    def deadline_count(self) -> int:
        return sum(len(d.deadlines) for week in self.weeks for d in week if d.in_month)

    @property
    def days_with_events(self) -> list:
        return [d for week in self.weeks for d in week if d.in_month and not d.empty]


def _ideathons_between(programme: Programme, first: date, last: date) -> list[Ideathon]:
    """The programme's ideathons whose day in Guatemala falls from `first` to `last`."""
    start = to_utc(datetime.combine(first, datetime.min.time()))
    end = to_utc(datetime.combine(last + timedelta(days=1), datetime.min.time()))
    return list(db.session.scalars(
        sa.select(Ideathon).where(Ideathon.programme_id == programme.id, Ideathon.starts_at >= start,
                                  Ideathon.starts_at < end).order_by(Ideathon.starts_at, Ideathon.id)))


def _deadlines_between(programme: Programme, first: date, last: date) -> list[tuple[date, Deadline]]:
    rows = db.session.execute(
        sa.select(Activity.due_until, Activity.title, Activity.status, Milestone.title)
        .join(Milestone, Milestone.id == Activity.milestone_id)
        .where(Milestone.programme_id == programme.id, Activity.due_until >= first, Activity.due_until <= last)
        .order_by(Activity.due_until, Milestone.position, Activity.position, Activity.id))
    return [(due, Deadline(title=title, milestone=milestone, done=status == "done"))
            for due, title, status, milestone in rows]


def month_view(programme: Programme, month: date, today: date) -> MonthView:
    """The grid of `month` (whole weeks, Monday first) with each day's ideathons and deadlines;
    days of the neighbouring months fill the first and last weeks, empty."""
    weeks_of_dates = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(month.year, month.month)
    last_day = add_months(month, 1) - timedelta(days=1)
    days = {}
    weeks = []
    for week in weeks_of_dates:
        row = []
        for day in week:
            cell = Day(day=day, in_month=day.month == month.month, is_today=day == today)
            days[day] = cell
            row.append(cell)
        weeks.append(row)
    for ideathon in _ideathons_between(programme, month, last_day):
        days[local_day(ideathon.starts_at)].ideathons.append(ideathon)
    for due, deadline in _deadlines_between(programme, month, last_day):
        days[due].deadlines.append(deadline)
    first, last = programme_months(programme)
    this = first_of_month(today)
    return MonthView(
        month=month, weeks=weeks,
        previous=add_months(month, -1) if month > first else None,
        next=add_months(month, 1) if month < last else None,
        this_month=this if first <= this <= last and this != month else None,
    )


# --- The list -------------------------------------------------------------------------------------

STATES = {
    "cancelled": _l("Cancelada"),
    "archived": _l("Propuestas publicadas"),
    "open": _l("Sala abierta"),
    "held": lazy_pgettext("ideathon state", "Realizada"),
    "scheduled": _l("Programada"),
}


def ideathon_state(ideathon: Ideathon, now: datetime) -> str:
    """Where an ideathon stands, for the calendar: a key of STATES."""
    if ideathon.is_cancelled:
        return "cancelled"
    if ideathon.archived_at is not None:
        return "archived"
    if ideathon.room_is_open:
        return "open"
    if ideathon.phase == "closed" or ideathon.starts_at < now:
        return "held"
    return "scheduled"


@dataclass
class MonthGroup:
    month: date
    ideathons: list


def ideathons_by_month(programme: Programme) -> list[MonthGroup]:
    """Every ideathon of the programme by date, grouped by its month in Guatemala."""
    groups: list[MonthGroup] = []
    for ideathon in ideathons_of(programme):
        month = first_of_month(local_day(ideathon.starts_at))
        if not groups or groups[-1].month != month:
            groups.append(MonthGroup(month, []))
        groups[-1].ideathons.append(ideathon)
    return groups


# --- The iCalendar feed ---------------------------------------------------------------------------

def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def _location(ideathon: Ideathon) -> str:
    municipality = ideathon.municipality
    return ", ".join(part for part in (ideathon.venue, municipality.name, municipality.department) if part)


def _description(ideathon: Ideathon, url: str) -> str:
    parts = []
    if ideathon.is_cancelled:
        parts.append(str(_l("Cancelada: %(reason)s", reason=ideathon.cancel_reason or "—")))
    if ideathon.description:
        parts.append(ideathon.description)
    parts.append(str(_l("Ideatón en %(municipality)s. Más información: %(url)s",
                        municipality=ideathon.municipality.name, url=url)))
    return "\n\n".join(parts)


def feed(programme: Programme, *, host: str, ideathon_url: Callable[[Ideathon], str], calendar_url: str) -> bytes:
    """The programme's ideathons as an iCalendar (RFC 5545) document, for subscription.

    `host` names the UIDs (`ideathon-<id>@<host>`); `ideathon_url` gives each ideathon's absolute
    address; `calendar_url` is the calendar page's."""
    cal = Calendar()
    cal.add("prodid", "-//Ideaboard//Calendario de ideatones//ES")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", programme.name)
    cal.add("x-wr-calname", programme.name)
    description = programme.description or str(_l("Calendario de ideatones del programa."))
    cal.add("description", description)
    cal.add("x-wr-caldesc", description)
    cal.add("url", calendar_url)
    cal.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    for ideathon in ideathons_of(programme):
        url = ideathon_url(ideathon)
        changed = ideathon.updated_at or ideathon.created_at or utcnow()
        created = ideathon.created_at or changed
        event = Event()
        event.add("uid", f"ideathon-{ideathon.id}@{host}")
        event.add("dtstamp", _utc(changed))
        event.add("created", _utc(created))
        event.add("last-modified", _utc(changed))
        event.add("sequence", max(0, int((changed - created).total_seconds())))
        event.add("dtstart", _utc(ideathon.starts_at))
        event.add("dtend", _utc(ideathon.starts_at + EVENT_LENGTH))
        summary = ideathon.title
        if ideathon.is_cancelled:
            summary = str(_l("Cancelada: %(title)s", title=ideathon.title))
        event.add("summary", summary)
        event.add("location", _location(ideathon))
        event.add("description", _description(ideathon, url))
        event.add("url", url)
        event.add("status", "CANCELLED" if ideathon.is_cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if ideathon.is_cancelled else "OPAQUE")
        cal.add_component(event)
    return cal.to_ical()
