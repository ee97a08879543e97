"""The room's change counter. Every change the room hears about carries the next number, taken
inside the change's own transaction, so that a phone noticing a gap re-fetches its board."""
import sqlalchemy as sa

from ..extensions import db
from ..ideathons.models import Ideathon


def next_sequence(ideathon: Ideathon) -> int:
    """Increment the room's change counter inside the caller's transaction, atomically."""
    seq = db.session.execute(
        sa.update(Ideathon)
        .where(Ideathon.id == ideathon.id)
        .values(room_seq=Ideathon.room_seq + 1)
        .returning(Ideathon.room_seq)
    ).scalar_one()
    ideathon.room_seq = seq
    return seq
