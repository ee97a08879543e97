"""`flask demo load` loads the pilot programme the issue describes, through the services, once."""
import sqlalchemy as sa

from ideaboard.budget.services import programme_totals
from ideaboard.extensions import db
from ideaboard.ideathons.models import Ideathon
from ideaboard.pilots.models import PilotStage
from ideaboard.pilots.services import pilots_of
from ideaboard.programme.demo import NAME
from ideaboard.programme.models import Programme


def test_demo_loads_the_pilot_programme_once(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    programme = db.session.scalar(sa.select(Programme))
    assert programme.name == NAME and programme.is_published
    assert len(programme.milestones) == 6
    towns = [i.municipality.name for i in db.session.scalars(sa.select(Ideathon).order_by(Ideathon.starts_at))]
    assert towns == ["Jalapa", "Antigua Guatemala", "Jacaltenango", "Totonicapán", "Cobán", "Mixco",
                     "Quetzaltenango", "Villa Nueva"]
    workshops = programme.milestones[2].activities
    assert [a.ideathon.municipality.name for a in workshops] == towns
    totals = programme_totals(programme)
    assert totals.planned_total == 64_800_00  # Q8,100 for each of the eight workshops
    assert 0 < totals.actual_total < totals.planned_total  # five held so far
    stages = [p.stage for p in pilots_of(programme)]
    assert stages.count(PilotStage.AGREED) == 7 and stages.count(PilotStage.INVITED) == 1
    assert all(p.agreement is not None for p in pilots_of(programme) if p.stage == PilotStage.AGREED)

    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0 and "already present" in again.output
    assert db.session.scalar(sa.select(sa.func.count(Programme.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Ideathon.id))) == 8
