"""The setup sheet to print: Wi-Fi (name, password, QR code), the address phones use, the room's QR code
and code once it is open; staff only."""
import re

import segno

from ideaboard.accounts.models import Role
from ideaboard.hall.views import wifi_payload
from ideaboard.rooms.codes import display_code
from ideaboard.rooms.services import open_room

from tests.conftest import Auth


def qr_sources(html: str) -> list[str]:
    return re.findall(r'<img class="qr" src="([^"]+)"', html)


def test_the_wifi_payload_escapes_what_the_format_reserves():
    assert wifi_payload("Salón Municipal", "clave 2026") == "WIFI:S:Salón Municipal;T:WPA;P:clave 2026;;"
    assert wifi_payload('Sala;1,"B":C', "a\\b;") == 'WIFI:S:Sala\\;1\\,\\"B\\"\\:C;T:WPA;P:a\\\\b\\;;;'
    assert wifi_payload("Abierta", "") == "WIFI:S:Abierta;T:nopass;;"


def test_the_sheet_has_the_wifi_the_address_and_the_room_once_open(app, client, make_ideathon):
    # PUBLIC_URL: the address phones use (unset, the laptop's own on the hall's network). The password as
    # IDEABOARD_HALL_WIFI_PASSWORD=20262026 reaches the config: a number (the environment's values are JSON).
    app.config.update(HALL_WIFI_NAME="Salón;Municipal", HALL_WIFI_PASSWORD=20262026, PUBLIC_URL="http://10.0.0.5:5000")
    ideathon = make_ideathon(title="Ideatón de la sala")
    Auth(client).login(ideathon.created_by)
    html = client.get(f"/ideatones/{ideathon.id}/hoja-de-sala").get_data(as_text=True)
    wifi = segno.make(wifi_payload("Salón;Municipal", "20262026"), error="m").svg_data_uri(scale=4, border=2)
    assert qr_sources(html) == [wifi]  # the room is not open yet: no join QR code, the address and how
    assert "Salón;Municipal" in html and "20262026" in html and "http://10.0.0.5:5000/unirse" in html
    assert "La sala aún no está abierta" in html

    open_room(ideathon, actor=ideathon.created_by)
    html = client.get(f"/ideatones/{ideathon.id}/hoja-de-sala").get_data(as_text=True)
    join = segno.make(f"http://10.0.0.5:5000/s/{ideathon.room_code}", error="m").svg_data_uri(scale=4, border=2)
    assert qr_sources(html) == [wifi, join]
    assert display_code(ideathon.room_code) in html
    assert f"http://10.0.0.5:5000/sala/{ideathon.id}/moderar" in html and f"http://10.0.0.5:5000/sala/{ideathon.id}/proyector" in html


def test_without_a_configured_wifi_there_are_blanks_to_write_it_by_hand(app, client, make_ideathon):
    app.config.update(PUBLIC_URL="http://192.168.1.20:5000")
    ideathon = make_ideathon()
    Auth(client).login(ideathon.created_by)
    html = client.get(f"/ideatones/{ideathon.id}/hoja-de-sala").get_data(as_text=True)
    assert qr_sources(html) == [] and "make hall WIFI_NAME=" in html
    assert "http://192.168.1.20:5000/unirse" in html


def test_only_the_room_staff_see_it(app, client, make_ideathon, make_user):
    ideathon = make_ideathon()
    assert client.get(f"/ideatones/{ideathon.id}/hoja-de-sala").status_code == 302  # to the login
    Auth(client).login(make_user(Role.MODERATOR))  # not assigned to it
    assert client.get(f"/ideatones/{ideathon.id}/hoja-de-sala").status_code == 403
