"""Command-line tools: `flask --app wsgi <group> <command>` (see README)."""

import click
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from .accounts.models import Role, User
from .accounts.services import AccountError, create_user, find_user_by_email, generate_password, set_password
from .backups import BackupError, make_backup, restore_backup
from .extensions import db
from .municipalities.services import get_by_code, load_municipalities
from .programme.demo import load_pilot_programme

users_cli = click.Group("users", help="Staff accounts.")
municipalities_cli = click.Group("municipalities", help="Guatemala's 340 municipalities.")
demo_cli = click.Group("demo", help="Demonstration data for a local install.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--municipality", "code", help="INE code (4 digits), required for officials.")
@click.option("--password", help="Initial password; one is generated and printed if omitted.")
def create_user_command(email, name, role, code, password):
    """Create a staff account."""
    municipality = get_by_code(code.zfill(4)) if code else None
    if code and municipality is None:
        raise click.ClickException(f"No municipality with INE code {code}.")
    shown = password is None
    password = password or generate_password()
    try:
        user = create_user(email=email, name=name, role=role, password=password, municipality=municipality)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Created {user.role} {user.email}" + (f" with password: {password}" if shown else ""))


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password", help="New password; one is generated and printed if omitted.")
def set_password_command(email, password):
    """Set a new password for an account (signs it out everywhere)."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with email {email}.")
    shown = password is None
    password = password or generate_password()
    try:
        set_password(user, new_password=password, actor=None)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Password changed for {user.email}" + (f": {password}" if shown else ""))


@users_cli.command("list")
def list_users_command():
    """List staff accounts."""
    for user in db.session.scalars(sa.select(User).order_by(User.email)):
        state = "active" if user.active else "inactive"
        click.echo(f"{user.email}\t{user.role}\t{state}\t{user.name}")


@municipalities_cli.command("load")
def load_municipalities_command():
    """Load or refresh the 340 municipalities from the shipped INE catalogue (idempotent)."""
    added, updated = load_municipalities()
    click.echo(f"Municipalities: {added} added, {updated} updated.")


DEMO_ADMIN = "admin@ideaboard.local"


@demo_cli.command("load")
def load_demo_command():
    """Create the admin account (password printed once) and the pilot programme with its ideathons."""
    load_municipalities()
    admin = find_user_by_email(DEMO_ADMIN)
    if admin is None:
        password = generate_password()
        admin = create_user(email=DEMO_ADMIN, name="Administración", role=Role.ADMIN, password=password)
        click.echo("")
        click.echo("  Admin account created (shown only this once):")
        click.echo(f"    email:    {DEMO_ADMIN}")
        click.echo(f"    password: {password}")
        click.echo("  Change it after logging in, or: flask --app wsgi users set-password " + DEMO_ADMIN)
        click.echo("")
    programme = load_pilot_programme(admin)
    if programme is None:
        click.echo("Demo pilot programme already present.")
    else:
        click.echo(f"Created the pilot programme (/programas/{programme.id}) with its eight ideathons.")


def pending_migrations() -> bool:
    """Whether the database is behind the migrations shipped (a look at alembic_version, no upgrade)."""
    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current != set(script.get_heads())


@click.command("prepare")
@click.option("--demo/--no-demo", default=True, help="Load the demo data the first time (default).")
@with_appcontext
def prepare_command(demo):
    """Run the migrations still pending and load the demo data the first time only."""
    prepare(demo=demo)


def prepare(*, demo: bool = True) -> None:
    """What `make run` does before serving (`python wsgi.py --prepare`, in the server's own process):
    run the migrations still pending (none: nothing to do) and load the demo data once, the first
    time only: once its admin account exists it is never loaded again, and what the hall did since
    is kept."""
    if pending_migrations():
        upgrade()
        click.echo("Database migrated.")
    else:
        click.echo("Database up to date.")
    if not demo:
        return
    if find_user_by_email(DEMO_ADMIN) is not None:
        click.echo(f"Demo data loaded before ({DEMO_ADMIN} exists): left as it is.")
        return
    load_demo_command.callback()


@click.command("backup")
@click.argument("destination", type=click.Path(path_type=str))
@with_appcontext
def backup_command(destination):
    """Back up this instance into the new folder DESTINATION, while the server runs: SQLite's
    database (an online, consistent copy), the secret key and the uploads (README, "Backups")."""
    try:
        lines = make_backup(destination)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo("\n".join(lines))


@click.command("restore")
@click.argument("source", type=click.Path(path_type=str))
@click.option("--force", is_flag=True, help="Replace an instance that has data (what it replaces is kept aside).")
@with_appcontext
def restore_command(source, force):
    """Restore the backup in SOURCE into this instance, with the server stopped. Every file is
    checked first; an instance with data is replaced only with --force (README, "Backups")."""
    try:
        lines = restore_backup(source, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo("\n".join(lines))


def register_commands(app: Flask) -> None:
    for group in (users_cli, municipalities_cli, demo_cli):
        app.cli.add_command(group)
    for command in (prepare_command, backup_command, restore_command):
        app.cli.add_command(command)
