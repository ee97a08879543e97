"""Evidence pages as people use them: staff upload from the form, the public sees what is published,
and files come back with headers that keep them from acting as pages."""
import io
import re

from ideaboard.accounts.models import Role
from ideaboard.evidence.models import Evidence
from ideaboard.evidence.services import EvidenceDraft, add_evidence
from ideaboard.extensions import db
from ideaboard.uploads.services import upload_folder
from tests.conftest import Auth
from tests.evidence.conftest import as_file
from tests.uploads.samples import image_bytes, pdf_bytes, phone_photo

DESCRIPTION = "Tres vecinas pegan puntos en el tablero del salón municipal."


def photo_form(data: bytes = None, **fields) -> dict:
    return {"kind": "photo", "title": "Vecinas votando", "description": DESCRIPTION, "url": "", "published": "y",
            "file": (io.BytesIO(data if data is not None else phone_photo()), "IMG_2041.jpg"), **fields}


def add_photo(ideathon, **kw):
    draft = EvidenceDraft(**{"kind": "photo", "title": "Vecinas votando", "description": DESCRIPTION, **kw})
    return add_evidence(ideathon, draft, as_file(phone_photo()), actor=ideathon.created_by)


def test_staff_upload_a_photo_and_everyone_sees_it(app, client, auth, make_ideathon):
    ideathon = make_ideathon()
    auth.login(ideathon.created_by)
    page = client.get(f"/ideatones/{ideathon.id}/evidencias").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'accept="application/pdf,image/jpeg' in page

    response = auth.post(f"/ideatones/{ideathon.id}/evidencias", photo_form())
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    evidence = db.session.query(Evidence).one()
    assert evidence.upload.original_name == "IMG_2041"

    auth.logout()
    html = client.get(f"/ideatones/{ideathon.id}/evidencias").get_data(as_text=True)
    assert f'alt="{DESCRIPTION}"' in html and "Vecinas votando" in html
    assert "Agregar evidencia" not in html
    thumb = client.get(f"/evidencias/{evidence.id}/miniatura")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert thumb.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert thumb.headers["X-Content-Type-Options"] == "nosniff"
    assert thumb.headers["Cache-Control"] == "public, max-age=3600"
    assert thumb.headers["Content-Disposition"].startswith("inline")
    full = client.get(f"/evidencias/{evidence.id}/archivo")
    assert full.status_code == 200 and full.data == (upload_folder() / evidence.upload.stored_name).read_bytes()


def test_a_phone_photo_larger_than_other_forms_may_be_is_accepted(app, client, auth, make_ideathon):
    # 3 MB: over the 2 MB every other form is held to, under the upload limit.
    big = phone_photo() + b"\0" * (3 * 1024 * 1024)
    ideathon = make_ideathon()
    auth.login(ideathon.created_by)
    assert auth.post(f"/ideatones/{ideathon.id}/evidencias", photo_form(big)).status_code == 302
    assert db.session.query(Evidence).one().upload.size < 200_000  # re-encoded: the padding is gone
    other_form = auth.post("/entrar", {"email": "a@example.org", "password": "x", "file": (io.BytesIO(big), "f.jpg")})
    assert other_form.status_code == 413


def test_a_file_over_the_upload_limit_is_refused(app, client, auth, make_ideathon):
    app.config["UPLOAD_MAX_BYTES"] = 1024 * 1024
    ideathon = make_ideathon()
    auth.login(ideathon.created_by)
    slightly_over = auth.post(f"/ideatones/{ideathon.id}/evidencias", photo_form(phone_photo() + b"\0" * 1024 * 1024))
    assert slightly_over.status_code == 422 and "pesa más de 1 MB" in slightly_over.get_data(as_text=True)
    far_over = auth.post(f"/ideatones/{ideathon.id}/evidencias", photo_form(b"\0" * 2 * 1024 * 1024))
    assert far_over.status_code == 413 and "Envío demasiado grande" in far_over.get_data(as_text=True)
    assert db.session.query(Evidence).count() == 0


