"""A browser closing its socket is a normal event: one info line in the log, never a traceback.

Chromium closes a page's WebSocket with code 1001 ("going away") whenever the page unloads (a
phone leaving the board, a reload, a closed tab). python-engineio runs WebSockets through
simple-websocket when gevent-websocket is not installed (engineio/async_drivers/gevent.py), and its
wrapper (`engineio.async_drivers._websocket_wsgi.SimpleWebSocketWSGI`) turns `ConnectionClosed`
into "no more data" in `wait()` and into `OSError` in `send()`, but not in `close()`: its writer
greenlet calls `close()` after the loop, outside any `try`, and `simple_websocket.Server.close()`
raises `ConnectionClosed(1001)` when the browser's close frame arrived between the wrapper's
`connected` check and the call, a race the greenlet switches of gevent make real. That exception
ended the greenlet with a traceback on stderr.

`install()` makes that `close()` treat an already closed connection as closed, and
rooms/events.py logs each disconnect as one line (logger "ideaboard.sockets").
"""
import logging

log = logging.getLogger("ideaboard.sockets")


def install() -> None:
    try:
        import simple_websocket
        from engineio.async_drivers import _websocket_wsgi
    except ImportError:  # pragma: no cover - gevent-websocket serves the sockets instead
        return
    wrapper = _websocket_wsgi.SimpleWebSocketWSGI
    if getattr(wrapper.close, "ideaboard_quiet", False):
        return
    original = wrapper.close

    def close(self):
        try:
            return original(self)
        except simple_websocket.ConnectionClosed as closed:
            log.info("socket already closed by the browser (code %s)", getattr(closed, "reason", "?"))

    close.ideaboard_quiet = True
    wrapper.close = close


def configure_logging(app) -> None:
    """The sockets' log lines at INFO on stderr (the server's log), once per process."""
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
