"""Browser tests: the real server in a subprocess, driven by Debian's headless Chromium.

- `live_server` starts `.venv/bin/python wsgi.py` (gevent, Socket.IO) once per session on the
  same database as the in-process `app` fixture; with REDIS_URL set it runs the production
  profile (Redis as Socket.IO message queue and rate-limit store).
- Test data is made in-process through the `app` fixture and the factories of tests/conftest.py,
  which also empty the tables around each test: browser tests request `app` as well.
- `phone` (360x740, touch, es-GT) and `desktop` (1280x800) each yield a fresh page;
  `device_page` is both, for tests parametrized over the two.
- `check_page(page, name)` is what every visited page goes through: axe (WCAG 2.1 AA) with zero
  violations, no console error or CSP violation so far, no horizontal scrolling, touch targets of
  at least 44x44 px on the phone, and a screenshot in test-artifacts/screenshots/ for review.
- `check_page` also keeps each page's HTML (test-artifacts/nu/); at the end of the session the Nu
  HTML Checker (vnu-jar, installed by `make vnu`) reads them all in one run and the session fails,
  listing the errors page by page, unless there are none.
"""
import itertools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

# Every wait is for a condition, so a generous limit costs nothing when things are quick and keeps
# a busy machine (a PDF rendered while other suites run) from failing: assertions as page actions.
BROWSER_TIMEOUT_MS = 30_000
expect.set_options(timeout=BROWSER_TIMEOUT_MS)

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
# Where check_page keeps the pages' HTML for the Nu HTML Checker (IDEABOARD_NU_PAGES: another folder,
# for two sessions at once).
NU_PAGES = Path(os.environ.get("IDEABOARD_NU_PAGES") or PROJECT_ROOT / "test-artifacts" / "nu")
VNU_JAR = PROJECT_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "locale": "es-GT",
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "es-GT"}


def pytest_collection_modifyitems(config, items):
    """Every test under tests/browser is a browser test (`-m "not browser"` skips them all)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


# --- Chromium ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    """Debian's Chromium, headless. Missing Chromium is a failure, never a skip (`make browser`)."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"Chromium is required for the browser tests and was not found at {CHROMIUM}: "
                    "install it with `make browser` (apt-get install chromium).", pytrace=False)
    try:
        browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception as error:  # noqa: BLE001 - any launch failure must fail loudly
        pytest.fail(f"Chromium at {CHROMIUM} failed to start: {error}", pytrace=False)
    yield browser
    browser.close()


def _open_page(browser, live_server, **options):
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = context.new_page()
    watch_console(page)
    return context, page


def _close(context, page):
    errors = list(page_errors(page))
    context.close()
    if errors:
        pytest.fail("console errors or CSP violations on the page:\n" + "\n".join(errors), pytrace=False)


@pytest.fixture
def phone(browser, live_server):
    """A page in a phone-sized context: 360x740, touch, Spanish (Guatemala)."""
    context, page = _open_page(browser, live_server, **PHONE)
    page.device_name = "phone"
    yield page
    _close(context, page)


@pytest.fixture
def desktop(browser, live_server):
    """A page in a laptop-sized context: 1280x800."""
    context, page = _open_page(browser, live_server, **DESKTOP)
    page.device_name = "desktop"
    yield page
    _close(context, page)


