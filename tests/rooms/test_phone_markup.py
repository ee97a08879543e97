"""The participant's board as HTML: valid where the Nu validator looked (no aria-label on a plain
span, no id repeated), no staff link, and vote buttons that say why they cannot be pressed."""
import re
import uuid
from collections import Counter

from ideaboard.ideas.services import post_idea
from ideaboard.ideathons.themes import default_themes
from ideaboard.rooms.services import change_phase, update_settings
from ideaboard.votes.services import cast_vote

ALL_THEMES = [(t["name"], t["icon"]) for t in default_themes()]


def board_of(client, room) -> str:
    response = client.get(f"/sala/{room.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_board_has_unique_ids_no_labelled_spans_and_no_staff_links(app, open_room, join):
    room = open_room(themes=ALL_THEMES)
    phone = app.test_client()
    join(phone, room, nickname="Ana")
    html = board_of(phone, room)
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [i for i, n in ids.items() if n > 1] == []
    # Each theme's idea box and its "Grabar mi idea" form.
    assert 'id="csrf_token"' not in html and html.count('name="csrf_token"') == 2 * len(ALL_THEMES)
    assert not re.search(r"<span(?![^>]*\brole=)[^>]*\baria-label=", html)
    assert 'href="/entrar"' not in html and "site-header" not in html
    assert re.search(r'<nav id="themes" class="theme-tabs"', html) and html.count('class="theme-tab"') == 11
    # In the room, a count of nobody is never shown.
    assert "0 personas en la sala" not in html


def test_vote_buttons_are_disabled_with_their_reason_from_the_server(app, open_room, join):
    room = open_room(themes=ALL_THEMES[:2])
    update_settings(room, actor=room.created_by, silent_ideas=False, hidden_counts=False, dot_budget=1,
                    max_dots_per_idea=1, self_votes=True, cards_only=False, premoderation=False)
    phone = app.test_client()
    ana = join(phone, room, nickname="Ana")
    ideas = [post_idea(room, ana, theme_id=room.themes[0].id, text=f"Idea {n}", client_id=str(uuid.uuid4()))[0]
             for n in range(2)]
    change_phase(room, "voting", actor=room.created_by)
    html = board_of(phone, room)
    assert " disabled>" not in html and "vote-why" not in html
    cast_vote(room, ana, idea_id=ideas[0].id, client_id=str(uuid.uuid4()))
    html = board_of(phone, room)
    voted = html[html.index(f'id="idea-{ideas[0].id}"'):]
    voted = voted[:voted.index("</li>")]
    other = html[html.index(f'id="idea-{ideas[1].id}"'):]
    other = other[:other.index("</li>")]
    assert " disabled>" in voted and "Ya puso su punto aquí" in voted and 'data-dots="1"' in voted
    assert " disabled>" in other and "No le quedan puntos" in other
