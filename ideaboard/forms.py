"""What every form of the app shares: showing a service's refusal on the form.

The rules live in the services; a refusal (`ideaboard.refusals.Refusal`) may carry a message per form
field (`errors`). `show_errors` puts each message on its field; a message for a field the form does
not have (or no longer has, after `del form.x`) goes to the form's general errors
(`form.form_errors`, shown by the `form_errors` macro) instead of being lost or failing.
"""


def show_errors(form, errors: dict) -> None:
    """Show `errors` ({field name: message}) on `form`."""
    for name, message in (errors or {}).items():
        if name in form:
            form[name].errors = [str(message)]
        else:
            form.form_errors.append(str(message))


class ShowsErrors:
    """A form mixin: `form.show_errors(refusal.errors)`."""

    def show_errors(self, errors: dict) -> None:
        show_errors(self, errors)
