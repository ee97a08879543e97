"""A browser closing its socket (a phone leaving the board, a tab closed) is a normal event: the
server logs one info line for it, never a traceback (ideaboard/extensions.py, socket_closed)."""
import time

import pytest

from .conftest import wait_live
from .test_live_room import THEMES, join_by_qr

pytestmark = pytest.mark.browser

LOG_WAIT = 10.0  # s: the server notices the closed socket at once; this only bounds a failure


def wait_for_log(live_server, since: int, text: str) -> str:
    """The server's log written after `since` (a length), once it contains `text`."""
    deadline = time.monotonic() + LOG_WAIT
    while True:
        written = live_server.log()[since:]
        if text in written or time.monotonic() > deadline:
            return written
        time.sleep(0.05)  # polling the log file for a condition, not waiting a fixed time


def test_a_browser_closing_its_socket_logs_one_line_and_no_traceback(app, open_room, new_page, live_server):
    room = open_room(themes=THEMES)
    page = new_page("phone")
    join_by_qr(page, room, "Ana")
    wait_live(page)
    since = len(live_server.log())
    page.goto("about:blank")  # the board's page unloads: Chromium closes its WebSocket (1001, going away)
    written = wait_for_log(live_server, since, "socket closed by the browser")
    assert "socket closed by the browser" in written, written
    assert "Traceback" not in written and "ConnectionClosed" not in written, written
    page.context.close()
    written = live_server.log()[since:]
    assert "Traceback" not in written, written


def test_closing_a_socket_the_browser_already_closed_is_quiet(app):
    """The race behind the traceback: the wrapper saw the socket open, simple-websocket then found
    it closed by the browser (1001) and raised. Now: one info line, no exception."""
    import logging

    import simple_websocket
    from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

    from ideaboard.websocket_close import log

    class ClosedMeanwhile:
        connected = True

        def close(self):
            raise simple_websocket.ConnectionClosed(1001, "")

    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append((record.levelno, record.getMessage()))
    log.addHandler(handler)
    try:
        wrapper = SimpleWebSocketWSGI(None, None)
        wrapper.ws = ClosedMeanwhile()
        wrapper.close()  # raised ConnectionClosed before
    finally:
        log.removeHandler(handler)
    assert lines == [(logging.INFO, "socket already closed by the browser (code 1001)")]
