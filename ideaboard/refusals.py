"""The one way a service says no.

A service that refuses raises a `Refusal` (or one of its per-package subclasses: `IdeaError`,
`VoteError`, ...). It carries three things:

- the message, for the person who tried (lazy text, in their language when shown);
- the HTTP status a view answers with (422 unless the subclass or the raise says otherwise);
- optionally, a message per form field (`errors`), which `ideaboard.forms.show_errors` puts on the form.

A view usually catches the refusal and answers in place (see `ideaboard.responses`). One that
escapes a view is answered by the app's error handler (`ideaboard.errors`) as the error page or
fragment for its status, the way `errors.refuse()` answers a refusal raised in a view.
"""


class Refusal(ValueError):
    """Refused; `str(refusal)` is the message for the person, `status` the HTTP status, `errors` maps a
    form field to its own message when the problem is one field's."""

    status: int = 422

    def __init__(self, message, status: int | None = None, errors: dict | None = None):
        super().__init__(message)
        if status is not None:
            self.status = status
        self.errors = errors or {}
