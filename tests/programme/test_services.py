"""Programme rules: who may change it, its period, and the dates of its milestones and activities."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from ideaboard import policies
from ideaboard.accounts.models import Role
from ideaboard.extensions import db
from ideaboard.programme import services
from ideaboard.programme.models import Activity, Milestone, Programme, WorkStatus
from ideaboard.programme.services import CommitmentDraft, ProgrammeDraft, ProgrammeError

TODAY = date.today()


def draft(**overrides) -> ProgrammeDraft:
    values = dict(name="Ideatones municipales", description="", starts_on=TODAY - timedelta(days=30),
                  ends_on=TODAY + timedelta(days=300), coordinating_institution="Comisión Presidencial",
                  supporting_institutions="SEGEPLAN\n\n  ANAM  \n")
    return ProgrammeDraft(**{**values, **overrides})


def commitment(**overrides) -> CommitmentDraft:
    values = dict(title="Convenios con municipios piloto", due_from=TODAY, due_until=TODAY + timedelta(days=30),
                  responsible="Comisión Presidencial", expected_result="8 convenios",
                  verification="Convenios firmados")
    return CommitmentDraft(**{**values, **overrides})


def test_a_coordinator_creates_a_draft_programme(make_user):
    programme = services.create_programme(draft(), actor=make_user(Role.COORDINATOR))
    assert programme.id and not programme.is_published
    assert programme.supporters == ["SEGEPLAN", "ANAM"]
    services.publish_programme(programme, actor=make_user(Role.ADMIN))
    assert programme.is_published


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.OFFICIAL])
def test_only_planners_change_a_programme(make_user, make_programme, role):
    user = make_user(role)
    with pytest.raises(ProgrammeError) as refused:
        services.create_programme(draft(), actor=user)
    assert refused.value.status == 403
    programme = make_programme()
    with pytest.raises(ProgrammeError):
        services.add_milestone(programme, commitment(), actor=user)
    with pytest.raises(ProgrammeError):
        services.publish_programme(programme, actor=user, published=False)
    assert db.session.scalar(sa.select(sa.func.count(Programme.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Milestone.id))) == 0


def test_bad_programme_fields_are_all_reported_and_nothing_is_saved(make_user):
    with pytest.raises(ProgrammeError) as refused:
        services.create_programme(draft(name="  ", coordinating_institution="", starts_on=None,
                                        ends_on=TODAY, supporting_institutions="x" * 2001), actor=make_user())
    errors = {k: str(v) for k, v in refused.value.errors.items()}
    assert errors["name"] == "El nombre es obligatorio."
    assert "institución coordinadora" in errors["coordinating_institution"]
    assert "empieza" in errors["starts_on"]
    assert "2000" in errors["supporting_institutions"]
    with pytest.raises(ProgrammeError) as backwards:
        services.create_programme(draft(starts_on=TODAY, ends_on=TODAY - timedelta(days=1)), actor=make_user())
    assert str(backwards.value.errors["ends_on"]) == "El programa no puede terminar antes de empezar."
    assert db.session.scalar(sa.select(sa.func.count(Programme.id))) == 0


def test_milestones_and_activities_must_fall_within_the_programme_period(make_programme, make_user):
    programme = make_programme(days_before=10, days_after=100)
    actor = make_user()
    milestone = services.add_milestone(programme, commitment(), actor=actor)
    activity = services.add_activity(milestone, commitment(title="Firma en Jalapa"), actor=actor)
    assert activity.milestone_id == milestone.id and activity.status == WorkStatus.PLANNED
    for bad in (dict(due_from=TODAY - timedelta(days=11)), dict(due_until=TODAY + timedelta(days=101))):
        with pytest.raises(ProgrammeError) as refused:
            services.add_activity(milestone, commitment(**bad), actor=actor)
        (message,) = refused.value.errors.values()
        assert "dentro del periodo del programa" in str(message)
    with pytest.raises(ProgrammeError) as reversed_:
        services.add_milestone(programme, commitment(due_from=TODAY + timedelta(days=5), due_until=TODAY), actor=actor)
    assert str(reversed_.value.errors["due_until"]) == "La fecha límite no puede ser anterior a la de inicio."
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 1


def test_a_done_commitment_needs_a_past_completion_date(make_programme, make_user):
    programme, actor = make_programme(), make_user()
    with pytest.raises(ProgrammeError) as missing:
        services.add_milestone(programme, commitment(status="done"), actor=actor)
    assert str(missing.value.errors["done_on"]) == "Indique cuándo se cumplió."
    with pytest.raises(ProgrammeError) as future:
        services.add_milestone(programme, commitment(status="done", done_on=TODAY + timedelta(days=1)), actor=actor)
    assert "futura" in str(future.value.errors["done_on"])
    with pytest.raises(ProgrammeError) as bogus:
        services.add_milestone(programme, commitment(status="finished"), actor=actor)
    assert "status" in bogus.value.errors
    milestone = services.add_milestone(programme, commitment(status="done", done_on=TODAY), actor=actor)
    assert milestone.done_on == TODAY
    # Back to "in progress": the completion date goes with it.
    services.update_commitment(milestone, commitment(status="in_progress", done_on=TODAY), actor=actor)
    assert milestone.done_on is None


def test_an_activity_links_only_an_ideathon_of_its_programme(make_programme, make_ideathon, make_user):
    programme, other = make_programme(), make_programme()
    actor = make_user()
    mine = make_ideathon(programme=programme)
    theirs = make_ideathon(programme=other)
    milestone = services.add_milestone(programme, commitment(), actor=actor)
    activity = services.add_activity(milestone, commitment(ideathon_id=str(mine.id)), actor=actor)
    assert activity.ideathon_id == mine.id
    for bad in (theirs.id, "abc", 2**40):
        with pytest.raises(ProgrammeError) as refused:
            services.add_activity(milestone, commitment(ideathon_id=bad), actor=actor)
        assert str(refused.value.errors["ideathon_id"]) == "Esa ideatón no es de este programa."


def test_the_period_cannot_shrink_past_what_is_planned_in_it(make_programme, make_ideathon, make_user):
    programme, actor = make_programme(days_before=10, days_after=100), make_user()
    make_ideathon(programme=programme, title="Ideatón de Cobán", days=50)
    with pytest.raises(ProgrammeError) as refused:
        services.update_programme(programme, draft(starts_on=programme.starts_on, ends_on=TODAY + timedelta(days=20)),
                                  actor=actor)
    assert "Ideatón de Cobán" in str(refused.value.errors["starts_on"])
    db.session.refresh(programme)
    assert programme.ends_on == TODAY + timedelta(days=100)


def test_an_ideathon_scheduled_in_a_programme_falls_within_its_period(make_programme, make_ideathon):
    from ideaboard.ideathons.services import IdeathonError

    programme = make_programme(days_before=10, days_after=30)
    with pytest.raises(IdeathonError) as refused:
        make_ideathon(programme=programme, days=45)
    assert "dentro del periodo del programa" in str(refused.value)
    assert make_ideathon(programme=programme, days=20).programme_id == programme.id


def test_deleting_a_milestone_deletes_its_activities(make_programme, make_user):
    programme, actor = make_programme(), make_user()
    milestone = services.add_milestone(programme, commitment(), actor=actor)
    services.add_activity(milestone, commitment(), actor=actor)
    services.delete_commitment(milestone, actor=actor)
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 0


def test_who_sees_what(make_programme, make_user):
    from flask_login import AnonymousUserMixin

    draft_programme, public = make_programme(published=False), make_programme()
    anonymous = AnonymousUserMixin()
    assert policies.can_see_programme(anonymous, public) and not policies.can_see_programme(anonymous, draft_programme)
    assert policies.can_see_programme(make_user(Role.COORDINATOR), draft_programme)
    assert not policies.can_see_programme(make_user(Role.MODERATOR), draft_programme)
    official = make_user(Role.OFFICIAL, municipality="0108")
    assert policies.sees_municipality(official, official.municipality_id)
    assert not policies.sees_municipality(official, official.municipality_id + 1)
    assert policies.sees_municipality(make_user(Role.ADMIN), official.municipality_id + 1)
    assert not policies.sees_municipality(anonymous, official.municipality_id)
