"""gunicorn settings for one Ideaboard process (README, "Production").

systemd starts one per port (deploy/systemd/ideaboard@.service), each with its own address and its own
control socket on the command line:

    gunicorn -c deploy/gunicorn.conf.py -b 127.0.0.1:8001 \
        --control-socket /run/ideaboard-8001/gunicorn.ctl wsgi:app

gunicorn's default control socket is one path per user ($XDG_RUNTIME_DIR/gunicorn.ctl or
~/.gunicorn/gunicorn.ctl): every master would take the same one. Without `--control-socket`, this
file names it after the process's port.
"""
from pathlib import Path

# One single-worker gevent process per port: a Socket.IO session lives in one process, and nginx keeps
# each client on one (deploy/nginx/ideaboard.conf). More processes, not more workers, for more phones.
worker_class = "gevent"
workers = 1
# gunicorn's default of 1000 connections per worker silently caps clients: every phone holds one socket.
worker_connections = 10000
# Sockets never finish on their own: a stop or restart waits this long, then the phones reconnect.
graceful_timeout = 10
timeout = 30

# The access log on stdout (the journal). `%(h)s` is the client's address as ProxyFix gives it
# (IDEABOARD_PROXY_COUNT=1 behind nginx), not nginx's; %(M)s the milliseconds taken.
accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
errorlog = "-"


# Overridden by -b (the systemd unit passes its port).
bind = ["127.0.0.1:8000"]


def on_starting(server):
    """Without --control-socket, one per port next to the default (never one shared by every master)."""
    configured = server.cfg.control_socket
    default = server.cfg.settings["control_socket"].default
    if configured == default and not server.cfg.control_socket_disable:
        port = str(server.cfg.bind[0]).rsplit(":", 1)[-1]
        path = Path(default).with_name(f"gunicorn-{port}.ctl")
        server.cfg.set("control_socket", str(path))
