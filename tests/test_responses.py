"""The one response helper and the app's answer to a service refusal no view answered."""
import pytest
from flask import get_flashed_messages
from werkzeug.exceptions import Forbidden, Conflict

from ideaboard.refusals import Refusal
from ideaboard.responses import act, is_htmx, refused

HTMX = {"HX-Request": "true"}


def test_a_refusal_that_escapes_a_view_gets_the_error_page_for_its_status(app):
    @app.route("/_prueba/rechazo")
    def refusing():
        raise Refusal("Esto no se puede ahora.", 409)

    page = app.test_client().get("/_prueba/rechazo")
    assert page.status_code == 409
    assert "Esto no se puede ahora." in page.text
    fragment = app.test_client().get("/_prueba/rechazo", headers=HTMX)
    assert fragment.status_code == 409
    assert fragment.headers["HX-Retarget"] == "#alerts"


def test_is_htmx(app):
    with app.test_request_context("/", headers=HTMX):
        assert is_htmx()
    with app.test_request_context("/"):
        assert not is_htmx()


def test_a_plain_refusal_is_a_message_and_a_redirect(app):
    with app.test_request_context("/", method="POST"):
        response = refused(Refusal("No."), "/vuelta")
        assert (response.status_code, response.location) == (302, "/vuelta")
        assert get_flashed_messages(with_categories=True) == [("error", "No.")]


def test_an_htmx_refusal_without_a_fragment_goes_to_the_alert_region(app):
    with app.test_request_context("/", method="POST", headers=HTMX):
        with pytest.raises(Conflict) as raised:
            refused(Refusal("Ya cambió.", 409), "/vuelta")
        assert raised.value.description == "Ya cambió."


def test_a_403_stops_the_request(app):
    with app.test_request_context("/", method="POST"):
        with pytest.raises(Forbidden) as raised:
            refused(Refusal("No es suyo.", 403), "/vuelta")
        assert raised.value.description == "No es suyo."
        with pytest.raises(Forbidden) as raised:
            refused(Refusal("No es suyo.", 403), "/vuelta", on_403="plain")
        assert raised.value.description == Forbidden.description


def test_act_without_a_fragment_answers_htmx_as_a_plain_post(app):
    def refuse():
        raise Refusal("No.")

    with app.test_request_context("/", method="POST", headers=HTMX):
        assert act(refuse, "Hecho.", redirect_to="/vuelta").status_code == 302
        assert act(lambda: 3, lambda n: f"Hecho {n}.", redirect_to="/vuelta").status_code == 302
        assert get_flashed_messages(with_categories=True) == [("error", "No."), ("success", "Hecho 3.")]
