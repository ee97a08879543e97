"""A theme's default key and its names per language travel with the ideathon: central server →
hall kit → laptop → results bundle → central server (issue 17)."""
from datetime import datetime, timedelta

from ideaboard.accounts.models import Role
from ideaboard.extensions import db
from ideaboard.hall.bundle import build_bundle
from ideaboard.hall.publish import publish_bundle
from ideaboard.ideathons.models import Ideathon
from ideaboard.ideathons.services import IdeathonPlan, ThemeDraft, create_ideathon, update_ideathon
from ideaboard.municipalities.services import get_by_code
from tests.hall.rooms import inside, laptop_ideathon, run_room, take_to_laptop


def themes_of(ideathon):
    return [(t.name, t.icon, t.default_key, {n.language: n.name for n in t.names}) for t in ideathon.themes]


PLANNED = [("Agua y saneamiento", "water", "water", {}),
           ("Calles de la aldea", "road", None, {"en": "Village streets"}),
           ("Otro", "other", "other", {"en": "Anything else"})]


def test_default_keys_and_names_per_language_make_the_round_trip(app, laptop, make_user):
    coordinator = make_user(Role.COORDINATOR)
    central = create_ideathon(IdeathonPlan(
        municipality=get_by_code("0108"), title="Ideatón de ida y vuelta",
        starts_at_local=datetime.now().replace(second=0, microsecond=0) + timedelta(days=3), venue="Salón",
        description="", themes=[ThemeDraft(name, icon, None, key, names) for name, icon, key, names in PLANNED]),
        actor=coordinator)
    assert themes_of(central) == PLANNED
    central_id = central.id
    laptop_id = take_to_laptop(central, laptop)
    with inside(laptop):
        ideathon = laptop_ideathon(laptop_id)
        assert themes_of(ideathon) == PLANNED  # the kit carried them
        run_room(ideathon, evidence=False)
        english = laptop.test_client()
        english.set_cookie("lang", "en")
        page = english.get(f"/ideatones/{laptop_id}/archivo").get_data(as_text=True)
        data = build_bundle(ideathon)
    # Before publishing, the central plan changes its names: the laptop's, as the room ran, win.
    update_ideathon(central, IdeathonPlan(
        municipality=central.municipality, title=central.title, starts_at_local=datetime.now() + timedelta(days=3),
        venue="Salón", description="", themes=[ThemeDraft("Agua", "water", central.themes[0].id, "water", {"en": "H2O"}),
                                               ThemeDraft("Calles", "road", central.themes[1].id),
                                               ThemeDraft("Otro", "other", central.themes[2].id, "other")]),
        actor=coordinator)
    publish_bundle(data, actor=make_user(Role.COORDINATOR))
    db.session.expire_all()
    assert themes_of(db.session.get(Ideathon, central_id)) == PLANNED
    english = app.test_client()
    english.set_cookie("lang", "en")
    archived = english.get(f"/ideatones/{central_id}/archivo").get_data(as_text=True)
    for html in (page, archived):
        assert "Water and sanitation" in html and "Village streets" in html and "Anything else" in html
        assert "Agua y saneamiento" not in html and "Calles de la aldea" not in html
