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

    store = Store.open(ctx.obj.config(), migrate=False)
    try:
        applied = store.migrate()
    finally:
        store.close()
    typer.echo(f"Applied: {', '.join(applied)}." if applied else "The schema is up to date.")
