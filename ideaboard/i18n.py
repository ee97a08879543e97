"""Spanish first: the locale comes from the visitor's choice, else the browser, else Spanish."""
from datetime import date, datetime
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from flask import Flask, current_app, has_request_context, request
from flask.globals import _cv_app
from flask_babel import format_date, format_time, get_locale, get_translations, to_user_timezone
from jinja2 import pass_context
from markupsafe import Markup

from .extensions import babel
from .languages import FORMAT_FALLBACK

LANG_COOKIE = "lang"
# Numbers and dates as written where the app is used: Spanish of Guatemala writes Q1,500.50 (point for
# decimals, comma for thousands), where plain "es" would write 1.500,5. Texts still come from "es".
REGIONAL = {"es": "es_GT"}
FORMATTED_KEPT = 5000  # messages without variables kept formatted, per catalogue


@lru_cache(maxsize=128)
def _known_to_babel(locale: str) -> bool:
    try:
        Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return False
    return True


def locale_for(language: str) -> str:
    """The Babel locale a language is rendered in; a code Babel does not know (cak, mam) falls back
    to FORMAT_FALLBACK rather than failing (UnknownLocaleError)."""
    locale = REGIONAL.get(language, language)
    return locale if _known_to_babel(locale) else FORMAT_FALLBACK


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line: the default, Spanish
        return locale_for(current_app.config["BABEL_DEFAULT_LOCALE"])
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in languages:
        return locale_for(chosen)
    return locale_for(request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"])


def translations():
    """The catalogue of this context's locale, as flask_babel.get_translations() finds it, kept for
    the rest of the context: a board renders hundreds of messages, and each lookup through
    Flask-Babel resolves the context, the domain and the locale's name again. Kept with the locale
    and the domain it was found for, so a `force_locale` (a broadcast rendered once per language)
    or another domain gets its own."""
    app_context = _cv_app.get(None)
    state = app_context.g.__dict__.get("_flask_babel") if app_context is not None else None
    if state is None:
        return get_translations()  # no context (a null catalogue), or the first lookup of this one
    locale = getattr(state, "babel_locale", None) or get_locale()
    domain = getattr(state, "babel_domain", None)
    kept = getattr(state, "ideaboard_translations", None)
    if kept is not None and kept[0] is locale and kept[1] is domain:
        return kept[2]
    found = get_translations()
    state.ideaboard_translations = (locale, getattr(state, "babel_domain", None), found)
    return found


def gettext(string: str) -> str:
    """Flask-Babel's gettext() of a message without variables, through the kept catalogue: for
    Python code that runs once per idea on a board (an anonymous author's name)."""
    return translations().ugettext(string)


@pass_context
def _template_gettext(context, string: str, **variables) -> str:
    """The templates' _() and gettext(), as Jinja's i18n extension makes them with newstyle=True
    (autoescaped results are Markup, always formatted with the variables, so "%%" is "%" either
    way), called directly rather than through its alias and its wrapper. A message without
    variables is formatted once per catalogue: a board repeats the same few on every card."""
    catalogue = translations()
    autoescape = context.eval_ctx.autoescape
    if variables:
        text = catalogue.ugettext(string)
        return (Markup(text) if autoescape else text) % variables
    done = catalogue.__dict__.setdefault("ideaboard_formatted", {})
    try:
        return done[string, autoescape]
    except KeyError:
        text = catalogue.ugettext(string)
        formatted = (Markup(text) if autoescape else text) % variables
        if len(done) < FORMATTED_KEPT:  # the templates' messages are literals; a bound all the same
            done[string, autoescape] = formatted
        return formatted


@pass_context
def _template_ngettext(context, singular: str, plural: str, num: int, **variables) -> str:
    """The templates' ngettext(), as Jinja's newstyle ngettext (num is a variable too)."""
    variables.setdefault("num", num)
    text = translations().ungettext(singular, plural, num)
    return (Markup(text) if context.eval_ctx.autoescape else text) % variables


# --- Dates and times for people -----------------------------------------------------------------
# One way to write them everywhere: "5 de diciembre de 2026, 9:00 a. m." (English: "December 5, 2026,
# 9:00 AM"), in the app's time zone, never with seconds or a UTC offset. Datetimes are stored in UTC
# without a zone (database.utcnow); Flask-Babel converts them to BABEL_DEFAULT_TIMEZONE.


def when(value: datetime | None, weekday: bool = False) -> str:
    """A moment: the day in words and the time of day ("5 de diciembre de 2026, 9:00 a. m."); with
    `weekday`, the day of the week first ("sábado, 5 de diciembre de 2026, 9:00 a. m.")."""
    if value is None:
        return ""
    return gettext("%(date)s, %(time)s") % {"date": format_date(value, "full" if weekday else "long"),
                                            "time": format_time(value, "short")}


def day(value: date | datetime | None) -> str:
    """A day in words ("5 de diciembre de 2026"); a datetime is first put in the app's time zone."""
    return "" if value is None else format_date(value, "long")


def time_of_day(value: datetime | None) -> str:
    """The time of day alone ("9:00 a. m."), in the app's time zone."""
    return "" if value is None else format_time(value, "short")


def month_year(value: date | datetime) -> str:
    """A month with its year, with the locale's own month name and pattern ("mayo de 2026", "May 2026")."""
    if isinstance(value, datetime):
        value = to_user_timezone(value)
    return format_skeleton("yMMMM", value, locale=get_locale())


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["current_locale"] = lambda: get_locale().language
    # The templates' _(), ngettext() and pgettext(): Flask-Babel's own, with the catalogue looked up once.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals.update(gettext=_template_gettext, _=_template_gettext, ngettext=_template_ngettext)
    app.jinja_env.filters.update(when=when, day=day, time_of_day=time_of_day, month_year=month_year)
