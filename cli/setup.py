"""`support init`: a commented config with generated secrets, and the store."""

from __future__ import annotations

import secrets

import typer


def init(
    ctx: typer.Context,
    force: bool = typer.Option(False, "--force", help="Overwrite an existing config."),
) -> None:
    """Write a commented config (mode 0600) with generated secrets, and create the store."""
    from daemon.vapid import generate_keys
    from store import config
    from store.service import Store

    path, _ = config.find_config_path(ctx.obj.config_path)
    overrides: dict[str, dict[str, object]] = {"secrets": {"server_secret": secrets.token_urlsafe(32)}}
    private_pem, public_b64 = generate_keys()
    overrides["push"] = {"vapid_private_key": private_pem, "vapid_public_key": public_b64}
    config.write_new(path, config.render(overrides), force)
    store = Store.open(config.load(str(path), ctx.obj.db_path))
    store.close()
    typer.echo(f"Wrote {path} (readable by you only).")
    typer.echo(f"Store: {store.config.db_path}")
