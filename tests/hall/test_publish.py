"""Publishing a results bundle on the central server: every refusal writes nothing; the same bundle
twice is a no-op; only coordinators and admins publish."""
import hashlib
import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from ideaboard.accounts.models import Role
from ideaboard.extensions import db
from ideaboard.hall.bundle import build_bundle
from ideaboard.hall.publish import PublishError, publish_bundle
from ideaboard.ideas.models import Idea, IdeaTranslation
from tests.hall.rooms import inside, laptop_ideathon, run_room, take_to_laptop


def laptop_bundle(laptop, central_ideathon, **kwargs) -> bytes:
    """Take the ideathon to the laptop with its hall kit, run its room there, archive it: its bundle."""
    ideathon_id = take_to_laptop(central_ideathon, laptop)
    with inside(laptop):
        ideathon = laptop_ideathon(ideathon_id)
        run_room(ideathon, **kwargs)
        return build_bundle(ideathon)


def rows() -> dict:
    """Rows of every table but the reference ones (what a refusal must leave as it was)."""
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in db.metadata.sorted_tables
            if t.name not in ("municipalities", "alembic_version")}


def test_a_bundle_is_published_once(app, laptop, make_ideathon, make_user):
    central = make_ideathon("0108")
    data = laptop_bundle(laptop, central)
    coordinator = make_user(Role.COORDINATOR)
    published = publish_bundle(data, actor=coordinator)
    assert not published.already
    db.session.refresh(central)
    assert central.archived_at is not None and central.published_offline_at is not None
    before = rows()
    again = publish_bundle(data, actor=coordinator)
    assert again.already and again.published_at == published.published_at
    assert rows() == before


