import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db


class RoomPhase(enum.StrEnum):
    """Where the live room stands: preparation → ideas → voting → closed."""

    PREPARATION = "preparation"  # people may join (once the room is open); nothing is posted yet
    IDEAS = "ideas"  # people post ideas
    VOTING = "voting"  # people place their dots
    CLOSED = "closed"  # over: the code no longer admits anyone, the board is read-only

    @property
    def label(self) -> str:
        return str(PHASE_LABELS[self])

    # What moving to this phase does (the console's buttons ask these of each next phase).
    @property
    def collects_ideas(self) -> bool:
        return self is RoomPhase.IDEAS

    @property
    def takes_votes(self) -> bool:
        return self is RoomPhase.VOTING

    @property
    def closes_room(self) -> bool:
        return self is RoomPhase.CLOSED


PHASE_LABELS = {
    RoomPhase.PREPARATION: _l("Preparación"),
    RoomPhase.IDEAS: _l("Recibiendo ideas"),
    RoomPhase.VOTING: _l("Votación"),
    RoomPhase.CLOSED: _l("Cerrada"),
}

# The state machine: which phase may follow which (a room may close without a vote).
PHASE_TRANSITIONS = {
    RoomPhase.PREPARATION: (RoomPhase.IDEAS, RoomPhase.CLOSED),
    RoomPhase.IDEAS: (RoomPhase.VOTING, RoomPhase.CLOSED),
    RoomPhase.VOTING: (RoomPhase.CLOSED,),
    RoomPhase.CLOSED: (),
}


class IdeathonStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str({self.SCHEDULED: _l("Programada"), self.CANCELLED: _l("Cancelada")}[self])


def new_public_id() -> str:
    """A new ideathon's public identifier: a random UUID, as text."""
    return str(uuid.uuid4())


