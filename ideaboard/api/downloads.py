"""Open-data downloads: the whole archive (/datos/...) or one archived ideathon
(/ideatones/<id>/datos/...), each as a Data Package (datapackage.json + one CSV per table) and
as CSV or JSON per table. Relative resource paths make one descriptor serve both places."""
from flask import Blueprint, Response, abort, jsonify

from ..archive import opendata
from ..extensions import db
from ..ideathons.models import Ideathon

bp = Blueprint("downloads", __name__)


def _archived(ideathon_id: int | None) -> Ideathon | None:
    if ideathon_id is None:
        return None
    ideathon = db.session.get(Ideathon, ideathon_id)
    if ideathon is None or ideathon.archived_at is None:
        abort(404)
    return ideathon


def _package(ideathon_id: int | None = None):
    ideathon = _archived(ideathon_id)
    if ideathon is None:
        return jsonify(opendata.datapackage("ideaboard-archivo", "Archivo de ideatones de Guatemala"))
    return jsonify(opendata.datapackage(f"ideaboard-ideaton-{ideathon.id}", ideathon.title))


def _table(table: str, fmt: str, ideathon_id: int | None = None):
    if table not in opendata.TABLES or fmt not in ("csv", "json"):
        abort(404)
    rows = opendata.tables(_archived(ideathon_id))[table]
    name = f"{table}.{fmt}" if ideathon_id is None else f"ideaton-{ideathon_id}-{table}.{fmt}"
    if fmt == "json":
        response = jsonify(rows)
    else:
        response = Response(opendata.to_csv(table, rows), mimetype="text/csv")
        response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@bp.route("/datos/datapackage.json")
def package():
    """The whole archive as a Frictionless Data Package."""
    return _package()


@bp.route("/datos/<table>.<fmt>")
def table(table: str, fmt: str):
    return _table(table, fmt)


@bp.route("/ideatones/<int:ideathon_id>/datos/datapackage.json")
def ideathon_package(ideathon_id: int):
    """One archived ideathon as a Frictionless Data Package."""
    return _package(ideathon_id)


@bp.route("/ideatones/<int:ideathon_id>/datos/<table>.<fmt>")
def ideathon_table(ideathon_id: int, table: str, fmt: str):
    return _table(table, fmt, ideathon_id)
