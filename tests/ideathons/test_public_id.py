"""An ideathon's stable public identifier: a UUID given at creation, unique, backfilled by migration 0008
for ideathons planned before it, and shown where the open data and the API show an ideathon."""
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from ideaboard import create_app
from ideaboard.archive.services import archive_ideathon
from ideaboard.extensions import db
from ideaboard.ideathons.models import Ideathon
from ideaboard.municipalities.services import load_municipalities
from ideaboard.rooms.services import change_phase

from tests.conftest import app_config


def test_every_new_ideathon_gets_its_own_uuid(app, make_ideathon):
    first, second = make_ideathon(), make_ideathon()
    assert str(uuid.UUID(first.public_id)) == first.public_id  # canonical, lower-case form
    assert first.public_id != second.public_id


def test_two_ideathons_cannot_share_one(app, make_ideathon):
    first, second = make_ideathon(), make_ideathon()
    second.public_id = first.public_id
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_open_data_and_the_api_show_it_and_find_the_ideathon_by_it(app, client, open_room):
    room = open_room("voting")
    change_phase(room, "closed", actor=room.created_by)
    archive_ideathon(room, actor=room.created_by)
    other = open_room("voting", municipality="0301")
    change_phase(other, "closed", actor=other.created_by)
    archive_ideathon(other, actor=other.created_by)

    assert client.get(f"/api/v1/ideathons/{room.id}").get_json()["public_id"] == room.public_id
    assert {r["public_id"] for r in client.get("/datos/ideathons.json").get_json()} == {room.public_id, other.public_id}
    assert f",{room.public_id}," in client.get(f"/ideatones/{room.id}/datos/ideathons.csv").get_data(as_text=True)
    found = client.get(f"/api/v1/ideathons?public_id={room.public_id}").get_json()
    assert (found["total"], found["items"][0]["id"]) == (1, room.id)
    assert client.get(f"/api/v1/ideathons?public_id={uuid.uuid4()}").get_json()["total"] == 0
    assert client.get("/api/v1/ideathons?public_id=not-a-uuid").status_code == 400
    assert client.get(f"/api/v1/ideathons?public_id={room.public_id.upper()}").status_code == 400


def test_migration_0008_gives_each_existing_ideathon_its_own(tmp_path):
    """Upgrading a database with ideathons planned before 0008 backfills a distinct UUID for each."""
    app = create_app(app_config(f"sqlite:///{tmp_path / 'old.db'}"))
    with app.app_context():
        upgrade(revision="0007")
        load_municipalities()
        with db.engine.begin() as conn:
            for n in (1, 2):
                conn.execute(sa.text(
                    "INSERT INTO ideathons (id, municipality_id, title, starts_at, venue, description, status, "
                    "cancel_reason, created_at, updated_at) SELECT :n, id, :title, '2026-01-10 15:00:00', 'Salón', "
                    "'', 'scheduled', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM municipalities "
                    "WHERE code = '0101'"), {"n": n, "title": f"Ideatón {n}"})
        upgrade()
        public_ids = db.session.scalars(sa.select(Ideathon.public_id).order_by(Ideathon.id)).all()
        assert len(public_ids) == 2 and len(set(public_ids)) == 2
        assert all(str(uuid.UUID(p)) == p for p in public_ids)
        db.session.remove()
        downgrade(revision="0007")
        with db.engine.connect() as conn:
            assert "public_id" not in {c["name"] for c in sa.inspect(conn).get_columns("ideathons")}
        db.engine.dispose()
