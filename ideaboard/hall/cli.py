"""`flask --app wsgi hall …`: an ideathon without internet (README, "Running an ideathon without
internet"). `hall import KIT` on the laptop; `make hall` serves it (`python wsgi.py --hall`, which
prints what `banner()` says)."""
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app, url_for

from ..cli import prepare
from ..extensions import db
from ..ideathons.models import Ideathon
from ..municipalities.models import Municipality
from ..municipalities.services import load_municipalities
from ..rooms.addresses import lan_address
from .bundle_commands import add_bundle_commands
from .kit import KitAlreadyImported, KitError, MAX_KIT_BYTES
from .services import import_kit

hall_cli = click.Group("hall", help="An ideathon without internet: the hall kit and the results bundle.")
add_bundle_commands(hall_cli)  # `hall export ID` and `hall publish FILE --as EMAIL` (bundle_commands.py)


def prepare_laptop() -> None:
    """The laptop's database as the hall needs it: migrated, with the 340 municipalities (no demo data)."""
    prepare(demo=False)
    if db.session.scalar(sa.select(sa.func.count()).select_from(Municipality)) == 0:
        added, _updated = load_municipalities()
        click.echo(f"Municipalities: {added} loaded.")


@hall_cli.command("import")
@click.argument("kit", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(kit: Path):
    """Import the hall kit KIT (downloaded from the central server) on this laptop: the ideathon, its
    themes and settings, and an account for each of its staff, whose new passwords are printed once."""
    prepare_laptop()
    with kit.open("rb") as file:
        data = file.read(MAX_KIT_BYTES + 1)
    try:
        imported = import_kit(data)
    except KitAlreadyImported as refusal:
        click.echo(str(refusal))  # the same kit again: nothing to do, and not an error
        return
    except KitError as refusal:
        raise click.ClickException(str(refusal)) from refusal
    ideathon = imported.ideathon
    click.echo(f"Imported «{ideathon.title}» ({ideathon.municipality.name}): local id {ideathon.id}, "
               f"public id {ideathon.public_id}, {len(ideathon.themes)} themes.")
    if imported.accounts:
        click.echo("Staff accounts on this laptop (new passwords are shown only this once; each person can "
                   "change theirs after signing in):")
        for account in imported.accounts:
            password = account.password or "(unchanged: the account was here before)"
            click.echo(f"  {account.role:<12} {account.name:<30} {account.email:<34} {password}")
    click.echo("Next: make hall (serves it on the hall's network and prints the setup sheet's address).")


def banner(host: str, port: int) -> list[str]:
    """What `make hall` prints: the address phones must use and each ideathon's setup sheet."""
    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        base = configured.rstrip("/")
    else:
        address = lan_address() if host in ("0.0.0.0", "::", "") else host
        base = f"http://{address or '127.0.0.1'}:{port}"
    lines = ["", "  Ideaboard in the hall (no internet needed)",
             f"  Phones join at:  {base}/unirse   (this laptop's address on the hall's network)"]
    if not configured and host in ("0.0.0.0", "::", "") and lan_address() is None:
        lines.append("  No network found: connect this laptop to the hall's Wi-Fi, then restart make hall.")
    ideathons = db.session.scalars(sa.select(Ideathon).where(Ideathon.archived_at.is_(None),
                                                             Ideathon.status != "cancelled")
                                   .order_by(Ideathon.starts_at, Ideathon.id)).all()
    if not ideathons:
        lines.append("  No ideathon here yet: stop this (Ctrl+C) and import the kit from the central server:")
        lines.append("    make hall KIT=path/to/kit.json   (or: IDEABOARD_ENV=hall .venv/bin/flask --app wsgi hall import KIT)")
    with current_app.test_request_context(base_url=base):
        for ideathon in ideathons:
            lines.append(f"  Setup sheet to print for «{ideathon.title}»:  "
                         f"{base}{url_for('hall.setup_sheet', ideathon_id=ideathon.id)}")
    lines.append("")
    return lines
