"""Evidence: what each kind needs, who may add, change and see it, and its file going with it."""
import pytest

from ideaboard.accounts.models import Role
from ideaboard.evidence.models import Evidence
from ideaboard.evidence.services import (
    EvidenceDraft, EvidenceError, add_evidence, delete_evidence, evidence_for, publish_evidence, update_evidence,
)
from ideaboard.extensions import db
from ideaboard.policies import can_see_evidence as can_see
from ideaboard.uploads.services import upload_folder
from tests.evidence.conftest import as_file
from tests.uploads.samples import image_bytes, pdf_bytes, phone_photo


def photo(**kw) -> EvidenceDraft:
    return EvidenceDraft(**{"kind": "photo", "title": "Vecinas votando",
                            "description": "Tres vecinas pegan puntos en el tablero del salón municipal.", **kw})


def test_a_photo_is_stored_without_its_metadata(app, make_ideathon):
    ideathon = make_ideathon()
    evidence = add_evidence(ideathon, photo(), as_file(phone_photo()), actor=ideathon.created_by)
    assert evidence.upload.content_type == "image/jpeg" and evidence.upload.thumb_name
    stored = (upload_folder() / evidence.upload.stored_name).read_bytes()
    assert b"TelefonoMarca" not in stored
    assert evidence.ideathon_id == ideathon.id and evidence.activity_id is None and evidence.published


def test_a_photo_needs_its_description_and_a_file(app, make_ideathon):
    ideathon = make_ideathon()
    with pytest.raises(EvidenceError) as refused:
        add_evidence(ideathon, photo(description="  ", title=""), None, actor=ideathon.created_by)
    assert set(refused.value.errors) == {"title", "description", "file"}
    assert "lectores de pantalla" in str(refused.value.errors["description"])
    assert db.session.query(Evidence).count() == 0


def test_a_photo_must_be_an_image(app, make_ideathon):
    ideathon = make_ideathon()
    with pytest.raises(EvidenceError) as refused:
        add_evidence(ideathon, photo(), as_file(pdf_bytes(), "acta.pdf"), actor=ideathon.created_by)
    assert "no se acepta" in refused.value.errors["file"]


def test_a_video_is_a_link_never_a_file(app, make_ideathon):
    ideathon = make_ideathon()
    video = EvidenceDraft(kind="video", title="Resumen", url="https://www.youtube.com/watch?v=abc")
    with pytest.raises(EvidenceError) as refused:
        add_evidence(ideathon, video, as_file(phone_photo()), actor=ideathon.created_by)
    assert "no se suben" in refused.value.errors["file"]
    evidence = add_evidence(ideathon, video, None, actor=ideathon.created_by)
    assert evidence.upload is None and evidence.url_host == "youtube.com"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
                                 "https://municipalidad.gob.gt@malo.example/x", "ftp://example.org/v",
                                 "www.youtube.com/watch", "https://exa mple.org", "https:///path"])
def test_only_plain_web_addresses_are_links(app, make_ideathon, url):
    ideathon = make_ideathon()
    with pytest.raises(EvidenceError) as refused:
        add_evidence(ideathon, EvidenceDraft(kind="video", title="V", url=url), None, actor=ideathon.created_by)
    assert "url" in refused.value.errors


def test_a_document_is_a_pdf_an_image_or_a_link_but_not_both(app, make_ideathon):
    ideathon = make_ideathon()
    actor = ideathon.created_by
    pdf = add_evidence(ideathon, EvidenceDraft(kind="communique", title="Comunicado"), as_file(pdf_bytes(), "c.pdf"),
                       actor=actor)
    assert pdf.upload.content_type == "application/pdf" and pdf.upload.thumb_name is None
    scan = add_evidence(ideathon, EvidenceDraft(kind="report", title="Informe firmado"),
                        as_file(image_bytes(), "scan.jpg"), actor=actor)
    assert scan.upload.is_image
    link = add_evidence(ideathon, EvidenceDraft(kind="report", title="Informe", url="https://muni.gob.gt/informe"),
                        None, actor=actor)
    assert link.url == "https://muni.gob.gt/informe"
    with pytest.raises(EvidenceError) as both:
        add_evidence(ideathon, EvidenceDraft(kind="report", title="I", url="https://muni.gob.gt/i"),
                     as_file(pdf_bytes(), "i.pdf"), actor=actor)
    assert "no los dos" in str(both.value.errors["url"])
    with pytest.raises(EvidenceError) as neither:
        add_evidence(ideathon, EvidenceDraft(kind="document", title="Lista"), None, actor=actor)
    assert "file" in neither.value.errors


