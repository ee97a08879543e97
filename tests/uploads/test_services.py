"""Uploads are judged by their content: images are re-encoded without their metadata, PDFs with
active content are refused, and anything else is refused whatever its name says."""
import io
import os
import time
from datetime import timedelta

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from ideaboard.accounts.models import Role
from ideaboard.database import write
from ideaboard.extensions import db
from ideaboard.uploads.models import Upload
from ideaboard.uploads.services import (
    DOCUMENTS, MAX_SIDE, PDF, PHOTOS, UploadError, check_upload, clean_name, discard_upload, prune_uploads,
    stored, upload_folder,
)
from tests.uploads.samples import GPS_IFD, image_bytes, pdf_bytes, pdf_with_object_stream, phone_photo


def upload(data: bytes, filename="foto.jpg", content_type="image/jpeg") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_phone_photo_loses_its_location_and_camera_but_stays_upright(app):
    checked = check_upload(upload(phone_photo(size=(800, 600), orientation=6)))
    assert checked.content_type == "image/jpeg"
    image = opened(checked.data)
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {} and image.getexif().get_ifd(GPS_IFD) == {}
    assert "comment" not in image.info and "exif" not in image.info and "icc_profile" not in image.info
    assert b"TelefonoMarca" not in checked.data and b"vecina" not in checked.data
    # Orientation 6 (held sideways): stored turned, so it shows upright without the tag.
    assert (image.width, image.height) == (600, 800) == (checked.width, checked.height)
    assert image.getpixel((image.width - 5, 5))[0] > 200  # the yellow corner is now top right


