"""Public municipality pages: all 340 by department, and one municipality's ideathons."""
from flask import Blueprint, abort, render_template

from ..archive.services import answer_stats, archived_of
from ..ideathons.services import ideathons_of
from .map import map_context
from .models import PILOT_CODES
from .services import by_department, get_by_code

bp = Blueprint("municipalities", __name__, url_prefix="/municipios")


@bp.route("/")
def index():
    """The map of the municipalities with ideathons, then all 340 grouped by department, pilots marked."""
    return render_template("municipalities/index.html", departments=by_department(), pilot_count=len(PILOT_CODES),
                           **map_context())


@bp.route("/<code>")
def detail(code: str):
    """A municipality's public page: its ideathons, or an empty state saying there are none yet."""
    if not (len(code) == 4 and code.isascii() and code.isdigit()):
        abort(404)
    municipality = get_by_code(code)
    if municipality is None:
        abort(404)
    return render_template(
        "municipalities/detail.html", municipality=municipality, archived=archived_of(municipality),
        # Archived ideathons are listed once, in the archive section, not again as cards.
        ideathons=[i for i in ideathons_of(municipality) if i.archived_at is None], answers=answer_stats(municipality),
    )
