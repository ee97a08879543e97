"""Template helpers that keep a page of hundreds of idea cards cheap to render."""
from flask import Flask
from flask.globals import _cv_app, _cv_request
from markupsafe import Markup, escape


def _kept() -> dict | None:
    """What this request (or app context, outside a request) has built already, to build it once."""
    context = _cv_request.get(None) or _cv_app.get(None)
    if context is None:
        return None
    kept = context.__dict__.get("ideaboard_built")
    if kept is None:
        kept = context.ideaboard_built = {}
    return kept


def remembered_url_for(url_for):
    """`url_for` for templates that builds each distinct URL once per request (or app context):
    a board repeats the same few (the icons' sprite, the vote forms' action) on every card.
    Only what cannot change within a request is kept: the same endpoint and arguments give the
    same URL; arguments that cannot be a key (a list of values) are simply built each time."""

    def build(endpoint: str, **values) -> str:
        kept = _kept()
        if kept is None:
            return url_for(endpoint, **values)
        key = (endpoint, *values.items())  # a call site passes its arguments in one order
        try:
            return kept[key]
        except KeyError:
            url = kept[key] = url_for(endpoint, **values)
            return url
        except TypeError:  # an argument that cannot be a key
            return url_for(endpoint, **values)

    return build


def svg_icon(url_for):
    """The templates' icon(name, label=None) (`_macros.html` exports it): an icon of the SVG sprite,
    decorative unless it has a label. A function rather than a macro, so that a board's hundreds of
    icons cost a call each, not a macro's frame and a template import per card; a decorative icon
    is built once per request."""

    def make(name, label=None) -> Markup:
        use = f'<use href="{escape(url_for("static", filename="img/icons.svg"))}#{escape(name)}"></use></svg>'
        if label:
            return Markup(f'<svg class="icon" role="img" aria-label="{escape(label)}">{use}')
        return Markup(f'<svg class="icon" aria-hidden="true" focusable="false">{use}')

    def icon(name, label=None) -> Markup:
        kept = _kept()
        if label or kept is None or not isinstance(name, str):
            return make(name, label)
        key = (None, name)  # never an endpoint's key
        try:
            return kept[key]
        except KeyError:
            made = kept[key] = make(name)
            return made

    return icon


def init_app(app: Flask) -> None:
    """Last in create_app, so it wraps whatever `url_for` the templates were given."""
    url_for = app.jinja_env.globals["url_for"] = remembered_url_for(app.jinja_env.globals["url_for"])
    # `_macros.html` exports it as icon; the idea card and list use it without importing it (an
    # import per card costs more than the card's icons).
    app.jinja_env.globals["svg_icon"] = app.jinja_env.globals["icon"] = svg_icon(url_for)
