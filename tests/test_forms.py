"""The one form helper: a service's field errors shown on a WTForms form."""
from wtforms import Form, StringField

from ideaboard.archive.forms import ProposalForm
from ideaboard.forms import ShowsErrors, show_errors
from ideaboard.refusals import Refusal


class _Form(ShowsErrors, Form):
    title = StringField()
    place = StringField()


def test_field_errors_land_on_their_fields():
    form = _Form()
    show_errors(form, Refusal("Revise los campos marcados.", errors={"title": "Escriba un título."}).errors)
    assert form.title.errors == ["Escriba un título."]
    assert not form.place.errors
    assert form.form_errors == []


def test_an_unknown_field_goes_to_the_general_errors_instead_of_failing():
    form = _Form()
    form.show_errors({"title": "Escriba un título.", "budget": "Elija un monto."})
    assert form.title.errors == ["Escriba un título."]
    assert form.form_errors == ["Elija un monto."]


def test_a_removed_field_counts_as_unknown():
    form = _Form()
    del form.place
    form.show_errors({"place": "Diga dónde."})
    assert form.form_errors == ["Diga dónde."]


def test_a_form_that_used_to_fail_on_an_unknown_field(app):
    with app.test_request_context(method="POST"):
        form = ProposalForm(meta={"csrf": False})
        form.show_errors({"no_such_field": "Este campo no existe."})
        assert form.form_errors == ["Este campo no existe."]


def test_a_refusal_defaults_to_422_and_no_field_errors():
    refusal = Refusal("No.")
    assert (str(refusal), refusal.status, refusal.errors) == ("No.", 422, {})
    assert isinstance(refusal, ValueError)
