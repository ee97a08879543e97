"""Uploaded files: checked by content, stored outside the static folder under generated names.

`init_app` lets the views marked `@accepts_uploads` (and only those) receive a request as large as
`UPLOAD_MAX_BYTES` plus the form around it, while every other request keeps `MAX_CONTENT_LENGTH`;
and adds the `flask uploads prune` command.
"""
import click
from flask import Flask, Request, current_app

# Room for a form's other fields and the multipart framing around the file.
FORM_ALLOWANCE = 256 * 1024


def accepts_uploads(view):
    """Mark a view as receiving a file: its requests may be as large as UPLOAD_MAX_BYTES allows.

    The limit has to be known before CSRF protection reads the form (an app-wide before_request
    that runs before any view), hence a mark on the view read by the request class."""
    view.accepts_uploads = True
    return view


class UploadAwareRequest(Request):
    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and current_app and self.url_rule is not None:
            view = current_app.view_functions.get(self.url_rule.endpoint)
            if getattr(view, "accepts_uploads", False):
                return current_app.config["UPLOAD_MAX_BYTES"] + FORM_ALLOWANCE
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


uploads_cli = click.Group("uploads", help="Uploaded files.")


@uploads_cli.command("prune")
@click.option("--hours", default=1, show_default=True, help="Leave anything younger than this.")
def prune_command(hours):
    """Remove uploads nothing points at any more, files left without a record, and voice ideas'
    recordings VOICE_RETENTION_DAYS after their ideathon was archived."""
    from datetime import timedelta

    # The package itself stays light (every view with a file field imports `accepts_uploads` from
    # it); the services, with Pillow, load when the command runs.
    from .services import prune_uploads

    removed = prune_uploads(older_than=timedelta(hours=hours))
    click.echo(f"Removed {removed['rows']} unused uploads, {removed['files']} files without a record and "
               f"{removed['voice']} voice recordings past their retention.")


def init_app(app: Flask) -> None:
    app.request_class = UploadAwareRequest
    app.cli.add_command(uploads_cli)
