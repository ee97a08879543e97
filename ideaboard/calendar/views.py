"""The programme's calendar: month view, list, and the iCalendar feed. Public once the programme is
published; a draft's calendar is the planners' (404 for everyone else)."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from ..database import utcnow
from ..policies import can_plan
from ..programme.models import Programme
from ..dates import today as today_in_guatemala
from ..programme.views import visible_programme
from . import services

bp = Blueprint("calendar", __name__)


def subscription(programme: Programme) -> dict:
    """The feed's addresses: https (to paste into a calendar) and webcal:// (a tap subscribes)."""
    https = url_for("calendar.feed", programme_id=programme.id, _external=True)
    return {"https": https, "webcal": "webcal://" + https.split("://", 1)[1]}


@bp.route("/programas/<int:programme_id>/calendario")
def month(programme_id: int):
    """One month as a grid (Monday first); on a phone, the list of its days with something on."""
    programme = visible_programme(programme_id)
    today = today_in_guatemala()
    shown = services.read_month(request.args.get("mes"), programme, today)
    return render_template(
        "calendar/month.html", programme=programme, view=services.month_view(programme, shown, today),
        weekdays=services.weekday_names(), month_title=services.month_title, month_key=services.month_key,
        feed=subscription(programme), planner=can_plan(current_user),
    )


@bp.route("/programas/<int:programme_id>/calendario/lista", endpoint="list")
def list_view(programme_id: int):
    """Every ideathon of the programme by date, grouped by month."""
    programme = visible_programme(programme_id)
    return render_template(
        "calendar/list.html", programme=programme, groups=services.ideathons_by_month(programme),
        month_title=services.month_title, month_name=services.month_name, month_key=services.month_key,
        state=services.ideathon_state,
        states=services.STATES, now=utcnow(), feed=subscription(programme),
    )


@bp.route("/programas/<int:programme_id>/calendario.ics")
def feed(programme_id: int):
    """The iCalendar feed a phone's calendar subscribes to."""
    programme = visible_programme(programme_id)
    body = services.feed(
        programme, host=urlsplit("//" + request.host).hostname or "ideaboard",
        ideathon_url=lambda i: url_for("ideathons.detail", ideathon_id=i.id, _external=True),
        calendar_url=url_for("calendar.month", programme_id=programme.id, _external=True),
    )
    response = current_app.response_class(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="programa-{programme.id}.ics"'
    # A published programme's feed is public; a draft's is for the planner who asked.
    response.headers["Cache-Control"] = "public, max-age=900" if programme.is_published else "private, no-store"
    response.add_etag()
    return response.make_conditional(request)
