"""The unit of work services write through (ideaboard/database.py)."""
import threading
import time

import pytest
import sqlalchemy as sa

from ideaboard.accounts.models import Role, User
from ideaboard.database import write
from ideaboard.extensions import db


def test_write_commits_and_rolls_back_as_one(app, make_user):
    user = make_user(Role.MODERATOR, name="Antes")
    with pytest.raises(RuntimeError):
        with write():
            user.name = "Durante"
            raise RuntimeError("a rule failed half way")
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "Antes"
    with write():
        user.name = "Después"
        with write():  # a service calling another joins the same transaction
            user.active = False
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert (stored.name, stored.active) == ("Después", False)


def test_concurrent_writers_are_serialised_not_failed(app, make_user):
    """Ten writers at once, each reading then incrementing: none fails, none is lost."""
    user_id = make_user(Role.MODERATOR, name="0").id  # threads must not touch this test's session
    errors = []

    def bump():
        with app.app_context():
            try:
                with write():
                    # FOR UPDATE: PostgreSQL serialises on the row; SQLite ignores it (the process lock serialises)
                    row = db.session.get(User, user_id, with_for_update=True)
                    current = int(row.name)
                    time.sleep(0.01)  # widen the window a lost update would need
                    row.name = str(current + 1)
            except Exception as error:  # noqa: BLE001
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=bump) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.commit()  # end this test's own read snapshot
    assert db.session.get(User, user_id).name == "10"


def test_sqlite_is_in_wal_mode_with_foreign_keys(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1


def test_background_work_reads_on_a_connection_of_its_own(app):
    """The count flusher must not queue behind a crowd of requests for a pooled connection."""
    from ideaboard.database import use_own_connection
    from ideaboard.municipalities.models import Municipality

    with app.app_context():
        use_own_connection()
        bind = db.session.get_bind()
        assert db.session.scalar(sa.select(sa.func.count(Municipality.code))) == 340
        if db.engine.dialect.name == "sqlite":
            assert bind is db.engine  # no pool to queue in
        else:
            assert bind is not db.engine and bind.pool.size() == 1
            assert bind.pool.checkedout() == 1 and db.engine.pool.checkedout() == 0
    with app.app_context():
        assert db.session.get_bind() is db.engine  # only the session that asked for it


def test_sqlite_reads_wait_for_another_connections_lock_then_give_up(tmp_path):
    """A read that finds the database locked by another connection (here one in exclusive locking
    mode, as a restore or a VACUUM INTO leaves it) is tried again, cooperatively, until the lock
    goes; past SQLITE_LOCK_WAIT it gives up with DatabaseBusy (a 503), never SQLite's 500
    "database is locked". tests/test_sqlite_lock.py drives the same through the real server."""
    import sqlite3

    from ideaboard.database import DatabaseBusy, configure_engine

    path = tmp_path / "locked.db"
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE t (x)")
    setup.close()
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")
    holder.execute("COMMIT")  # exclusive mode: the lock stays until the connection closes

    engine = sa.create_engine(f"sqlite:///{path}")
    configure_engine(engine, lock_wait=0.5)
    started = time.monotonic()
    with pytest.raises(DatabaseBusy):
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT count(*) FROM t")).scalar()
    assert 0.5 <= time.monotonic() - started < 3

    engine.dispose()
    release = threading.Timer(0.3, holder.close)
    release.start()
    started = time.monotonic()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM t")).scalar() == 1
    assert 0.25 <= time.monotonic() - started < 3
    release.join()
    engine.dispose()
