"""Theme names in the viewer's language (issue 17): a default theme kept as it is shows in each
viewer's language, a planner may name a theme per language, and every screen falls back to the
planner's own name."""
from html.parser import HTMLParser

import sqlalchemy as sa

from ideaboard.accounts.models import Role
from ideaboard.extensions import db
from ideaboard.ideathons.models import Ideathon
from ideaboard.rooms.services import change_phase, open_room


class _FormFields(HTMLParser):
    """The values a browser would post from a page's form: inputs, and each select's chosen option."""

    def __init__(self):
        super().__init__()
        self.values, self._select, self._first = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") not in ("submit", "checkbox", "radio"):
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea" and attrs.get("name"):
            self.values.setdefault(attrs["name"], "")
        elif tag == "select":
            self._select, self._first = attrs.get("name"), True
        elif tag == "option" and self._select:
            if self._first or "selected" in attrs:
                self.values[self._select] = attrs.get("value", "")
            self._first = False

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def form_fields(html: str) -> dict:
    parser = _FormFields()
    parser.feed(html)
    return parser.values


def plan_with_the_editors_defaults(client, auth, coordinator, **changes) -> Ideathon:
    """A coordinator plans an ideathon keeping the theme editor's default themes, as a browser posts it."""
    auth.login(coordinator)
    fields = form_fields(client.get("/ideatones/nueva").get_data(as_text=True))
    fields.update({"municipality": "Cobán, Alta Verapaz (1601)", "title": "Ideatón de Cobán",
                   "starts_at": "2030-05-02T09:00", "venue": "Salón municipal", "op": "save", **changes})
    response = auth.post("/ideatones/nueva", fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    auth.logout()
    return db.session.scalar(sa.select(Ideathon).order_by(Ideathon.id.desc()))


def test_an_english_board_shows_the_default_themes_in_english(app, client, auth, make_user, join):
    """The issue's symptom: themes kept from the defaults were stored in the planner's Spanish, and an
    English board showed "Agua y saneamiento"."""
    coordinator = make_user(Role.COORDINATOR)
    ideathon = plan_with_the_editors_defaults(client, auth, coordinator)
    open_room(ideathon, actor=coordinator)
    change_phase(ideathon, "ideas", actor=coordinator)
    client.set_cookie("lang", "en")
    join(client, ideathon)
    html = client.get(f"/sala/{ideathon.id}").get_data(as_text=True)
    assert "Water and sanitation" in html and "Street lighting" in html
    assert "Agua y saneamiento" not in html and "Alumbrado público" not in html
