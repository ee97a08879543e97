"""The default municipal-service themes, the icons a theme may wear, and a theme's name as each
viewer reads it.

A theme's name for a viewer (`theme_name`, the one helper every screen uses):
1. the planner's name for the viewer's interface language (`ThemeName`), if given;
2. else, for a theme that is still a default (`Theme.default_key`), the default's name from the
   viewer's catalogue;
3. else the planner's own name (`Theme.name`).

"Still a default" is decided when the plan is saved (`kept_default`): the editor's row carries the
key of the default it started from, and the key is kept only while the name is that default's name
in one of the interface languages (or Spanish, the source), compared without case, accents or
surrounding spaces. A planner who renames the theme loses the key, and their name wins everywhere;
typing the default's name back restores it.

Icons are symbols in static/img/icons.svg, named by the keys below.
"""
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..i18n import SOURCE_LANGUAGE, current_language, gettext, interface_language
from ..languages import LANGUAGES
from ..text import fold

ICONS = {
    "water": _l("Gota de agua"),
    "waste": _l("Basurero"),
    "market": _l("Mercado"),
    "road": _l("Camino"),
    "light": _l("Bombilla"),
    "transport": _l("Bus"),
    "safety": _l("Escudo"),
    "environment": _l("Árbol"),
    "paperwork": _l("Documento"),
    "transparency": _l("Lupa"),
    "other": _l("Globo de diálogo"),
}

# The default themes, in order: key (also the icon's), name, and a short description shown as the
# column's hint. A theme made from one keeps its key while the planner keeps its name (`default_key`),
# so each viewer reads it in their own language.
DEFAULT_THEMES = [
    ("water", _l("Agua y saneamiento"), _l("Agua potable, drenajes y tratamiento de aguas")),
    ("waste", _l("Desechos y limpieza"), _l("Recolección de basura, basureros y limpieza de calles")),
    ("market", _l("Mercados y rastros"), _l("Mercado municipal, ventas y rastro")),
    ("road", _l("Calles y caminos"), _l("Calles, caminos rurales, banquetas y puentes")),
    ("light", _l("Alumbrado público"), _l("Lámparas en calles, parques y caminos")),
    ("transport", _l("Tránsito y transporte"), _l("Buses, tránsito, señales y parqueo")),
    ("safety", _l("Seguridad y convivencia"), _l("Seguridad en el barrio, espacios públicos y convivencia")),
    ("environment", _l("Medio ambiente"), _l("Árboles, ríos, bosques y riesgos")),
    ("paperwork", _l("Trámites, tasas e IUSI"), _l("Trámites municipales, arbitrios e impuesto sobre inmuebles")),
    ("transparency", _l("Transparencia y acceso a la información"),
     _l("Información pública, cuentas y participación")),
    ("other", _l("Otro"), _l("Lo que no cabe en los demás temas")),
]
DEFAULTS = {key: (name, description) for key, name, description in DEFAULT_THEMES}
# Their Spanish source texts, looked up through the request's kept catalogue (i18n.gettext): a board
# names every theme several times, and a lazy string resolves the locale and catalogue each time.
_SOURCES = {key: (name._args[0], description._args[0]) for key, name, description in DEFAULT_THEMES}

MAX_THEMES = 15
MAX_THEME_NAME = 60




def default_themes() -> list[dict]:
    """The defaults in the current language, as the theme editor expects them."""
    return [{"theme_id": "", "name": str(name), "icon": key, "default_key": key, "names": {}}
            for key, name, _description in DEFAULT_THEMES]


def interface_languages() -> list[str]:
    """The configured interface languages, which a planner may name a theme in."""
    return list(current_app.config["LANGUAGES"])


_default_names: dict[str, dict[str, str]] = {}


def default_names(language: str) -> dict[str, str]:
    """Every default's name in one language (its catalogue's, Spanish where it has none), kept: the
    catalogues do not change while the app runs."""
    found = _default_names.get(language)
    if found is None:
        with interface_language(language):
            found = {key: str(name) for key, name, _description in DEFAULT_THEMES}
        _default_names[language] = found
    return found


def kept_default(key: str | None, name: str) -> str | None:
    """The default's key if `name` is still that default's name in Spanish or an interface language."""
    if key not in DEFAULTS:
        return None
    folded = fold(name.strip())
    for language in {SOURCE_LANGUAGE, *interface_languages()}:
        if fold(default_names(language)[key]) == folded:
            return key
    return None


def theme_name(theme, language: str | None = None) -> str:
    """The theme's name as a viewer of `language` (the current interface language) reads it."""
    current = current_language()
    language = language or current
    for given in theme.names:
        if given.language == language:
            return given.name
    if theme.default_key in DEFAULTS:
        if language == current:
            return gettext(_SOURCES[theme.default_key][0])
        return default_names(language)[theme.default_key]
    return theme.name


def theme_hint(theme) -> str:
    """A default theme's short description in the current language; empty for the planner's own themes."""
    if theme.default_key in DEFAULTS:
        return gettext(_SOURCES[theme.default_key][1])
    return ""


def names_by_language(theme) -> dict[str, str]:
    """The theme's name in each interface language, as that language's viewers read it (open data)."""
    return {language: theme_name(theme, language) for language in interface_languages()}


def carried_names(value) -> dict[str, str]:
    """A theme's per-language names as a hall kit or results bundle carries them ({code: name}),
    checked: known language codes (ideaboard/languages.py), names of 1 to MAX_THEME_NAME characters
    without NUL. Absent is none; anything else raises ValueError."""
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > len(LANGUAGES):
        raise ValueError("names")
    names = {}
    for code, name in value.items():
        if code not in LANGUAGES or not isinstance(name, str) or "\x00" in name:
            raise ValueError("names")
        name = name.strip()
        if not name or len(name) > MAX_THEME_NAME:
            raise ValueError("names")
        names[code] = name
    return names


def carried_default_key(value) -> str | None:
    """The default key a kit or bundle carries: a default this version knows, else none (the
    theme is then shown by its planner's name, which is always carried too)."""
    return value if isinstance(value, str) and value in DEFAULTS else None
