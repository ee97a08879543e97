"""The mayor's report: an ideathon's figures, totals only.

`report_of(ideathon)` counts what the report shows: participation (people, ideas, dots), ideas and
dots by theme, the optional survey's answers (age band, gender, first time) with how many gave no
answer, how the board was moderated, and the ranked proposals. `charts_of(report)` draws its
charts. Nothing here names a participant or says who voted for what: every figure is a total.

How things are counted:
- people: everyone admitted to the room (phones and join cards).
- ideas: what people wrote, on phones or on paper, and kept on the board, hidden or folded into a
  merge; not those their authors withdrew, nor again the idea a merge made of several.
- dots: phone dots plus the paper tallies, as the board stood at closing (a merged idea carries its
  sources' dots, so they are not counted twice). None while the room hides the counts.
- survey: per question, the people who chose each answer, and "no answer" for the rest of the
  people in the room (those who skipped the question or the whole survey). The free-text
  community is left out: a village and an age band together could point at one person.
"""
from collections import Counter

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..charts import bar_chart, stacked_bar
from ..extensions import db
from ..ideas.models import Idea, IdeaStatus
from ..ideathons.models import Ideathon
from ..ideathons.themes import theme_name
from ..moderation.models import ModerationAction
from ..rooms.models import AGE_BAND_LABELS, GENDER_LABELS, AgeBand, Participant, ParticipationSurvey, PhaseChange
from ..votes.models import Vote
from ..votes.queries import paper_votes
from .services import proposals_of

NO_ANSWER = _l("Sin respuesta")
FIRST_TIME_LABELS = {True: _l("Primera vez"), False: _l("Ya había participado")}
# What stays on the record of the board at closing: its dots count (a hidden idea's dots were cast).
COUNTED = (IdeaStatus.VISIBLE.value, IdeaStatus.HIDDEN.value)
TOP_IDEAS = 10


def report_of(ideathon: Ideathon) -> dict:
    """Every figure of the report, as plain values (labels already in the current language)."""
    ideas = db.session.scalars(
        sa.select(Idea).where(Idea.ideathon_id == ideathon.id, Idea.status != IdeaStatus.WITHDRAWN.value)
        .options(sa.orm.selectinload(Idea.translations)).order_by(Idea.id)).all()
    contributed = [i for i in ideas if not i.consolidated]
    people = db.session.scalar(sa.select(sa.func.count(Participant.id)).where(Participant.ideathon_id == ideathon.id))
    counts = _dots(ideathon, ideas) if ideathon.counts_visible else None
    themes = []
    for theme in ideathon.themes:
        themes.append({
            "id": theme.id, "name": theme_name(theme), "icon": theme.icon,
            "ideas": sum(1 for i in contributed if i.theme_id == theme.id),
            "dots": None if counts is None else sum(n for idea_id, n in counts["by_idea"].items()
                                                    if counts["theme_of"][idea_id] == theme.id),
        })
    names = {theme.id: theme_name(theme) for theme in ideathon.themes}
    proposals = proposals_of(ideathon)
    visible = [i for i in ideas if i.status == IdeaStatus.VISIBLE]
    top = [] if counts is None else sorted(
        ((i, counts["by_idea"].get(i.id, 0)) for i in visible), key=lambda pair: (-pair[1], pair[0].id))[:TOP_IDEAS]
    return {
        "counts_visible": counts is not None,
        "archived": ideathon.archived_at is not None,
        "summary": {
            "people": people,
            "ideas": len(contributed),
            "paper_ideas": sum(1 for i in contributed if i.from_paper),
            "on_board": len(visible),
            "dots": None if counts is None else counts["phone"] + counts["paper"],
            "phone_dots": None if counts is None else counts["phone"],
            "paper_dots": None if counts is None else counts["paper"],
            "proposals": len(proposals),
            "themes": len(themes),
        },
        "room": _room(ideathon),
        "themes": themes,
        "survey": _survey(ideathon, people),
        "moderation": _moderation(ideathon, ideas),
        "proposals": proposals,
        "top_ideas": [{"text": idea.text, "theme": names[idea.theme_id], "dots": n, "from_paper": idea.from_paper,
                       "from_voice": idea.from_voice, "consolidated": idea.consolidated, "language": idea.language,
                       "translations": [{"language": t.language, "text": t.text} for t in idea.translations]}
                      for idea, n in top if n],
    }


def _dots(ideathon: Ideathon, ideas: list[Idea]) -> dict:
    """Dots per idea on the record (visible or hidden at closing), phones and paper apart."""
    on_record = {i.id: i.theme_id for i in ideas if i.status in COUNTED}
    phone = dict(db.session.execute(
        sa.select(Vote.idea_id, sa.func.count(Vote.id)).where(Vote.ideathon_id == ideathon.id)
        .group_by(Vote.idea_id)).all())
    paper = {idea_id: n for idea_id, n in paper_votes(ideathon).items() if idea_id in on_record}
    by_idea = {idea_id: phone.get(idea_id, 0) + paper.get(idea_id, 0) for idea_id in on_record}
    return {"by_idea": by_idea, "theme_of": on_record,
            "phone": sum(n for idea_id, n in phone.items() if idea_id in on_record), "paper": sum(paper.values())}


