"""A room run on a hall's laptop, through the services, for the results bundle's tests.

`take_to_laptop()` carries a central ideathon to the laptop's app (tests/hall/conftest.py) with the
real hall kit; `run_room(ideathon)` runs a whole workshop in it (phones and paper, moderation, proposals,
surveys, an evidence photo) and archives it. Both apps share Flask-SQLAlchemy's `db`: push the
app's context whose database you mean.
"""
import io
import uuid
from contextlib import contextmanager

from werkzeug.datastructures import FileStorage

from ideaboard.accounts.models import Role
from ideaboard.accounts.services import create_user
from ideaboard.archive.services import ProposalDraft, archive_ideathon, draft_proposal
from ideaboard.evaluation.services import answer_survey
from ideaboard.evidence.services import EvidenceDraft, add_evidence
from ideaboard.extensions import db
from ideaboard.ideas.services import post_idea, post_paper_idea
from ideaboard.moderation import services as mod
from ideaboard.rooms.services import change_phase, join_room, open_room, update_settings
from ideaboard.votes.services import cast_vote, record_paper_tally
from tests.uploads.samples import phone_photo

@contextmanager
def inside(app):
    """The app's context, its session closed on the way out (objects stay in their own app)."""
    with app.app_context():
        try:
            yield
        finally:
            db.session.remove()


def cid() -> str:
    return str(uuid.uuid4())


def run_room(ideathon, *, moderator=None, evidence=True) -> dict:
    """Run the whole workshop of `ideathon` (in the current app) and archive it."""
    moderator = moderator or (ideathon.moderators[0] if ideathon.moderators else ideathon.created_by)
    open_room(ideathon, actor=moderator)
    update_settings(ideathon, actor=moderator, silent_ideas=False, hidden_counts=False, dot_budget=3,
                    max_dots_per_idea=2, self_votes=True, cards_only=False, premoderation=False)
    people = [
        join_room(ideathon, nickname="Ana", survey={"age_band": "18-29", "gender": "woman", "community": "Aldea El Rosario",
                                                   "first_time": "yes"}),
        join_room(ideathon, nickname="Beto", survey={"age_band": "60plus", "first_time": "no"}),
        join_room(ideathon, survey={"gender": "man"}),
        join_room(ideathon, nickname="Ceci"),
        join_room(ideathon, nickname="<script>alert(1)</script>"),
    ]
    change_phase(ideathon, "ideas", actor=moderator)
    water, roads = ideathon.themes[0].id, ideathon.themes[1].id
    ideas = {}
    for key, who, theme, text in [
        ("well", 0, water, "Pozo comunitario en la aldea"),
        ("pipes", 1, water, "Cambiar tubería del centro"),
        ("pipes2", 2, water, "Reparar las tuberías del centro"),
        ("lights", 3, roads, "Alumbrado en la calle principal"),
        ("rude", 4, roads, "<b>Texto ofensivo</b> & más"),
        ("potholes", 0, roads, "Bachear la 4a calle"),
    ]:
        ideas[key], _ = post_idea(ideathon, people[who], theme_id=theme, text=text, client_id=cid(),
                                  language="kek" if key == "potholes" else None)
    ideas["paper"] = post_paper_idea(ideathon, theme_id=water, text="Limpiar el río (escrita en papel)", actor=moderator,
                                     language="quc")
    # Ideas in one's own language: the moderation's translations travel with them.
    mod.translate_idea(ideathon, ideas["potholes"].id, actor=moderator, text="Bachear la cuarta calle")
    mod.translate_idea(ideathon, ideas["paper"].id, actor=moderator, text="Limpiar el río")
    mod.translate_idea(ideathon, ideas["paper"].id, actor=moderator, text="Clean the river", language="en")
    mod.edit_idea_text(ideathon, ideas["lights"].id, actor=moderator, text="Alumbrado público en la calle principal")
    change_phase(ideathon, "voting", actor=moderator)
    for who, key in [(0, "well"), (1, "well"), (2, "pipes"), (3, "pipes2"), (0, "pipes"), (4, "lights"),
                     (1, "lights"), (2, "potholes"), (3, "rude")]:
        cast_vote(ideathon, people[who], idea_id=ideas[key].id, client_id=cid())
    merged, _returned = mod.merge_ideas(ideathon, [ideas["pipes"].id, ideas["pipes2"].id], actor=moderator,
                                        text="Renovar la tubería del centro")
    mod.hide_idea(ideathon, ideas["rude"].id, actor=moderator, reason="Lenguaje ofensivo")
    mod.mute_participant(ideathon, people[4].id, actor=moderator, reason="Insultos")
    record_paper_tally(ideathon, idea_id=ideas["paper"].id, votes=7, actor=moderator)
    record_paper_tally(ideathon, idea_id=ideas["well"].id, votes=4, actor=moderator)
    change_phase(ideathon, "closed", actor=moderator)
    answer_survey(ideathon, people[0], satisfaction="5", take_part_again="yes", learned="yes", first_time="yes")
    answer_survey(ideathon, people[1], satisfaction="3", take_part_again="unsure", learned="", first_time="no")
    draft_proposal(ideathon, ProposalDraft(title="Agua para la aldea", problem="No hay agua <todo> el día",
                                           proposal="Un pozo y tubería nueva", theme_id=water, place="Aldea El Rosario",
                                           beneficiaries="200 familias", cost_range="50k-250k", office="DMP",
                                           idea_ids=[ideas["well"].id, merged.id, ideas["paper"].id]), actor=moderator)
    draft_proposal(ideathon, ProposalDraft(title="=Calles iluminadas", problem="Calles oscuras", proposal="Alumbrado",
                                           theme_id=roads, idea_ids=[ideas["lights"].id]), actor=moderator)
    if evidence:
        add_evidence(ideathon, EvidenceDraft(kind="photo", title="El salón lleno",
                                             description="Vecinos frente al tablero de ideas"),
                     FileStorage(stream=io.BytesIO(phone_photo()), filename="salon.jpg",
                                 content_type="image/jpeg"), actor=moderator)
        add_evidence(ideathon, EvidenceDraft(kind="video", title="Resumen en video",
                                             url="https://video.example.org/ideaton"), None, actor=moderator)
    archive_ideathon(ideathon, actor=moderator)
    return {"moderator": moderator, "ideas": ideas, "people": people}



def take_to_laptop(central_ideathon, laptop):
    """The hall kit of a central ideathon (made in the current, central app, by a coordinator who
    moderates it) imported into the laptop's app; returns the laptop's ideathon's id."""
    from ideaboard.accounts.models import User
    from ideaboard.hall.kit import build_kit
    from ideaboard.hall.services import import_kit
    from ideaboard.ideathons.services import assign_moderators

    coordinator = central_ideathon.created_by
    moderator = db.session.scalar(db.select(User).where(User.name == "Moderadora de sala"))
    if moderator is None:
        moderator = create_user(email=f"moderadora-{cid()[:8]}@example.org", name="Moderadora de sala",
                                role=Role.MODERATOR, password="contraseña-de-prueba")
    assign_moderators(central_ideathon, [moderator], actor=coordinator)
    kit = build_kit(central_ideathon, made_by=coordinator)
    with inside(laptop):
        return import_kit(kit).ideathon.id


def laptop_ideathon(ideathon_id):
    """The laptop's ideathon (its context pushed) and the staff the kit made there."""
    from ideaboard.ideathons.models import Ideathon

    ideathon = db.session.get(Ideathon, ideathon_id)
    return ideathon
