"""`flask --app wsgi hall export ID` (on the laptop) and `hall publish FILE --as EMAIL` (on the central
server): the results bundle from the command line, through the same services as the web pages."""
import json
import zipfile
from pathlib import Path

import click
import sqlalchemy as sa

from ..accounts.services import find_user_by_email
from ..extensions import db
from ..ideathons.models import Ideathon
from ..refusals import Refusal
from .bundle import build_bundle, bundle_filename
from .publish import bundle_digest, publish_bundle


def find_ideathon(key: str) -> Ideathon:
    """An ideathon by its id on this machine or by its public id."""
    key = key.strip()
    query = sa.select(Ideathon).where(Ideathon.id == int(key)) if key.isdigit() and len(key) < 10 else \
        sa.select(Ideathon).where(Ideathon.public_id == key.lower())
    ideathon = db.session.scalar(query)
    if ideathon is None:
        raise click.ClickException(f"No ideathon {key} here.")
    return ideathon


@click.command("export")
@click.argument("ideathon_id")
@click.option("--output", "-o", type=click.Path(dir_okay=True, path_type=Path),
              help="The file (or folder) to write; by default resultados-<public id>.zip here.")
def export_command(ideathon_id, output):
    """Write the results bundle of a closed, archived ideathon (to carry to the central server)."""
    ideathon = find_ideathon(ideathon_id)
    try:
        data = build_bundle(ideathon)
    except Refusal as refusal:
        raise click.ClickException(str(refusal)) from refusal
    path = output or Path(bundle_filename(ideathon))
    if path.is_dir():
        path = path / bundle_filename(ideathon)
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_bytes(data)
    temporary.replace(path)
    with zipfile.ZipFile(path) as written:
        manifest = written.read("manifest.json")
    counts = json.loads(manifest)["counts"]
    click.echo(f"Wrote {path} ({len(data)} bytes), bundle {bundle_digest(manifest)}")
    click.echo(", ".join(f"{name}: {n}" for name, n in counts.items()))


@click.command("publish")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "email", required=True, help="The coordinator or admin who publishes (their email).")
def publish_command(bundle, email):
    """Publish a results bundle on this (central) server, as the coordinator or admin given."""
    actor = find_user_by_email(email)
    if actor is None:
        raise click.ClickException(f"No account with email {email}.")
    try:
        published = publish_bundle(bundle.read_bytes(), actor=actor)
    except Refusal as refusal:
        raise click.ClickException(str(refusal)) from refusal
    ideathon = published.ideathon
    if published.already:
        click.echo(f"Already published on {published.published_at:%Y-%m-%d %H:%M} UTC: nothing changed "
                   f"(ideathon {ideathon.id}, {ideathon.public_id}).")
    else:
        click.echo(f"Published ideathon {ideathon.id} ({ideathon.public_id}): /ideatones/{ideathon.id}/archivo")


def add_bundle_commands(group: click.Group) -> None:
    group.add_command(export_command)
    group.add_command(publish_command)
