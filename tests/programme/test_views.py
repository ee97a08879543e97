"""The programme's pages through real forms: create, edit, milestones and activities, publish,
delete with confirmation, and the public tracker (drafts hidden, proof shown)."""
from datetime import date, timedelta

import sqlalchemy as sa

from ideaboard.accounts.models import Role
from ideaboard.extensions import db
from ideaboard.programme import services
from ideaboard.programme.models import Activity, Milestone, Programme

TODAY = date.today()


def _form(**overrides) -> dict:
    return {"name": "Ideatones 2026", "description": "Un año de ideatones",
            "starts_on": (TODAY - timedelta(days=30)).isoformat(), "ends_on": (TODAY + timedelta(days=330)).isoformat(),
            "coordinating_institution": "Comisión Presidencial", "supporting_institutions": "SEGEPLAN", **overrides}


def _commitment(**overrides) -> dict:
    return {"title": "Convenios firmados", "due_from": TODAY.isoformat(),
            "due_until": (TODAY + timedelta(days=60)).isoformat(), "responsible": "Comisión Presidencial",
            "expected_result": "8 convenios", "verification": "Convenios firmados (PDF)", "status": "planned",
            "done_on": "", "ideathon_id": "", **overrides}


def test_a_coordinator_creates_a_programme_through_the_form(auth, make_user):
    auth.login(make_user(Role.COORDINATOR))
    response = auth.post("/programas/nuevo", _form())
    assert response.status_code == 302
    programme = db.session.scalar(sa.select(Programme))
    assert response.headers["Location"] == f"/programas/{programme.id}"
    assert programme.name == "Ideatones 2026" and programme.supporters == ["SEGEPLAN"]
    assert not programme.is_published


def test_bad_input_is_shown_at_its_field_in_spanish(auth, make_user):
    auth.login(make_user(Role.COORDINATOR))
    response = auth.post("/programas/nuevo", _form(name="", ends_on="no es fecha"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "El nombre es obligatorio." in page
    assert "Indique cuándo termina el programa." in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(sa.select(sa.func.count(Programme.id))) == 0


def test_a_request_without_the_csrf_token_is_refused(client, auth, make_user):
    auth.login(make_user(Role.COORDINATOR))
    assert client.post("/programas/nuevo", data=_form()).status_code == 400


def test_milestone_and_activity_forms(auth, make_user, make_programme, make_ideathon):
    auth.login(make_user(Role.COORDINATOR))
    programme = make_programme(days_before=10, days_after=200)
    ideathon = make_ideathon(programme=programme, title="Ideatón de Jalapa")
    assert auth.post(f"/programas/{programme.id}/hitos/nuevo", _commitment()).status_code == 302
    milestone = db.session.scalar(sa.select(Milestone))
    late = auth.post(f"/hitos/{milestone.id}/actividades/nueva",
                     _commitment(title="Ideatón", due_until=(TODAY + timedelta(days=400)).isoformat()))
    assert late.status_code == 422
    assert "debe caer dentro del periodo del programa" in late.get_data(as_text=True)
    page = auth.client.get(f"/hitos/{milestone.id}/actividades/nueva").get_data(as_text=True)
    assert "Ideatón de Jalapa" in page  # the programme's ideathons are offered
    assert auth.post(f"/hitos/{milestone.id}/actividades/nueva",
                     _commitment(title="Ideatón", ideathon_id=str(ideathon.id))).status_code == 302
    activity = db.session.scalar(sa.select(Activity))
    assert activity.ideathon_id == ideathon.id
    edited = auth.post(f"/actividades/{activity.id}/editar",
                       _commitment(title="Ideatón de Jalapa", status="done", done_on=TODAY.isoformat(),
                                   ideathon_id=str(ideathon.id)))
    assert edited.status_code == 302
    db.session.refresh(activity)
    assert activity.status == "done" and activity.done_on == TODAY


def test_deleting_asks_for_confirmation(auth, make_user, make_programme):
    actor = make_user(Role.COORDINATOR)
    auth.login(actor)
    programme = make_programme()
    milestone = services.add_milestone(programme, services.CommitmentDraft(
        title="Manual", due_from=TODAY, due_until=TODAY, responsible="Comisión"), actor=actor)
    page = auth.client.get(f"/hitos/{milestone.id}/borrar").get_data(as_text=True)
    assert "¿Borrar «Manual»?" in page and 'name="confirm"' in page
    unconfirmed = auth.post(f"/hitos/{milestone.id}/borrar", {})
    assert unconfirmed.status_code == 422 and "Marque la casilla" in unconfirmed.get_data(as_text=True)
    assert db.session.get(Milestone, milestone.id) is not None
    assert auth.post(f"/hitos/{milestone.id}/borrar", {"confirm": "1"}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Milestone.id))) == 0


def test_publishing_makes_the_tracker_public(client, auth, make_user, make_programme):
    programme = make_programme(published=False, name="Programa en borrador")
    assert client.get(f"/programas/{programme.id}").status_code == 404
    assert "Programa en borrador" not in client.get("/programas").get_data(as_text=True)
    auth.login(make_user(Role.MODERATOR))
    assert client.get(f"/programas/{programme.id}").status_code == 404
    auth.logout()
    auth.login(make_user(Role.COORDINATOR))
    assert "Borrador" in client.get(f"/programas/{programme.id}").get_data(as_text=True)
    assert auth.post(f"/programas/{programme.id}/publicar", {"published": "1"}).status_code == 302
    auth.logout()
    page = client.get(f"/programas/{programme.id}").get_data(as_text=True)
    assert "Programa en borrador" in page and "Borrador:" not in page
    assert "Programa en borrador" in client.get("/programas").get_data(as_text=True)


def test_the_tracker_shows_each_commitment_status_dates_and_proof(client, make_user, make_programme, make_ideathon):
    actor = make_user(Role.COORDINATOR)
    programme = make_programme(days_before=100, days_after=100)
    ideathon = make_ideathon(programme=programme, title="Ideatón de Cobán")
    milestone = services.add_milestone(programme, services.CommitmentDraft(
        title="Ocho ideatones", due_from=TODAY - timedelta(days=90), due_until=TODAY - timedelta(days=1),
        responsible="Comisión Presidencial", verification="Tableros archivados"), actor=actor)
    services.add_activity(milestone, services.CommitmentDraft(
        title="Ideatón en Cobán", due_from=TODAY - timedelta(days=5), due_until=TODAY - timedelta(days=5),
        responsible="Municipalidad de Cobán", status="done", done_on=TODAY - timedelta(days=5),
        ideathon_id=ideathon.id), actor=actor)
    page = client.get(f"/programas/{programme.id}").get_data(as_text=True)
    assert "Ocho ideatones" in page and "Tableros archivados" in page
    assert "Atrasado" in page  # the milestone's deadline passed and it is not done
    assert "Cumplido" in page and "Ideatón de Cobán" in page
    assert "1</strong> de 2 compromisos cumplidos" in page
    assert "Editar hito" not in page  # no planner's buttons for the public
