"""A room run on a hall's laptop, through the services, for the results bundle's tests.

`laptop_app(tmp_path)` is a second app on its own SQLite file, migrated like a fresh laptop;
`run_room(ideathon)` runs a whole workshop in it (phones and paper, moderation, proposals,
surveys, an evidence photo) and archives it. Both apps share Flask-SQLAlchemy's `db`: push the
app's context whose database you mean.
"""
import io
import shutil
import uuid
from contextlib import contextmanager

from werkzeug.datastructures import FileStorage

from ideaboard import create_app
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
from tests.conftest import app_config, build_schema
from tests.uploads.samples import phone_photo

_TEMPLATE = {}


def laptop_app(tmp_path, tmp_path_factory):
    """A laptop's app: SQLite in tmp_path, migrated (a copy of one migrated database per run)."""
    if "db" not in _TEMPLATE:
        template = tmp_path_factory.mktemp("laptop-template") / "laptop.db"
        app = create_app(app_config(f"sqlite:///{template}"))
        with app.app_context():
            build_schema()
            db.session.remove()
            db.engine.dispose()
        _TEMPLATE["db"] = template
    path = tmp_path / "laptop.db"
    shutil.copyfile(_TEMPLATE["db"], path)
    return create_app(app_config(f"sqlite:///{path}", UPLOAD_FOLDER=str(tmp_path / "laptop-uploads")))


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
    moderator = moderator or create_user(email=f"mod-{cid()[:8]}@example.org", name="Moderadora de sala",
                                         role=Role.COORDINATOR, password="contraseña-de-prueba")
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
        ideas[key], _ = post_idea(ideathon, people[who], theme_id=theme, text=text, client_id=cid())
    ideas["paper"] = post_paper_idea(ideathon, theme_id=water, text="Limpiar el río (escrita en papel)", actor=moderator)
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


def copy_to_laptop(central_values: dict):
    """The ideathon as a hall kit sets it up on the laptop (in the current app): same public id,
    municipality, title, date and themes. `central_values`: plain values read on the central app."""
    from ideaboard.ideathons.models import Ideathon
    from ideaboard.ideathons.services import IdeathonPlan, ThemeDraft, create_ideathon
    from ideaboard.municipalities.services import get_by_code

    coordinator = create_user(email=f"coord-{cid()[:8]}@example.org", name="Coordinación de la sala",
                              role=Role.COORDINATOR, password="contraseña-de-prueba")
    ideathon = create_ideathon(IdeathonPlan(
        municipality=get_by_code(central_values["municipality_code"]), title=central_values["title"],
        starts_at_local=central_values["starts_at_local"], venue="Salón municipal", description="",
        themes=[ThemeDraft(name, icon) for name, icon in central_values["themes"]], programme=None), actor=coordinator)
    ideathon.public_id = central_values["public_id"]
    db.session.commit()
    return db.session.get(Ideathon, ideathon.id)


def values_of(ideathon) -> dict:
    from flask_babel import to_user_timezone

    return {"public_id": ideathon.public_id, "municipality_code": ideathon.municipality.code,
            "title": ideathon.title, "starts_at_local": to_user_timezone(ideathon.starts_at).replace(tzinfo=None),
            "themes": [(t.name, t.icon) for t in ideathon.themes]}
