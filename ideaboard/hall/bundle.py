"""The results bundle: what a room run on a hall's laptop brings back to the central server.

`build_bundle(ideathon)` writes ONE zip file holding the closed, archived ideathon's record: its
ideas (each in its language, with the moderation's translations apart; merges, moderators' edits
with the originals, hidden ideas with their reasons), the dots per
idea (phones and paper: counts only, never who voted), the proposals and their ideas, the audit
log, the phase history, the anonymous survey answers, the evidence the moderators attached (with
its files) and `manifest.json`, which names the format and its version, the software, the
ideathon (public id, municipality code), counts every part and gives each part's SHA-256 and size.
docs/hall-kit.md ("Results bundle") documents every file and field; `publish.py` reads it.

Participants are never identified: the bundle says how many people joined, and the audit log
names the people it acted on (a mute) only as `p1`, `p2`… numbered within the bundle. Ideas carry
no author. Staff are named (the moderators are public in the kit too). The laptop's row ids do not
travel: ideas and themes are numbered within the bundle (`ref`), and the central server gives the
rows its own ids.
"""
import hashlib
import io
import json
import zipfile
from datetime import date, datetime
from importlib import metadata

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..archive.models import Proposal
from ..evaluation.models import ExitSurvey
from ..evidence.models import Evidence
from ..database import utcnow
from ..extensions import db
from ..ideas.models import Idea, IdeaStatus
from ..ideathons.models import Ideathon
from ..moderation.models import Merge, ModerationAction
from ..policies import can_moderate
from ..refusals import Refusal
from ..rooms.models import Participant, ParticipationSurvey, PhaseChange
from ..uploads.services import upload_folder
from ..votes.models import Vote
from ..votes.queries import paper_votes

FORMAT = "ideaboard-results"
VERSION = 1
# The parts, in the order they are written (evidence files follow under evidence/).
PARTS = ("ideathon.json", "ideas.json", "votes.json", "proposals.json", "moderation.json", "phases.json",
         "surveys.json", "evidence.json")
EVIDENCE_FOLDER = "evidence/"


class BundleError(Refusal):
    """The bundle cannot be written; the message is for the person who asked."""

    status = 409


def software_version() -> str:
    try:
        return metadata.version("ideaboard")
    except metadata.PackageNotFoundError:  # running from a checkout that was never installed
        return "0"


