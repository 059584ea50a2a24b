"""Ticket commands: create, list, view, reply, status, assign. Parse, call the store, render."""

from __future__ import annotations

import typer

from cli import render
from cli.inputs import read_body
from store.lifecycle import ReplyIntent
from store.models import Locale, Status
from store.text import ticket_number

JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")
ATTACH = typer.Option(None, "--attach", help="Attach a file (repeat for several).")
BODY = typer.Option(None, "--body", help="The text.")
BODY_FILE = typer.Option(None, "--body-file", help="Read the text from FILE (- for standard input).")
TICKET = typer.Argument(..., help="Ticket number: 12345 or #12345.")


def create(
    ctx: typer.Context,
    subject: str = typer.Option(..., "--subject", help="One line saying what is wrong."),
    body: str = BODY,
    body_file: str = BODY_FILE,
    guest_email: str = typer.Option(None, "--guest-email", help="Create as a guest with this address."),
    locale: Locale = typer.Option(Locale.EN, "--locale", help="Language of a guest's notices."),
    attach: list[str] = ATTACH,
    as_json: bool = JSON,
) -> None:
    """Open a ticket, as the --as account or as a guest."""
    from cli.attachments import read_uploads

    store = ctx.obj.store()
    text = read_body(body, body_file)
    created = store.create_ticket(
        ctx.obj.actor(), subject, text, guest_email, locale, read_uploads(attach, store)
    )
    if as_json:
        render.emit_json(
            {
                **render.ticket_json(created.ticket),
                "other_open": list(created.other_open),
                "attachments": [render.attachment_json(a) for a in created.attachments],
            }
        )
    else:
        typer.echo(f"Created ticket #{created.ticket.number} ({created.ticket.status.value}).")
        for a in created.attachments:
            typer.echo(f"Attached {a.name} ({render.size(a.size)}, {a.media_type}) as attachment {a.id}.")
    if created.other_open:
        numbers = ", ".join(f"#{n}" for n in created.other_open)
        render.note(
            f"You also have open tickets: {numbers}. If this is the same problem, reply there instead."
        )


def list_tickets(
    ctx: typer.Context,
    open_only: bool = typer.Option(False, "--open", help="Only tickets not resolved or closed."),
    closed_only: bool = typer.Option(False, "--closed", help="Only resolved or closed tickets."),
    status: Status = typer.Option(None, "--status", help="Only tickets with this status."),
    requester: str = typer.Option(None, "--requester", help="Only tickets of this requester."),
    assignee: str = typer.Option(None, "--assignee", help="Only tickets assigned to this agent."),
    search: str = typer.Option(
        None, "--search", help="Only tickets whose subject or messages have these words."
    ),
    limit: int = typer.Option(50, "--limit", min=0, help="At most N tickets (0: all)."),
    as_json: bool = JSON,
) -> None:
    """List tickets you may see, newest activity first (best match first with --search)."""
    from store.service import TicketFilter, statuses_for

    wanted = TicketFilter(statuses_for(open_only, closed_only, status), requester, assignee, limit, search)
    tickets = ctx.obj.store().list_tickets(ctx.obj.actor(), wanted)
    render.listing(
        tickets, as_json, render.ticket_json, render.TICKET_HEADERS, render.ticket_row, "No tickets."
    )


def view(ctx: typer.Context, ticket: str = TICKET, as_json: bool = JSON) -> None:
    """Show a ticket and its whole visible history."""
    seen = ctx.obj.store().view_ticket(ctx.obj.actor(), ticket_number(ticket))
    if as_json:
        render.emit_json(render.view_json(seen))
    else:
        render.ticket_view(seen)


def reply(
    ctx: typer.Context,
    ticket: str = TICKET,
    body: str = BODY,
    body_file: str = BODY_FILE,
    internal: bool = typer.Option(False, "--internal", help="Staff-only note; the customer never sees it."),
    request_info: bool = typer.Option(
        False, "--request-info", help="Ask the customer for more (awaiting_info)."
    ),
    resolve: bool = typer.Option(False, "--resolve", help="This reply resolves the ticket."),
    attach: list[str] = ATTACH,
    as_json: bool = JSON,
) -> None:
    """Reply to a ticket (staff: public reply or --internal note)."""
    if request_info and resolve:
        raise typer.BadParameter("use one of --request-info and --resolve")
    if internal and (request_info or resolve):
        raise typer.BadParameter("an internal note does not change the status")
    intent = (
        ReplyIntent.REQUEST_INFO if request_info else ReplyIntent.RESOLVE if resolve else ReplyIntent.ANSWER
    )
    number = ticket_number(ticket)
    text = read_body(body, body_file)
    from cli.attachments import read_uploads

    store = ctx.obj.store()
    replied = store.reply(ctx.obj.actor(), number, text, internal, intent, read_uploads(attach, store))
    t = replied.ticket
    if as_json:
        render.emit_json(
            {
                **render.ticket_json(t),
                "message_id": replied.message_id,
                "previous_status": replied.old_status.value,
                "notices": replied.notices,
                "attachments": [render.attachment_json(a) for a in replied.attachments],
            }
        )
        return
    kind = "Internal note added to" if internal else "Replied to"
    change = (
        f" ({replied.old_status.value} → {t.status.value})"
        if t.status is not replied.old_status
        else f" ({t.status.value})"
    )
    typer.echo(f"{kind} ticket #{t.number}{change}.")


def status(
    ctx: typer.Context,
    ticket: str = TICKET,
    new_status: Status = typer.Argument(..., metavar="STATUS", help="The new status."),
    as_json: bool = JSON,
) -> None:
    """Set a ticket's status (staff)."""
    changed = ctx.obj.store().set_status(ctx.obj.actor(), ticket_number(ticket), new_status)
    t = changed.ticket
    if as_json:
        render.emit_json(
            {
                **render.ticket_json(t),
                "previous_status": changed.old_status.value,
                "changed": changed.changed,
            }
        )
    elif changed.changed:
        typer.echo(f"Ticket #{t.number}: {changed.old_status.value} → {t.status.value}.")
    else:
        typer.echo(f"Ticket #{t.number} is already {t.status.value}; nothing changed.")


def assign(
    ctx: typer.Context,
    ticket: str = TICKET,
    assignee: str = typer.Argument(..., metavar="EMAIL", help="The agent or admin to assign."),
    as_json: bool = JSON,
) -> None:
    """Assign a ticket to a staff member (staff)."""
    t = ctx.obj.store().assign(ctx.obj.actor(), ticket_number(ticket), assignee)
    if as_json:
        render.emit_json(render.ticket_json(t))
    else:
        typer.echo(f"Ticket #{t.number} assigned to {t.assignee}.")
