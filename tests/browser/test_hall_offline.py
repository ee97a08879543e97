"""A hall without internet: `make hall KIT=…` on a fresh laptop instance, every outbound connection of
its processes refused and recorded (tests/hall/offline/sitecustomize.py, an audit hook loaded through
PYTHONPATH into the import command and the server), then a coordinator and a phone in Chromium through
the setup sheet, the console, the projector, the join page and the board. Every request the pages make
goes to the laptop itself, every asset they reference is served by it, and the log of refused
connections stays empty."""
import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from ideaboard.accounts.models import Role
from ideaboard.hall.services import kit_for
from ideaboard.ideathons.services import assign_moderators

from tests.browser.conftest import BROWSER_TIMEOUT_MS, DESKTOP, PHONE, check_page, screenshot, wait_live, watch_console
from tests.live_server import _free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GUARD = PROJECT_ROOT / "tests" / "hall" / "offline"
STARTUP_TIMEOUT = 120  # a fresh laptop: the migrations and the 340 municipalities first


class Hall:
    def __init__(self, url: str, process: subprocess.Popen, log: Path, netlog: Path):
        self.url, self.process, self.log_path, self.netlog = url, process, log, netlog

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # make and the server it started: their own group
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def guarded_env(tmp_path: Path) -> dict:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("IDEABOARD_") and key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    env.update(IDEABOARD_INSTANCE_PATH=str(tmp_path / "laptop"), IDEABOARD_NETGUARD_LOG=str(tmp_path / "net.log"),
               PYTHONPATH=str(GUARD), PYTHONUNBUFFERED="1")
    return env


def test_the_guard_refuses_and_records_what_leaves_the_machine(tmp_path):
    """The guard itself: an outbound connect and a name lookup are refused and recorded, loopback passes."""
    script = ("import socket\n"
              "for target in (('192.0.2.1', 80), ('example.org', 443)):\n"
              "    try:\n        socket.create_connection(target, timeout=2)\n"
              "    except OSError as e:\n        print('refused', e.errno)\n"
              "try:\n    socket.socket().connect(('198.51.100.7', 80))\n"
              "except OSError as e:\n    print('refused', e.errno)\n"
              "try:\n    socket.create_connection(('127.0.0.1', 9), timeout=2)\n"
              "except OSError as e:\n    print('loopback', e.errno)\n")
    python = PROJECT_ROOT / ".venv" / "bin" / "python"
    run = subprocess.run([str(python), "-c", script], env=guarded_env(tmp_path), capture_output=True, text=True,
                         timeout=30)
    assert run.stdout.splitlines() == ["refused 101"] * 3 + ["loopback 111"], run.stdout + run.stderr
    recorded = (tmp_path / "net.log").read_text()
    assert "'192.0.2.1'" in recorded and "getaddrinfo 'example.org'" in recorded  # looked up before connecting
    assert "connect ('198.51.100.7', 80)" in recorded
    assert "127.0.0.1" not in recorded


