"""The room's broadcaster: sends a change, rendered by the same templates as the page and the
htmx response, to everyone in the room, after the change is committed.

Services never call it: they record a domain event inside their transaction (ideaboard/events.py),
and `database.write()` dispatches it once committed to the subscribers below (`on_ideas_changed`,
`on_room_changed`, connected by ideaboard/subscribers.py). The count and presence flushers
(votes/tallies.py, rooms/presence.py) call `publish` themselves.

A fragment never depends on who is looking. It is rendered once per interface language someone
in the room is using, and sent to that language's channel of the room; per-viewer details (which
ideas are mine) are applied by static/js/room.js from data attributes. Each change carries the
room's sequence number so that a client noticing a gap re-fetches the board over HTTP.

Languages in use (rooms/languages_in_use.py): every socket of the room (phones, moderators'
consoles, projectors) is counted under its interface language as it connects and leaves
(rooms/events.py). Nobody listens on a language's channels when none of its sockets is in the
room, so its render is skipped: six languages configured cost what the two in use cost
(docs/benchmarks.md, "Languages in use"). In one process this is exact; with several (Redis),
each process's languages are in a sorted set per room, read at most once a second per room and
process (no Redis round trip per publish). A socket in a language new to the room gets its
sequence number (`seq`) only once every process's cached set includes its language, so a change
rendered without it is one it re-fetches. When Redis does not answer, every configured language
is rendered: an update is never dropped for want of knowing who listens.
"""
from contextlib import nullcontext

from flask import current_app, has_request_context, render_template

from ..database import utcnow
from ..extensions import socketio
from ..i18n import interface_language
from ..ideas.models import IdeaStatus
from ..ideas.queries import count_hidden, participants_seeing_own_ideas, theme_counts, visible_ideas_by_theme
from ..votes.queries import count_votes, ranking, vote_counts
from .languages_in_use import languages_in_use, redis_client


def channel(ideathon_id: int, lang: str, audience: str = "room") -> str:
    """A room's channels: everyone ("room"), its moderators ("staff"), its projectors ("screen"), or
    one participant ("p<id>")."""
    return f"{audience}-{ideathon_id}-{lang}"


def publish(ideathon_id: int, event: str, template: str, payload: dict | None = None,
            audiences: tuple[str, ...] = ("room",), **context) -> None:
    """Render `template` in each language someone in the room uses and emit it as `event` to the
    given audiences."""
    languages = languages_in_use.languages(ideathon_id, current_app.config["LANGUAGES"], redis_client())
    if not languages:
        return  # nobody listening in any language
    # Templates build URLs; outside a request (command line, background task) give them one.
    outside = current_app.test_request_context("/") if not has_request_context() else nullcontext()
    with outside:
        for lang in languages:
            with interface_language(lang):
                html = render_template(template, **context)
            for audience in audiences:
                socketio.emit(event, {**(payload or {}), "html": html}, to=channel(ideathon_id, lang, audience))


def ideas_changed(ideathon, ideas, seq: int, moved: tuple[tuple[int, int], ...] = (), resync=(),
                  dots_returned=()) -> None:
    """Ideas that came, changed or left the board: one message, one sequence number, with the
    counts of their themes. Ideas waiting for review (pre-moderation), and during silent
    brainstorming every idea, reach only their authors and the moderators; the rest of the room
    gets the same sequence number without them (no gap, no re-fetch). The author of an idea taken
    off the board (rejected or hidden) gets theirs with it, marked not published and with the
    moderator's reason (ideas/_idea_card.html); nobody else does. The moderators' consoles
    also get the ideas' rows (and how many are hidden). `moved`: (idea id, the theme it left) of
    ideas moved to another theme. `resync`: ids of participants whose dots moved (merge, split,
    hide): their message asks them to re-fetch their board (their dots left, their dots on each
    idea). `dots_returned`: those of them whose dots came back (an idea hidden during voting):
    their message also says so, in the board's message at the bottom of the screen."""
    counts = theme_counts({idea.theme_id for idea in ideas} | {theme_id for _idea, theme_id in moved})
    context = {"ideathon": ideathon, "ideas": ideas, "theme_counts": counts, "counts": {},
               "moved": {idea_id for idea_id, _theme in moved}}
    # First the few whose message differs, so that theirs is the one they apply (same sequence number).
    refused_authors = {idea.participant_id for idea in ideas
                       if idea.status == IdeaStatus.HIDDEN and idea.participant_id}
    for pid in sorted(refused_authors):
        publish(ideathon.id, "change", "ideas/_ideas_change.html", {"seq": seq, "resync": pid in resync},
                audiences=(f"p{pid}",), public=True, owner=pid, dots_returned=pid in dots_returned, **context)
    others = sorted(set(resync) - refused_authors)
    if others:  # their dots moved (merge, split, hide)
        publish(ideathon.id, "change", "ideas/_ideas_change.html", {"seq": seq, "resync": True},
                audiences=tuple(f"p{pid}" for pid in others), public=True,
                dots_returned=bool(set(others) & set(dots_returned)), **context)
    private = [idea for idea in ideas if idea.is_pending or (ideathon.ideas_are_private and idea.is_visible)]
    if private:
        authors = tuple(sorted({f"p{idea.participant_id}" for idea in private if idea.participant_id
                                and idea.participant_id not in refused_authors}))
        publish(ideathon.id, "change", "ideas/_ideas_change.html", {"seq": seq}, audiences=("staff", *authors),
                public=False, **context)
    publish(ideathon.id, "change", "ideas/_ideas_change.html", {"seq": seq}, public=True, **context)
    publish(ideathon.id, "moderation", "moderation/_rows.html", audiences=("staff",),
            hidden_count=count_hidden(ideathon.id), **context)