def test_big_photos_are_made_smaller_with_a_small_copy_for_lists(app):
    checked = check_upload(upload(image_bytes(size=(4000, 3000))))
    assert (checked.width, checked.height) == (MAX_SIDE, MAX_SIDE * 3 // 4)
    assert opened(checked.thumb).size == (480, 360)


def test_png_stays_lossless_and_keeps_transparency(app):
    checked = check_upload(upload(image_bytes("PNG", mode="RGBA", color=(0, 0, 0, 0)), "plano.png"))
    assert checked.content_type == "image/png"
    assert opened(checked.data).mode == "RGBA"


def test_webp_becomes_jpeg(app):
    checked = check_upload(upload(image_bytes("WEBP"), "foto.webp", "image/webp"))
    assert checked.content_type == "image/jpeg"


@pytest.mark.parametrize("data, filename", [
    (b"<?php system($_GET['c']); ?>", "foto.jpg"),
    (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "logo.svg"),
    (b"<html><script>alert(1)</script></html>", "foto.png"),
    (image_bytes("GIF"), "animada.gif"),
    (b"MZ\x90\x00" + b"\x00" * 100, "informe.pdf"),
])
def test_what_is_not_an_accepted_image_or_pdf_is_refused_whatever_its_name(app, data, filename):
    with pytest.raises(UploadError, match="no se acepta"):
        check_upload(upload(data, filename, "image/jpeg"), accept=DOCUMENTS)


def test_a_pdf_is_not_a_photo(app):
    with pytest.raises(UploadError, match="no se acepta"):
        check_upload(upload(pdf_bytes(), "acta.pdf", "application/pdf"), accept=PHOTOS)


def test_an_image_header_on_garbage_is_refused(app):
    with pytest.raises(UploadError, match="No se pudo leer la imagen"):
        check_upload(upload(b"\xff\xd8\xff\xe0" + b"<script>alert(1)</script>" * 50))


def test_too_many_pixels_is_refused_before_decoding(app):
    # 60 megapixels in a few kilobytes: decoding it would take hundreds of megabytes.
    with pytest.raises(UploadError, match="megapíxeles"):
        check_upload(upload(image_bytes("PNG", size=(10_000, 6_000), mode="1", color=0), "bomba.png"))


def test_too_large_and_empty_files_are_refused(app):
    app.config["UPLOAD_MAX_BYTES"] = 1000
    with pytest.raises(UploadError, match="pesa más") as refused:
        check_upload(upload(image_bytes(size=(400, 400)) + b"\x00" * 2000))
    assert refused.value.status == 413
    with pytest.raises(UploadError, match="vacío"):
        check_upload(upload(b""))
    with pytest.raises(UploadError, match="Elija un archivo"):
        check_upload(None)


def test_a_plain_pdf_is_kept_as_it_is(app):
    data = pdf_bytes()
    checked = check_upload(upload(data, "Comunicado de prensa.pdf", "application/pdf"), accept=DOCUMENTS)
    assert (checked.content_type, checked.data, checked.thumb) == ("application/pdf", data, None)
    assert checked.original_name == "Comunicado de prensa"


@pytest.mark.parametrize("body", [
    b"6 0 obj\n<< /S /JavaScript /JS (app.alert(1)) >>\nendobj\n",
    b"6 0 obj\n<< /S /J#61vaScript /J#53 (app.alert(1)) >>\nendobj\n",  # names spelt with #xx escapes
    b"6 0 obj\n<< /Type /Action /S /Launch /F (cmd.exe) >>\nendobj\n",
    b"6 0 obj\n<< /EmbeddedFiles 7 0 R >>\nendobj\n",
])
def test_a_pdf_with_active_content_is_refused(app, body):
    with pytest.raises(UploadError, match="programas"):
        check_upload(upload(pdf_bytes(body), "acta.pdf"), accept=DOCUMENTS)


def test_active_content_hidden_in_a_compressed_object_stream_is_found(app):
    data = pdf_with_object_stream(b"6 0 << /S /JavaScript /JS (app.alert(1)) >>")
    with pytest.raises(UploadError, match="programas"):
        check_upload(upload(data, "acta.pdf"), accept=DOCUMENTS)
    harmless = pdf_with_object_stream(b"6 0 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    assert check_upload(upload(harmless, "acta.pdf"), accept=DOCUMENTS).data == harmless


def test_words_inside_page_streams_are_not_taken_for_actions(app):
    # A page that prints "/JavaScript" (a manual, say) acts on nothing.
    body = (b"6 0 obj\n<< /Length 30 >>\nstream\nBT (/JavaScript /Launch) Tj ET\nendstream\nendobj\n")
    assert check_upload(upload(pdf_bytes(body), "manual.pdf"), accept=DOCUMENTS)


def test_a_cut_short_pdf_is_refused(app):
    with pytest.raises(UploadError, match="incompleto"):
        check_upload(upload(pdf_bytes()[:-40], "acta.pdf"), accept=DOCUMENTS)


@pytest.mark.parametrize("given, kept", [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\Ana\\Fotos\\Ideatón Cobán.JPG", "Ideatón Cobán"),
    ("informe\u202egpj.exe", "informegpj"),  # a right-to-left override hiding the real extension
    ("  .hidden.pdf ", "hidden"),
    ("a" * 300 + ".pdf", "a" * 200),
])
def test_the_original_name_is_cleaned(given, kept):
    assert clean_name(given) == kept


def test_stored_files_get_random_names_outside_static_and_go_with_their_row(app, make_user):
    actor = make_user(Role.COORDINATOR)
    checked = check_upload(upload(phone_photo(), "mi foto.jpg"))
    with stored(checked, actor=actor) as row, write():
        db.session.add(row)
    folder = upload_folder()
    assert str(folder) == app.config["UPLOAD_FOLDER"]
    assert not str(folder).startswith(app.static_folder)
    assert "foto" not in row.stored_name and row.stored_name.endswith(".jpg")
    assert (folder / row.stored_name).read_bytes() == checked.data
    assert (folder / row.thumb_name).read_bytes() == checked.thumb
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no partial files left

    with write():
        discard_upload(row)
    assert not (folder / row.stored_name).exists() and not (folder / row.thumb_name).exists()
    assert db.session.query(Upload).count() == 0


def test_a_pdf_only_upload_says_so(app):
    with pytest.raises(UploadError, match="Se aceptan documentos PDF"):
        check_upload(upload(phone_photo()), accept=frozenset({PDF}))
    checked = check_upload(upload(pdf_bytes(), "Convenio firmado.pdf"), accept=frozenset({PDF}))
    assert (checked.content_type, checked.original_name, checked.thumb) == ("application/pdf", "Convenio firmado", None)


def test_files_are_removed_when_the_row_is_not_written(app, make_user):
    actor = make_user(Role.COORDINATOR)
    checked = check_upload(upload(phone_photo()))
    with pytest.raises(RuntimeError):
        with stored(checked, actor=actor) as row, write():
            db.session.add(row)
            raise RuntimeError("a rule failed after the file was written")
    assert list(upload_folder().iterdir()) == []
    assert db.session.query(Upload).count() == 0


def test_a_discarded_upload_keeps_its_files_if_the_deletion_rolls_back(app, make_user):
    actor = make_user(Role.COORDINATOR)
    with stored(check_upload(upload(phone_photo())), actor=actor) as row, write():
        db.session.add(row)
    with pytest.raises(RuntimeError):
        with write():
            discard_upload(row)
            raise RuntimeError("changed their mind")
    assert (upload_folder() / row.stored_name).exists()
    with write():  # a later deletion in the same session is not confused by the one rolled back
        discard_upload(row)
    assert not (upload_folder() / row.stored_name).exists()


def test_prune_removes_unused_uploads_and_files_without_a_row(app, make_user, runner):
    from ideaboard.database import utcnow

    actor = make_user(Role.COORDINATOR)
    with stored(check_upload(upload(phone_photo())), actor=actor) as old, write():
        db.session.add(old)
        old.created_at = utcnow() - timedelta(hours=3)
    with stored(check_upload(upload(phone_photo())), actor=actor) as fresh, write():
        db.session.add(fresh)  # just uploaded: its record may still be on its way
    folder = upload_folder()
    stray = folder / "0123456789abcdef.jpg"
    stray.write_bytes(b"left by a crash")
    hours_ago = time.time() - 3 * 3600
    os.utime(stray, (hours_ago, hours_ago))

    result = runner.invoke(args=["uploads", "prune"])
    assert result.exit_code == 0, result.output
    assert "Removed 1 unused uploads, 1 files without a record" in result.output
    assert not (folder / old.stored_name).exists() and not stray.exists()
    assert (folder / fresh.stored_name).exists()
    assert [u.id for u in db.session.query(Upload)] == [fresh.id]


def test_prune_keeps_what_evidence_or_an_agreement_points_at(app, make_user, make_ideathon):
    from ideaboard.database import utcnow
    from ideaboard.evidence.models import Evidence

    actor = make_user(Role.COORDINATOR)
    ideathon = make_ideathon(actor=actor)
    with stored(check_upload(upload(phone_photo())), actor=actor) as row, write():
        db.session.add(Evidence(kind="photo", title="Foto", description="Vecinos", upload=row, ideathon_id=ideathon.id))
        row.created_at = utcnow() - timedelta(days=2)
    assert prune_uploads() == {"rows": 0, "files": 0, "voice": 0}
    assert (upload_folder() / row.stored_name).exists()


def test_colours_are_converted_to_srgb_and_the_profile_dropped(app):
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()  # any profile but sRGB's
    wide = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for icc in (wide, profile, b"not a profile"):
        checked = check_upload(upload(image_bytes(icc_profile=icc)))
        assert "icc_profile" not in opened(checked.data).info


def test_a_sixteen_bit_or_cmyk_image_is_stored_as_rgb(app):
    checked = check_upload(upload(image_bytes("JPEG", mode="CMYK", color=(0, 255, 255, 0))))
    assert opened(checked.data).mode == "RGB"
    checked = check_upload(upload(image_bytes("PNG", mode="I;16", color=40000), "deep.png"))
    assert opened(checked.data).mode == "RGB"
