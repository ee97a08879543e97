"""Fixtures of the calendar tests: a programme over a fixed period (the year 2025) and ideathons
in it at chosen times in Guatemala."""
from datetime import date

import pytest

from ideaboard.accounts.models import Role
from ideaboard.ideathons.services import IdeathonPlan, ThemeDraft, create_ideathon
from ideaboard.municipalities.services import get_by_code
from ideaboard.programme.services import ProgrammeDraft, create_programme, publish_programme


@pytest.fixture
def coordinator(make_user):
    return make_user(Role.COORDINATOR, name="Coordinadora")


@pytest.fixture
def year_programme(app, coordinator):
    """Factory: a programme from 1 March to 30 November 2025 (published unless asked)."""

    def make(published=True, starts_on=date(2025, 3, 1), ends_on=date(2025, 11, 30)):
        programme = create_programme(ProgrammeDraft(
            name="Ideatones municipales 2025", description="Ocho ideatones; una por municipio piloto.",
            starts_on=starts_on, ends_on=ends_on, coordinating_institution="Comisión de Gobierno Abierto"),
            actor=coordinator)
        if published:
            publish_programme(programme, actor=coordinator)
        return programme

    return make


@pytest.fixture
def plan_ideathon(app, coordinator):
    """Factory: plan_ideathon(programme, datetime in Guatemala, title=..., venue=..., municipality=...)."""

    def make(programme, when, *, title="Ideatón", venue="Salón municipal", municipality="0108"):
        return create_ideathon(IdeathonPlan(
            municipality=get_by_code(municipality), title=title, starts_at_local=when, venue=venue,
            description="Propuestas para los servicios municipales.", themes=[ThemeDraft("Agua", "water")],
            programme=programme), actor=coordinator)

    return make
