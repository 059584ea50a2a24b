"""Guest access: the unique link, e-mail codes, sessions; and staff's revoke/unlock."""

from __future__ import annotations

import typer

from cli import render
from cli.common import group
from store.text import ticket_number

app = group("Guest access: links, verification codes and sessions.")
LINK = typer.Argument(..., help="The unique link from the guest's e-mail.")
TICKET = typer.Argument(..., help="Ticket number: 12345 or #12345.")


@app.command("link")
def link(ctx: typer.Context, ticket: str = TICKET) -> None:
    """Print a guest ticket's current unique link (staff, operator)."""
    typer.echo(ctx.obj.store().guest_link(ctx.obj.actor(), ticket_number(ticket)))


@app.command("request-code")
def request_code(ctx: typer.Context, link: str = LINK) -> None:
    """Send a verification code to the address the link belongs to."""
    typer.echo(ctx.obj.store().request_code(link))


@app.command("verify")
def verify(
    ctx: typer.Context,
    link: str = LINK,
    code: str = typer.Argument(..., help="The code from the e-mail."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Exchange a code for a guest session token scoped to the ticket."""
    session = ctx.obj.store().verify_code(link, code)
    if as_json:
        render.emit_json(
            {
                "session": session.token,
                "ticket": session.ticket,
                "expires_at": render.rfc3339(session.expires_at),
            }
        )
    else:
        typer.echo(session.token)
        render.note(
            f"Guest session for ticket #{session.ticket},"
            f" valid until {render.short_time(session.expires_at)} UTC."
            " Pass it with --guest-session or SUPPORT_GUEST_SESSION."
        )


@app.command("revoke")
def revoke(ctx: typer.Context, ticket: str = TICKET) -> None:
    """Invalidate every earlier link and session of a guest ticket (staff)."""
    number = ticket_number(ticket)
    ctx.obj.store().revoke_guest_access(ctx.obj.actor(), number)
    typer.echo(f"Earlier links and sessions of ticket #{number} no longer work. New link:")
    typer.echo(ctx.obj.store().guest_link(ctx.obj.actor(), number))


@app.command("unlock")
def unlock(ctx: typer.Context, ticket: str = TICKET) -> None:
    """Lift the lock that many failed codes put on a guest ticket (staff)."""
    number = ticket_number(ticket)
    ctx.obj.store().unlock_guest_access(ctx.obj.actor(), number)
    typer.echo(f"Guest access to ticket #{number} is unlocked.")