ideathon_moderators = sa.Table(
    "ideathon_moderators",
    db.metadata,
    sa.Column("ideathon_id", sa.ForeignKey("ideathons.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Ideathon(db.Model):
    """One workshop in one municipality on one date: the room of the board."""

    __tablename__ = "ideathons"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The stable public identifier (a UUID): the same on the central server and on a hall's laptop,
    # where the internal id may differ (docs/hall-kit.md). Given once, never changed.
    public_id: Mapped[str] = mapped_column(sa.String(36), unique=True, default=new_public_id)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(160))
    starts_at: Mapped[datetime] = mapped_column(sa.DateTime, index=True)  # naive UTC
    venue: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default=IdeathonStatus.SCHEDULED.value)
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    # The live room: the code people type or scan, its phase, and the sequence number of the
    # last change broadcast to it (incremented in the same transaction as the change).
    room_code: Mapped[str | None] = mapped_column(sa.String(12), unique=True)
    room_opened_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    phase: Mapped[str] = mapped_column(sa.String(20), default=RoomPhase.PREPARATION.value,
                                       server_default=RoomPhase.PREPARATION.value)
    room_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    # Room settings (changed by its moderators).
    silent_ideas: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    ideas_revealed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    hidden_counts: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    dot_budget: Mapped[int] = mapped_column(default=3, server_default="3")
    max_dots_per_idea: Mapped[int] = mapped_column(default=1, server_default="1")
    self_votes: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    cards_only: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Pre-moderation: new ideas wait for a moderator's approval before the room sees them.
    premoderation: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The countdown of the current phase: one end time, kept by the server (naive UTC).
    timer_ends_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    # Archived: the closed board and its proposals are public record and no longer change.
    archived_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    archived_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Run on a hall's laptop and published here from its results bundle (ideaboard/hall/publish.py):
    # when, and the bundle's digest (the same bundle again changes nothing).
    published_offline_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    offline_bundle_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # The programme it belongs to, if any (its date then falls within the programme's period).
    programme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("programmes.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)

    municipality = relationship("Municipality", lazy="joined")
    themes = relationship(
        "Theme", order_by="Theme.position", cascade="all, delete-orphan", back_populates="ideathon"
    )
    moderators = relationship("User", secondary=ideathon_moderators, order_by="User.name")
    created_by = relationship("User", foreign_keys=[created_by_id])
    programme = relationship("Programme")

    __table_args__ = (
        sa.CheckConstraint("status IN ('scheduled', 'cancelled')", name="status"),
        sa.CheckConstraint("phase IN ('preparation', 'ideas', 'voting', 'closed')", name="phase"),
        sa.CheckConstraint("dot_budget BETWEEN 1 AND 10", name="dot_budget"),
        sa.CheckConstraint("max_dots_per_idea BETWEEN 1 AND dot_budget", name="max_dots_per_idea"),
    )

    @property
    def status_enum(self) -> IdeathonStatus:
        return IdeathonStatus(self.status)

    @property
    def is_cancelled(self) -> bool:
        return self.status == IdeathonStatus.CANCELLED

    @property
    def phase_enum(self) -> RoomPhase:
        return RoomPhase(self.phase)

    @property
    def room_is_open(self) -> bool:
        """Does the room code admit people now? Not before opening, after closing or if cancelled."""
        return bool(self.room_code) and self.phase != RoomPhase.CLOSED and not self.is_cancelled

    @property
    def collecting_ideas(self) -> bool:
        return self.room_is_open and self.phase == RoomPhase.IDEAS

    @property
    def voting(self) -> bool:
        return self.room_is_open and self.phase == RoomPhase.VOTING

    # The phase alone, whether or not the room is open or the ideathon cancelled (unlike
    # `collecting_ideas` and `voting` above, which also need the room open).
    @property
    def in_preparation(self) -> bool:
        return self.phase == RoomPhase.PREPARATION

    @property
    def in_ideas_phase(self) -> bool:
        return self.phase == RoomPhase.IDEAS

    @property
    def in_voting_phase(self) -> bool:
        return self.phase == RoomPhase.VOTING

    @property
    def is_closed(self) -> bool:
        """The room's last phase: it admits no one and its board is read-only."""
        return self.phase == RoomPhase.CLOSED

    @property
    def is_over(self) -> bool:
        """Nothing more happens in the room: it closed, or the ideathon was cancelled."""
        return self.is_cancelled or self.phase == RoomPhase.CLOSED

    @property
    def room_has_closed(self) -> bool:
        """The room was opened and has closed: its board is final and proposals may be written."""
        return bool(self.room_code) and self.phase == RoomPhase.CLOSED

    @property
    def exit_survey_open(self) -> bool:
        """Participants answer the exit survey once the room has closed (not if it was cancelled)."""
        return self.phase == RoomPhase.CLOSED and not self.is_cancelled

    @property
    def has_ranking(self) -> bool:
        """From the vote on (and once closed) the board ranks its ideas; the counts may still be hidden."""
        return self.phase in (RoomPhase.VOTING, RoomPhase.CLOSED)

    @property
    def shows_counts(self) -> bool:
        """Are each idea's points shown now? From the vote on, unless hidden until the room closes."""
        return self.has_ranking and self.counts_visible

    @property
    def ideas_are_private(self) -> bool:
        """Silent brainstorming before the reveal: each participant sees only their own ideas."""
        return self.silent_ideas and not self.ideas_revealed

    @property
    def counts_visible(self) -> bool:
        """May vote counts leave the server? Not while hidden and voting is still open."""
        return not self.hidden_counts or self.phase == RoomPhase.CLOSED

    @property
    def next_phases(self) -> tuple:
        return PHASE_TRANSITIONS[self.phase_enum] if not self.is_cancelled else ()

    def __repr__(self) -> str:
        return f"<Ideathon {self.id} {self.title!r}>"


class Theme(db.Model):
    """A column of the board, usually a municipal service."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    ideathon_id: Mapped[int] = mapped_column(sa.ForeignKey("ideathons.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))  # the planner's name, in the planner's language
    icon: Mapped[str] = mapped_column(sa.String(20), default="other")
    position: Mapped[int] = mapped_column(default=0)
    # The default theme it was made from and still is (ideathons/themes.py, DEFAULT_THEMES): set only
    # while the planner keeps the default's name, so every viewer reads it in their own language.
    default_key: Mapped[str | None] = mapped_column(sa.String(20))

    ideathon = relationship("Ideathon", back_populates="themes")
    # Loaded with the themes (one query for all of a board's themes, never one per card).
    names = relationship("ThemeName", order_by="ThemeName.language", cascade="all, delete-orphan",
                         lazy="selectin", back_populates="theme")


class ThemeName(db.Model):
    """A theme's name in one interface language, as the planner gave it."""

    __tablename__ = "theme_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(sa.String(12))
    name: Mapped[str] = mapped_column(sa.String(60))

    theme = relationship("Theme", back_populates="names")

    __table_args__ = (sa.UniqueConstraint("theme_id", "language", name="uq_theme_names_theme_language"),)
