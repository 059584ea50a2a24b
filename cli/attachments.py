"""Attachments: `--attach` reading for create/reply, and `support attachment list/get`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer

from cli import render
from cli.common import group
from store import files
from store.attachments import Upload
from store.errors import SupportError
from store.text import ticket_number

app = group("Files attached to tickets: list and download them.")


def read_uploads(paths: list[str] | None, store: Any) -> list[Upload]:
    """Read each file, at most one byte past the per-file limit: the store refuses the rest."""
    cap = int(store.config.values["attachments"]["max_file_bytes"]) + 1
    uploads = []
    for raw in paths or []:
        path = Path(raw)
        try:
            size = path.stat().st_size
            if path.is_dir():
                raise SupportError(f"--attach {raw}: is a directory")
            with path.open("rb") as handle:
                data = handle.read(cap)
        except FileNotFoundError:
            raise SupportError(f"--attach {raw}: no such file") from None
        except OSError as error:
            raise SupportError(f"--attach {raw}: {error.strerror}") from None
        uploads.append(Upload(path.name, data, size))
    return uploads


@app.command("list")
def list_attachments(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., help="Ticket number: 12345 or #12345."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the attachments of a ticket you may view."""
    found = ctx.obj.store().list_attachments(ctx.obj.actor(), ticket_number(ticket))
    render.listing(
        found,
        as_json,
        render.attachment_json,
        ["ID", "NAME", "SIZE", "TYPE", "MESSAGE", "ADDED"],
        lambda a: [
            str(a.id),
            render.clip(a.name, 40),
            render.size(a.size),
            a.media_type,
            str(a.message_id) + (" (internal)" if a.internal else ""),
            render.short_time(a.created_at),
        ],
        "No attachments.",
    )


@app.command("get")
def get(
    ctx: typer.Context,
    attachment_id: int = typer.Argument(..., metavar="ID", help="The attachment's id."),
    output: str = typer.Option(
        None, "-o", "--output", help="Where to write it (- for stdout). Default: its name."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Download an attachment of a ticket you may view."""
    import shutil

    attachment, source = ctx.obj.store().open_attachment(ctx.obj.actor(), attachment_id)
    try:
        blob = source.open("rb")
    except FileNotFoundError:
        raise SupportError(f"the file of attachment {attachment_id} is missing from the store") from None
    with blob:
        if output == "-":
            shutil.copyfileobj(blob, sys.stdout.buffer)
            sys.stdout.buffer.flush()
            return
        target = Path(output) if output else Path(attachment.name)
        with os.fdopen(files.create(target, force, 0o644), "wb") as out:
            shutil.copyfileobj(blob, out)
    typer.echo(f"Wrote {target} ({render.size(attachment.size)}, {attachment.media_type}).")
