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


def test_make_run_loads_the_demo_once_and_keeps_what_the_hall_did_since(runner):
    """`make run` prepares with `python wsgi.py --prepare` (`flask prepare`): the demo data the
    first time only. Restarting after the hall renamed the programme must not load a second one
    (`flask demo load`, which `make run` ran on every start, looks the programme up by its name)."""
    first = runner.invoke(args=["prepare"])
    assert first.exit_code == 0, first.output
    assert "Database up to date." in first.output and "Created the pilot programme" in first.output
    programme = db.session.scalar(sa.select(Programme))
    programme.name = "Ideatones municipales 2027"  # what the hall did since
    db.session.commit()

    again = runner.invoke(args=["prepare"])
    assert again.exit_code == 0 and "left as it is" in again.output, again.output
    assert db.session.scalars(sa.select(Programme.name)).all() == ["Ideatones municipales 2027"]
    assert db.session.scalar(sa.select(sa.func.count(Ideathon.id))) == 8


def test_prepare_runs_the_pending_migrations_only(tmp_path):
    """On a new database `prepare` migrates; on one up to date it only looks (no upgrade run)."""
    import os

    import pytest

    from ideaboard import create_app
    from tests.conftest import app_config

    if os.environ.get("DATABASE_URL"):
        pytest.skip("a database of its own: SQLite")
    app = create_app(app_config(f"sqlite:///{tmp_path / 'fresh.db'}"))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["prepare", "--no-demo"])
    assert first.exit_code == 0 and "Database migrated." in first.output, first.output
    with app.app_context():
        assert "ideathons" in sa.inspect(db.engine).get_table_names()
    again = runner.invoke(args=["prepare", "--no-demo"])
    assert again.exit_code == 0 and "Database up to date." in again.output, again.output
    with app.app_context():
        db.engine.dispose()
