"""Template helpers that keep a page of hundreds of idea cards cheap to render."""
from flask import Flask, current_app
from flask.globals import _cv_app, _cv_request
from flask_babel import get_locale
from markupsafe import Markup, escape

from .i18n import gettext
from .languages import LANGUAGES, Language, language_name


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


def viewer_language() -> str:
    """The language this page (or broadcast fragment) is rendered in: its interface language's code.
    A broadcast is rendered once per interface language, so what depends on it is never per viewer."""
    locale = get_locale()
    return locale.language if locale is not None else "es"


def idea_language_mark(idea) -> str | None:
    """The idea's language code when it is not the one the page is rendered in (the card then marks it
    with the language's own name and `lang` on its text); None when it is."""
    language = idea.language or "es"
    return None if language == viewer_language() else language


def shown_translation(idea):
    """The moderation's translation a card shows under an idea in another language: into the page's
    language if there is one, else into Spanish; None otherwise (and for an idea in the page's
    language, without reading its translations: a board of ideas in one language loads none)."""
    viewer = viewer_language()
    if (idea.language or "es") == viewer:
        return None
    by_language = {t.language: t for t in idea.translations}
    return by_language.get(viewer) or by_language.get("es")


def idea_language_choices() -> tuple[list[Language], list[Language]]:
    """The languages an idea may be written in, for a selector: the site's interface languages first,
    then every other language of ideaboard/languages.py ("Otro idioma…")."""
    offered = [LANGUAGES[code] for code in current_app.config["LANGUAGES"] if code in LANGUAGES]
    return offered, [language for language in LANGUAGES.values() if language not in offered]


def language_options(selected: str | None = None) -> Markup:
    """The <option>s of a language selector (macros/languages.html): the site's interface languages,
    then "Otro idioma…" with the others; `selected` (else the page's language) chosen. Built once per
    request for each choice: a phone's board has one selector per theme."""
    selected = selected or viewer_language()
    kept = _kept()
    key = ("language-options", selected, viewer_language())
    if kept is not None and key in kept:
        return kept[key]
    offered, others = idea_language_choices()

    def options(languages) -> str:
        return "".join(f'<option value="{escape(language.code)}"{" selected" if language.code == selected else ""}>'
                       f'{escape(language.name)}</option>' for language in languages)

    built = Markup(f'{options(offered)}<optgroup label="{escape(gettext("Otro idioma…"))}">{options(others)}'
                   '</optgroup>')
    if kept is not None:
        kept[key] = built
    return built


def init_app(app: Flask) -> None:
    """Last in create_app, so it wraps whatever `url_for` the templates were given."""
    url_for = app.jinja_env.globals["url_for"] = remembered_url_for(app.jinja_env.globals["url_for"])
    # `_macros.html` exports it as icon; the idea card and list use it without importing it (an
    # import per card costs more than the card's icons).
    app.jinja_env.globals["svg_icon"] = app.jinja_env.globals["icon"] = svg_icon(url_for)
    # Ideas in one's own language (ideas/_idea_card.html, macros/languages.html).
    app.jinja_env.globals.update(language_name=language_name, viewer_language=viewer_language,
                                 idea_language_mark=idea_language_mark, shown_translation=shown_translation,
                                 idea_language_choices=idea_language_choices,
                                 language_options=language_options)