def room_changed(ideathon, seq: int, *, phase: bool = False, ideas: bool = False) -> None:
    """The room opened, changed phase, settings or timer: one message to the whole room, rendered
    once per language, which every screen applies as it comes (rooms/_room_state.html). No phone
    re-fetches its board for it: with 1,000 phones that was 1,000 board renders for one tap.

    Always the banner, the timer and the survey's card. `phase`: also the ranking and, as voting
    starts, the dots each participant has (cards already carry their buttons, which the phase
    shows or hides: ideas/_idea_card.html). `ideas`: what the cards themselves show changed
    (silent brainstorming on or off, counts hidden or revealed): every idea list too, as the room
    sees it. The few whose lists differ get theirs first on their own channel with the same
    sequence number, so that theirs is the one they apply: authors of ideas the room does not see
    (waiting for review, or silent brainstorming; one small render each) and the moderators, whose
    screens also re-fetch their live lists after a new phase or new lists (a screen or two). My dots
    on a card stay on the phone."""
    context = {"ideathon": ideathon, "server_now": utcnow()}
    if phase or ideas:
        counts = vote_counts(ideathon) if ideathon.counts_visible else {}
        context.update(
            counts=counts, ranked=ranking(ideathon, counts=counts) if ideathon.counts_visible else [],
            # As voting starts nobody has used a dot yet: the room's message can say how many each has.
            dots_left=None if ideathon.voting and count_votes(ideathon) else ideathon.dot_budget,
        )
    template = "rooms/_room_state.html"
    if ideas:
        publish(ideathon.id, "change", template, {"seq": seq, "resync": True}, audiences=("staff",),
                ideas=visible_ideas_by_theme(ideathon, None, staff=True), **context)
        for participant in participants_seeing_own_ideas(ideathon):
            publish(ideathon.id, "change", template, {"seq": seq}, audiences=(f"p{participant.id}",),
                    ideas=visible_ideas_by_theme(ideathon, participant, staff=False), **context)
        context["ideas"] = visible_ideas_by_theme(ideathon, None, staff=False)
    elif phase:  # the moderators' live lists show what the phase allows (counts, buttons): re-fetched
        publish(ideathon.id, "change", template, {"seq": seq, "resync": True}, audiences=("staff",), **context)
    publish(ideathon.id, "change", template, {"seq": seq}, **context)
    # The projectors' own part (how to get in, or where the results go; the phase in their words):
    # a message of their own, so that no phone carries it.
    publish(ideathon.id, "screen", "rooms/_join_panel.html", audiences=("screen",), ideathon=ideathon)


# --- subscribers of the domain events (ideaboard/subscribers.py connects them) --------------------

def on_ideas_changed(_sender, *, ideathon, ideas, seq: int, moved=(), resync=(), dots_returned=()) -> None:
    ideas_changed(ideathon, ideas, seq, moved=moved, resync=resync, dots_returned=dots_returned)


def on_room_changed(_sender, *, ideathon, seq: int, phase: bool = False, ideas: bool = False) -> None:
    room_changed(ideathon, seq, phase=phase, ideas=ideas)
