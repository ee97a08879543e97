"""Fixtures of the evaluation tests: a closed room with phones in it, and a small programme whose
every figure is counted by hand (see `small_programme`)."""
import uuid
from datetime import date

import pytest

from ideaboard.accounts.models import Role
from ideaboard.archive.services import archive_ideathon, draft_proposal, respond
from ideaboard.budget.models import Expense
from ideaboard.database import write
from ideaboard.evaluation.services import answer_survey
from ideaboard.extensions import db
from ideaboard.ideas.services import post_idea
from ideaboard.ideathons.services import cancel_ideathon
from ideaboard.rooms.services import change_phase, join_room
from tests.archive.test_services import draft


def cid():
    return str(uuid.uuid4())


@pytest.fixture
def closed_room(open_room, join, app):
    """factory: closed_room(client, ...) -> (room, participant): `client` joined the room (a phone
    with its cookie), then the moderator closed it."""

    def make(client, **kwargs):
        room = open_room(**kwargs)
        participant = join(client, room)
        change_phase(room, "closed", actor=room.created_by)
        return room, participant

    return make


def spend(ideathon, category, cents, day=None):
    """An expense, written directly (the budget's own services are another package's)."""
    with write():
        db.session.add(Expense(ideathon_id=ideathon.id, category=category, amount_cents=cents,
                               spent_on=day or date.today(), description="Recibo"))


@pytest.fixture
def small_programme(make_programme, open_room, make_ideathon, make_user):
    """A published programme, counted by hand:

    Mixco (0108), 60 days ago, archived: 4 people (Ana, Beto, Ceci, Dora), 2 ideas (Ana, Beto).
        Survey: Ana (5, again yes, learned yes, first time), Beto (4, yes, unsure, not first),
        Ceci (2, no, -, first time); Dora did not answer -> 3 answers, mean 11/3 = 3.7,
        again yes 2/3 = 66.7 %, learned yes 1/3 = 33.3 %, first time 2/3 = 66.7 %.
        Proposals: "Agua" (answered: received, studying, accepted, implemented), "Calles" (no answer)
        -> 2 proposals, 1 answered, 1 implemented. Spent Q1,000.00 hall + Q500.50 materials.
    Antigua Guatemala (0301), 30 days ago, closed, not archived: 2 people, 1 idea; one answer
        (3, unsure, yes, not first) -> "pocas respuestas", left out of the charts. Spent Q200.00.
    Mixco again, in 30 days: scheduled, nothing yet.
    Jalapa (2101), cancelled: left out everywhere (its plan too).
    Every ideathon of a programme gets the default plan, Q8,100.00: 3 x 810000 centavos planned.
    An ideathon outside the programme, with one answer, counts nowhere.
    """
    programme = make_programme(published=True, days_before=120, days_after=240)
    mod = make_user(Role.COORDINATOR)
    mixco = open_room(days=-60, programme=programme, themes=[("Agua", "water"), ("Calles", "road")], actor=mod)
    ana, beto, ceci, dora = (join_room(mixco, nickname=name) for name in ("Ana", "Beto", "Ceci", "Dora"))
    agua_idea = post_idea(mixco, ana, theme_id=mixco.themes[0].id, text="Agua potable en la zona 3", client_id=cid())[0]
    calles_idea = post_idea(mixco, beto, theme_id=mixco.themes[1].id, text="Bachear la calle real", client_id=cid())[0]
    change_phase(mixco, "closed", actor=mod)
    answer_survey(mixco, ana, "5", "yes", "yes", "yes")
    answer_survey(mixco, beto, "4", "yes", "unsure", "no")
    answer_survey(mixco, ceci, "2", "no", None, "yes")
    agua = draft_proposal(mixco, draft(mixco, [agua_idea], title="Agua"), actor=mod)
    draft_proposal(mixco, draft(mixco, [calles_idea], title="Calles", theme_id=mixco.themes[1].id), actor=mod)
    archive_ideathon(mixco, actor=mod)
    official = make_user(Role.OFFICIAL, municipality="0108")
    for status in ("received", "studying", "accepted", "implemented"):
        respond(agua, actor=official, status=status, text=f"Paso: {status}")
    spend(mixco, "hall", 1_000_00)
    spend(mixco, "materials", 500_50)

    antigua = open_room(municipality="0301", days=-30, programme=programme, actor=mod)
    eva, fito = join_room(antigua), join_room(antigua)
    post_idea(antigua, eva, theme_id=antigua.themes[0].id, text="Más basureros", client_id=cid())
    change_phase(antigua, "closed", actor=mod)
    answer_survey(antigua, fito, "3", "unsure", "yes", "no")
    spend(antigua, "transport", 200_00)

    later = make_ideathon("0108", days=30, programme=programme, actor=mod)
    jalapa = open_room(municipality="2101", days=-10, programme=programme, actor=mod)
    someone = join_room(jalapa)
    change_phase(jalapa, "closed", actor=mod)
    answer_survey(jalapa, someone, "1", "no", "no", "no")
    spend(jalapa, "hall", 999_00)
    cancel_ideathon(jalapa, reason="Lluvias", actor=mod)

    outside = open_room(days=-5, actor=mod)
    stranger = join_room(outside)
    change_phase(outside, "closed", actor=mod)
    answer_survey(outside, stranger, "1", "no", "no", "no")

    programme.rooms = {"mixco": mixco, "antigua": antigua, "later": later, "jalapa": jalapa, "outside": outside}
    return programme
