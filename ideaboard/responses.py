"""One way for a view to answer an action, with htmx or with a plain form post.

An action's view gives three things: the fragment htmx swaps in, that fragment's context, and where
a plain (no JavaScript) post goes afterwards. From them:

- `answer()` says an action is done: htmx gets the fragment; a plain post gets the message as a
  flash and a redirect (Post/Redirect/Get), or the page itself when there is nowhere to go.
- `refused()` says a service refused (`ideaboard.refusals.Refusal`): a 403 stops the request; htmx
  gets the fragment with the refusal's status or, without one, the error in the page's alert region
  (`ideaboard.errors`); a plain post gets the message as a flash and a redirect, or the page again
  with the refusal's status and its field errors on the forms.
- `act()` runs a service call and answers with one or the other.

`is_htmx()` is the one test of whether htmx sent the request.
"""
from collections.abc import Callable, Iterable, Mapping

from flask import abort, flash, redirect, render_template, request

from .forms import show_errors
from .refusals import Refusal

Context = Mapping | Callable[[], Mapping] | None
HX_REQUEST = "HX-Request"  # the header htmx sends; a page and its fragment share a URL but vary on it


def is_htmx() -> bool:
    """Whether htmx sent this request (its `HX-Request` header)."""
    return bool(request.headers.get(HX_REQUEST))


def _context(context: Context) -> Mapping:
    """A context may be given as a function, so that it is read only when (and after) it is needed."""
    if callable(context):
        return context()
    return context or {}


def answer(fragment: str | None, context: Context, redirect_to: str | None, *, message=None, status: int = 200,
           headers: Mapping | None = None, page: Callable | None = None):
    """A done action. htmx: `fragment` rendered with `context` (and `message` as `notice`), with
    `status` and `headers`. A plain post, or an action without a fragment: `message` flashed as a
    success, then a redirect to `redirect_to`, or, without one, `page()`'s answer."""
    if fragment is not None and is_htmx():
        notice = {"notice": message} if message is not None else {}
        return render_template(fragment, **_context(context), **notice), status, dict(headers or {})
    if message is not None:
        flash(message, "success")
    if redirect_to is not None:
        return redirect(redirect_to)
    return page()


def refused(refusal: Refusal, redirect_to: str | None = None, *, fragment: str | None = None,
            context: Context = None, page: Callable | None = None, forms: Iterable = (),
            htmx: bool | None = None, flash_on_page: bool = False, on_403: str = "explain"):
    """A refused action.

    - 403 stops the request (`on_403`): "explain" with the refusal's message as the error's text,
      "plain" with the error page's own words for a 403; "answer" answers it as any other refusal.
    - The refusal's field errors go on each of `forms`.
    - htmx (`htmx`, by default `is_htmx()`): `fragment` rendered with `context` and the refusal's
      status; without a fragment, the error with its status in the page's alert region.
    - A plain post: without `page`, the message flashed and a redirect to `redirect_to`; with it,
      `page()`'s answer (the page again, with its status), the message flashed too if `flash_on_page`.
    """
    if refusal.status == 403 and on_403 != "answer":
        abort(403, description=str(refusal)) if on_403 == "explain" else abort(403)
    for form in forms:
        show_errors(form, refusal.errors)
    if is_htmx() if htmx is None else htmx:
        if fragment is None:
            abort(refusal.status, description=str(refusal))
        return render_template(fragment, **_context(context)), refusal.status
    if page is None:
        flash(str(refusal), "error")
        return redirect(redirect_to)
    if flash_on_page:
        flash(str(refusal), "error")
    return page()


def act(action: Callable, success, *, redirect_to: str, fragment: str | None = None, context: Context = None,
        catch=Refusal, on_403: str = "explain"):
    """Run `action` (a service call) and answer: done, with `success` (a message, or a function of
    the action's result giving one), or refused (one of `catch`). An action without a fragment is
    answered alike for htmx and plain posts: a flash and a redirect."""
    try:
        result = action()
    except catch as refusal:
        return refused(refusal, redirect_to, htmx=fragment is not None and is_htmx(), on_403=on_403)
    message = success(result) if callable(success) else success
    return answer(fragment, context, redirect_to, message=message)
