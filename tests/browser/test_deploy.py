"""The deployment recipe, run: deploy/'s nginx configuration in front of two gunicorn processes.

What production runs (README, "Production"), on this machine's loopback:

- its own `redis-server` on a free port (the two processes' message queue and rate-limit store), so
  the test runs in both CI profiles; the database is the suite's (`migrated`: PostgreSQL in the Redis
  profile; in the SQLite profile the two processes share the test's SQLite file, enough for a few posts);
- two `gunicorn -c deploy/gunicorn.conf.py` processes (gevent), IDEABOARD_ENV=production with a
  SECRET_KEY, IDEABOARD_PROXY_COUNT=1, each with its own control socket;
- nginx (Debian's, installed by `make nginx`) started by the test as the current user with
  deploy/nginx/ideaboard.conf as shipped: only its ports, its upstream servers, its certificate (a
  throwaway self-signed one made with openssl: Chromium ignores the certificate's errors, so the HTTPS
  block itself is exercised) and its log and cache paths are substituted, around a main configuration
  with the test's own pid, error log and temporary folders.

The browser reaches nginx at 127.0.0.2 from 127.0.0.1, and nginx reaches the processes from 127.0.0.3
(`proxy_bind`, in the test's main configuration): so the processes' access logs prove they log the
client's address, not the proxy's. nginx listens on a non-standard port: the port in the Host header is
what the Socket.IO origin check and the CSRF Referer check see.

A phone joins; a second phone is routed to the other process (nginx's access log says which process
answered each request, by routing cookie); each sees the other's idea live over its WebSocket, and posts.
"""
import getpass
import json
import os
import re
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.processes import Process, free_port as _free_port, wait as _wait

from .conftest import BROWSER_TIMEOUT_MS, PHONE, page_errors, wait_live, watch_console

pytestmark = pytest.mark.browser

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = PROJECT_ROOT / "deploy"
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
NGINX_ADDRESS = "127.0.0.2"  # where nginx listens (the browser's URL)
CLIENT_ADDRESS = "127.0.0.1"  # where the browser comes from (Linux's source address on loopback)
PROXY_ADDRESS = "127.0.0.3"  # where nginx's connections to the processes come from (proxy_bind)
SECRET_KEY = "deploy-test-secret-key"
STARTUP_TIMEOUT = 60.0  # s: a busy machine (five test suites at once) starts gunicorn slowly
THEME = "Agua y saneamiento"
MAX_ROUTING_TRIES = 30  # phones opened until one lands on the other process (each has odds of 1/2)


