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
from flask_sqlalchemy.pagination import Pagination

from ..extensions import db
from ..ideathons.models import Ideathon, Theme
from ..text import fold
from ..municipalities.models import Municipality
from .models import Proposal

PER_PAGE = 20
MAX_PAGE = 100_000  # beyond it the offset overflows the database's integers: nothing is there anyway
MAX_WORDS = 8
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years a filter may name (the API's document says so too)


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
        # The unary + keeps SQLite from looking every match up in the (wide) table: it walks
        # ix_proposals_rank in the page's order and tests each id against the matches instead.
        return sa.text("+proposals.id IN (SELECT rowid FROM proposals_fts WHERE proposals_fts MATCH :match)"
                       ).bindparams(match=match)
    query = " & ".join(f"{term}:*" for term in terms)
    # search_vector: to_tsvector('simple', search_text), stored and GIN-indexed (migration 0006).
    return sa.literal_column("proposals.search_vector").op("@@")(sa.func.to_tsquery("simple", query))


class _IdPagination(Pagination):
    """Pages of proposals: one narrow query sorts and pages the ids, then only the page's rows are
    loaded with what they show (sorting wide rows made deep pages slow: docs/benchmarks.md)."""

    def _query_items(self):
        ids = db.session.scalars(self._query_args["ids"].limit(self.per_page).offset(self._query_offset)).all()
        if not ids:
            return []
        rows = db.session.scalars(sa.select(Proposal).where(Proposal.id.in_(ids)).options(
            sa.orm.joinedload(Proposal.municipality), sa.orm.joinedload(Proposal.theme),
            sa.orm.joinedload(Proposal.ideathon))).unique().all()
        by_id = {p.id: p for p in rows}
        return [by_id[i] for i in ids]

    def _query_count(self):
        return db.session.scalar(sa.select(sa.func.count()).select_from(self._query_args["ids"].order_by(None).subquery()))


def search_proposals(filters: Filters, page: int = 1, per_page: int = PER_PAGE):
    """Archived ideathons' proposals matching `filters`, most voted first, paginated."""
    query = (sa.select(Proposal.id).join(Ideathon, Ideathon.id == Proposal.ideathon_id)
             .where(Ideathon.archived_at.is_not(None)))
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
    if filters.year is not None and FIRST_YEAR <= filters.year <= LAST_YEAR:
        query = query.where(Ideathon.starts_at >= datetime(filters.year, 1, 1),
                            Ideathon.starts_at < datetime(filters.year + 1, 1, 1))
    query = query.order_by(Proposal.votes.desc(), Proposal.id.desc())
    return _IdPagination(page=min(max(1, page), MAX_PAGE), per_page=per_page, error_out=False, ids=query)
