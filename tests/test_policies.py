"""The permission rules of ideaboard/policies.py, asked directly: each role, someone not logged in,
a moderator of another ideathon and an official of another municipality. The route walk in
test_permissions.py checks the same rules through the pages."""
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import render_template_string

from ideaboard import policies
from ideaboard.accounts import Visitor
from ideaboard.accounts.models import Role
from ideaboard.accounts.services import set_active
from ideaboard.archive.models import Proposal
from ideaboard.evidence.models import Evidence
from ideaboard.extensions import db
from ideaboard.ideathons.models import Ideathon, RoomPhase
from ideaboard.ideathons.services import assign_moderators, cancel_ideathon
from ideaboard.municipalities.services import get_by_code
from ideaboard.programme.services import CommitmentDraft, add_activity, add_milestone
from ideaboard.rooms.services import close_room, join_room

ROOT = Path(__file__).resolve().parent.parent
MIXCO, OTHER_TOWN = "0108", "0101"


@pytest.fixture
def people(make_user):
    """One user of each role, an official of another municipality, and someone not logged in."""
    return {
        "admin": make_user(Role.ADMIN),
        "coordinator": make_user(Role.COORDINATOR),
        "moderator": make_user(Role.MODERATOR),
        "official": make_user(Role.OFFICIAL, municipality=MIXCO),
        "other official": make_user(Role.OFFICIAL, municipality=OTHER_TOWN),
        "anonymous": Visitor(),
    }


@pytest.fixture
def assigned(make_ideathon, make_user, people):
    """An ideathon in Mixco with its own moderator, and another ideathon whose moderator is `people`'s."""
    ideathon, elsewhere = make_ideathon(MIXCO), make_ideathon(OTHER_TOWN)
    own = make_user(Role.MODERATOR)
    assign_moderators(ideathon, [own], actor=people["coordinator"])
    assign_moderators(elsewhere, [people["moderator"]], actor=people["coordinator"])
    return ideathon, own


def who(people, rule, *args) -> set[str]:
    return {name for name, user in people.items() if rule(user, *args)}


def test_the_role_sets():
    assert policies.PLANNERS == {Role.ADMIN, Role.COORDINATOR}
    assert policies.ACCOUNT_MANAGERS == {Role.ADMIN}
    assert policies.ROOM_STAFF == {Role.ADMIN, Role.COORDINATOR, Role.MODERATOR}
    assert policies.PLANNERS_AND_OFFICIALS == {Role.ADMIN, Role.COORDINATOR, Role.OFFICIAL}


def test_roles(people):
    assert who(people, policies.can_plan) == {"admin", "coordinator"}
    assert who(people, policies.can_manage_accounts) == {"admin"}
    assert who(people, policies.is_moderator) == {"moderator"}
    assert who(people, policies.is_official) == {"official", "other official"}


def test_only_active_moderators_are_assigned(people, make_user):
    inactive = make_user(Role.MODERATOR)
    set_active(inactive, False, actor=people["admin"])
    staff = {name: user for name, user in people.items() if name != "anonymous"}
    assert who(staff, policies.can_be_assigned_to_moderate) == {"moderator"}
    assert not policies.can_be_assigned_to_moderate(inactive)


def test_who_moderates_an_ideathon(people, assigned):
    ideathon, own = assigned
    # `people`'s moderator moderates another ideathon, not this one.
    assert who(people, policies.can_moderate, ideathon) == {"admin", "coordinator"}
    assert policies.can_moderate(own, ideathon)


def test_who_answers_the_exit_survey(open_room, people):
    room, other = open_room(), open_room()
    mine, theirs = join_room(room, nickname="Ana"), join_room(other, nickname="Luis")
    assert not policies.can_answer_survey(mine, room)  # still open
    close_room(room, actor=people["coordinator"])
    assert policies.can_answer_survey(mine, room)
    assert not policies.can_answer_survey(theirs, room) and not policies.can_answer_survey(None, room)
    mine.exit_survey_done = True
    assert not policies.can_answer_survey(mine, room)
    close_room(other, actor=people["coordinator"])
    cancel_ideathon(other, reason="Lluvia", actor=people["coordinator"])
    assert not policies.can_answer_survey(theirs, other)


def test_who_reads_a_municipality_s_records(people):
    mixco = get_by_code(MIXCO).id
    assert who(people, policies.sees_municipality, mixco) == {"admin", "coordinator", "official"}
    assert who(people, policies.sees_municipality, get_by_code(OTHER_TOWN).id) == {
        "admin", "coordinator", "other official"}


def test_only_the_municipality_s_own_officials_answer_its_proposals(people, make_ideathon):
    ideathon = make_ideathon(MIXCO)
    proposal = Proposal(ideathon_id=ideathon.id, municipality_id=ideathon.municipality_id, title="P",
                        problem="p", proposal="p")
    db.session.add(proposal)
    db.session.commit()
    assert who(people, policies.can_answer_proposal, proposal) == {"official"}


def test_a_draft_programme_is_the_planners(people, make_programme):
    draft, published = make_programme(published=False), make_programme()
    assert who(people, policies.can_see_programme, draft) == {"admin", "coordinator"}
    assert who(people, policies.can_see_programme, published) == set(people)


def _activity(programme, actor):
    today = date.today()
    dates = dict(due_from=today - timedelta(days=5), due_until=today + timedelta(days=5), responsible="Comisión")
    milestone = add_milestone(programme, CommitmentDraft(title="Hito", **dates), actor=actor)
    return add_activity(milestone, CommitmentDraft(title="Actividad", **dates), actor=actor)


