"""Spanish first: the interface language comes from the visitor's choice, else the browser, else Spanish.

Two things are kept apart:
- the *interface language*, a code of ideaboard/languages.py ("es", "quc", "cak"): which catalogue
  translates the words, the HTML `lang` attribute, the room's channel. `current_language()`.
- the *format locale*, a Babel `Locale`: how dates and numbers are written (and the plural rule of a
  language without a catalogue entry). `format_locale(code)`: Spanish is written as in Guatemala
  (es_GT); a language Babel knows (en, quc, kek) by its own data; one Babel does not know (cak, mam,
  most Mayan languages) by FORMAT_FALLBACK (es_GT unless configured). Flask-Babel's `get_locale()` is
  this format locale, so its date and number filters never meet a code Babel cannot parse.

`interface_language(code)` renders in a given language (a broadcast, once per language in use).
"""
import json
from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError, support
from babel.dates import format_skeleton
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask.globals import _cv_app
from flask_babel import Domain, force_locale, format_date, format_time, get_locale, get_translations, to_user_timezone
from flask_babel import refresh as flask_babel_refresh
from jinja2 import pass_context
from markupsafe import Markup

from .extensions import babel
from .languages import FORMAT_FALLBACK, LANGUAGES as KNOWN_LANGUAGES, language_name

LANG_COOKIE = "lang"
SOURCE_LANGUAGE = "es"  # the msgids: needs no catalogue, always offered
# Numbers and dates as written where the app is used: Spanish of Guatemala writes Q1,500.50 (point for
# decimals, comma for thousands), where plain "es" would write 1.500,5. Texts still come from "es".
REGIONAL = {"es": "es_GT"}
FORMATTED_KEPT = 5000  # messages without variables kept formatted, per catalogue
_LANGUAGE = "_ideaboard_language"  # this context's interface language, on `g`
_FORCED = "_ideaboard_forced"  # the format locale interface_language() forced (not a plain force_locale)


# --- Which languages a site offers --------------------------------------------------------------


def configured_languages(value) -> tuple[str, ...]:
    """IDEABOARD_LANGUAGES as given: a list (JSON, or in Python), or a comma-separated string
    ("es,en,quc"). Spanish first, always; each code once, in the order given."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError as error:
                raise RuntimeError(f"IDEABOARD_LANGUAGES is not a valid JSON list: {value!r} ({error})") from None
        else:
            value = text.split(",")
    if not isinstance(value, (list, tuple)) or not all(isinstance(code, str) for code in value):
        raise RuntimeError(f"IDEABOARD_LANGUAGES must be a list of language codes, e.g. es,en,quc: {value!r}")
    codes = [SOURCE_LANGUAGE]
    for code in (code.strip() for code in value):
        if code and code not in codes:
            codes.append(code)
    return tuple(codes)


def catalogue_path(directory: str | Path, code: str) -> Path:
    return Path(directory) / code / "LC_MESSAGES" / "messages.mo"


def check_languages(app: Flask) -> None:
    """Refuse to start with a language the app cannot offer: a code not in ideaboard/languages.py,
    or one without a compiled catalogue (Spanish, the source language, needs none)."""
    languages = configured_languages(app.config["LANGUAGES"])
    directories = app.extensions["babel"].translation_directories
    for code in languages:
        if code not in KNOWN_LANGUAGES:
            raise RuntimeError(
                f"IDEABOARD_LANGUAGES names {code!r}, which is not a language of ideaboard/languages.py "
                f"(known: {', '.join(KNOWN_LANGUAGES)}). Use one of those codes, or add the language there first.")
        if code != SOURCE_LANGUAGE and not any(catalogue_path(d, code).exists() for d in directories):
            raise RuntimeError(
                f"IDEABOARD_LANGUAGES names {code!r} ({language_name(code)}), which has no compiled catalogue "
                f"({code}/LC_MESSAGES/messages.mo under {' or '.join(directories)}). Start one with "
                f"`make init-messages LOCALE={code}`, then compile it with `make translations` (docs/translating.md).")
    try:
        Locale.parse(app.config["FORMAT_FALLBACK"])
    except (UnknownLocaleError, ValueError, TypeError):
        raise RuntimeError(f"IDEABOARD_FORMAT_FALLBACK must be a locale Babel knows (e.g. es_GT), "
                           f"not {app.config['FORMAT_FALLBACK']!r}") from None
    app.config["LANGUAGES"] = languages


# --- The interface language and the format locale -----------------------------------------------


@lru_cache(maxsize=64)
def _format_locale(code: str, fallback: str) -> Locale:
    try:
        return Locale.parse(REGIONAL.get(code, code))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(fallback)


def format_locale(code: str) -> Locale:
    """How dates, numbers and plurals are written for an interface language (module docstring)."""
    fallback = current_app.config.get("FORMAT_FALLBACK", FORMAT_FALLBACK) if has_app_context() else FORMAT_FALLBACK
    return _format_locale(code, fallback)


def select_language() -> str:
    """The visitor's interface language: the switch's cookie, else the browser's Accept-Language,
    else Spanish. Only configured codes are ever returned, whatever a request carries."""
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():  # command line: the default, Spanish
        return default
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in languages:
        return chosen
    return _best_match(request.accept_languages, languages) or default


def _best_match(accepted, languages) -> str | None:
    """The browser's most preferred language that is offered: each tag in order of quality, itself
    or its primary language ("mam-GT" is Mam, "es-419" Spanish), so that "es-GT,en;q=0.9" stays
    Spanish. "*" and tags offered by no one are passed over."""
    for value, quality in accepted:
        if quality <= 0:
            continue
        tag = value.strip().lower().replace("_", "-")
        if tag in languages:
            return tag
        primary = tag.split("-", 1)[0]
        if primary in languages:
            return primary
    return None


def current_language() -> str:
    """This context's interface language: the code whose catalogue translates the words. Within
    Flask-Babel's own `force_locale(x)` (older code, tests), the language of x."""
    app_context = _cv_app.get(None)
    if app_context is None:
        return SOURCE_LANGUAGE
    kept = app_context.g.__dict__
    state = kept.get("_flask_babel")
    if state is not None:
        forced = getattr(state, "forced_babel_locale", None)
        if forced is not None and forced is not kept.get(_FORCED):
            return forced.language
    code = kept.get(_LANGUAGE)
    if code is None:
        code = kept[_LANGUAGE] = select_language()
    return code