def when(value: datetime | date | None) -> str | None:
    """A naive UTC datetime as ISO 8601 with a Z (microseconds kept when there are any); a date as YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    return value.isoformat()


def _names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all())


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def bundle_filename(ideathon: Ideathon) -> str:
    return f"resultados-{ideathon.public_id}.zip"


def build_bundle(ideathon: Ideathon, *, actor: User | None = None) -> bytes:
    """The results bundle of a closed, archived ideathon, as the bytes of a zip file. `actor`: who
    asked on the web (the ideathon's moderators, coordinators and admins); None from the CLI."""
    if actor is not None and not can_moderate(actor, ideathon):
        raise BundleError(_l("Solo quienes moderan esta ideatón pueden exportar sus resultados."), 403)
    db.session.refresh(ideathon)
    if not ideathon.is_closed or ideathon.archived_at is None:
        raise BundleError(_l("Solo se exportan los resultados de una ideatón con la sala cerrada y archivada: "
                             "cierre la sala, escriba las propuestas y archívela primero."))
    parts, files, counts = _parts(ideathon)
    manifest = {
        "format": FORMAT, "version": VERSION,
        "software": {"name": "ideaboard", "version": software_version()},
        "ideathon": {"public_id": ideathon.public_id, "municipality_code": ideathon.municipality.code,
                     "title": ideathon.title},
        "created_at": when(utcnow()),
        "counts": counts,
        "parts": {},
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in [*((name, _json(parts[name])) for name in PARTS), *files]:
            manifest["parts"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            # Photos and PDFs are compressed already: stored as they are.
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED if name.startswith(EVIDENCE_FOLDER)
                             else zipfile.ZIP_DEFLATED)
        archive.writestr("manifest.json", _json(manifest))
    return out.getvalue()


def _parts(ideathon: Ideathon) -> tuple[dict, list, dict]:
    themes = list(ideathon.themes)
    theme_ref = {theme.id: n for n, theme in enumerate(themes, 1)}
    # A voice idea nobody transcribed has no text, and its recording never leaves the hall: left out.
    ideas = db.session.scalars(sa.select(Idea).where(Idea.ideathon_id == ideathon.id,
                                                     Idea.status != IdeaStatus.WITHDRAWN.value,
                                                     sa.not_(sa.and_(Idea.from_voice, Idea.transcribed_at.is_(None))))
                               .options(sa.orm.selectinload(Idea.translations)).order_by(Idea.id)).all()
    idea_ref = {idea.id: n for n, idea in enumerate(ideas, 1)}
    log = db.session.scalars(sa.select(ModerationAction).where(ModerationAction.ideathon_id == ideathon.id)
                             .order_by(ModerationAction.at, ModerationAction.id)).all()
    phases = db.session.scalars(sa.select(PhaseChange).where(PhaseChange.ideathon_id == ideathon.id)
                                .order_by(PhaseChange.at, PhaseChange.id)).all()
    merges = db.session.scalars(sa.select(Merge).where(Merge.ideathon_id == ideathon.id).order_by(Merge.id)).all()
    proposals = db.session.scalars(sa.select(Proposal).where(Proposal.ideathon_id == ideathon.id)
                                   .options(sa.orm.selectinload(Proposal.ideas)).order_by(Proposal.id)).all()
    evidence = db.session.scalars(sa.select(Evidence).where(Evidence.ideathon_id == ideathon.id)
                                  .order_by(Evidence.id)).all()
    names = _names([ideathon.archived_by_id, *(i.entered_by_id for i in ideas), *(a.actor_id for a in log),
                    *(t.translated_by_id for i in ideas for t in i.translations),
                    *(p.actor_id for p in phases), *(m.created_by_id for m in merges), *(m.undone_by_id for m in merges),
                    *(p.created_by_id for p in proposals), *(e.created_by_id for e in evidence)])
    people = db.session.execute(sa.select(Participant.id, Participant.muted_at, Participant.exit_survey_done)
                                .where(Participant.ideathon_id == ideathon.id).order_by(Participant.id)).all()
    # The people the audit log acted on, numbered within the bundle (never the laptop's ids or tokens).
    person_ref = {}
    for action in log:
        if action.participant_id and action.participant_id not in person_ref:
            person_ref[action.participant_id] = f"p{len(person_ref) + 1}"
    muted = {row.id: row.muted_at for row in people if row.muted_at}

    phone = dict(db.session.execute(sa.select(Vote.idea_id, sa.func.count()).where(Vote.ideathon_id == ideathon.id)
                                    .group_by(Vote.idea_id)).all())
    paper = paper_votes(ideathon)

    ideathon_part = {
        "public_id": ideathon.public_id, "municipality_code": ideathon.municipality.code, "title": ideathon.title,
        "starts_at": when(ideathon.starts_at), "venue": ideathon.venue,
        "room": {"code": ideathon.room_code, "opened_at": when(ideathon.room_opened_at), "phase": ideathon.phase,
                 "silent_ideas": ideathon.silent_ideas, "ideas_revealed": ideathon.ideas_revealed,
                 "hidden_counts": ideathon.hidden_counts, "dot_budget": ideathon.dot_budget,
                 "max_dots_per_idea": ideathon.max_dots_per_idea, "self_votes": ideathon.self_votes,
                 "cards_only": ideathon.cards_only, "premoderation": ideathon.premoderation},
        "archived_at": when(ideathon.archived_at), "archived_by": names.get(ideathon.archived_by_id),
        "themes": [{"ref": theme_ref[t.id], "name": t.name, "icon": t.icon, "position": t.position,
                    "default_key": t.default_key, "names": {given.language: given.name for given in t.names}}
                   for t in themes],
        "participants": {
            "count": len(people),
            "muted": [{"person": person_ref[pid], "muted_at": when(at)} for pid, at in muted.items()
                      if pid in person_ref],
            "exit_survey_done": sum(1 for row in people if row.exit_survey_done),
        },
    }
    ideas_part = [{
        "ref": idea_ref[i.id], "theme": theme_ref[i.theme_id], "text": i.text, "status": i.status,
        "created_at": when(i.created_at), "edited_at": when(i.edited_at), "from_paper": i.from_paper,
        "entered_by": names.get(i.entered_by_id), "pinned": i.pinned, "hidden_reason": i.hidden_reason,
        "original_text": i.original_text, "consolidated": i.consolidated,
        "merged_into": idea_ref.get(i.merged_into_id), "flagged_words": i.flagged_words,
        # The language it is written in, and the moderation's translations (kept apart from it).
        "language": i.language,
        "translations": [{"language": t.language, "text": t.text, "translated_by": names.get(t.translated_by_id),
                          "created_at": when(t.created_at), "updated_at": when(t.updated_at)}
                         for t in sorted(i.translations, key=lambda t: t.id)],  # as written: ids in the same order
    } for i in ideas]
    votes_part = [{"idea": idea_ref[i.id], "phone": phone.get(i.id, 0), "paper": paper.get(i.id)}
                  for i in ideas if phone.get(i.id) or i.id in paper]
    proposals_part = [{
        "title": p.title, "problem": p.problem, "proposal": p.proposal,
        "theme": theme_ref.get(p.theme_id), "place": p.place, "beneficiaries": p.beneficiaries,
        "cost_range": p.cost_range, "office": p.office, "competence": p.competence, "votes": p.votes,
        "ideas": [idea_ref[i.id] for i in p.ideas if i.id in idea_ref], "created_by": names.get(p.created_by_id),
        "created_at": when(p.created_at),
    } for p in proposals]
    moderation_part = {
        "actions": [{
            "action": a.action, "actor": names.get(a.actor_id), "idea": idea_ref.get(a.idea_id),
            "person": person_ref.get(a.participant_id), "before": a.before, "after": a.after, "reason": a.reason,
            "at": when(a.at),
        } for a in log],
        "merges": [{
            "idea": idea_ref.get(m.idea_id), "created_by": names.get(m.created_by_id), "created_at": when(m.created_at),
            "undone_at": when(m.undone_at), "undone_by": names.get(m.undone_by_id),
        } for m in merges if m.idea_id in idea_ref],
    }
    phases_part = [{"from": p.from_phase, "to": p.to_phase, "actor": names.get(p.actor_id), "at": when(p.at)}
                   for p in phases]
    # Survey answers in a canonical order (not the order people joined or answered).
    joined = db.session.scalars(sa.select(ParticipationSurvey)
                                .where(ParticipationSurvey.ideathon_id == ideathon.id)).all()
    left = db.session.scalars(sa.select(ExitSurvey).where(ExitSurvey.ideathon_id == ideathon.id)).all()
    surveys_part = {
        "participation": sorted(({"age_band": s.age_band, "gender": s.gender, "community": s.community,
                                  "first_time": s.first_time, "created_on": when(s.created_on)} for s in joined),
                                key=_canonical),
        "exit": sorted(({"satisfaction": s.satisfaction, "take_part_again": s.take_part_again, "learned": s.learned,
                         "first_time": s.first_time, "created_on": when(s.created_on)} for s in left), key=_canonical),
    }
    files, evidence_part = [], []
    for n, item in enumerate(evidence, 1):
        entry = {"kind": item.kind, "title": item.title, "description": item.description, "url": item.url,
                 "published": item.published, "created_by": names.get(item.created_by_id),
                 "created_at": when(item.created_at), "file": None}
        if item.upload is not None:
            name = f"{EVIDENCE_FOLDER}{n}.{item.upload.stored_name.rsplit('.', 1)[-1]}"
            files.append((name, (upload_folder() / item.upload.stored_name).read_bytes()))
            entry.update(file=name, content_type=item.upload.content_type, original_name=item.upload.original_name)
        evidence_part.append(entry)
    parts = {"ideathon.json": ideathon_part, "ideas.json": ideas_part, "votes.json": votes_part,
             "proposals.json": proposals_part, "moderation.json": moderation_part, "phases.json": phases_part,
             "surveys.json": surveys_part, "evidence.json": evidence_part}
    counts = {"participants": len(people), "themes": len(themes), "ideas": len(ideas_part),
              "idea_translations": sum(len(i["translations"]) for i in ideas_part),
              "phone_votes": sum(v["phone"] for v in votes_part),
              "paper_votes": sum(v["paper"] or 0 for v in votes_part), "proposals": len(proposals_part),
              "moderation_actions": len(moderation_part["actions"]), "merges": len(moderation_part["merges"]),
              "phase_changes": len(phases_part), "participation_surveys": len(surveys_part["participation"]),
              "exit_surveys": len(surveys_part["exit"]), "evidence": len(evidence_part), "evidence_files": len(files)}
    return parts, files, counts


def _canonical(row: dict) -> str:
    return json.dumps(row, sort_keys=True)

