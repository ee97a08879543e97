"""Days as people in Guatemala count them and type them: the programme's rules (dates within its
period, nothing done or spent in the future), the budget's, the calendar's and the evaluation's all
use these."""
import re
from datetime import date, datetime

from flask_babel import to_user_timezone

from .database import utcnow

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def local_day(moment: datetime) -> date:
    """The day in Guatemala of a stored (naive UTC) moment."""
    return to_user_timezone(moment).date()


def today() -> date:
    """Today in Guatemala (the UTC date runs a day ahead every evening)."""
    return local_day(utcnow())


def parse_day(value) -> date | None:
    """A day as a form or a spreadsheet gives it: a date, yyyy-mm-dd (the browser's date field) or
    dd/mm/yyyy (d/m/yyyy too). None when empty; ValueError when it is not a day (a two-digit year
    included: 1/3/25 is not read as the year 25)."""
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    text = str(value).strip()
    if not text:
        return None
    if match := _ISO.fullmatch(text):
        return date(int(match[1]), int(match[2]), int(match[3]))  # ValueError for 2025-13-01
    if match := _DMY.fullmatch(text):
        return date(int(match[3]), int(match[2]), int(match[1]))
    raise ValueError(text)