def _room(ideathon: Ideathon) -> dict:
    """How the room ran: its rules, and when it opened and closed."""
    changes = db.session.scalars(sa.select(PhaseChange).where(PhaseChange.ideathon_id == ideathon.id)
                                 .order_by(PhaseChange.at, PhaseChange.id)).all()
    closed = [c.at for c in changes if c.to_phase == "closed"]
    return {
        "opened_at": ideathon.room_opened_at, "closed_at": closed[-1] if closed else None,
        "phase": ideathon.phase, "dot_budget": ideathon.dot_budget, "max_dots_per_idea": ideathon.max_dots_per_idea,
        "self_votes": ideathon.self_votes, "silent_ideas": ideathon.silent_ideas,
        "hidden_counts": ideathon.hidden_counts, "premoderation": ideathon.premoderation,
        "cards_only": ideathon.cards_only,
    }


def _survey(ideathon: Ideathon, people: int) -> dict:
    """Each question's answers: [{"key", "label", "count"}], the last one "no answer"."""
    def answers(column, labels: dict) -> list[dict]:
        found = dict(db.session.execute(
            sa.select(column, sa.func.count(ParticipationSurvey.id))
            .where(ParticipationSurvey.ideathon_id == ideathon.id, column.is_not(None)).group_by(column)).all())
        rows = [{"key": key, "label": str(label), "count": found.get(key, 0)} for key, label in labels.items()]
        answered = sum(row["count"] for row in rows)
        return [*rows, {"key": None, "label": str(NO_ANSWER), "count": max(0, people - answered)}]

    surveys = db.session.scalar(sa.select(sa.func.count(ParticipationSurvey.id))
                                .where(ParticipationSurvey.ideathon_id == ideathon.id))
    return {
        "people": people, "answered": surveys,
        "age_band": answers(ParticipationSurvey.age_band, {band.value: AGE_BAND_LABELS[band] for band in AgeBand}),
        "gender": answers(ParticipationSurvey.gender, GENDER_LABELS),
        "first_time": answers(ParticipationSurvey.first_time, FIRST_TIME_LABELS),
    }


def _moderation(ideathon: Ideathon, ideas: list[Idea]) -> dict:
    """What moderation did to the board, as it stood at closing (idea fields) and as the audit log
    tells it (who was muted, what was moved, approved or turned down)."""
    hidden = [i for i in ideas if i.status == IdeaStatus.HIDDEN]
    reasons = Counter((i.hidden_reason or "").strip() for i in hidden)
    log = db.session.execute(
        sa.select(ModerationAction.action, ModerationAction.idea_id, ModerationAction.participant_id)
        .where(ModerationAction.ideathon_id == ideathon.id)).all()

    def distinct(action: str, column: str) -> int:
        return len({getattr(row, column) for row in log if row.action == action and getattr(row, column)})

    return {
        "hidden": len(hidden),
        # Most frequent first; a hide without a reason (none is allowed, but old rows) reads "—".
        "hidden_reasons": [{"reason": reason or "—", "count": n}
                           for reason, n in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))],
        "merges": sum(1 for i in ideas if i.consolidated),
        "merged_ideas": sum(1 for i in ideas if i.status == IdeaStatus.MERGED),
        "edited": sum(1 for i in ideas if i.original_text is not None),
        "moved": distinct("move", "idea_id"),
        "muted": distinct("mute", "participant_id"),
        "premoderation": ideathon.premoderation or any(row.action in ("approve", "reject") for row in log),
        "approved": distinct("approve", "idea_id"),
        "rejected": distinct("reject", "idea_id"),
        "pending": sum(1 for i in ideas if i.status == IdeaStatus.PENDING),
        "actions": sum(1 for row in log if row.action in MODERATION_ACTIONS),
    }


# The audit log's entries that act on the board (not the proposals and the archiving).
MODERATION_ACTIONS = {"hide", "unhide", "reject", "approve", "edit", "move", "pin", "unpin", "mute", "unmute",
                      "merge", "split", "transcribe"}


def charts_of(report: dict, *, svg_css: str | None = None) -> dict:
    """The report's charts (drawn with ideaboard/charts.py). `svg_css`: the stylesheet to embed in each chart, for
    renderers that do not style inline SVG from the page (WeasyPrint)."""
    themes = report["themes"]
    survey = report["survey"]

    def rows(answers):
        return [(row["label"], row["count"], row["key"] is None) for row in answers]

    made = {
        "theme_ideas": bar_chart(
            [(t["name"], t["ideas"]) for t in themes], id="chart-theme-ideas", title=_l("Ideas por tema"),
            value_heading=_l("Ideas"), label_heading=_l("Tema"), css=svg_css),
    }
    if report["counts_visible"]:
        made["theme_dots"] = bar_chart(
            [(t["name"], t["dots"]) for t in themes], id="chart-theme-dots", title=_l("Puntos por tema"),
            value_heading=_l("Puntos"), label_heading=_l("Tema"), series=1, css=svg_css)
    if survey["people"]:
        made["age_band"] = bar_chart(
            rows(survey["age_band"]), id="chart-age", title=_l("Edad"), label_heading=_l("Edad"),
            value_heading=_l("Personas"), total=survey["people"], series=2, css=svg_css)
        made["gender"] = stacked_bar(
            rows(survey["gender"]), id="chart-gender", title=_l("Género"), label_heading=_l("Género"),
            value_heading=_l("Personas"), css=svg_css)
        made["first_time"] = stacked_bar(
            rows(survey["first_time"]), id="chart-first-time", title=_l("¿Primera vez en una ideatón?"),
            label_heading=_l("Respuesta"), value_heading=_l("Personas"), css=svg_css)
    return made
