"""Web Push: VAPID keys for the operator; subscriptions for the acting account."""

from __future__ import annotations

from pathlib import Path

import typer

from cli import render
from cli.common import group
from cli.inputs import read_text
from store.errors import ConfigError

app = group("Web Push: keys and subscriptions.")


@app.command("keygen")
def keygen(
    ctx: typer.Context, force: bool = typer.Option(False, "--force", help="Replace existing keys.")
) -> None:
    """Create VAPID keys and record them in the config."""
    ctx.obj.require_operator()
    from daemon.vapid import generate_keys
    from store import config

    path, _ = config.find_config_path(ctx.obj.config_path)
    current = ctx.obj.config()
    if current.text("push", "vapid_private_key") and not force:
        raise ConfigError(f"{path} already has VAPID keys; use --force to replace them")
    private_pem, public_b64 = generate_keys()
    values = {section: dict(keys) for section, keys in current.values.items()}
    values["push"].update(vapid_private_key=private_pem, vapid_public_key=public_b64)
    config.write_new(Path(path), config.render(values), force=True)
    typer.echo(f"VAPID keys written to {path}.")
    typer.echo(f"Public key (applicationServerKey for browsers): {public_b64}")


@app.command("public-key")
def public_key(ctx: typer.Context) -> None:
    """Print the VAPID public key browsers subscribe with (applicationServerKey)."""
    from daemon.vapid import private_key_pem, public_key_of

    typer.echo(public_key_of(private_key_pem(ctx.obj.require_operator().config)))


@app.command("subscribe")
def subscribe(
    ctx: typer.Context,
    source: str = typer.Argument(None, metavar="[-]", help="- to read the subscription from standard input."),
    file: str = typer.Option(None, "--file", help="PushSubscription JSON file."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Store a browser's PushSubscription JSON for the acting account."""
    if source not in (None, "-") or (file is None) == (source is None):
        raise typer.BadParameter("give --file FILE, or - for standard input")
    text = read_text(file or "-", "--file")
    subscription = ctx.obj.store().subscribe(ctx.obj.actor(), text)
    if as_json:
        render.emit_json(render.subscription_json(subscription))
    else:
        typer.echo(f"Subscription {subscription.id} stored for {subscription.account}.")


@app.command("list")
def list_subscriptions(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """List the acting account's push subscriptions."""
    subscriptions = ctx.obj.store().subscriptions(ctx.obj.actor())
    render.listing(
        subscriptions,
        as_json,
        render.subscription_json,
        ["ID", "ENDPOINT", "SINCE"],
        lambda s: [str(s.id), render.clip(s.endpoint, 60), render.short_time(s.created_at)],
        "No push subscriptions.",
    )


@app.command("remove")
def remove(
    ctx: typer.Context, subscription_id: int = typer.Argument(..., metavar="ID", help="Subscription id.")
) -> None:
    """Remove one of the acting account's push subscriptions."""
    ctx.obj.store().unsubscribe(ctx.obj.actor(), subscription_id)
    typer.echo(f"Subscription {subscription_id} removed.")
