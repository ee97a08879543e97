"""The default municipal-service themes and the icons a theme may wear.

Icons are symbols in static/img/icons.svg, named by the keys below.
"""
from flask_babel import lazy_gettext as _l

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

DEFAULT_THEMES = [
    (_l("Agua y saneamiento"), "water"),
    (_l("Desechos y limpieza"), "waste"),
    (_l("Mercados y rastros"), "market"),
    (_l("Calles y caminos"), "road"),
    (_l("Alumbrado público"), "light"),
    (_l("Tránsito y transporte"), "transport"),
    (_l("Seguridad y convivencia"), "safety"),
    (_l("Medio ambiente"), "environment"),
    (_l("Trámites, tasas e IUSI"), "paperwork"),
    (_l("Transparencia y acceso a la información"), "transparency"),
    (_l("Otro"), "other"),
]

MAX_THEMES = 15
MAX_THEME_NAME = 60


def default_themes() -> list[dict]:
    """The defaults in the current language, as the theme editor expects them."""
    return [{"theme_id": "", "name": str(name), "icon": icon} for name, icon in DEFAULT_THEMES]
