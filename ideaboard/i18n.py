"""Spanish first: the locale comes from the visitor's choice, else the browser, else Spanish."""
from flask import Flask, current_app, has_request_context, request

from flask_babel import get_locale

from .extensions import babel

LANG_COOKIE = "lang"
# Numbers and dates as written where the app is used: Spanish of Guatemala writes Q1,500.50 (point for
# decimals, comma for thousands), where plain "es" would write 1.500,5. Texts still come from "es".
REGIONAL = {"es": "es_GT"}


def locale_for(language: str) -> str:
    return REGIONAL.get(language, language)


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line: the default, Spanish
        return locale_for(current_app.config["BABEL_DEFAULT_LOCALE"])
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in languages:
        return locale_for(chosen)
    return locale_for(request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"])


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["current_locale"] = lambda: get_locale().language
