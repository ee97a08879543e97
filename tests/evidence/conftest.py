"""Factories for evidence tests: an activity of a programme, and files to upload."""
import io
from datetime import date, timedelta

import pytest
from werkzeug.datastructures import FileStorage

from ideaboard.accounts.models import Role


@pytest.fixture
def make_activity(app, make_programme, make_user):
    """Factory: make_activity(programme=None, ideathon=None) -> an Activity of a milestone of a
    (published, unless a draft one is given) programme."""
    from ideaboard.programme.services import CommitmentDraft, add_activity, add_milestone

    def make(programme=None, *, ideathon=None, title="Convocatoria a vecinos"):
        actor = make_user(Role.COORDINATOR)
        programme = programme or make_programme()
        today = date.today()
        draft = dict(due_from=today - timedelta(days=10), due_until=today + timedelta(days=10),
                     responsible="Municipalidad", verification="Fotos de la convocatoria y comunicado")
        milestone = add_milestone(programme, CommitmentDraft(title="Ideatones realizadas", **draft), actor=actor)
        return add_activity(milestone, CommitmentDraft(title=title, ideathon_id=ideathon.id if ideathon else None,
                                                       **draft), actor=actor)

    return make


def as_file(data: bytes, filename: str = "foto.jpg", content_type: str = "image/jpeg") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)