def test_an_unknown_kind_is_refused(app, make_ideathon):
    ideathon = make_ideathon()
    with pytest.raises(EvidenceError) as refused:
        add_evidence(ideathon, EvidenceDraft(kind="audio", title="Audio"), None, actor=ideathon.created_by)
    assert "kind" in refused.value.errors


def test_who_may_add_to_an_ideathon_and_to_an_activity(app, make_ideathon, make_activity, make_user):
    ideathon = make_ideathon()
    moderator, stranger = make_user(Role.MODERATOR), make_user(Role.MODERATOR)
    from ideaboard.ideathons.services import assign_moderators

    assign_moderators(ideathon, [moderator], actor=ideathon.created_by)
    assert add_evidence(ideathon, photo(), as_file(phone_photo()), actor=moderator).created_by_id == moderator.id
    for user in (stranger, make_user(Role.OFFICIAL)):
        with pytest.raises(EvidenceError) as refused:
            add_evidence(ideathon, photo(), as_file(phone_photo()), actor=user)
        assert refused.value.status == 403
    activity = make_activity()
    with pytest.raises(EvidenceError):  # an activity of the programme is the planners' to verify
        add_evidence(activity, photo(), as_file(phone_photo()), actor=moderator)
    assert add_evidence(activity, photo(), as_file(phone_photo()), actor=make_user(Role.ADMIN)).activity_id == activity.id
    assert len(list(upload_folder().glob("*-mini.jpg"))) == 2  # the refused ones left no file


def test_unpublished_evidence_and_draft_programmes_are_the_managers(app, make_ideathon, make_activity,
                                                                    make_programme, make_user):
    from flask_login import AnonymousUserMixin

    anonymous = AnonymousUserMixin()
    ideathon = make_ideathon()
    hidden = add_evidence(ideathon, photo(published=False), as_file(phone_photo()), actor=ideathon.created_by)
    shown = add_evidence(ideathon, photo(title="Otra"), as_file(phone_photo()), actor=ideathon.created_by)
    assert evidence_for(ideathon, viewer=anonymous) == [shown]
    assert evidence_for(ideathon, viewer=make_user(Role.COORDINATOR)) == [hidden, shown]
    assert not can_see(make_user(Role.MODERATOR), hidden)

    draft_activity = make_activity(make_programme(published=False))
    draft_item = add_evidence(draft_activity, photo(), as_file(phone_photo()), actor=make_user(Role.COORDINATOR))
    assert not can_see(anonymous, draft_item) and can_see(make_user(Role.ADMIN), draft_item)
    publish_evidence(hidden, actor=ideathon.created_by)
    assert can_see(anonymous, hidden)


def test_an_activity_and_its_ideathon_share_their_evidence(app, make_ideathon, make_activity, make_programme):
    programme = make_programme()
    ideathon = make_ideathon(programme=programme)
    activity = make_activity(programme, ideathon=ideathon)
    actor = ideathon.created_by
    on_ideathon = add_evidence(ideathon, photo(), as_file(phone_photo()), actor=actor)
    on_activity = add_evidence(activity, EvidenceDraft(kind="communique", title="Comunicado"),
                               as_file(pdf_bytes(), "c.pdf"), actor=actor)
    assert evidence_for(activity, viewer=actor) == [on_ideathon, on_activity]  # photos first
    assert evidence_for(ideathon, viewer=actor) == [on_ideathon, on_activity]


def test_editing_keeps_the_kind_and_the_file(app, make_ideathon):
    ideathon = make_ideathon()
    evidence = add_evidence(ideathon, photo(), as_file(phone_photo()), actor=ideathon.created_by)
    with pytest.raises(EvidenceError) as refused:
        update_evidence(evidence, photo(description="", url="https://example.org"), actor=ideathon.created_by)
    assert set(refused.value.errors) == {"description", "url"}
    update_evidence(evidence, photo(title="Votación", published=False), actor=ideathon.created_by)
    db.session.expire_all()
    evidence = db.session.get(Evidence, evidence.id)
    assert (evidence.title, evidence.published, evidence.kind) == ("Votación", False, "photo")


def test_deleting_evidence_deletes_its_file(app, make_ideathon, make_user):
    ideathon = make_ideathon()
    evidence = add_evidence(ideathon, photo(), as_file(phone_photo()), actor=ideathon.created_by)
    names = [evidence.upload.stored_name, evidence.upload.thumb_name]
    with pytest.raises(EvidenceError):
        delete_evidence(evidence, actor=make_user(Role.MODERATOR))
    delete_evidence(evidence, actor=ideathon.created_by)
    assert db.session.query(Evidence).count() == 0
    assert not any((upload_folder() / name).exists() for name in names)
