"""The languages people speak in Guatemala's halls, by code, each with its own name.

One list serves two purposes:
- the interface languages a site offers (`LANGUAGES` in the configuration, a few of these codes),
  each with a catalogue under ideaboard/translations/;
- the language an idea is written or spoken in, which can be any of them: a Tz'utujil speaker may
  use the Spanish interface and still write in Tz'utujil.

Codes are ISO 639-1 where one exists (es, en), else ISO 639-3, as the catalogues and the HTML
`lang` attribute use them. Names are written as their speakers write them (the Academia de
Lenguas Mayas de Guatemala's spelling, with a plain apostrophe for the glottal stop), so a name
never needs translating: the switcher shows "K'iche'" to everyone.

Most Mayan languages are unknown to Babel's locale data (CLDR): their dates, numbers and plural
rules come from `FORMAT_FALLBACK` (Spanish of Guatemala, the region's written standard).
"""
from dataclasses import dataclass

FORMAT_FALLBACK = "es_GT"


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # its own name (endonym)


_ALL = (
    Language("es", "Español"),
    Language("en", "English"),
    # The four Mayan languages with the most speakers, then the others in alphabetical order.
    Language("quc", "K'iche'"),
    Language("kek", "Q'eqchi'"),
    Language("cak", "Kaqchikel"),
    Language("mam", "Mam"),
    Language("acr", "Achi"),
    Language("knj", "Akateko"),
    Language("agu", "Awakateko"),
    Language("caa", "Ch'orti'"),
    Language("cac", "Chuj"),
    Language("itz", "Itza'"),
    Language("ixl", "Ixil"),
    Language("mop", "Mopan"),
    Language("jac", "Popti'"),
    Language("poc", "Poqomam"),
    Language("poh", "Poqomchi'"),
    Language("kjb", "Q'anjob'al"),
    Language("quv", "Sakapulteko"),
    Language("qum", "Sipakapense"),
    Language("ttc", "Tektiteko"),
    Language("tzj", "Tz'utujil"),
    Language("usp", "Uspanteko"),
    Language("cab", "Garífuna"),
    Language("xin", "Xinka"),
)

LANGUAGES: dict[str, Language] = {language.code: language for language in _ALL}


def language_name(code: str | None) -> str:
    """A language's own name; an unknown code is shown as it is."""
    if not code:
        return ""
    known = LANGUAGES.get(code)
    return known.name if known else code

