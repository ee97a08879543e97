"""Every route, walked as every kind of visitor, against an explicit table of who may do what.

A new route fails `test_every_route_is_classified` until it is added to ACCESS below, so no
page can appear without someone deciding who may see it.
"""
import pytest

from ideaboard.extensions import db

from ideaboard.accounts.models import Role
from tests.conftest import Auth

ANON = "anonymous"
PARTICIPANT = "participant"  # a phone that joined the ideathon's room (no account)
ALL_STAFF = {Role.ADMIN, Role.COORDINATOR, Role.MODERATOR, Role.OFFICIAL}
PUBLIC = {ANON, PARTICIPANT} | ALL_STAFF
PLANNERS = {Role.ADMIN, Role.COORDINATOR}
# In the walk the moderator is not assigned to the ideathon: only planners may moderate it.
IN_THE_ROOM = {PARTICIPANT} | PLANNERS

ACCESS = {
    "static": PUBLIC,
    "home.index": PUBLIC,
    "home.set_language": PUBLIC,
    "home.languages": PLANNERS,  # how complete each interface language is
    "home.healthz": PUBLIC,
    "home.readyz": PUBLIC,
    "metrics": set(),  # no role: by address or token only, 404 for everyone else (tests/test_metrics.py)
    "accounts.login": PUBLIC,
    "accounts.logout": PUBLIC,
    "accounts.dashboard": ALL_STAFF,
    "accounts.change_own_password": ALL_STAFF,
    "accounts.users": {Role.ADMIN},
    "accounts.create_user_view": {Role.ADMIN},
    "accounts.edit_user": {Role.ADMIN},
    "accounts.reset_password": {Role.ADMIN},
    "accounts.toggle_active": {Role.ADMIN},
    "municipalities.index": PUBLIC,
    "municipalities.detail": PUBLIC,
    "ideathons.index": {Role.ADMIN, Role.COORDINATOR, Role.MODERATOR},
    "ideathons.create": PLANNERS,
    "ideathons.detail": PUBLIC,
    "ideathons.edit": PLANNERS,
    "ideathons.cancel": PLANNERS,
    "ideathons.moderators": PLANNERS,
    "rooms.scan": PUBLIC,
    "rooms.enter_code": PUBLIC,
    "rooms.join": PUBLIC,
    "rooms.board": IN_THE_ROOM,
    "rooms.board_sync": IN_THE_ROOM,
    "rooms.presenter": PLANNERS,
    "rooms.qr_code": PLANNERS,
    "rooms.open_room_view": PLANNERS,
    "rooms.close_room_view": PLANNERS,
    "rooms.scan_card": PUBLIC,
    "facilitation.console": PLANNERS,
    "facilitation.phase": PLANNERS,
    "facilitation.timer": PLANNERS,
    "facilitation.settings": PLANNERS,
    "facilitation.reveal": PLANNERS,
    "facilitation.paper_idea": PLANNERS,
    "facilitation.paper_tally": PLANNERS,
    "facilitation.make_cards": PLANNERS,
    "facilitation.revoke": PLANNERS,
    "facilitation.print_cards": PLANNERS,
    "moderation.live_list": PLANNERS,
    "moderation.hide": PLANNERS,
    "moderation.unhide": PLANNERS,
    "moderation.approve": PLANNERS,
    "moderation.edit": PLANNERS,
    "moderation.translate": PLANNERS,
    "moderation.untranslate": PLANNERS,
    "moderation.audio": PLANNERS,  # a voice idea's recording: its room's moderators only
    "moderation.transcribe": PLANNERS,
    "moderation.move": PLANNERS,
    "moderation.pin": PLANNERS,
    "moderation.merge": PLANNERS,
    "moderation.split": PLANNERS,
    "moderation.mute": PLANNERS,
    "moderation.unmute": PLANNERS,
    "moderation.audit": PLANNERS,
    "moderation.words": PLANNERS,
    "hall.download_kit": PLANNERS,
    "hall.setup_sheet": PLANNERS,
    "hall.upload_kit": {Role.ADMIN},
    "downloads.package": PUBLIC,
    "downloads.table": PUBLIC,
    "downloads.ideathon_package": PUBLIC,
    "downloads.ideathon_table": PUBLIC,
    "api.openapi": PUBLIC,
    "api.municipalities": PUBLIC,
    "api.municipality": PUBLIC,
    "api.ideathons": PUBLIC,
    "api.ideathon": PUBLIC,
    "api.ideathon_ideas": PUBLIC,
    "api.proposals": PUBLIC,
    "api.proposal": PUBLIC,
    "api.responses": PUBLIC,
    "api.statistics": PUBLIC,
    "archive.search": PUBLIC,
    "archive.report": PUBLIC,  # once archived; before, only its moderators (a preview), 404 for others
    "archive.report_pdf": PUBLIC,
    "archive.proposal": PUBLIC,
    "archive.archived": PUBLIC,
    "archive.proposals": PLANNERS,
    "archive.edit": PLANNERS,
    "archive.delete": PLANNERS,
    "archive.archive": PLANNERS,
    "archive.respond": {Role.OFFICIAL},  # an official of the proposal's own municipality (0108 here)
    "votes.cast": {PARTICIPANT},
    "votes.withdraw": {PARTICIPANT},
    "ideas.post": {PARTICIPANT},
    "ideas.post_voice": {PARTICIPANT},
    "ideas.edit": {PARTICIPANT},
    "ideas.withdraw": {PARTICIPANT},
    # The programme (the walk's programme is published; its pilot is Mixco, 0108, the official's municipality).
    "programme.index": PUBLIC,
    "programme.tracker": PUBLIC,
    "programme.create": PLANNERS,
    "programme.edit": PLANNERS,
    "programme.publish": PLANNERS,
    "programme.new_milestone": PLANNERS,
    "programme.edit_milestone": PLANNERS,
    "programme.delete_milestone": PLANNERS,
    "programme.new_activity": PLANNERS,
    "programme.edit_activity": PLANNERS,
    "programme.delete_activity": PLANNERS,
    "calendar.month": PUBLIC,
    "calendar.list": PUBLIC,
    "calendar.feed": PUBLIC,
    "budget.programme": PUBLIC,  # category totals; expense lines only for planners
    "budget.ideathon": PLANNERS | {Role.OFFICIAL},  # officials of the ideathon's municipality, read-only
    "budget.plan": PLANNERS,
    "budget.add_expense": PLANNERS,
    "budget.delete_expense": PLANNERS,
    "pilots.index": PLANNERS,
    "pilots.propose": PLANNERS,
    "pilots.detail": PLANNERS | {Role.OFFICIAL},  # an official of that municipality, read-only
    "pilots.select": PLANNERS,
    "pilots.invitation": PLANNERS,
    "pilots.agreement": PLANNERS,
    "pilots.remove": PLANNERS,
    "pilots.agreement_file": PUBLIC,  # once signed in a published programme (404 before: not a 403)
    "pilots.baseline": PLANNERS,
    "pilots.add_indicator": PLANNERS,
    "pilots.import_baseline": PLANNERS,
    "pilots.set_value": PLANNERS,
    "pilots.baseline_template": PLANNERS,
    # Published evidence is public (the walk's is a video link on the activity: no file, so 404 for its file);
    # an ideathon's evidence is also its moderators' to manage (the walk's moderator is not assigned).
    "evidence.for_ideathon": PUBLIC,
    # The results bundle: its moderators export an archived ideathon (not archived in the walk: back to its
    # page); coordinators and admins publish one on the central server.
    "hall_publish.export": PLANNERS,
    "hall_publish.publish": PLANNERS,
    "evidence.add_to_ideathon": PLANNERS,
    "evidence.for_activity": PUBLIC,
    "evidence.add_to_activity": PLANNERS,
    "evidence.edit": PLANNERS,
    "evidence.file": PUBLIC,
    "evidence.thumbnail": PUBLIC,
    "evidence.publish": PLANNERS,
    "evidence.delete": PLANNERS,
    "evaluation.survey": {PARTICIPANT},
    "evaluation.page": PUBLIC,
    "evaluation.csv": PUBLIC,
    "evaluation.report": PUBLIC,
    "evaluation.report_pdf": PUBLIC,
}

