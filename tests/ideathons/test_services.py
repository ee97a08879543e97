from datetime import datetime, timedelta

import pytest

from ideaboard.accounts.models import Role
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideathons.models import Ideathon
from ideaboard.ideathons.services import (
    IdeathonError, IdeathonPlan, ThemeDraft, assign_moderators, cancel_ideathon, create_ideathon,
    ideathons_for_staff, past_ideathons, upcoming_ideathons, update_ideathon,
)
from ideaboard.municipalities.services import get_by_code


def plan(**changes):
    data = dict(
        municipality=get_by_code("0108"), title="Ideatón de Mixco",
        starts_at_local=datetime(2030, 3, 14, 9, 30), venue="Salón municipal", description="",
        themes=[ThemeDraft("Agua", "water"), ThemeDraft("Basura", "waste"), ThemeDraft("Calles", "road")],
    )
    data.update(changes)
    return IdeathonPlan(**data)


def count():
    return db.session.scalar(db.select(db.func.count(Ideathon.id)))


def test_create_stores_local_time_as_utc_and_themes_in_order(app, make_user):
    ideathon = create_ideathon(plan(), actor=make_user(Role.COORDINATOR))
    assert ideathon.starts_at == datetime(2030, 3, 14, 15, 30)  # Guatemala is UTC-6
    assert [(t.name, t.icon, t.position) for t in ideathon.themes] == [
        ("Agua", "water", 0), ("Basura", "waste", 1), ("Calles", "road", 2),
    ]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"municipality": None}, "Elija el municipio"),
        ({"title": "   "}, "título"),
        ({"starts_at_local": None}, "fecha"),
        ({"venue": ""}, "lugar"),
        ({"themes": []}, "al menos un tema"),
        ({"themes": [ThemeDraft("  ", "water")]}, "al menos un tema"),
        ({"themes": [ThemeDraft("Agua", "water"), ThemeDraft("agua ", "waste")]}, "repetido"),
        ({"themes": [ThemeDraft("Agua", "unicorn")]}, "ícono"),
        ({"themes": [ThemeDraft("x" * 61, "water")]}, "60 caracteres"),
        ({"themes": [ThemeDraft(f"T{i}", "other") for i in range(16)]}, "15 temas"),
    ],
)
def test_create_refuses_bad_plans_and_stores_nothing(app, make_user, changes, message):
    with pytest.raises(IdeathonError, match=message):
        create_ideathon(plan(**changes), actor=make_user(Role.COORDINATOR))
    assert count() == 0


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.OFFICIAL])
def test_only_planners_create(app, make_user, role):
    with pytest.raises(IdeathonError, match="Solo coordinación"):
        create_ideathon(plan(), actor=make_user(role))
    assert count() == 0


def test_update_keeps_renamed_themes_and_reorders(app, make_user):
    coordinator = make_user(Role.COORDINATOR)
    ideathon = create_ideathon(plan(), actor=coordinator)
    agua, basura, calles = ideathon.themes
    update_ideathon(ideathon, plan(title="Nuevo título", themes=[
        ThemeDraft("Calles y caminos", "road", calles.id),
        ThemeDraft("Agua", "water", agua.id),
        ThemeDraft("Mercados", "market"),
    ]), actor=coordinator)
    db.session.expire_all()
    themes = db.session.get(Ideathon, ideathon.id).themes
    assert [(t.name, t.position) for t in themes] == [("Calles y caminos", 0), ("Agua", 1), ("Mercados", 2)]
    assert themes[0].id == calles.id and themes[1].id == agua.id
    assert basura.id not in {t.id for t in themes}
    assert ideathon.title == "Nuevo título"


def test_update_ignores_theme_ids_of_another_ideathon(app, make_user):
    coordinator = make_user(Role.COORDINATOR)
    mine = create_ideathon(plan(), actor=coordinator)
    other = create_ideathon(plan(title="Otra"), actor=coordinator)
    foreign_id = other.themes[0].id
    update_ideathon(mine, plan(themes=[ThemeDraft("Robado", "water", foreign_id)]), actor=coordinator)
    db.session.expire_all()
    assert db.session.get(Ideathon, other.id).themes[0].name == "Agua"
    assert [t.name for t in db.session.get(Ideathon, mine.id).themes] == ["Robado"]


def test_cancel_needs_a_reason_and_freezes_the_plan(app, make_user):
    coordinator = make_user(Role.COORDINATOR)
    ideathon = create_ideathon(plan(), actor=coordinator)
    with pytest.raises(IdeathonError, match="por qué"):
        cancel_ideathon(ideathon, reason=" ", actor=coordinator)
    assert not ideathon.is_cancelled
    cancel_ideathon(ideathon, reason="Lluvias fuertes", actor=coordinator)
    assert ideathon.is_cancelled and ideathon.cancelled_at is not None
    with pytest.raises(IdeathonError, match="ya estaba cancelada"):
        cancel_ideathon(ideathon, reason="otra vez", actor=coordinator)
    with pytest.raises(IdeathonError, match="cancelada"):
        update_ideathon(ideathon, plan(title="Cambio"), actor=coordinator)
    assert ideathon.title == "Ideatón de Mixco"


def test_moderators_must_be_active_moderator_accounts(app, make_user):
    coordinator = make_user(Role.COORDINATOR)
    ideathon = create_ideathon(plan(), actor=coordinator)
    moderator, official = make_user(Role.MODERATOR), make_user(Role.OFFICIAL)
    with pytest.raises(IdeathonError, match="rol de moderación"):
        assign_moderators(ideathon, [moderator, official], actor=coordinator)
    assert ideathon.moderators == []
    assign_moderators(ideathon, [moderator], actor=coordinator)
    assert ideathon.moderators == [moderator]
    with pytest.raises(IdeathonError):
        assign_moderators(ideathon, [], actor=moderator)
    assert ideathon.moderators == [moderator]


def test_staff_lists(app, make_user, make_ideathon):
    coordinator = make_user(Role.COORDINATOR)
    moderator = make_user(Role.MODERATOR)
    soon = make_ideathon(days=3, actor=coordinator)
    later = make_ideathon(days=30, actor=coordinator)
    done = make_ideathon(days=-30, actor=coordinator)
    cancelled = make_ideathon(days=10, actor=coordinator)
    cancel_ideathon(cancelled, reason="x", actor=coordinator)
    assign_moderators(later, [moderator], actor=coordinator)
    assert upcoming_ideathons() == [soon, later]
    assert past_ideathons() == [done]
    assert ideathons_for_staff(moderator) == [later]
    assert set(ideathons_for_staff(coordinator)) == {soon, later, done, cancelled}
    assert soon.starts_at > utcnow() + timedelta(days=2)


def test_a_theme_id_no_row_can_have_is_no_theme(make_ideathon):
    """Ids as forms send them: text, negatives and numbers beyond 32 bits find no theme (on PostgreSQL a
    larger number would otherwise be an error, not a miss)."""
    from ideaboard.ideathons.services import theme_of

    ideathon = make_ideathon()
    for bad in ("abc", None, "", -1, 0, 2**31, 2**40, "99999999999999999999"):
        assert theme_of(ideathon, bad) is None, bad
    assert theme_of(ideathon, str(ideathon.themes[0].id)) == ideathon.themes[0]