@pytest.fixture
def hall(app, make_ideathon, make_user, tmp_path):
    """`make hall KIT=… WIFI_NAME=… WIFI_PASSWORD=…` on a fresh instance, network guarded."""
    coordinator = make_user(Role.COORDINATOR, name="Carmen Coordinadora")
    ideathon = make_ideathon("0301", title="Ideatón sin internet", actor=coordinator,
                             themes=[("Agua", "water"), ("Calles", "road")])
    assign_moderators(ideathon, [make_user(Role.MODERATOR, name="Ana López")], actor=coordinator)
    kit = tmp_path / "kit.json"
    kit.write_bytes(kit_for(ideathon, actor=coordinator)[1])
    port = _free_port()
    log = tmp_path / "hall.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["make", "-s", "hall", f"KIT={kit}", f"PORT={port}", "WIFI_NAME=Salón Municipal",
             "WIFI_PASSWORD=ideas-2026"],
            cwd=PROJECT_ROOT, env=guarded_env(tmp_path), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = Hall(f"http://127.0.0.1:{port}", process, log, tmp_path / "net.log")
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            assert process.poll() is None, f"make hall stopped:\n{server.log()}"
            try:
                with urllib.request.urlopen(server.url + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"make hall did not answer in {STARTUP_TIMEOUT} s:\n{server.log()}"
            time.sleep(0.2)
        server.public_id = ideathon.public_id
        yield server
    finally:
        server.stop()


REFERENCES = """() => [...document.querySelectorAll("[src], [href], [srcset], [action], [data], [poster]")]
  .flatMap(e => ["src", "href", "action", "data", "poster"].map(a => e.getAttribute(a))
    .concat((e.getAttribute("srcset") || "").split(",").map(c => c.trim().split(" ")[0]))
    .filter(v => v && !v.startsWith("#") && !v.startsWith("data:"))
    .map(v => new URL(v, document.baseURI).href))"""


def references(page) -> list[str]:
    """Every address the page's elements name, made absolute (data: images left out: they are in the page)."""
    return page.evaluate(REFERENCES)


def test_the_hall_runs_with_no_internet_and_everything_comes_from_the_laptop(app, browser, hall, tmp_path):
    log = hall.log()
    import_line = re.search(r"Imported «Ideatón sin internet» .*: local id (\d+), public id ([0-9a-f-]{36})", log)
    assert import_line and import_line.group(2) == hall.public_id, log
    local_id = int(import_line.group(1))
    password = re.search(r"coordinator\s+Carmen Coordinadora\s+carmen\.coordinadora@sala\.local\s+(\S+)", log).group(1)
    assert "Phones join at:  http://" in log and f"/ideatones/{local_id}/hoja-de-sala" in log  # what make hall prints

    requested: list[str] = []
    port = urlsplit(hall.url).port
    lan = urlsplit(re.search(r"Phones join at:  (\S+)", log).group(1)).hostname  # the laptop on the hall's network

    def context(options: dict):
        made = browser.new_context(base_url=hall.url, **options)
        made.set_default_timeout(BROWSER_TIMEOUT_MS)
        made.on("request", lambda request: requested.append(request.url))
        page = made.new_page()
        watch_console(page)
        return made, page

    def assets_are_the_laptops(page) -> None:
        for address in references(page):
            parts = urlsplit(address)
            assert parts.scheme == "http" and parts.hostname in ("127.0.0.1", lan) and parts.port == port, \
                f"{page.url} names {address}: not this laptop"
            if parts.path.startswith("/static/") or parts.path.endswith((".svg", ".css", ".js", ".png", ".ico")):
                with urllib.request.urlopen(f"{hall.url}{parts.path}", timeout=10) as answer:
                    assert answer.status == 200, address

    staff_context, staff = context({**DESKTOP, "viewport": {"width": 1366, "height": 768}})
    staff.device_name = "desktop"
    staff.goto("/entrar")
    staff.get_by_label("Correo electrónico").fill("carmen.coordinadora@sala.local")
    staff.get_by_label("Contraseña", exact=True).fill(password)
    staff.locator("main").get_by_role("button", name="Entrar").click()
    staff.wait_for_url("**/panel")
    staff.goto(f"/ideatones/{local_id}")
    staff.get_by_role("button", name="Abrir la sala").click()
    staff.wait_for_url(f"**/sala/{local_id}/moderar")
    check_page(staff, "hall-console")
    assets_are_the_laptops(staff)

    staff.goto(f"/ideatones/{local_id}/hoja-de-sala")
    expect(staff.locator(".code")).to_have_count(1)
    code = staff.locator(".code").inner_text().strip()
    expect(staff.get_by_text("Salón Municipal", exact=True)).to_be_visible()
    expect(staff.locator("img.qr")).to_have_count(2)  # the Wi-Fi and the room
    check_page(staff, "hall-sheet")
    assets_are_the_laptops(staff)
    staff.emulate_media(media="print")
    screenshot(staff, "hall-sheet-print")
    staff.emulate_media(media="screen")
    printed = staff.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", printed)) == 1, "the setup sheet must print on one A4 page"

    staff.goto(f"/sala/{local_id}/proyector")
    check_page(staff, "hall-projector")
    assets_are_the_laptops(staff)

    phone_context, phone = context(PHONE)
    phone.device_name = "phone"
    phone.goto("/unirse")
    check_page(phone, "hall-join")
    assets_are_the_laptops(phone)
    phone.get_by_label("Código de la sala").fill(code)
    phone.get_by_role("button", name="Entrar", exact=True).click()
    phone.wait_for_url(f"**/sala/{local_id}/unirse")
    phone.get_by_role("button", name="Entrar al tablero").first.click()
    phone.wait_for_url(re.compile(rf"/sala/{local_id}$"))
    wait_live(phone)  # its socket is connected to the laptop
    check_page(phone, "hall-board")
    assets_are_the_laptops(phone)

    phone2 = phone_context.new_page()
    phone2.device_name = "phone"
    watch_console(phone2)
    phone2.goto(f"/ideatones/{local_id}/hoja-de-sala")  # not staff: the login, not the sheet
    assert "/entrar" in phone2.url

    staff_sheet = staff_context.new_page()
    staff_sheet.device_name = "phone"
    staff_sheet.set_viewport_size({"width": 360, "height": 740})
    watch_console(staff_sheet)
    staff_sheet.goto(f"/ideatones/{local_id}/hoja-de-sala")
    screenshot(staff_sheet, "hall-sheet")

    for made in (phone_context, staff_context):
        made.close()
    hall.stop()

    outside = [address for address in requested if not address.startswith(("data:", "blob:"))
               and (urlsplit(address).hostname not in ("127.0.0.1", lan) or urlsplit(address).port != port)]
    assert outside == [], f"the pages asked for what is not on the laptop: {outside}"
    assert requested, "the browser made no request at all"
    loaded = Path(str(hall.netlog) + ".loaded").read_text()
    assert "wsgi.py --hall" in loaded and "hall import" in loaded, loaded  # the guard ran in both processes
    assert hall.netlog.read_text() == "", "the laptop tried to reach the internet:\n" + hall.netlog.read_text()
