"""Fixtures of the budget tests: a published programme and ideathons in it."""
import pytest

from ideaboard.accounts.models import Role
from ideaboard.database import utcnow
from ideaboard.programme.services import local_day


@pytest.fixture
def coordinator(make_user):
    return make_user(Role.COORDINATOR, name="Coordinadora")


@pytest.fixture
def programme(make_programme, coordinator):
    return make_programme(name="Ideatones 2026", actor=coordinator)


@pytest.fixture
def ideathon(make_ideathon, programme, coordinator):
    """An ideathon of the programme in Mixco (0108), a week from now, with the default plan."""
    return make_ideathon("0108", title="Ideatón de Mixco", programme=programme, actor=coordinator)


@pytest.fixture
def today(app):
    """Today in Guatemala (the day an expense may not be after)."""
    return local_day(utcnow())