@pytest.fixture
def stack(app, migrated, tmp_path, request):
    """Redis, two gunicorn processes and nginx, stopped (before `app` empties the tables) however the
    test ends. Returns a dict: the processes, their ports, nginx's URL and its access log."""
    if not Path(NGINX).is_file():
        pytest.fail(f"nginx is required for the deployment test and was not found at {NGINX}: "
                    "install it with `make nginx` (apt-get install nginx).", pytrace=False)
    started: list[Process] = []
    request.addfinalizer(lambda: [process.stop() for process in reversed(started)])

    redis_port = _free_port()
    redis_server = Process("redis", ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                                     "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                           tmp_path / "redis.log")
    started.append(redis_server)
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    import redis

    def redis_answers():
        redis_server.check_alive()
        try:
            return redis.Redis.from_url(redis_url, socket_timeout=1).ping()
        except redis.RedisError:
            return False

    _wait(redis_answers, STARTUP_TIMEOUT, "redis-server did not answer", redis_server.log)

    gunicorns = []
    for name in ("A", "B"):
        port = _free_port()
        instance = tmp_path / f"instance-{name}"
        instance.mkdir()
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("IDEABOARD_") and key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
        env.update(IDEABOARD_ENV="production", SECRET_KEY=SECRET_KEY, DATABASE_URL=migrated, REDIS_URL=redis_url,
                   IDEABOARD_PROXY_COUNT="1", IDEABOARD_INSTANCE_PATH=str(instance),
                   IDEABOARD_UPLOAD_FOLDER=str(tmp_path / "uploads"), IDEABOARD_METRICS_ALLOWED="127.0.0.1",
                   PYTHONUNBUFFERED="1")
        control = tmp_path / f"gunicorn-{name}.ctl"
        gunicorn = Path(sys.executable).with_name("gunicorn")
        process = Process(f"gunicorn {name}", [str(gunicorn), "-c", str(DEPLOY / "gunicorn.conf.py"),
                                               "-b", f"127.0.0.1:{port}", "--control-socket", str(control),
                                               "wsgi:app"],
                          tmp_path / f"gunicorn-{name}.log", env=env)
        process.port, process.control = port, control
        started.append(process)
        gunicorns.append(process)
    for process in gunicorns:
        def healthy(process=process):
            process.check_alive()
            try:
                return requests.get(f"http://127.0.0.1:{process.port}/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        _wait(healthy, STARTUP_TIMEOUT, f"{process.name} did not answer /healthz", process.log)

    port = _free_port()
    conf = _nginx_configuration(tmp_path / "nginx", port, [p.port for p in gunicorns])
    nginx = Process("nginx", [NGINX, "-p", str(conf.parent), "-c", str(conf), "-e", str(conf.parent / "error.log")],
                    tmp_path / "nginx.out", stop_signal=signal.SIGQUIT)
    started.append(nginx)

    def nginx_listens():
        nginx.check_alive()
        try:
            with socket.create_connection((NGINX_ADDRESS, port), timeout=1):
                return True
        except OSError:
            return False

    _wait(nginx_listens, STARTUP_TIMEOUT, "nginx did not listen",
          lambda: nginx.log() + (conf.parent / "error.log").read_text(errors="replace")[-3000:])
    return {"gunicorns": gunicorns, "url": f"https://{NGINX_ADDRESS}:{port}", "nginx": nginx,
            "access_log": conf.parent / "access.log", "certificate": conf.parent / "cert.pem"}


def _substitute(text: str, old: str, new: str, count: int = 1) -> str:
    """Replace `old` exactly `count` times: a shipped configuration that no longer has it fails here."""
    found = text.count(old)
    assert found == count, f"deploy/nginx/ideaboard.conf has {old!r} {found} times, not {count}"
    return text.replace(old, new)


def _nginx_configuration(folder: Path, port: int, upstream_ports: list[int]) -> Path:
    """deploy/nginx/ideaboard.conf with this test's ports, certificate and paths, inside a main
    configuration of the test's own (pid, error log, temporary folders, the current user)."""
    folder.mkdir()
    for sub in ("cache", "client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / sub).mkdir()
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={NGINX_ADDRESS}",
                    "-addext", f"subjectAltName=IP:{NGINX_ADDRESS}"], check=True, capture_output=True)

    site = (DEPLOY / "nginx" / "ideaboard.conf").read_text()
    site = _substitute(site, "    listen [::]:80;\n", "")
    site = _substitute(site, "    listen [::]:443 ssl;\n", "")
    site = _substitute(site, "listen 80;", f"listen {NGINX_ADDRESS}:{_free_port()};")
    site = _substitute(site, "listen 443 ssl;", f"listen {NGINX_ADDRESS}:{port} ssl;")
    site = _substitute(site, "server 127.0.0.1:8001 ", f"server 127.0.0.1:{upstream_ports[0]} ")
    site = _substitute(site, "server 127.0.0.1:8002 ", f"server 127.0.0.1:{upstream_ports[1]} ")
    site = _substitute(site, "/etc/ssl/ideaboard/fullchain.pem", str(cert))
    site = _substitute(site, "/etc/ssl/ideaboard/privkey.pem", str(key))
    site = _substitute(site, "/var/log/nginx/ideaboard.access.log", str(folder / "access.log"), count=2)
    site = _substitute(site, "proxy_cache_path /var/cache/nginx/ideaboard ", f"proxy_cache_path {folder / 'cache'} ")
    (folder / "ideaboard.conf").write_text(site)

    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""  # workers as root's user, not nobody
    main = f"""{user}daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} info;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {folder / "client_body"};
    proxy_temp_path {folder / "proxy"};
    fastcgi_temp_path {folder / "fastcgi"};
    uwsgi_temp_path {folder / "uwsgi"};
    scgi_temp_path {folder / "scgi"};
    proxy_bind {PROXY_ADDRESS};
    include {folder / "ideaboard.conf"};
}}
"""
    conf = folder / "nginx.conf"
    conf.write_text(main)
    checked = subprocess.run([NGINX, "-t", "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    return conf


# nginx's access log (log_format ideaboard): the client's address first, upstream= and route= last.
NGINX_LINE = re.compile(r'^(?P<client>\S+) .*?"(?P<request>[^"]*)" (?P<status>\d{3}) .* '
                        r'upstream=(?P<upstream>\S+) route=(?P<route>\S+)$')


def _nginx_lines(access_log: Path) -> list[dict]:
    if not access_log.exists():
        return []
    return [match.groupdict() for line in access_log.read_text(errors="replace").splitlines()
            if (match := NGINX_LINE.match(line))]


def _upstreams_of(access_log: Path, route: str) -> set[str]:
    return {line["upstream"] for line in _nginx_lines(access_log) if line["route"] == route}


def _open_phone(browser, url: str):
    context = browser.new_context(base_url=url, ignore_https_errors=True, **PHONE)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    watch_console(page)
    sockets = page.opened_websockets = []
    page.on("websocket", lambda ws: sockets.append(ws))
    return context, page


def _route_cookie(context) -> str:
    cookies = {cookie["name"]: cookie for cookie in context.cookies()}
    assert "ib_route" in cookies, f"nginx set no routing cookie: {sorted(cookies)}"
    cookie = cookies["ib_route"]
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax", cookie
    return cookie["value"]


def _routed_upstream(stack, context) -> str:
    """The process every request of this browser reached so far (one, or the test fails)."""
    route = _route_cookie(context)
    upstreams = _wait(lambda: _upstreams_of(stack["access_log"], route), 30, f"no nginx log line for route {route}")
    assert len(upstreams) == 1, f"route {route} reached several processes: {upstreams}"
    return next(iter(upstreams))


def _join(page, room) -> None:
    page.goto(f"/s/{room.room_code}")
    page.wait_for_url(f"**/sala/{room.id}/unirse")
    page.get_by_role("button", name="Entrar al tablero").first.click()
    page.wait_for_url(re.compile(rf"/sala/{room.id}$"))
    expect(page.locator("#board")).to_be_visible()
    wait_live(page)


def _post(page, text: str) -> None:
    box = page.get_by_label(f"Su idea para «{THEME}»")
    box.fill(text)
    with page.expect_response(lambda r: r.request.method == "POST" and "/ideas" in r.url) as answer:
        page.locator("form.post-form", has=box).get_by_role("button", name="Enviar").click()
    assert answer.value.status == 200, (answer.value.status, answer.value.text()[:300])


def _metric(url: str, name: str, labels: str) -> float:
    text = requests.get(url + "/metrics", timeout=5).text
    match = re.search(rf"^{name}\{{{re.escape(labels)}\}} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def test_two_phones_on_two_processes_behind_nginx_see_each_others_ideas_live(stack, browser, open_room):
    room = open_room(themes=[(THEME, "water")])
    url, access_log = stack["url"], stack["access_log"]
    upstream_ports = {f"127.0.0.1:{p.port}": p for p in stack["gunicorns"]}
    contexts = []
    try:
        # The first phone: nginx gives it a routing cookie on its first answer; every request after
        # it, the socket's included, reaches the process that cookie chose.
        first_context, first = _open_phone(browser, url)
        contexts.append(first_context)
        _join(first, room)
        first_process = _routed_upstream(stack, first_context)

        # The second phone: phones are opened until one is routed to the other process (a new cookie
        # each, nothing chosen by the test), then it joins.
        for _ in range(MAX_ROUTING_TRIES):
            context, page = _open_phone(browser, url)
            page.goto("/unirse")
            if _routed_upstream(stack, context) != first_process:
                contexts.append(context)
                break
            context.close()
        else:
            pytest.fail(f"{MAX_ROUTING_TRIES} phones in a row were routed to {first_process}: no sticky "
                        "routing across two processes")
        second_context, second = context, page
        _join(second, room)
        second_process = _routed_upstream(stack, second_context)
        assert {first_process, second_process} == set(upstream_ports)

        # Each phone's idea reaches the other phone, on the other process, live (Redis between them).
        from_second = f"Agua potable para el mercado {uuid.uuid4().hex[:6]}"
        _post(second, from_second)
        expect(first.locator("li.idea", has_text=from_second)).to_be_visible()
        from_first = f"Limpieza del río {uuid.uuid4().hex[:6]}"
        _post(first, from_first)
        expect(second.locator("li.idea", has_text=from_first)).to_be_visible()
        for page in (first, second):
            assert page.evaluate("document.querySelector('#board[data-live]') !== null")
            assert not page_errors(page), page_errors(page)

        # Each phone's socket runs over a WebSocket, upgraded through nginx.
        for page in (first, second):
            assert any("/socket.io/" in ws.url and "transport=websocket" in ws.url and not ws.is_closed()
                       for ws in page.opened_websockets), [ws.url for ws in page.opened_websockets]

        # Each process logged the posts it answered with the phone's address, not nginx's (ProxyFix
        # with IDEABOARD_PROXY_COUNT=1, gunicorn's access log), and counts its own socket in the room.
        for process_address in (first_process, second_process):
            process = upstream_ports[process_address]
            posts = [line for line in process.log(200_000).splitlines() if f"POST /sala/{room.id}/ideas" in line]
            assert posts and all(line.startswith(CLIENT_ADDRESS + " ") for line in posts), process.log()
            direct = f"http://{process_address}"
            assert _metric(direct, "ideaboard_sockets_connected", f'room="{room.id}"') == 1
            assert _metric(direct, "ideaboard_posts_total", 'outcome="accepted"') == 1

        # /metrics is never served through nginx; a monitoring POST without a same-host Referer is
        # refused over HTTPS (README, "Production").
        certificate = str(stack["certificate"])  # requests checks it (an argument: REQUESTS_CA_BUNDLE would win)
        assert requests.get(url + "/metrics", verify=certificate, timeout=10).status_code == 404
        session = requests.Session()
        page = session.get(url + "/unirse", verify=certificate, timeout=10)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        refused = session.post(url + "/unirse", data={"csrf_token": token.group(1), "code": "XXXXXX"},
                               verify=certificate, timeout=10)
        assert refused.status_code == 400
        referred = session.post(url + "/unirse", data={"csrf_token": token.group(1), "code": "XXXXXX"},
                                headers={"Referer": url + "/unirse"}, verify=certificate, timeout=10)
        assert referred.status_code != 400, referred.text[:300]

        # One control socket per gunicorn master, each answering for its own port.
        gunicornc = Path(sys.executable).with_name("gunicornc")
        for process in stack["gunicorns"]:
            shown = subprocess.run([str(gunicornc), "-s", str(process.control), "-c", "show listeners", "-j"],
                                   capture_output=True, text=True, timeout=30)
            assert shown.returncode == 0, shown.stderr
            assert f":{process.port}" in shown.stdout and json.loads(shown.stdout)

        # Closed, the phones' WebSockets are in nginx's log (written when a request ends): each upgraded
        # (101) on its own process, and every request of each phone stayed on its process.
        routes = {_route_cookie(first_context): first_process, _route_cookie(second_context): second_process}
        for context in contexts:
            context.close()
        contexts.clear()

        def websockets_logged():
            lines = _nginx_lines(access_log)
            return lines if all(any(line["route"] == route and "transport=websocket" in line["request"]
                                    and line["status"] == "101" for line in lines) for route in routes) else None

        lines = _wait(websockets_logged, 60, "nginx logged no WebSocket (101) for each phone",
                      lambda: access_log.read_text(errors="replace")[-5000:])
        for route, process in routes.items():
            mine = [line for line in lines if line["route"] == route]
            assert {line["upstream"] for line in mine} == {process}, mine
            assert all(line["client"] == CLIENT_ADDRESS for line in mine)
    finally:
        for context in contexts:
            context.close()
