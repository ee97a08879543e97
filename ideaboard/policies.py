"""Who may do what: every permission rule of Ideaboard, in one place.

The rules only answer yes or no. Refusing (which error, which message, which HTTP status) is the
caller's business: a service raises its own error, a view answers 403 or 404.

This module reads models and nothing else, so services, views and templates may all ask it
without importing one another. Each role set is written here once; `role_required` takes them
as `role_required(*PLANNERS)`.

- Planners (coordinators and admins) plan ideathons and programmes and may run any room.
- A moderator runs the rooms of the ideathons they are assigned to.
- A municipal official reads their own municipality's records and answers its proposals.
- A participant answers the exit survey of their own room once, after it closed.
- Admins manage the staff accounts.
- Planners follow the interface languages' translation (the catalogues' completeness).
- Planners take an ideathon to a hall without internet (its kit); on the laptop, admins import one.
- A draft programme is the planners'; once published it is public. Evidence is seen by whoever
  manages it, and by everyone once it is published (an activity's, once its programme is too).

`init_app` makes the rules that templates need available to them as Jinja globals, so templates
ask `can_plan(current_user)` instead of comparing role names.
"""
from flask import Flask

from .accounts.models import Role, User
from .archive.models import Proposal
from .evidence.models import Evidence
from .ideathons.models import Ideathon
from .programme.models import Activity, Programme
from .rooms.models import Participant

# --- The role sets -------------------------------------------------------------------------------

PLANNERS = frozenset({Role.ADMIN, Role.COORDINATOR})
ACCOUNT_MANAGERS = frozenset({Role.ADMIN})
# Who has a list of ideathons to work on: the planners all of them, a moderator their own.
ROOM_STAFF = PLANNERS | {Role.MODERATOR}
# Who reads a municipality's records (pilot record, budget): the planners, and its officials.
PLANNERS_AND_OFFICIALS = PLANNERS | {Role.OFFICIAL}


# --- Roles ---------------------------------------------------------------------------------------

def can_plan(user: User) -> bool:
    """Coordinators and admins plan ideathons and programmes, and change every part of them."""
    return user.is_authenticated and user.has_role(*PLANNERS)


def can_follow_translations(user: User) -> bool:
    """Coordinators and admins follow how complete each interface language's catalogue is."""
    return can_plan(user)


def can_manage_accounts(user: User) -> bool:
    return user.is_authenticated and user.has_role(*ACCOUNT_MANAGERS)


def is_moderator(user: User) -> bool:
    """Holds the moderator role (whether or not any ideathon is assigned to them yet)."""
    return user.is_authenticated and user.has_role(Role.MODERATOR)


def can_be_assigned_to_moderate(user: User) -> bool:
    """Only active accounts with the moderator role are assigned to an ideathon."""
    return user.has_role(Role.MODERATOR) and user.active


def is_official(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.OFFICIAL)


def is_official_of(user: User, municipality_id: int) -> bool:
    return is_official(user) and user.municipality_id == municipality_id


# --- Ideathons and their rooms -------------------------------------------------------------------

def can_moderate(user: User, ideathon: Ideathon) -> bool:
    """Planners, and the moderators assigned to this ideathon, may run its room."""
    return can_plan(user) or (user.is_authenticated and user.id in {m.id for m in ideathon.moderators})


def can_answer_survey(participant: Participant | None, ideathon: Ideathon) -> bool:
    """May this phone answer the exit survey now? Its room is closed (not cancelled) and it has not
    answered yet."""
    return (participant is not None and participant.ideathon_id == ideathon.id and ideathon.exit_survey_open
            and not participant.exit_survey_done)


# --- An ideathon without internet (ideaboard/hall) -----------------------------------------------

def can_take_to_hall(user: User) -> bool:
    """Planners download an ideathon's hall kit on the central server (never a moderator alone)."""
    return can_plan(user)


def can_import_kit(user: User) -> bool:
    """On the laptop, a kit makes staff accounts: admins import it (or the command line)."""
    return can_manage_accounts(user)


# --- A municipality's records and answers --------------------------------------------------------

def sees_municipality(user: User, municipality_id: int) -> bool:
    """Planners see every municipality's records; an official, their own municipality's."""
    return can_plan(user) or is_official_of(user, municipality_id)


def can_answer_proposal(user: User, proposal: Proposal) -> bool:
    """Only officials of the proposal's own municipality answer it."""
    return is_official_of(user, proposal.municipality_id)


# --- The programme: drafts and published ---------------------------------------------------------

def can_see_programme(user: User, programme: Programme) -> bool:
    """Published programmes are public; drafts are the planners'."""
    return programme.is_published or can_plan(user)


def activity_is_public(activity: Activity) -> bool:
    return activity.milestone.programme.is_published


# --- Evidence -------------------------------------------------------------------------------------

def can_manage_evidence_of(user: User, target: Ideathon | Activity) -> bool:
    """An ideathon's evidence: its moderators and the planners; an activity's: the planners."""
    if isinstance(target, Activity):
        return can_plan(user)
    return can_moderate(user, target)


def can_manage_evidence(user: User, evidence: Evidence) -> bool:
    """The ideathon's moderators and the planners for an ideathon's evidence; planners for an activity's."""
    if evidence.activity_id is not None:
        return can_plan(user)
    return can_moderate(user, evidence.ideathon)


def can_see_evidence_of(user: User, target: Ideathon | Activity) -> bool:
    """The page of an ideathon's evidence is public; an activity's, once its programme is published."""
    if isinstance(target, Activity):
        return activity_is_public(target) or can_plan(user)
    return True


def can_see_evidence(user: User, evidence: Evidence) -> bool:
    if can_manage_evidence(user, evidence):
        return True
    if not evidence.published:
        return False
    return evidence.activity is None or activity_is_public(evidence.activity)


# --- For templates --------------------------------------------------------------------------------

TEMPLATE_RULES = (can_plan, can_follow_translations, can_moderate, can_manage_accounts, is_moderator, is_official, can_see_programme,
                  can_take_to_hall, can_import_kit)


def init_app(app: Flask) -> None:
    """Templates ask these rules by name, e.g. `{% if can_plan(current_user) %}`."""
    app.jinja_env.globals.update({rule.__name__: rule for rule in TEMPLATE_RULES})
