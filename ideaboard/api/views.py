"""The read-only JSON API, /api/v1: municipalities, archived ideathons, proposals, responses and
statistics, paginated, with its OpenAPI document at /api/v1/openapi.json. Totals only: never
participants' names or who voted for what. Rows are the open-data tables' (archive/opendata.py).
"""
import re

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, request

from ..archive import opendata
from ..archive.models import Proposal, Response, ResponseStatus
from ..archive.search import FIRST_YEAR, LAST_YEAR, Filters, search_proposals
from ..extensions import db
from ..ideathons.models import Ideathon
from ..ideathons.themes import ICONS
from ..inputs import whole_number
from ..municipalities.services import departments
from ..municipalities.models import Municipality
from .openapi import document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
MAX_QUERY = 200
STATUSES = {s.value for s in ResponseStatus}
CODE = re.compile(r"[0-9]{4}")
PUBLIC_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _int(name: str, default: int | None, low: int, high: int) -> int | None:
    """An integer query parameter as the document declares it: absent, or digits from `low` to `high`."""
    raw = request.args.get(name)
    if raw is None:
        return default
    number = whole_number(raw, low, high) if raw.isascii() and raw.isdigit() else None
    if number is None:
        abort(400, description=f"'{name}' must be an integer from {low} to {high}")
    return number


def _paging() -> tuple[int, int]:
    return _int("page", 1, 1, MAX_PAGE), _int("per_page", 20, 1, MAX_PER_PAGE)


def _page(items: list, total: int, page: int, per_page: int):
    return jsonify({"items": items, "page": page, "per_page": per_page, "total": total,
                    "pages": (total + per_page - 1) // per_page})


def _slice(rows: list, page: int, per_page: int):
    return _page(rows[(page - 1) * per_page: page * per_page], len(rows), page, per_page)


def _code(name: str = "municipality") -> str | None:
    code = request.args.get(name)
    if code is not None and not CODE.fullmatch(code):
        abort(400, description=f"'{name}' must be a 4-digit INE code")
    return code


@bp.route("/openapi.json")
def openapi():
    return jsonify(document())


def _choice(name: str, allowed) -> str | None:
    """A parameter whose document lists its values: absent, or one of them."""
    value = request.args.get(name)
    if value is not None and value not in allowed:
        abort(400, description=f"unknown '{name}'")
    return value


@bp.route("/municipalities")
def municipalities():
    page, per_page = _paging()
    department = _choice("department", departments())
    rows = [m for m in opendata.municipalities_with_counts() if not department or m["department"] == department]
    return _slice(rows, page, per_page)


@bp.route("/municipalities/<code>")
def municipality(code: str):
    row = next((m for m in opendata.municipalities_with_counts() if m["code"] == code), None)
    if row is None:
        abort(404, description="no such municipality")
    return jsonify(row)


@bp.route("/ideathons")
def ideathons():
    page, per_page = _paging()
    code, year = _code(), _int("year", None, FIRST_YEAR, LAST_YEAR)
    public_id = request.args.get("public_id")
    if public_id is not None and not PUBLIC_ID.fullmatch(public_id):
        abort(400, description="'public_id' must be a lower-case UUID")
    query = sa.select(Ideathon).where(Ideathon.archived_at.is_not(None)).order_by(Ideathon.starts_at.desc(), Ideathon.id)
    if public_id:
        query = query.where(Ideathon.public_id == public_id)
    if code:
        query = query.join(Municipality).where(Municipality.code == code)
    archived = [i for i in db.session.scalars(query) if year is None or i.starts_at.year == year]
    return _page(opendata.ideathon_rows(archived[(page - 1) * per_page: page * per_page]), len(archived), page, per_page)


@bp.route("/ideathons/<int:ideathon_id>")
def ideathon(ideathon_id: int):
    found = db.session.get(Ideathon, ideathon_id)
    if found is None or found.archived_at is None:
        abort(404, description="no such archived ideathon")
    tables = opendata.tables(found)
    return jsonify({**tables["ideathons"][0], "proposal_ids": [p["id"] for p in tables["proposals"]]})


@bp.route("/ideathons/<int:ideathon_id>/ideas")
def ideathon_ideas(ideathon_id: int):
    """The archived board's ideas, each in the language it was written in, with the moderation's
    translations apart."""
    page, per_page = _paging()
    found = db.session.get(Ideathon, ideathon_id)
    if found is None or found.archived_at is None:
        abort(404, description="no such archived ideathon")
    ideas = opendata.board_ideas([found.id])
    return _slice([{**opendata.idea_row(idea), "translations": [opendata.translation_row(t) for t in idea.translations]}
                   for idea in ideas], page, per_page)


@bp.route("/proposals")
def proposals():
    page, per_page = _paging()
    q = request.args.get("q", "")
    if len(q) > MAX_QUERY:
        abort(400, description=f"'q' must be at most {MAX_QUERY} characters")
    filters = Filters(q=q, theme=_choice("theme", ICONS) or "", status=_choice("status", STATUSES) or "",
                      municipality=_code() or "", year=_int("year", None, FIRST_YEAR, LAST_YEAR))
    found = search_proposals(filters, page=page, per_page=per_page)
    return _page([opendata.proposal_row(p) for p in found.items], found.total, page, per_page)


@bp.route("/proposals/<int:proposal_id>")
def proposal(proposal_id: int):
    found = db.session.get(Proposal, proposal_id)
    if found is None or found.ideathon.archived_at is None:
        abort(404, description="no such archived proposal")
    return jsonify({**opendata.proposal_row(found), "responses": [opendata.response_row(r) for r in found.responses]})


@bp.route("/responses")
def responses():
    page, per_page = _paging()
    code = _code()
    query = (sa.select(Response).join(Proposal).join(Ideathon, Ideathon.id == Proposal.ideathon_id)
             .where(Ideathon.archived_at.is_not(None)).order_by(Response.at.desc(), Response.id.desc()))
    if code:
        query = query.join(Municipality, Municipality.id == Proposal.municipality_id).where(Municipality.code == code)
    found = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return _page([opendata.response_row(r) for r in found.items], found.total, page, per_page)


@bp.route("/statistics")
def statistics():
    """Programme-wide totals of the archive (aggregated in the database: the archive may be large)."""
    archived = sa.select(Ideathon.id).where(Ideathon.archived_at.is_not(None))
    ideathon_ids = list(db.session.scalars(archived))
    rows = opendata.ideathon_rows(db.session.scalars(sa.select(Ideathon).where(Ideathon.id.in_(ideathon_ids))).all())
    by_status = {s.value: 0 for s in ResponseStatus}
    by_status.update(dict(db.session.execute(
        sa.select(Proposal.status, sa.func.count()).where(Proposal.ideathon_id.in_(archived))
        .group_by(Proposal.status)).all()))
    total = sum(by_status.values())
    return jsonify({
        "municipalities_with_archived_ideathons": len({r["municipality_code"] for r in rows}),
        "archived_ideathons": len(rows),
        "participants": sum(r["participants"] for r in rows), "ideas": sum(r["ideas"] for r in rows),
        "dots": sum(r["dots"] for r in rows), "paper_dots": sum(r["paper_dots"] for r in rows),
        "proposals": total, "proposals_answered": total - by_status["pending"],
        "proposals_by_status": by_status,
    })