# Routes that answer 404 to anyone not logged in (a participant's phone included), as if there were
# nothing there, rather than sending them to log in: a voice idea's recording.
NOT_FOUND_TO_VISITORS = {"moderation.audio"}

SKIPPED = {
    "accounts.logout",  # it would end this visitor's session; tested in tests/accounts
    "rooms.close_room_view",  # it would close the room under the rest of the walk; tested in tests/rooms
    "facilitation.phase",  # likewise (an empty POST changes nothing, but keep the walk's room as it is)
    "programme.publish",  # an empty POST takes the walk's programme back to draft; tested in tests/programme
    "metrics",  # a 404 (not a 403) to every role and visitor unless configured; tested in tests/test_metrics.py
}


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(ACCESS), (
        f"unclassified: {sorted(endpoints - set(ACCESS))}; gone: {sorted(set(ACCESS) - endpoints)}"
    )


@pytest.mark.parametrize("visitor", [ANON, PARTICIPANT, *Role], ids=lambda v: getattr(v, "value", v))
def test_each_route_answers_each_visitor_as_expected(app, make_user, open_room, join, visitor):
    walk(app, make_user, open_room, join, visitor)


def walk(app, make_user, open_room, join, visitor, languages=(None,)) -> int:
    """Every route (but SKIPPED) as `visitor`, checked against ACCESS; each request once per
    interface language in `languages` (the `lang` cookie; None: none, Spanish). Returns how many
    requests were checked. tests/test_languages.py walks it in every configured language."""
    import uuid

    from ideaboard.i18n import gettext, interface_language
    from ideaboard.ideas.services import post_idea
    from ideaboard.rooms.services import join_room

    room = open_room()
    author = join_room(room, nickname="Autora")
    client = app.test_client()
    auth = Auth(client)
    if visitor == PARTICIPANT:
        author = join(client, room)
    elif visitor != ANON:
        auth.login(make_user(visitor))
    idea, _ = post_idea(room, author, theme_id=room.themes[0].id, text="Idea", client_id=str(uuid.uuid4()))
    from ideaboard.rooms.services import create_cards

    card = create_cards(room, 1, actor=room.created_by)[0]
    from ideaboard.archive.models import Proposal

    proposal = Proposal(ideathon_id=room.id, municipality_id=room.municipality_id, title="P", problem="p", proposal="p")
    db.session.add(proposal)
    db.session.commit()
    programme = programme_walk(room)
    values = {**programme,
              "ideathon_id": room.id, "user_id": make_user(Role.MODERATOR).id, "code": room.room_code,
              "filename": "css/app.css", "idea_id": idea.id, "card_id": card.id,
              "participant_id": author.id, "proposal_id": proposal.id,
              "table": "proposals", "fmt": "csv"}
    refusals = {}  # what a refused member of staff is told, in each language
    for lang in languages:
        with app.test_request_context("/"), interface_language(lang or "es"):
            refusals[lang] = (gettext("Acceso no permitido"), gettext("Aún no está en esta sala"))
    checked = 0
    for lang in languages:  # the whole walk in each language, in the order of the original one
        if lang is not None:
            client.set_cookie("lang", lang)
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint.endswith(("delete", "remove"))):
            if rule.endpoint in SKIPPED:
                continue
            allowed = visitor in ACCESS[rule.endpoint]
            path = rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
            for method in sorted(rule.methods & {"GET", "POST"}):
                if method == "GET":
                    response = client.get(path)
                else:
                    response = client.post(path, data={"csrf_token": auth.csrf_token()})
                if visitor != PARTICIPANT:  # the walk passes through the join form: do not stay joined
                    client.delete_cookie(f"ib_room_{room.id}")
                where = f"{method} {path} as {visitor}" + (f" in {lang}" if lang else "")
                location = response.headers.get("Location", "")
                if allowed:
                    assert response.status_code not in (401, 403), where
                    assert not location.startswith(("/entrar", "/unirse")), where
                    assert response.status_code < 500, where
                elif isinstance(visitor, Role):
                    assert response.status_code == 403, where
                    body = response.get_data(as_text=True)
                    # A participant's action (posting, voting) tells staff, as anyone, how to join the room.
                    assert any(text in body for text in refusals[lang]), where
                elif rule.endpoint in NOT_FOUND_TO_VISITORS:
                    assert response.status_code == 404, where
                elif response.status_code == 302:  # sent to log in, or to join the room
                    assert location.startswith(("/entrar?next=", "/unirse")), where
                else:
                    assert response.status_code == 403, where
                checked += 1
    assert checked >= (len(ACCESS) - len(SKIPPED)) * len(languages)
    return checked