def refresh() -> None:
    """Forget this context's interface language and format locale, as Flask-Babel's `refresh()`
    forgets its locale: the next lookup chooses again (a test that changes the visitor's cookie
    within one application context)."""
    flask_babel_refresh()
    if has_app_context():
        g.__dict__.pop(_LANGUAGE, None)


def select_locale() -> Locale:
    """Flask-Babel's locale: the format locale of this context's interface language."""
    return format_locale(current_language())


@contextmanager
def interface_language(code: str):
    """Render in `code`: its catalogue for the words, its format locale for dates and numbers."""
    kept = g.__dict__
    previous = kept.get(_LANGUAGE), kept.get(_FORCED)
    locale = format_locale(code)
    kept[_LANGUAGE], kept[_FORCED] = code, locale
    try:
        with force_locale(locale):
            yield
    finally:
        for name, value in zip((_LANGUAGE, _FORCED), previous):
            if value is None:
                kept.pop(name, None)
            else:
                kept[name] = value


class InterfaceDomain(Domain):
    """Flask-Babel's message domain, with catalogues found by interface language rather than by the
    format locale: a Kaqchikel visitor gets ideaboard/translations/cak, written with es_GT's
    dates. Kept per translation directories too (an app with other directories, in tests)."""

    def get_translations(self):
        if not has_app_context():
            return support.NullTranslations()
        code = current_language()
        directories = tuple(self.translation_directories)
        key = (directories, code, self.domain[0])
        try:
            return self.cache[key]
        except KeyError:
            pass
        found = support.Translations()
        for dirname in directories:
            catalogue = support.Translations.load(dirname, [code], self.domain[0])
            found.merge(catalogue)
            if hasattr(catalogue, "plural"):  # merge() does not copy it (as Flask-Babel's own Domain)
                found.plural = catalogue.plural
        self.cache[key] = found
        return found


def translations():
    """The catalogue of this context's locale, as flask_babel.get_translations() finds it, kept for
    the rest of the context: a board renders hundreds of messages, and each lookup through
    Flask-Babel resolves the context, the domain and the locale's name again. Kept with the locale
    and the interface language and domain it was found for, so an `interface_language` (a broadcast
    rendered once per language) or another domain gets its own."""
    app_context = _cv_app.get(None)
    state = app_context.g.__dict__.get("_flask_babel") if app_context is not None else None
    if state is None:
        return get_translations()  # no context (a null catalogue), or the first lookup of this one
    # current_language(), inlined: this runs for every message of a board.
    forced = getattr(state, "forced_babel_locale", None)
    if forced is not None and forced is not app_context.g.__dict__.get(_FORCED):
        code = forced.language
    else:
        code = app_context.g.__dict__.get(_LANGUAGE) or current_language()
    domain = getattr(state, "babel_domain", None)
    kept = getattr(state, "ideaboard_translations", None)
    if kept is not None and kept[0] == code and kept[1] is domain:
        return kept[2]
    found = get_translations()
    state.ideaboard_translations = (code, getattr(state, "babel_domain", None), found)
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
    babel.domain_instance = InterfaceDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    check_languages(app)
    app.jinja_env.globals.update(
        current_language=current_language,
        interface_languages=lambda: [KNOWN_LANGUAGES[code] for code in current_app.config["LANGUAGES"]],
        language_name=language_name,
    )
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