@pytest.fixture(params=["phone", "desktop"])
def device_page(request):
    """The same test on a phone and on a desktop."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def new_page(browser, live_server):
    """Factory for pages with other context options (no JavaScript, ...); closed after the test."""
    opened = []

    def make(name="custom", **options):
        context, page = _open_page(browser, live_server, **{**PHONE, **options})
        page.device_name = name
        opened.append((context, page))
        return page

    yield make
    for context, page in opened:
        _close(context, page)


# --- Checks ------------------------------------------------------------------------------------


FAILED_LOAD = re.compile(r"^Failed to load resource: the server responded with a status of (\d{3})")


def watch_console(page) -> list[str]:
    """Record console errors (CSP violations are reported there) and uncaught page errors.

    A page the app serves on purpose with an error status (404 page, 422 form re-rendered with
    its errors) makes Chromium log "Failed to load resource" for the document itself: that is
    the HTTP status doing its job, not a defect, so it is ignored for navigations only. A failed
    stylesheet, script, icon or htmx request still fails the test.
    """
    errors: list[str] = []
    documents: set[str] = set()

    def on_request(request):
        if request.is_navigation_request():
            documents.add(request.url)

    def on_console(message):
        if message.type != "error":
            return
        where = (message.location or {}).get("url", "")
        if FAILED_LOAD.match(message.text) and where.split("#")[0] in documents:  # (a form's action#fragment)
            return
        errors.append(f"console error on {page.url}: {message.text}" + (f" ({where})" if where else ""))

    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"page error on {page.url}: {error}"))
    page.console_errors = errors
    return errors


def page_errors(page) -> list[str]:
    return getattr(page, "console_errors", [])


def assert_no_console_errors(page) -> None:
    errors = page_errors(page)
    if errors:
        message = "console errors or CSP violations:\n" + "\n".join(errors)
        errors.clear()  # reported once, here, not again when the context closes
        pytest.fail(message, pytrace=False)


def axe_check(page, context=None) -> None:
    """Run axe-core with the WCAG 2.1 A and AA rules; fail with a readable list of violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        context=context,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    violations = results.response["violations"]
    if not violations:
        return
    lines = [f"{len(violations)} accessibility violation(s) on {page.url} "
             f"({getattr(page, 'device_name', '?')}):"]
    for violation in violations:
        lines.append(f"- {violation['id']} [{violation.get('impact')}]: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:10]:
            target = " ".join(str(t) for t in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {target}: {summary}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    ... and {len(violation['nodes']) - 10} more")
    pytest.fail("\n".join(lines), pytrace=False)


MIN_TARGET = 44  # CSS px: big touch targets for cheap phones and unsteady fingers (the stylesheet aims at 48)

SMALL_TARGETS = """min => {
  const visible = e => e.getClientRects().length && getComputedStyle(e).visibility !== "hidden"
    && !e.closest(".visually-hidden, .skip-link, [aria-hidden=true]");
  // A link inside running text (its parent says more than the link) is exempt, as in WCAG 2.5.8.
  const inSentence = e => e.tagName === "A" && getComputedStyle(e).display === "inline"
    && e.parentElement.textContent.trim() !== e.textContent.trim();
  const box = e => {  // a control and its labels are one target: tapping the label works too
    const boxes = [e, ...(e.labels || [])].filter(visible).map(x => x.getBoundingClientRect());
    return {w: Math.max(...boxes.map(b => b.width)), h: Math.max(...boxes.map(b => b.height))};
  };
  return [...document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary")]
    .filter(e => visible(e) && !inSentence(e))
    .map(e => ({e, ...box(e)}))
    .filter(t => t.h < min - 0.5 || t.w < min - 0.5)
    .map(t => `${t.e.tagName.toLowerCase()}${t.e.id ? "#" + t.e.id : ""}.${[...t.e.classList].join(".")} `
              + `"${(t.e.textContent || t.e.value || t.e.getAttribute("aria-label") || "").trim().slice(0, 40)}" `
              + `${Math.round(t.w)}x${Math.round(t.h)}`);
}"""


def assert_touch_targets(page) -> None:
    """On a phone every link, button and field that is not part of a sentence is at least 44x44."""
    small = page.evaluate(SMALL_TARGETS, MIN_TARGET)
    if small:
        pytest.fail(f"touch targets under {MIN_TARGET}x{MIN_TARGET} px on {page.url}:\n  " + "\n  ".join(small),
                    pytrace=False)


def assert_no_horizontal_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"the page is {width} px wide in a {viewport} px viewport: {page.url}"


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{getattr(page, 'device_name', 'page')}.png"
    # caret="initial": hiding the caret makes Playwright leave style="" on every input, which
    # htmx's settle step then copies onto the swapped-in elements: a CSP violation of our making.
    page.screenshot(path=str(path), full_page=True, caret="initial")
    return path


# --- The Nu HTML Checker: every page check_page saw, checked in one run at the session's end ----

_nu_numbers = itertools.count(1)
_nu_pages: dict[str, str] = {}  # file name -> the page's address and name, for the report


def keep_html(page, name: str | None) -> None:
    """Keep the page's HTML as the browser holds it (what htmx and room.js made of it included)
    for the Nu HTML Checker, which reads them all at the end of the session."""
    if not _nu_pages and NU_PAGES.exists():
        shutil.rmtree(NU_PAGES)  # a new session: only this session's pages
    NU_PAGES.mkdir(parents=True, exist_ok=True)
    label = name or re.sub(r"[^A-Za-z0-9]+", "-", page.url.split("//", 1)[-1].split("/", 1)[-1]).strip("-") or "root"
    file_name = f"{next(_nu_numbers):04d}-{label}-{getattr(page, 'device_name', 'page')}.html"
    (NU_PAGES / file_name).write_text(page.content(), encoding="utf-8")
    _nu_pages[file_name] = f"{page.url} ({name or 'no name'}, {getattr(page, 'device_name', 'page')})"


def nu_errors(directory: Path = NU_PAGES) -> dict[str, list[str]]:
    """Run vnu once over every kept page; its errors per file name (warnings are not errors)."""
    if not (VNU_JAR.is_file() and shutil.which("java")):
        raise RuntimeError(f"the Nu HTML Checker needs Java and {VNU_JAR.relative_to(PROJECT_ROOT)}: run `make vnu`")
    files = sorted(str(path) for path in directory.glob("*.html"))
    if not files:
        return {}
    run = subprocess.run(["java", "-Xss16m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files],
                         capture_output=True, text=True, timeout=600)
    try:
        messages = json.loads(run.stderr or run.stdout)["messages"]
    except (ValueError, KeyError):
        raise RuntimeError(f"the Nu HTML Checker failed (exit {run.returncode}): {run.stderr[-2000:]}") from None
    errors: dict[str, list[str]] = {}
    for message in messages:
        if message.get("type") not in ("error", "non-document-error"):
            continue
        file_name = Path(message.get("url", "?").removeprefix("file:")).name
        where = f"line {message.get('lastLine', '?')}" if "lastLine" in message else ""
        extract = " ".join((message.get("extract") or "").split())[:120]
        errors.setdefault(file_name, []).append(f"{where}: {message['message']}" + (f" [{extract}]" if extract else ""))
    return errors


def pytest_sessionfinish(session, exitstatus):
    """Every page the browser tests checked, through the Nu HTML Checker in one JVM run: the session
    fails if any has an error (the list is printed in the terminal summary)."""
    if not _nu_pages:
        return
    try:
        errors = nu_errors()
    except (RuntimeError, subprocess.TimeoutExpired) as problem:
        session.config._nu_report = [f"Nu HTML Checker: {problem}"]
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        return
    if not errors:
        session.config._nu_report = [f"Nu HTML Checker: 0 errors on {len(_nu_pages)} pages."]
        return
    total = sum(len(found) for found in errors.values())
    lines = [f"Nu HTML Checker: {total} error(s) on {len(errors)} of {len(_nu_pages)} pages "
             f"(HTML kept in {NU_PAGES}/):"]
    for file_name, found in sorted(errors.items()):
        lines.append(f"- {file_name}: {_nu_pages.get(file_name, '')}")
        lines.extend(f"    {line}" for line in found)
    session.config._nu_report = lines
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    report = getattr(config, "_nu_report", None)
    if report:
        terminalreporter.section("Nu HTML Checker")
        for line in report:
            terminalreporter.write_line(line)


def check_page(page, name: str | None = None, *, axe: bool = True) -> None:
    """What every visited page goes through: axe, no console errors, no sideways scrolling,
    big touch targets on the phone, a screenshot, and its HTML kept for the Nu HTML Checker.

    axe=False only for pages with JavaScript switched off: axe.run() never settles there (its
    timers do not run), and the same markup is checked with JavaScript on elsewhere.
    """
    page.wait_for_load_state("load")
    keep_html(page, name)
    assert_no_console_errors(page)
    if axe:
        axe_check(page)
    assert_no_console_errors(page)  # axe itself must not trip the CSP
    assert_no_horizontal_overflow(page)
    if getattr(page, "device_name", "") in {"phone", "phone-nojs"}:
        assert_touch_targets(page)
    if name:
        screenshot(page, name)


def wait_live(page) -> None:
    """Wait until the page's socket listens to its room: room.js marks #board[data-live] once the
    server has answered its "seq" question (it re-fetches its board only if it missed something)."""
    from playwright.sync_api import expect

    expect(page.locator("#board[data-live]")).to_have_count(1, timeout=15_000)


def log_in(page, user, password: str | None = None) -> None:
    """Log in through the real form, as a person would, and land on the panel."""
    from tests.conftest import PASSWORD

    page.goto("/entrar")
    page.get_by_label("Correo electrónico").fill(user.email)
    page.get_by_label("Contraseña", exact=True).fill(password or PASSWORD)
    page.locator("main").get_by_role("button", name="Entrar").click()
    page.wait_for_url("**/panel")
