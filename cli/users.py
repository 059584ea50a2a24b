"""Operator commands for accounts."""

from __future__ import annotations

import typer

from cli import render
from cli.common import group
from store.models import Locale, Role

app = group("Accounts: customers, agents and admins.")


@app.command("add")
def add(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="The account's e-mail address."),
    name: str = typer.Option("", "--name", help="Display name."),
    role: Role = typer.Option(Role.CUSTOMER, "--role", help="customer, agent or admin."),
    locale: Locale = typer.Option(Locale.EN, "--locale", help="Language of notices: en or uk."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Add an account."""
    account = ctx.obj.require_operator().add_account(email, name, role, locale)
    if as_json:
        render.emit_json(render.account_json(account))
    else:
        typer.echo(f"Added {account.role.value} {account.email}.")


@app.command("list")
def list_accounts(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """List accounts."""
    accounts = ctx.obj.require_operator().list_accounts()
    render.listing(
        accounts,
        as_json,
        render.account_json,
        ["EMAIL", "NAME", "ROLE", "LOCALE", "NOTICES"],
        lambda a: [
            a.email,
            a.name or "-",
            a.role.value,
            a.locale.value,
            ",".join(c for c, on in (("email", a.email_notices), ("push", a.push_notices)) if on) or "none",
        ],
        "No accounts.",
    )


def prefs(
    ctx: typer.Context,
    email: bool = typer.Option(None, "--email/--no-email", help="E-mail notices on or off."),
    push: bool = typer.Option(None, "--push/--no-push", help="Web Push notices on or off."),
    locale: Locale = typer.Option(None, "--locale", help="Language of notices: en or uk."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show or change the acting account's notice preferences."""
    account = ctx.obj.store().set_preferences(ctx.obj.actor(), email, push, locale)
    if as_json:
        render.emit_json(render.account_json(account))
        return
    on_off = {True: "on", False: "off"}
    typer.echo(
        f"{account.email}: e-mail notices {on_off[account.email_notices]}, "
        f"push notices {on_off[account.push_notices]}, language {account.locale.value}"
    )