def test_a_refused_upload_says_why_on_the_field(app, client, auth, make_ideathon):
    ideathon = make_ideathon()
    auth.login(ideathon.created_by)
    response = auth.post(f"/ideatones/{ideathon.id}/evidencias",
                         photo_form(b"<svg onload='alert(1)'/>", description="", title="<script>alert(1)</script>"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="file-error"[^>]*>[^<]*no se acepta', html)
    assert re.search(r'id="description-error"[^>]*>[^<]*lectores de pantalla', html)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert list(upload_folder().iterdir()) == [] if upload_folder().exists() else True


def test_only_the_ideathons_moderators_and_planners_may_add(app, make_ideathon, make_user):
    ideathon = make_ideathon()
    client = app.test_client()
    auth = Auth(client)
    anonymous = auth.post(f"/ideatones/{ideathon.id}/evidencias", photo_form())
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/entrar")
    auth.login(make_user(Role.MODERATOR))
    assert auth.post(f"/ideatones/{ideathon.id}/evidencias", photo_form()).status_code == 403
    assert db.session.query(Evidence).count() == 0


def test_unpublished_evidence_is_not_found_by_the_public(app, client, auth, make_ideathon):
    ideathon = make_ideathon()
    hidden = add_photo(ideathon, published=False, title="Foto sin permiso")
    assert "Foto sin permiso" not in client.get(f"/ideatones/{ideathon.id}/evidencias").get_data(as_text=True)
    assert client.get(f"/evidencias/{hidden.id}/archivo").status_code == 404
    assert client.get(f"/evidencias/{hidden.id}/miniatura").status_code == 404
    auth.login(ideathon.created_by)
    staff = client.get(f"/evidencias/{hidden.id}/archivo")
    assert staff.status_code == 200 and staff.headers["Cache-Control"] == "private, no-store"
    assert "Sin publicar" in client.get(f"/ideatones/{ideathon.id}/evidencias").get_data(as_text=True)


def test_documents_are_downloaded_never_shown_in_the_page(app, client, make_ideathon):
    ideathon = make_ideathon()
    pdf = add_evidence(ideathon, EvidenceDraft(kind="communique", title="Comunicado"),
                       as_file(pdf_bytes(), "Comunicado «final».pdf", "application/pdf"), actor=ideathon.created_by)
    response = client.get(f"/evidencias/{pdf.id}/archivo")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "filename*=UTF-8''Comunicado%20%C2%ABfinal%C2%BB.pdf" in disposition
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert client.get(f"/evidencias/{pdf.id}/miniatura").status_code == 404
    html = client.get(f"/ideatones/{ideathon.id}/evidencias").get_data(as_text=True)
    assert "PDF," in html and "descarga" in html


def test_a_video_is_an_external_link(app, client, auth, make_ideathon):
    ideathon = make_ideathon()
    auth.login(ideathon.created_by)
    response = auth.post(f"/ideatones/{ideathon.id}/evidencias",
                         {"kind": "video", "title": "Resumen", "url": "https://www.youtube.com/watch?v=abc",
                          "description": "", "published": "y"})
    assert response.status_code == 302
    html = client.get(f"/ideatones/{ideathon.id}/evidencias").get_data(as_text=True)
    assert 'href="https://www.youtube.com/watch?v=abc" rel="external noopener noreferrer nofollow"' in html
    assert "youtube.com" in html and "<iframe" not in html
    bad = auth.post(f"/ideatones/{ideathon.id}/evidencias",
                    {"kind": "video", "title": "X", "url": "javascript:alert(1)", "description": ""})
    assert bad.status_code == 422 and 'href="javascript:' not in bad.get_data(as_text=True)


def test_edit_publish_and_delete(app, client, auth, make_ideathon):
    ideathon = make_ideathon()
    evidence = add_photo(ideathon)
    names = [evidence.upload.stored_name, evidence.upload.thumb_name]
    auth.login(ideathon.created_by)
    assert client.get(f"/evidencias/{evidence.id}/editar").status_code == 200
    response = auth.post(f"/evidencias/{evidence.id}/editar", {"title": "Votación", "description": DESCRIPTION})
    assert response.status_code == 302 and response.headers["Location"] == f"/ideatones/{ideathon.id}/evidencias"
    db.session.expire_all()
    assert (evidence.title, evidence.published) == ("Votación", False)  # the box left unticked
    assert auth.post(f"/evidencias/{evidence.id}/editar", {"title": "", "description": ""}).status_code == 422
    assert auth.post(f"/evidencias/{evidence.id}/publicar", {"publicado": "1"}).status_code == 302
    db.session.expire_all()
    assert evidence.published
    assert auth.post(f"/evidencias/{evidence.id}/publicar", {}).status_code == 400
    assert auth.post(f"/evidencias/{evidence.id}/borrar").status_code == 302
    assert db.session.query(Evidence).count() == 0
    assert not any((upload_folder() / name).exists() for name in names)


def test_an_activitys_evidence_is_public_once_its_programme_is(app, client, auth, make_activity, make_programme,
                                                                make_user):
    draft = make_activity(make_programme(published=False))
    assert client.get(f"/actividades/{draft.id}/evidencias").status_code == 404
    activity = make_activity(title="Convocatoria en Cobán")
    planner = make_user(Role.COORDINATOR)
    item = add_evidence(activity, EvidenceDraft(kind="report", title="Informe de la convocatoria"),
                        as_file(pdf_bytes(), "informe.pdf"), actor=planner)
    html = client.get(f"/actividades/{activity.id}/evidencias").get_data(as_text=True)
    assert "Convocatoria en Cobán" in html and "Fotos de la convocatoria y comunicado" in html
    assert "Informe de la convocatoria" in html
    assert client.get(f"/evidencias/{item.id}/archivo").status_code == 200

    auth.login(make_user(Role.MODERATOR))
    assert auth.post(f"/actividades/{activity.id}/evidencias", photo_form()).status_code == 403
    auth.logout()
    auth.login(planner)
    response = auth.post(f"/actividades/{activity.id}/evidencias", photo_form(image_bytes("PNG"), title="Afiche"))
    assert response.status_code == 302 and response.headers["Location"] == f"/actividades/{activity.id}/evidencias"
