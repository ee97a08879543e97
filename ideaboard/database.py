"""Database engine set-up and the unit of work every service writes through.

SQLite under gevent: SQLite waits for its lock inside C, where gevent cannot switch, so two
greenlets writing at once freeze the whole process (README, "Writing data safely"). We therefore
serialise writers inside the process with a lock (cooperative once gevent has patched
`threading`), start write transactions with `BEGIN IMMEDIATE` so the database lock is taken
up front, and never do I/O inside them. PostgreSQL needs none of this; there `write()` is an
ordinary transaction.

Another process may hold the lock too (a backup, the `sqlite3` shell, a cron job). SQLite's own
busy wait is kept to a few milliseconds (BUSY_TIMEOUT_MS); a `BEGIN` or a read that still finds
the database busy is tried again after a cooperative `time.sleep` (gevent's, once patched), so
other requests and sockets keep flowing meanwhile, until `SQLITE_LOCK_WAIT` seconds have passed:
then `DatabaseBusy`, which errors.py answers 503 with Retry-After (room.js sends the form again
with the same client_id).

What a change sets off (the room's broadcasts, the budget plan of a new ideathon) is recorded as a
domain event inside the transaction (ideaboard/events.py) and dispatched by `write()` once the
commit has succeeded and the lock is released: request → service → `write()` → commit → events →
subscribers (rooms/broadcasts.py renders and emits). A rolled-back transaction dispatches nothing.
"""
import re
import sqlite3
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import create_engine, event

from . import events
from .extensions import db

_sqlite_writer = threading.Lock()
_begin_immediate: ContextVar[bool] = ContextVar("begin_immediate", default=False)
_write_depth: ContextVar[int] = ContextVar("write_depth", default=0)
_lock_deadline: ContextVar[float | None] = ContextVar("lock_deadline", default=None)

# SQLite's own wait for a lock, inside C, where the whole process stands still: a few milliseconds
# only (what absorbs a commit in flight); longer waits are cooperative (_patiently).
BUSY_TIMEOUT_MS = 5
# SQLITE_BUSY and its extended codes that a retry can cure (recovery, a timed-out busy wait).
_BUSY_CODES = {sqlite3.SQLITE_BUSY, 261, 773}
# Statements safe to try again when busy: they start a transaction or only read. A write inside a
# transaction never meets a busy database: write() took the lock with BEGIN IMMEDIATE.
_RETRYABLE = re.compile(r"\s*(BEGIN|SELECT|PRAGMA|WITH|EXPLAIN)\b", re.IGNORECASE)


class DatabaseBusy(Exception):
    """Another process kept SQLite's lock longer than SQLITE_LOCK_WAIT: try again soon (a 503)."""


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) in _BUSY_CODES


def _patiently(connection, statement: str, run):
    """Run a statement; if the database is busy and the statement may be retried, try again with
    growing pauses (cooperative under gevent) until the deadline: this write's, else the
    connection's `lock_wait` from now."""
    try:
        return run()
    except sqlite3.OperationalError as error:
        if not (_is_busy(error) and _RETRYABLE.match(statement)):
            raise
    deadline = _lock_deadline.get() or time.monotonic() + connection.lock_wait
    pause = 0.005
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise DatabaseBusy(f"the database stayed locked by another process ({statement.split()[0]})")
        time.sleep(min(pause, left))  # gevent's sleep once patched: the other greenlets run
        pause = min(pause * 2, 0.1)
        try:
            return run()
        except sqlite3.OperationalError as error:
            if not _is_busy(error):
                raise


class _PatientCursor(sqlite3.Cursor):
    def execute(self, sql, parameters=()):
        return _patiently(self.connection, sql, lambda: sqlite3.Cursor.execute(self, sql, parameters))


class _PatientConnection(sqlite3.Connection):
    """A SQLite connection whose cursors wait for another process's lock cooperatively."""

    lock_wait = 10.0

    def cursor(self, factory=_PatientCursor):
        return super().cursor(factory)


def row_id(value) -> int | None:
    """An id as a person or a form typed it: None for text, or for a number no row can have (ids are
    the database's 32-bit integers; PostgreSQL refuses a larger number outright)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def utcnow() -> datetime:
    """Naive UTC, the form every timestamp is stored in (displayed in America/Guatemala)."""
    return datetime.now(UTC).replace(tzinfo=None)


def configure_engine(engine, *, lock_wait: float = 10.0) -> None:
    """Give SQLite connections WAL, foreign keys, a short busy timeout with a cooperative wait of
    up to `lock_wait` seconds for another process's lock (SQLITE_LOCK_WAIT), and explicit BEGINs."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "do_connect")
    def _on_do_connect(_dialect, _record, _cargs, cparams):
        cparams["factory"] = _PatientConnection
        cparams["timeout"] = BUSY_TIMEOUT_MS / 1000

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.lock_wait = float(lock_wait)
        # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _begin_immediate.get() else "BEGIN")


