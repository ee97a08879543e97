"""The mayor's report in a real browser: axe, print to PDF in headless Chromium, and the WeasyPrint
PDF downloaded from the real server (kept in test-artifacts/screenshots/ for review, its first
page as a PNG where pdftoppm is installed)."""
import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from ideaboard.archive.services import archive_ideathon
from tests.archive.test_report import NICKNAMES, board, pdf_pages  # noqa: F401 - the hand-counted board

from .conftest import SCREENSHOTS, check_page

pytestmark = pytest.mark.browser


@pytest.fixture
def archived(board):
    archive_ideathon(board, actor=board.created_by)
    return board


def _png(pdf_path, name: str) -> None:
    """Page 1 of a PDF as a PNG beside the screenshots, to look at; only where pdftoppm is installed."""
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf_path),
                        str(SCREENSHOTS / name)], check=True, timeout=60)


def test_the_report_prints_to_pdf_in_chromium(app, archived, desktop):
    page = desktop
    page.goto(f"/ideatones/{archived.id}/informe")
    expect(page.get_by_role("heading", level=1)).to_have_text(archived.title)
    for name in ("Ideas por tema", "Puntos por tema", "Edad", "Género", "¿Primera vez en una ideatón?"):
        expect(page.get_by_role("img", name=re.compile(re.escape(name)))).to_be_visible()
    expect(page.get_by_role("table", name="Puntos por tema")).to_have_count(1)  # the chart's data, for screen readers
    expect(page.locator("body")).not_to_contain_text(re.compile("|".join(NICKNAMES)))
    check_page(page, "report")
    page.emulate_media(media="print")
    page.screenshot(path=str(SCREENSHOTS / "report-print-desktop.png"), full_page=True, caret="initial")
    path = SCREENSHOTS / "report-chromium.pdf"
    pdf = page.pdf(path=str(path), format="A4", print_background=True, prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF-") and pdf_pages(pdf) >= 2
    _png(path, "report-chromium-pdf-page1")


def test_the_report_on_a_phone_and_its_pdf_download(app, archived, phone):
    page = phone
    page.goto(f"/ideatones/{archived.id}/archivo")
    page.get_by_role("link", name="Informe para el alcalde", exact=True).click()
    page.wait_for_url(f"**/ideatones/{archived.id}/informe")
    check_page(page, "report")
    with page.expect_download(timeout=90_000) as download:
        page.get_by_role("link", name="Descargar en PDF").click()
    assert re.fullmatch(r"informe-mixco-\d{4}-\d{2}-\d{2}\.pdf", download.value.suggested_filename)
    path = SCREENSHOTS / "report-weasyprint.pdf"
    download.value.save_as(str(path))
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf_pages(pdf) >= 2
    _png(path, "report-weasyprint-pdf-page1")


def test_no_report_before_archiving_for_the_public(app, board, desktop):
    response = desktop.goto(f"/ideatones/{board.id}/informe")
    assert response.status == 404
    check_page(desktop, "report-not-archived")
