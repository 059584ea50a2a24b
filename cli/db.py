"""Operator commands for the store itself."""

from __future__ import annotations

import typer

from cli import render
from cli.common import group

app = group("The store: schema status and migrations.")


@app.command("status")
def status(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show the store's path and which migrations are applied or pending."""
    from store.service import Store

    ctx.obj.check_operator()
    ctx.obj.close_store()  # status and migrate open the store themselves, unmigrated
    store = Store.open(ctx.obj.config(), migrate=False)
    try:
        schema = store.schema_status()
    finally:
        store.close()
    if as_json:
        render.emit_json(
            {"path": schema.path, "applied": list(schema.applied), "pending": list(schema.pending)}
        )
        return
    typer.echo(f"Store: {schema.path}")
    typer.echo(f"Applied: {', '.join(schema.applied) or 'none'}")
    typer.echo(f"Pending: {', '.join(schema.pending) or 'none'}")


@app.command("migrate")
def migrate(ctx: typer.Context) -> None:
    """Apply pending migrations (opening the store does this too)."""
    from store.service import Store

    ctx.obj.check_operator()
    ctx.obj.close_store()  # status and migrate open the store themselves, unmigrated
    store = Store.open(ctx.obj.config(), migrate=False)
    try:
        applied = store.migrate()
    finally:
        store.close()
    typer.echo(f"Applied: {', '.join(applied)}." if applied else "The schema is up to date.")


@app.command("backup")
def backup(
    ctx: typer.Context,
    destination: str = typer.Argument(..., metavar="DEST", help="A new (or empty) folder for the copy."),
) -> None:
    """Copy the store and its attachments, consistently, while others keep working."""
    import sys
    from pathlib import Path

    from store import backup as backups

    store = ctx.obj.require_operator()
    if sys.stderr.isatty():
        with typer.progressbar(length=1, label="Copying the store", file=sys.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)

            result = backups.backup(store.cx, store.config.attachments_dir, Path(destination), progress)
    else:
        result = backups.backup(store.cx, store.config.attachments_dir, Path(destination))
    typer.echo(
        f"Backed up to {result.path} ({result.pages} pages, integrity ok)"
        f" and {result.files} attachment files ({render.size(result.bytes)})."
    )


@app.command("restore")
def restore(
    ctx: typer.Context,
    source: str = typer.Argument(..., metavar="SRC", help="A folder made by `support db backup`."),
    force: bool = typer.Option(False, "--force", help="Replace a store that already holds tickets."),
) -> None:
    """Restore a backup into the store; refused while the store is in use."""
    from pathlib import Path

    from store import backup as backups

    ctx.obj.check_operator()
    ctx.obj.close_store()  # our own connection would make the store look in use
    config = ctx.obj.config()
    result = backups.restore(Path(source), config.db_path, config.attachments_dir, force)
    typer.echo(
        f"Restored {result.path} ({result.pages} pages, integrity ok) and {result.files} attachment files."
    )