def _video(published: bool, **target) -> Evidence:
    evidence = Evidence(kind="video", title="Video", url="https://example.org/v", published=published, **target)
    db.session.add(evidence)
    db.session.commit()
    return evidence


def test_who_manages_evidence(people, assigned, make_programme):
    ideathon, own = assigned
    activity = _activity(make_programme(), people["coordinator"])
    assert who(people, policies.can_manage_evidence_of, ideathon) == {"admin", "coordinator"}
    assert policies.can_manage_evidence_of(own, ideathon)
    assert who(people, policies.can_manage_evidence_of, activity) == {"admin", "coordinator"}
    assert not policies.can_manage_evidence_of(own, activity)
    assert who(people, policies.can_manage_evidence, _video(True, ideathon_id=ideathon.id)) == {"admin", "coordinator"}
    assert policies.can_manage_evidence(own, _video(True, ideathon_id=ideathon.id))
    assert not policies.can_manage_evidence(own, _video(True, activity_id=activity.id))


def test_who_sees_evidence(people, assigned, make_programme):
    ideathon, own = assigned
    public_activity = _activity(make_programme(), people["coordinator"])
    draft_activity = _activity(make_programme(published=False), people["coordinator"])
    assert policies.activity_is_public(public_activity) and not policies.activity_is_public(draft_activity)
    assert who(people, policies.can_see_evidence_of, ideathon) == set(people)
    assert who(people, policies.can_see_evidence_of, public_activity) == set(people)
    assert who(people, policies.can_see_evidence_of, draft_activity) == {"admin", "coordinator"}

    assert who(people, policies.can_see_evidence, _video(True, ideathon_id=ideathon.id)) == set(people)
    unpublished = _video(False, ideathon_id=ideathon.id)
    assert who(people, policies.can_see_evidence, unpublished) == {"admin", "coordinator"}
    assert policies.can_see_evidence(own, unpublished)
    assert who(people, policies.can_see_evidence, _video(True, activity_id=public_activity.id)) == set(people)
    assert who(people, policies.can_see_evidence, _video(True, activity_id=draft_activity.id)) == {
        "admin", "coordinator"}


def test_templates_ask_the_rules_by_name(app, people, make_programme):
    draft = make_programme(published=False)
    page = ("{{ can_plan(current_user) }} {{ can_manage_accounts(current_user) }} {{ is_moderator(current_user) }} "
            "{{ is_official(current_user) }} {{ can_see_programme(current_user, programme) }}")
    with app.test_request_context("/"):
        assert render_template_string(page, programme=draft) == "False False False False False"
        for name, expected in [("admin", "True True False False True"), ("moderator", "False False True False False"),
                               ("official", "False False False True False")]:
            assert render_template_string(page, programme=draft, current_user=people[name]) == expected


@pytest.mark.parametrize("phase, status, code, expected", [
    ("preparation", "scheduled", None, {"in_preparation"}),
    ("preparation", "scheduled", "ABC123", {"in_preparation"}),
    ("ideas", "scheduled", "ABC123", {"in_ideas_phase"}),
    ("voting", "scheduled", "ABC123", {"in_voting_phase", "has_ranking", "shows_counts"}),
    ("voting", "cancelled", "ABC123", {"in_voting_phase", "has_ranking", "shows_counts", "is_over"}),
    ("closed", "scheduled", "ABC123", {"is_closed", "is_over", "room_has_closed", "exit_survey_open",
                                       "has_ranking", "shows_counts"}),
    ("closed", "scheduled", None, {"is_closed", "is_over", "exit_survey_open", "has_ranking", "shows_counts"}),
    ("closed", "cancelled", "ABC123", {"is_closed", "is_over", "room_has_closed", "has_ranking", "shows_counts"}),
])
def test_what_the_room_s_phase_means(phase, status, code, expected):
    names = ["in_preparation", "in_ideas_phase", "in_voting_phase", "is_closed", "is_over", "room_has_closed",
             "exit_survey_open", "has_ranking", "shows_counts"]
    ideathon = Ideathon(phase=phase, status=status, room_code=code, hidden_counts=False)
    assert {name for name in names if getattr(ideathon, name)} == expected
    ideathon.hidden_counts = True  # hidden while voting, shown once closed
    assert ideathon.shows_counts == (phase == "closed")


def test_what_moving_to_a_phase_does():
    assert [p for p in RoomPhase if p.collects_ideas] == [RoomPhase.IDEAS]
    assert [p for p in RoomPhase if p.takes_votes] == [RoomPhase.VOTING]
    assert [p for p in RoomPhase if p.closes_room] == [RoomPhase.CLOSED]


def test_role_sets_are_written_only_in_policies():
    written = re.compile(r"Role\.(ADMIN|COORDINATOR|MODERATOR|OFFICIAL)\s*,\s*Role\.")
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "ideaboard").rglob("*.py")
                 if path.name != "policies.py" and written.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_templates_compare_no_role_or_phase_names():
    roles = "|".join(role.value for role in Role)
    compared = re.compile(rf"has_role\(|\.role\s*(==|!=|in\b)|'({roles})'|\bphase\s*(==|!=|in\b|not\s+in\b)|"
                          r"\bnext\s*(==|!=)")
    offenders = [f"{path.relative_to(ROOT)}: {match.group(0)}" for path in (ROOT / "templates").rglob("*.html")
                 for match in compared.finditer(path.read_text(encoding="utf-8"))]
    assert offenders == []
