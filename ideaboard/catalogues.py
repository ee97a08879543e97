"""The interface catalogues under ideaboard/translations/: starting one for any language of
ideaboard/languages.py (Babel's own `pybabel init` refuses a code it has no data for: Kaqchikel,
Mam, ...), and how complete each one is (the coordinators' page, docs/translating.md).

    python -m ideaboard.catalogues init cak     # what `make init-messages LOCALE=cak` runs

A new catalogue has every message of messages.pot with an empty msgstr: until a translator fills
one in, gettext shows the Spanish msgid. Its plural rule is that of `PLURAL_FORMS` (below).
"""
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from .languages import LANGUAGES, language_name

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
POT = TRANSLATIONS / "messages.pot"

# The plural rule written into a new catalogue's header. CLDR (Babel 2.19's data) defines no plural
# rules for K'iche', Q'eqchi', Kaqchikel or Mam, so none is known to follow: every one starts with
# the source language's own two forms (singular for 1, plural otherwise), as the Spanish catalogue
# has them. Each Spanish singular/plural pair then has a place for both forms; a language that does
# not mark the plural on that word writes the same text twice. A translator who knows better
# changes the header (docs/translating.md, "Plural forms").
PLURAL_FORMS = (2, "(n != 1)")

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# The strings that matter most on a phone: those of the templates a participant sees (the join
# pages, the room's board and the parts it is made of). Their completeness is shown first on the
# coordinators' page. The projector's and console's own templates are not among them.
PHONE_TEMPLATES = (
    "rooms/enter_code.html", "rooms/join.html", "rooms/board.html", "rooms/_columns.html", "rooms/_lists.html",
    "rooms/_phase.html", "rooms/_presence.html", "rooms/_room_state.html", "rooms/_timer.html",
    "ideas/_count.html", "ideas/_idea_card.html", "ideas/_idea_list.html", "ideas/_ideas_change.html",
    "ideas/_post_form.html", "ideas/_posted.html", "ideas/edit.html",
    "votes/_counts.html", "votes/_dots_left.html", "votes/_my_state.html", "votes/_ranking.html",
)


def catalogue_file(code: str, directory: Path = TRANSLATIONS) -> Path:
    return directory / code / "LC_MESSAGES" / "messages.po"


HEADER_COMMENT = """\
{name} ({code}) translations for Ideaboard.
Copyright (C) {year} Ideaboard contributors
This file is distributed under the same license as the Ideaboard project.

Spanish is the source language (msgids are Spanish). An empty msgstr
shows the Spanish text: translate what you can verify, leave the rest
empty, never guess. Keep the msgid's %(x)s placeholders. Guide: docs/translating.md.

Plural forms: CLDR defines no plural rule for this language, so this
catalogue keeps Spanish's two forms (nplurals=2; plural=(n != 1)): one
for 1, one for any other number. Where the language does not mark the
plural on a word, write the same text in both. Change the header only
if the language's written standard says otherwise (docs/translating.md,
"Plural forms")."""


def _commented(text: str) -> str:
    return "\n".join(f"# {line}" if line else "#" for line in text.splitlines())


def init_catalogue(code: str, directory: Path = TRANSLATIONS, pot: Path = POT) -> Path:
    """Start the catalogue of `code` from the .pot: every message, every msgstr empty."""
    if code not in LANGUAGES:
        raise SystemExit(f"{code!r} is not a language of ideaboard/languages.py (known: {', '.join(LANGUAGES)}).")
    if code == "es":
        raise SystemExit("Spanish is the source language: its catalogue is the msgids themselves.")
    path = catalogue_file(code, directory)
    if path.exists():
        raise SystemExit(f"{path} exists already: `make update-messages` brings it in step with the .pot.")
    with pot.open("rb") as f:
        template = read_po(f)
    catalogue = Catalog(locale=code, project=template.project, version=template.version,
                        copyright_holder=template.copyright_holder, msgid_bugs_address=template.msgid_bugs_address,
                        creation_date=template.creation_date, revision_date=datetime.now(timezone.utc),
                        header_comment=_commented(HEADER_COMMENT.format(
                            name=language_name(code), code=code, year=datetime.now(timezone.utc).year)),
                        fuzzy=False)
    catalogue._num_plurals, catalogue._plural_expr = PLURAL_FORMS  # Babel's only way to set them
    catalogue.language_team = f"{language_name(code)} <LL@li.org>"
    catalogue.last_translator = "Ideaboard contributors"
    for message in template:
        if message.id:
            catalogue.add(message.id, None, locations=(), flags=message.flags - {"fuzzy"},
                          auto_comments=message.auto_comments, context=message.context)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalogue, width=76, omit_header=False, sort_output=True)
    return path


# --- How complete a catalogue is ---------------------------------------------------------------


@dataclass(frozen=True)
class Completeness:
    code: str
    name: str
    total: int  # messages of the .pot
    translated: int  # with every form filled in and not fuzzy
    fuzzy: int
    phone_total: int  # the phone's messages (PHONE_TEMPLATES)
    phone_translated: int
    present: bool  # a catalogue file exists

    @property
    def percent(self) -> int:
        return _percent(self.translated, self.total)

    @property
    def phone_percent(self) -> int:
        return _percent(self.phone_translated, self.phone_total)


def _percent(part: int, whole: int) -> int:
    """Rounded down: 99 % until the last string is done."""
    return 100 * part // whole if whole else 0


def _is_translated(message) -> bool:
    forms = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
    return not message.fuzzy and all(form and form.strip() for form in forms)


def phone_messages(templates: Path = TEMPLATES) -> set:
    """The messages of the phone's templates, extracted from them as `make extract-messages` does
    (the .pot is written without locations)."""
    found = set()
    for name in PHONE_TEMPLATES:
        path = templates / name
        if not path.exists():
            continue
        for _line, message_id, _comments, context in extract_from_file(
                "jinja2", str(path), options={"extensions": "jinja2.ext.i18n", "silent": "false"}):
            found.add((message_id if isinstance(message_id, str) else tuple(message_id), context))
    return found


def present_codes(directory: Path = TRANSLATIONS) -> list[str]:
    return sorted(p.parent.parent.name for p in directory.glob("*/LC_MESSAGES/messages.po"))


def completeness(codes, directory: Path = TRANSLATIONS, pot: Path = POT) -> list[Completeness]:
    """Each language's figures, in the order given. Spanish, the source, is complete by definition."""
    with pot.open("rb") as f:
        template = read_po(f)
    wanted = {(m.id if isinstance(m.id, str) else tuple(m.id), m.context) for m in template if m.id}
    phone = phone_messages() & wanted
    figures = []
    for code in codes:
        path = catalogue_file(code, directory)
        if code == "es":
            figures.append(Completeness(code, language_name(code), len(wanted), len(wanted), 0,
                                        len(phone), len(phone), path.exists()))
            continue
        translated = fuzzy = phone_translated = 0
        if path.exists():
            with path.open("rb") as f:
                catalogue = read_po(f, locale=None)
            for message in catalogue:
                key = (message.id if isinstance(message.id, str) else tuple(message.id), message.context)
                if not message.id or key not in wanted:
                    continue
                if message.fuzzy:
                    fuzzy += 1
                elif _is_translated(message):
                    translated += 1
                    phone_translated += key in phone
        figures.append(Completeness(code, language_name(code), len(wanted), translated, fuzzy,
                                    len(phone), phone_translated, path.exists()))
    return figures


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "init":
        print(f"created {init_catalogue(argv[1])}")
        return 0
    print("usage: python -m ideaboard.catalogues init <code>", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