def programme_walk(room) -> dict:
    """A published programme holding the walk's room, with one of everything: milestone, activity,
    pilot (the room's municipality, agreement signed), expense and a published video link."""
    from datetime import date, timedelta

    from ideaboard.budget.models import Expense
    from ideaboard.evidence.models import Evidence
    from ideaboard.pilots.models import PilotMunicipality
    from ideaboard.programme.models import Activity, Milestone, Programme

    today = date.today()
    programme = Programme(name="Programa", starts_on=today - timedelta(days=60), ends_on=today + timedelta(days=60),
                          coordinating_institution="Comisión", published_at=room.created_at)
    milestone = Milestone(programme=programme, title="Hito", due_from=today, due_until=today, responsible="Comisión")
    activity = Activity(milestone=milestone, title="Actividad", due_from=today, due_until=today, responsible="C",
                        ideathon_id=room.id)
    pilot = PilotMunicipality(programme=programme, municipality_id=room.municipality_id, signed_on=today,
                              invited_on=today, selected_at=room.created_at, signatories="Alcalde")
    db.session.add_all([programme, milestone, activity, pilot])
    room.programme = programme
    db.session.flush()
    expense = Expense(ideathon_id=room.id, category="hall", amount_cents=100, spent_on=today, description="Salón")
    evidence = Evidence(kind="video", title="Video", url="https://example.org/v", activity_id=activity.id)
    db.session.add_all([expense, evidence])
    db.session.commit()
    return {"programme_id": programme.id, "milestone_id": milestone.id, "activity_id": activity.id,
            "pilot_id": pilot.id, "expense_id": expense.id, "evidence_id": evidence.id}