def rezip(data: bytes, changes: dict, *, rehash: bool = True, manifest=None) -> bytes:
    """The bundle with some parts replaced (bytes) or removed (None); the manifest's hashes and sizes
    updated to match when `rehash` (a forger's careful edit), left as they were otherwise."""
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {name: source.read(name) for name in source.namelist()}
    manifest = manifest or json.loads(parts.pop("manifest.json"))
    parts.pop("manifest.json", None)
    for name, body in changes.items():
        if body is None:
            parts.pop(name)
            if rehash:
                manifest["parts"].pop(name)
        else:
            parts[name] = body
            if rehash:
                manifest["parts"][name] = {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, body in parts.items():
            target.writestr(name, body)
        target.writestr("manifest.json", json.dumps(manifest))
    return out.getvalue()


def part(data: bytes, name: str):
    return json.loads(zipfile.ZipFile(io.BytesIO(data)).read(name))


def edited(data: bytes, name: str, edit) -> bytes:
    value = part(data, name)
    edit(value)
    return json.dumps(value).encode()


@pytest.fixture
def bundle(app, laptop, make_ideathon):
    central = make_ideathon("0108")
    return central, laptop_bundle(laptop, central)


def refused(data: bytes, actor, *, status=None) -> str:
    """Publish, expect a refusal that wrote nothing (rows and files); its message."""
    from ideaboard.uploads.services import upload_folder

    folder = upload_folder()
    files = sorted(folder.rglob("*")) if folder.exists() else []
    before = rows()
    with pytest.raises(PublishError) as refusal:
        publish_bundle(data, actor=actor)
    db.session.rollback()
    assert rows() == before
    assert (sorted(folder.rglob("*")) if folder.exists() else []) == files
    if status is not None:
        assert refusal.value.status == status
    return str(refusal.value)


def test_a_bundle_of_an_ideathon_this_server_does_not_have_is_refused(app, laptop, make_ideathon, make_user):
    from tests.hall.rooms import cid

    central = make_ideathon("0108")
    data = laptop_bundle(laptop, central, evidence=False)
    central.public_id = cid()  # as on another server: its kit was not made here
    db.session.commit()
    assert "no existe en este servidor" in refused(data, make_user(Role.COORDINATOR), status=404)


def test_a_bundle_that_says_another_municipality_is_refused(bundle, make_user):
    central, data = bundle
    forged = rezip(data, {"ideathon.json": edited(data, "ideathon.json", lambda v: v.update(municipality_code="0301"))},
                   manifest={**part(data, "manifest.json"), "ideathon": {**part(data, "manifest.json")["ideathon"],
                                                                          "municipality_code": "0301"}})
    assert "no es la misma ideatón" in refused(forged, make_user(Role.COORDINATOR))


def test_an_unknown_municipality_code_is_refused(bundle, make_user):
    central, data = bundle
    forged = rezip(data, {"ideathon.json": edited(data, "ideathon.json", lambda v: v.update(municipality_code="9999"))},
                   manifest={**part(data, "manifest.json"), "ideathon": {**part(data, "manifest.json")["ideathon"],
                                                                          "municipality_code": "9999"}})
    assert "«9999»" in refused(forged, make_user(Role.COORDINATOR))


def test_a_tampered_part_is_refused(bundle, make_user):
    central, data = bundle
    tampered = rezip(data, {"ideas.json": edited(data, "ideas.json", lambda v: v[0].update(text="Otra cosa"))},
                     rehash=False)
    assert "ideas.json no coincide con el manifiesto" in refused(tampered, make_user(Role.COORDINATOR))


def test_a_bundle_whose_counts_disagree_with_its_parts_is_refused(bundle, make_user):
    central, data = bundle
    forged = rezip(data, {"votes.json": edited(data, "votes.json", lambda v: v[0].update(phone=v[0]["phone"] + 1))})
    assert "totales" in refused(forged, make_user(Role.COORDINATOR))


def test_a_truncated_bundle_is_refused(bundle, make_user):
    central, data = bundle
    assert "incompleto" in refused(data[:len(data) // 2], make_user(Role.COORDINATOR))
    assert "faltan partes" in refused(rezip(data, {"evidence.json": None}, rehash=False), make_user(Role.COORDINATOR))
    assert "faltan partes" in refused(rezip(data, {"evidence.json": None}), make_user(Role.COORDINATOR))


def test_an_unknown_format_version_is_refused(bundle, make_user):
    central, data = bundle
    newer = rezip(data, {}, manifest={**part(data, "manifest.json"), "version": 2})
    assert "versión 2" in refused(newer, make_user(Role.COORDINATOR))
    for version in (1.0, True, "1", None):
        odd = rezip(data, {}, manifest={**part(data, "manifest.json"), "version": version})
        assert "del formato de resultados" in refused(odd, make_user(Role.COORDINATOR))


def test_what_is_not_a_zip_is_refused(app, make_user):
    from tests.uploads.samples import phone_photo

    for data in (b"", b"hola", phone_photo(), b"PK\x03\x04" + b"\x00" * 100):
        assert "no es un paquete de resultados" in refused(data, make_user(Role.COORDINATOR))
    empty_zip = io.BytesIO()
    zipfile.ZipFile(empty_zip, "w").close()
    assert "manifest.json" in refused(empty_zip.getvalue(), make_user(Role.COORDINATOR))


def test_oversized_parts_and_zip_bombs_are_refused_before_reading(bundle, make_user, monkeypatch):
    from ideaboard.hall import publish

    central, data = bundle
    bomb = rezip(data, {"ideas.json": b" " * (publish.MAX_JSON_PART + 1)})  # a few kB zipped
    assert len(bomb) < 100_000
    read = []
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *args, **kwargs: read.append(args) or 1 / 0)
    assert "demasiado grande" in refused(bomb, make_user(Role.COORDINATOR), status=413)
    assert read == []  # refused on the sizes the zip declares, before inflating anything
    monkeypatch.undo()
    monkeypatch.setattr(publish, "MAX_BUNDLE_BYTES", len(data) - 1)
    assert "pesa más" in refused(data, make_user(Role.COORDINATOR), status=413)


def test_only_coordinators_and_admins_publish(bundle, make_user, make_ideathon):
    central, data = bundle
    for role in (Role.MODERATOR, Role.OFFICIAL):
        assert "coordinación y administración" in refused(data, make_user(role), status=403)
    publish_bundle(data, actor=make_user(Role.ADMIN))


def test_another_bundle_for_an_ideathon_already_published_is_refused(bundle, make_user):
    central, data = bundle
    publish_bundle(data, actor=make_user(Role.COORDINATOR))
    other = rezip(data, {"ideas.json": edited(data, "ideas.json", lambda v: v[0].update(text="Otra versión"))})
    assert "ya se publicó el" in refused(other, make_user(Role.COORDINATOR), status=409)


def test_an_ideathon_whose_room_ran_on_this_server_is_refused(bundle, make_user):
    from ideaboard.rooms.services import open_room

    central, data = bundle
    open_room(central, actor=central.created_by)
    assert "se usó en este servidor" in refused(data, make_user(Role.COORDINATOR), status=409)


def test_malformed_parts_are_refused_as_damaged(bundle, make_user):
    central, data = bundle
    coordinator = make_user(Role.COORDINATOR)
    for name, body in [
        ("ideas.json", b"[" * 100_000),  # nested beyond any parser's depth
        ("ideas.json", b"\xff\xfe not UTF-8"),
        ("ideas.json", edited(data, "ideas.json", lambda v: v[0].update(status="withdrawn"))),
        ("ideas.json", edited(data, "ideas.json", lambda v: v[0].update(text="x" * 281))),
        ("ideas.json", edited(data, "ideas.json", lambda v: v[0].update(theme=99))),
        ("ideas.json", edited(data, "ideas.json", lambda v: v[0].update(merged_into=v[0]["ref"]))),
        ("proposals.json", edited(data, "proposals.json", lambda v: v[0].update(ideas=[999]))),
        ("proposals.json", edited(data, "proposals.json", lambda v: v[0].update(cost_range="gratis"))),
        ("surveys.json", edited(data, "surveys.json", lambda v: v["exit"][0].update(satisfaction=6))),
        ("phases.json", edited(data, "phases.json", lambda v: v[0].update(at="ayer"))),
        # A link must be a web address: no javascript: on a public page.
        ("evidence.json", edited(data, "evidence.json", lambda v: v[1].update(url="javascript:alert(1)"))),
        ("ideathon.json", edited(data, "ideathon.json", lambda v: v["room"].update(dot_budget=11))),
    ]:
        assert "dañado o incompleto" in refused(rezip(data, {name: body}), coordinator), (name, body[:60])


def test_bad_languages_and_translations_are_refused_as_damaged(bundle, make_user):
    central, data = bundle
    coordinator = make_user(Role.COORDINATOR)
    translation = {"language": "es", "text": "Agua", "translated_by": None, "created_at": "2026-01-01T10:00:00Z",
                   "updated_at": None}
    for edit in [
        lambda v: v[0].update(language="xx"),
        lambda v: v[0].update(language=7),
        lambda v: v[0].update(language="es", translations=[translation]),  # into its own language
        lambda v: v[0].update(language="quc", translations=[translation, translation]),  # twice the same language
        lambda v: v[0].update(language="quc", translations=[{**translation, "text": ""}]),
        lambda v: v[0].update(language="quc", translations=[{**translation, "text": "x" * 281}]),
        lambda v: v[0].update(language="quc", translations=[{**translation, "language": "zz"}]),
        lambda v: v[0].update(language="quc", translations="Agua"),
    ]:
        body = edited(data, "ideas.json", edit)
        manifest = part(data, "manifest.json")
        manifest["counts"]["idea_translations"] = sum(len(i.get("translations", [])) if isinstance(
            i.get("translations"), list) else 0 for i in json.loads(body))
        assert "dañado o incompleto" in refused(rezip(data, {"ideas.json": body}, manifest=manifest), coordinator)


def test_a_bundle_from_before_ideas_had_a_language_is_read_as_spanish(bundle, make_user):
    central, data = bundle

    def old(value):
        for idea in value:
            idea.pop("language"), idea.pop("translations")

    manifest = part(data, "manifest.json")
    manifest["counts"].pop("idea_translations")
    published = publish_bundle(rezip(data, {"ideas.json": edited(data, "ideas.json", old)}, manifest=manifest),
                               actor=make_user(Role.COORDINATOR))
    languages = db.session.scalars(sa.select(Idea.language).where(Idea.ideathon_id == published.ideathon.id)).all()
    assert languages and set(languages) == {"es"}
    assert db.session.scalar(sa.select(sa.func.count(IdeaTranslation.id))) == 0
