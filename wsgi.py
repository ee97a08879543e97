"""Entry point. `python wsgi.py` serves with gevent; gunicorn imports `app`.

`make run` serves with `python wsgi.py --prepare`: first, in the same process, the migrations still
pending and the demo data the first time (`flask --app wsgi prepare`, ideaboard/cli.py). `make hall`
serves with `python wsgi.py --hall`: the migrations still pending, no demo data, and it prints the
address phones use and each ideathon's setup sheet (ideaboard/hall/cli.py).

Production: gunicorn -k gevent -w 1 --worker-connections 10000 wsgi:app  (see README).
"""
if __name__ == "__main__":  # serving: gevent must patch the standard library before anything else loads
    from gevent import monkey

    monkey.patch_all()

import os  # noqa: E402
import sys  # noqa: E402

from ideaboard import create_app  # noqa: E402
from ideaboard.extensions import socketio  # noqa: E402

app = create_app()

if __name__ == "__main__":
    if "--prepare" in sys.argv[1:]:
        from ideaboard.cli import prepare

        with app.app_context():
            prepare(demo=True)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    if "--hall" in sys.argv[1:]:
        from ideaboard.hall.cli import banner, prepare_laptop

        with app.app_context():
            prepare_laptop()
            print("\n".join(banner(host, port)), flush=True)
    print(f" * Ideaboard on http://{host}:{port} (gevent, Socket.IO)", flush=True)
    socketio.run(app, host=host, port=port, log_output=os.environ.get("IDEABOARD_ACCESS_LOG") == "1")
