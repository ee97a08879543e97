"""Factories for the pilot tests: a programme's municipality at any stage, and files to upload."""
import io
from datetime import date, timedelta

import pytest
from werkzeug.datastructures import FileStorage

from ideaboard.accounts.models import Role
from ideaboard.municipalities.services import get_by_code

# The smallest valid PDF the brief asks for: enough for the upload check (header and end marker).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def days_ago(n: int) -> date:
    return date.today() - timedelta(days=n)


def pdf_file(data: bytes = PDF, filename: str = "convenio firmado.pdf",
             content_type: str = "application/pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path):
    """Uploaded files go to a folder of the test's own."""
    folder = tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = str(folder)
    return folder


@pytest.fixture
def coordinator(make_user):
    return make_user(Role.COORDINATOR)


@pytest.fixture
def programme(make_programme, coordinator):
    """A published programme from 120 days ago to 240 days ahead."""
    return make_programme(actor=coordinator)


@pytest.fixture
def make_pilot(app, programme, coordinator):
    """Factory: make_pilot("2101", stage="agreed", programme=...) -> a PilotMunicipality brought to
    that stage through the services (invited 10 days ago, agreement signed 5 days ago)."""
    from ideaboard.pilots import services

    def make(code="2101", *, stage="proposed", programme=programme, actor=coordinator):
        pilot = services.propose(programme, get_by_code(code), "Buena gestión del agua", actor=actor)
        if stage in ("selected", "invited", "agreed"):
            services.select(pilot, "Alcaldía comprometida con el programa", actor=actor)
        if stage in ("invited", "agreed"):
            services.record_invitation(pilot, days_ago(10), "Oficio 123-2026", actor=actor)
        if stage == "agreed":
            services.record_agreement(pilot, days_ago(5), "Ana López, alcaldesa\nLuis Pérez, INFOM", pdf_file(),
                                      actor=actor)
        return pilot

    return make
