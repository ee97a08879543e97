"""The hall's pages: the kit's download (central server, on the ideathon's staff box), the kit's upload
(the laptop, admins), and the one-page setup sheet to print (Wi-Fi, the address, the room's QR code)."""
import segno
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts import role_required
from ..ideathons.services import get_ideathon
from ..policies import ACCOUNT_MANAGERS, PLANNERS, can_moderate
from ..rooms.addresses import public_base_url
from ..rooms.codes import display_code
from .forms import KitUploadForm
from .kit import KitAlreadyImported, KitError
from .services import import_kit, kit_for

bp = Blueprint("hall", __name__)


def _ideathon_or_404(ideathon_id: int):
    ideathon = get_ideathon(ideathon_id)
    if ideathon is None:
        abort(404)
    return ideathon


@bp.route("/ideatones/<int:ideathon_id>/kit-de-sala")
@role_required(*PLANNERS)
def download_kit(ideathon_id: int):
    """The ideathon's hall kit, one JSON file to import on the hall's laptop (docs/hall-kit.md)."""
    ideathon = _ideathon_or_404(ideathon_id)
    try:
        filename, data = kit_for(ideathon, actor=current_user)
    except KitError as refusal:
        if refusal.status == 403:
            abort(403)
        flash(str(refusal), "error")
        return redirect(url_for("ideathons.detail", ideathon_id=ideathon.id))
    return Response(data, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@bp.route("/sala-sin-conexion/importar", methods=["GET", "POST"])
@role_required(*ACCOUNT_MANAGERS)
def upload_kit():
    """On the laptop: import a hall kit (as `flask --app wsgi hall import KIT` does). The new accounts'
    passwords are on the answer, once."""
    form = KitUploadForm()
    if not form.is_submitted():
        return render_template("hall/upload.html", form=form)
    form.submitted()
    file = form.kit_file.data
    data = file.stream.read() if file is not None and getattr(file, "filename", "") else b""
    try:
        if not data:
            raise KitError(_("Elija el archivo del kit de sala."))
        imported = import_kit(data, actor=current_user)
    except KitAlreadyImported as refusal:
        flash(str(refusal), "info")
        return redirect(url_for("hall.upload_kit"))
    except KitError as refusal:
        if refusal.status == 403:
            abort(403)
        form.kit_file.errors = [str(refusal)]
        return render_template("hall/upload.html", form=form), refusal.status
    return render_template("hall/imported.html", imported=imported, ideathon=imported.ideathon)


def _svg_data_uri(qr) -> str:
    return qr.svg_data_uri(scale=4, border=2)


def wifi_payload(name: str, password: str) -> str:
    """What a phone's camera reads to join a Wi-Fi network: WIFI:S:<name>;T:WPA;P:<password>;; with
    backslash, semicolon, comma, colon and double quote escaped (T:nopass for an open network)."""
    def escape(text: str) -> str:
        return "".join("\\" + c if c in '\\;,:"' else c for c in text)

    if not password:
        return f"WIFI:S:{escape(name)};T:nopass;;"
    return f"WIFI:S:{escape(name)};T:WPA;P:{escape(password)};;"


def wifi_settings() -> tuple[str, str]:
    """The hall's Wi-Fi as configured (`make hall WIFI_NAME=… WIFI_PASSWORD=…`); a value the
    environment read as a number or a boolean is taken back as the text typed."""
    def text(name: str) -> str:
        value = current_app.config.get(name)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    return text("HALL_WIFI_NAME").strip(), text("HALL_WIFI_PASSWORD")


@bp.route("/ideatones/<int:ideathon_id>/hoja-de-sala")
@role_required()
def setup_sheet(ideathon_id: int):
    """One A4 page for the hall's door: the Wi-Fi (name, password, QR code), the address phones use,
    the room's QR code and code once it is open; for staff, the console's and projector's addresses."""
    ideathon = _ideathon_or_404(ideathon_id)
    if not can_moderate(current_user, ideathon):
        abort(403)
    base = public_base_url()
    wifi_name, wifi_password = wifi_settings()
    wifi_qr = None
    if wifi_name:
        wifi_qr = _svg_data_uri(segno.make(wifi_payload(wifi_name, wifi_password), error="m"))
    join_qr = code = None
    if ideathon.room_is_open and not ideathon.cards_only:
        join_qr = _svg_data_uri(segno.make(base + url_for("rooms.scan", code=ideathon.room_code), error="m"))
        code = display_code(ideathon.room_code)
    return render_template(
        "hall/sheet.html", ideathon=ideathon, base=base, join_address=base + url_for("rooms.enter_code"),
        wifi_name=wifi_name, wifi_password=wifi_password, wifi_qr=wifi_qr, join_qr=join_qr, code=code,
        console=base + url_for("facilitation.console", ideathon_id=ideathon.id),
        projector=base + url_for("rooms.presenter", ideathon_id=ideathon.id))
