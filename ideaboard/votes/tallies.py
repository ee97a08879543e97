"""Vote counts reach the room coalesced: votes mark their idea as changed, and the room's
flusher (every 250 ms) sends ONE message per room with every changed count and the ranking.
With hidden counts nothing is sent at all until the counts may be shown.

Votes and moderation record a `counts_changed` event; `touch_counts` (its subscriber) marks the
ideas, and the flusher (rooms/presence.py) sends them through the room's broadcaster."""
from ..extensions import db
from ..ideathons.models import Ideathon
from ..rooms.broadcasts import publish
from .queries import ranking, vote_counts


class Tallies:
    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.dirty: dict[int, set[int]] = {}

    def touch(self, room: int, idea_id: int) -> None:
        self.dirty.setdefault(room, set()).add(idea_id)

    def flush(self) -> list[tuple[int, int]]:
        """Send the changed counts of every room. Returns (room, number of counts sent)."""
        rooms, self.dirty = self.dirty, {}
        sent = []
        for room, idea_ids in rooms.items():
            try:
                ideathon = db.session.get(Ideathon, room)
                if ideathon is None or not ideathon.counts_visible:
                    continue  # hidden counts: not one number leaves the server
                counts = vote_counts(ideathon)  # every idea's: the ranking needs them too
                publish(room, "votes", "votes/_counts.html", ideathon=ideathon,
                        counts={idea_id: counts.get(idea_id, 0) for idea_id in idea_ids},
                        ranked=ranking(ideathon, counts=counts))
            except Exception:
                # Keep the changed ideas for the next round: a failed flush must not leave
                # phones on a stale count if no later vote touches those ideas again.
                for pending_room, pending in rooms.items():
                    self.dirty.setdefault(pending_room, set()).update(pending)
                raise
            sent.append((room, len(idea_ids)))
        return sent


tallies = Tallies()


def touch_counts(_sender, *, ideathon_id: int, idea_ids) -> None:
    """Subscriber of `events.counts_changed`: the flusher sends these ideas' counts."""
    for idea_id in idea_ids:
        tallies.touch(ideathon_id, idea_id)