@contextmanager
def write():
    """Run the enclosed changes as one transaction: commit at the end, roll back on error.

    Called by services only. Nested calls join the outer transaction. Objects loaded before
    are expired and reload inside the transaction, so rules are checked on fresh rows.

    Events recorded inside (`events.record`, by this transaction or a nested one) are dispatched
    after the commit, in order, outside the write lock; on a rollback they are dropped.

    On SQLite, waiting for the lock (this process's writers, then another process's) is
    cooperative and bounded by SQLITE_LOCK_WAIT: past it, `DatabaseBusy` (answered 503).
    """
    depth = _write_depth.get()
    if depth:
        token = _write_depth.set(depth + 1)
        try:
            yield db.session
        finally:
            _write_depth.reset(token)
        return

    session = db.session()  # the request's (or CLI command's) own Session
    if session.in_transaction():
        session.commit()  # end the read transaction so the write begins under the lock
    sqlite = db.engine.dialect.name == "sqlite"
    lock = _sqlite_writer if sqlite else None
    deadline = None
    if lock:
        wait = float(current_app.config["SQLITE_LOCK_WAIT"])
        deadline = time.monotonic() + wait
        if not lock.acquire(timeout=wait):
            raise DatabaseBusy("the writers before this one kept the database busy")
    token = _write_depth.set(1)
    collecting, recorded = events.collect()
    try:
        flag = _begin_immediate.set(sqlite)
        limit = _lock_deadline.set(deadline)
        try:
            session.connection()  # BEGIN (IMMEDIATE on SQLite) happens here, under the lock
        finally:
            _lock_deadline.reset(limit)
            _begin_immediate.reset(flag)
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        events.stop_collecting(collecting)
        _write_depth.reset(token)
        if lock:
            lock.release()
    # Committed: what it set off may now run (and do I/O), with the lock free for other writers.
    events.dispatch(recorded)


def use_own_connection() -> None:
    """Pin this app context's session to a one-connection engine of its own, for background work
    (the count flusher): it then never queues behind a crowd of requests for a pooled connection,
    and the counts keep flowing while votes pour in. SQLite has no pool to queue in."""
    if db.engine.dialect.name == "sqlite":
        return
    engine = current_app.extensions.get("ideaboard_background_engine")
    if engine is None:
        engine = create_engine(db.engine.url, pool_size=1, max_overflow=0, pool_pre_ping=True)
        current_app.extensions["ideaboard_background_engine"] = engine
    db.session().info["engine"] = engine


def end_read() -> None:
    """End this request's read transaction, giving its connection back to the pool, without
    expiring what it loaded: for a request about to wait (objects stay as read, unchanged)."""
    session = db.session()
    if session.in_transaction():
        keep, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        finally:
            session.expire_on_commit = keep


class GroupCommit:
    """Many small writes of the same kind, committed together (group commit).

    A request calls `submit(item)` and waits. The first waiter to get the lock lets every other
    ready request run up to its own `submit` (one cooperative yield), then takes every item queued
    so far and hands the batch to `process` (one transaction, a few statements for the whole
    batch); the others find their item done when the lock comes to them, or take the next batch.
    Under load the batches grow by themselves, so the cost per item falls as the load rises;
    alone, an item is a batch of one. Works with threads and with gevent's patched locks.

    The yield is what makes batches on SQLite: its calls run inside C and never let another
    greenlet run, so without it each request would reach an empty queue and a free lock, and
    every vote would be a transaction of its own (PostgreSQL yields while it waits for the server).
    `batches` and `items` count what was processed.

    Callers end their read transaction first (`end_read`), so that waiting holds no connection.
    `process(batch)` must settle every item (its result or its error). If it raises, every item of
    the batch carries that exception and each waiter raises it.
    """

    def __init__(self, process, max_batch: int = 500):
        self._process = process
        self._max_batch = max_batch
        self._writer = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queue: list = []
        self.batches = 0
        self.items = 0

    def submit(self, item):
        item.failure = None
        item.settled = False
        with self._queue_lock:
            self._queue.append(item)
        with self._writer:
            if not item.settled:
                time.sleep(0)  # let the requests ready to vote queue their items: they join this batch
                with self._queue_lock:
                    batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch:]
                    if item not in batch:  # more than max_batch queued ahead of it: it joins this batch
                        self._queue.remove(item)
                        batch.append(item)
                self.batches += 1
                self.items += len(batch)
                try:
                    self._process(batch)
                except Exception as error:
                    for queued in batch:
                        queued.failure = error
                finally:
                    for queued in batch:
                        queued.settled = True
        if item.failure is not None:
            raise item.failure
        return item
