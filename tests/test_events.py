"""Domain events (ideaboard/events.py): recorded inside write(), dispatched only after the commit."""
import ast
import logging
from contextlib import ExitStack
from pathlib import Path

import pytest
import sqlalchemy as sa

import ideaboard
from ideaboard import events
from ideaboard.accounts.models import User
from ideaboard.database import write
from ideaboard.extensions import db
from ideaboard.ideathons.models import Ideathon
from ideaboard.rooms.services import RoomError, change_phase


class Heard:
    """A subscriber that notes each event it gets, with what a fresh connection reads then."""

    def __init__(self, app, *signals):
        self.app, self.signals, self.calls = app, signals, []
        self._stack = ExitStack()

    def __call__(self, sender, **payload):
        ideathon = payload.get("ideathon")
        committed = None
        if ideathon is not None:
            with db.engine.connect() as connection:  # not the session's: sees only what is committed
                committed = connection.execute(
                    sa.select(Ideathon.phase, Ideathon.room_seq).where(Ideathon.id == ideathon.id)).one()
        self.calls.append((sender, payload, committed))

    def __enter__(self):
        for signal in self.signals:
            self._stack.enter_context(signal.connected_to(self, sender=self.app))
        return self

    def __exit__(self, *exc):
        return self._stack.__exit__(*exc)


def test_a_service_event_is_dispatched_after_the_commit(app, open_room):
    ideathon = open_room(phase="ideas")
    with Heard(app, events.room_changed) as heard:
        change_phase(ideathon, "voting", actor=ideathon.created_by)
    [(sender, payload, committed)] = heard.calls
    assert sender is app
    assert payload["phase"] is True and payload["ideathon"] is ideathon
    # The subscriber, on a connection of its own, already reads the new phase and sequence number.
    assert committed == ("voting", payload["seq"])


def test_a_refusal_dispatches_nothing(app, open_room):
    ideathon = open_room(phase="ideas")
    seq = ideathon.room_seq
    with Heard(app, events.room_changed, events.ideas_changed) as heard:
        with pytest.raises(RoomError):
            change_phase(ideathon, "preparation", actor=ideathon.created_by)  # not allowed from "ideas"
    assert heard.calls == []
    db.session.expire_all()
    assert db.session.get(Ideathon, ideathon.id).room_seq == seq


def test_an_error_inside_write_drops_the_events_recorded_before_it(app, open_room):
    ideathon = open_room(phase="ideas")
    with Heard(app, events.room_changed) as heard:
        with pytest.raises(RuntimeError):
            with write():
                ideathon.timer_ends_at = None
                events.record(events.room_changed, ideathon=ideathon, seq=999)
                raise RuntimeError("a rule failed half way")
    assert heard.calls == []


def test_a_failed_commit_dispatches_nothing(app, open_room, monkeypatch):
    ideathon = open_room(phase="ideas")
    session = db.session()

    def refuse():
        raise sa.exc.OperationalError("COMMIT", {}, Exception("disk I/O error"))

    with Heard(app, events.room_changed) as heard:
        monkeypatch.setattr(session, "commit", refuse)
        with pytest.raises(sa.exc.OperationalError):
            with write():
                events.record(events.room_changed, ideathon=ideathon, seq=999)
        monkeypatch.undo()
    assert heard.calls == []


def test_nested_writes_dispatch_once_after_the_outer_commit_in_order(app, open_room):
    ideathon = open_room(phase="ideas")
    with Heard(app, events.room_changed, events.counts_changed) as heard:
        with write():
            events.record(events.room_changed, ideathon=ideathon, seq=1)
            with write():  # a service calling another joins the same transaction
                events.record(events.counts_changed, ideathon_id=ideathon.id, idea_ids=[7])
            assert heard.calls == []  # the inner block's end is not a commit
            events.record(events.room_changed, ideathon=ideathon, seq=2)
            assert heard.calls == []
    assert [(payload.get("seq"), payload.get("idea_ids")) for _sender, payload, _committed in heard.calls] == [
        (1, None), (None, [7]), (2, None)]


def test_a_failing_subscriber_is_logged_and_undoes_nothing(app, make_user, caplog):
    user = make_user(name="Antes")

    def broken(sender, **payload):
        raise ValueError("a subscriber's bug")

    with Heard(app, events.counts_changed) as heard, events.counts_changed.connected_to(broken, sender=app):
        with caplog.at_level(logging.ERROR):
            with write():  # no exception reaches the caller
                user.name = "Después"
                events.record(events.counts_changed, ideathon_id=1, idea_ids=[1])
                events.record(events.counts_changed, ideathon_id=1, idea_ids=[2])
    # The other subscriber got both events, the one after the failure too.
    assert [payload["idea_ids"] for _sender, payload, _committed in heard.calls] == [[1], [2]]
    failures = [record for record in caplog.records if "broken" in record.getMessage()]
    assert len(failures) == 2 and all(record.exc_info[0] is ValueError for record in failures)
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "Después"  # the change stays committed


def test_an_event_recorded_outside_write_is_refused(app):
    with pytest.raises(RuntimeError, match="outside write"):
        events.record(events.counts_changed, ideathon_id=1, idea_ids=[1])


def test_services_neither_broadcast_nor_render():
    """Services record events; the broadcaster, which renders templates, subscribes to them."""
    package = Path(ideaboard.__file__).parent
    offenders = []
    for path in sorted(package.glob("*/services.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                names = {alias.name for alias in node.names}
                if module.endswith("rooms.broadcasts") or (module.endswith("rooms") and "broadcasts" in names) \
                        or (module == "flask" and "render_template" in names):
                    offenders.append(f"{path.relative_to(package)}:{node.lineno}")
            elif isinstance(node, ast.Import):
                if any(alias.name.endswith("rooms.broadcasts") for alias in node.names):
                    offenders.append(f"{path.relative_to(package)}:{node.lineno}")
            elif isinstance(node, ast.Attribute) and node.attr == "render_template":
                offenders.append(f"{path.relative_to(package)}:{node.lineno}")
    assert offenders == []
