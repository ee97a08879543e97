"""Searching the archive's proposals: words (full-text, accents and case ignored), theme, status,
municipality and year, a page at a time. One service, each database's own engine underneath:
FTS5 on SQLite (table `proposals_fts`, kept by triggers), text search on PostgreSQL (a GIN index
on `to_tsvector('simple', search_text)`). Both index `Proposal.search_text`, the proposal's text
folded to lower case without accents, so "Agua potable" finds "AGUA POTABLE" and "agua potable".
"""
import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..ideathons.models import Ideathon, Theme
from ..moderation.flags import fold
from ..municipalities.models import Municipality
from .models import Proposal

PER_PAGE = 20
MAX_PAGE = 100_000  # beyond it the offset overflows the database's integers: nothing is there anyway
MAX_WORDS = 8


@dataclass
class Filters:
    q: str = ""
    theme: str = ""  # a theme's icon: the same municipal service across ideathons ("water", "road"...)
    status: str = ""
    municipality: str = ""  # INE code
    year: int | None = None


def words(q: str) -> list[str]:
    """The searchable words of a query: folded, letters and digits only, at most MAX_WORDS."""
    return re.findall(r"\w+", fold(q))[:MAX_WORDS]


def _matching(terms: list[str]):
    """A condition on Proposal.id: every word (as a prefix) is in the proposal."""
    if db.engine.dialect.name == "sqlite":
        match = " AND ".join(f'"{term}"*' for term in terms)
        return Proposal.id.in_(sa.text("SELECT rowid FROM proposals_fts WHERE proposals_fts MATCH :match")
                               .bindparams(match=match).columns(sa.column("rowid")))
    query = " & ".join(f"{term}:*" for term in terms)
    return sa.func.to_tsvector("simple", Proposal.search_text).op("@@")(sa.func.to_tsquery("simple", query))


def search_proposals(filters: Filters, page: int = 1, per_page: int = PER_PAGE):
    """Archived ideathons' proposals matching `filters`, most voted first, paginated."""
    query = (sa.select(Proposal).join(Ideathon, Ideathon.id == Proposal.ideathon_id)
             .where(Ideathon.archived_at.is_not(None))
             .options(sa.orm.joinedload(Proposal.municipality), sa.orm.joinedload(Proposal.theme),
                      sa.orm.joinedload(Proposal.ideathon)))
    terms = words(filters.q)
    if terms:
        query = query.where(_matching(terms))
    if filters.theme:
        query = query.where(Proposal.theme_id.in_(sa.select(Theme.id).where(Theme.icon == filters.theme)))
    if filters.status:
        query = query.where(Proposal.status == filters.status)
    if filters.municipality:
        query = query.where(Proposal.municipality_id.in_(
            sa.select(Municipality.id).where(Municipality.code == filters.municipality)))
    if filters.year:
        query = query.where(Ideathon.starts_at >= datetime(filters.year, 1, 1),
                            Ideathon.starts_at < datetime(filters.year + 1, 1, 1))
    query = query.order_by(Proposal.votes.desc(), Proposal.id.desc())
    return db.paginate(query, page=min(max(1, page), MAX_PAGE), per_page=per_page, error_out=False)
