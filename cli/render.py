"""Tables for people, JSON for scripts. Field names here are the stable JSON contract."""

from __future__ import annotations

import json
import os
import sys
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import typer

from store.models import Account, Event, Message, TicketSummary, TicketView

T = TypeVar("T")


def color_enabled() -> bool:
    return "NO_COLOR" not in os.environ and sys.stdout.isatty()


def style(text: str, **styles: Any) -> str:
    return typer.style(text, **styles) if color_enabled() else text


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def note(text: str) -> None:
    """A side remark for people: stderr, so stdout stays clean for pipes."""
    typer.echo(text, err=True)


def char_width(ch: str) -> int:
    return 2 if ch >= "\u1100" and unicodedata.east_asian_width(ch) in "WF" else 1


def width(text: str) -> int:
    """Terminal columns: wide (CJK) characters take two. Latin and Cyrillic never do."""
    if not text or max(text) < "\u1100":
        return len(text)
    return sum(char_width(ch) for ch in text)


def clip(text: str, limit: int) -> str:
    if width(text) <= limit:
        return text
    used, out = 0, []
    for ch in text:
        used += char_width(ch)
        if used > limit - 1:
            break
        out.append(ch)
    return "".join(out) + "…"


def listing(
    items: Sequence[T],
    as_json: bool,
    to_json: Callable[[T], dict[str, Any]],
    headers: Sequence[str],
    to_row: Callable[[T], Sequence[str]],
    empty: str,
) -> None:
    """A list for scripts (a JSON array, empty or not) or for people (a table, or a note on
    stderr when there is nothing, so stdout stays clean)."""
    if as_json:
        emit_json([to_json(item) for item in items])
    elif not items:
        note(empty)
    else:
        table(headers, [to_row(item) for item in items])


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [width(h) for h in headers]
    for row in rows:
        widths = [max(w, width(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell + " " * (w - width(cell)) for cell, w in zip(cells, widths, strict=True)
        ).rstrip()

    typer.echo(style(line(headers), bold=True))
    for row in rows:
        typer.echo(line(row))


def short_time(stamp: str) -> str:
    return stamp[:16].replace("T", " ")


def rfc3339(stamp: str | None) -> str | None:
    """Stored stamps are already RFC 3339 UTC; printed without the microseconds."""
    return None if stamp is None else stamp[:19] + "Z"


def ticket_json(t: TicketSummary) -> dict[str, Any]:
    return {
        "number": t.number,
        "subject": t.subject,
        "status": t.status.value,
        "requester": t.requester,
        "requester_is_guest": t.requester_is_guest,
        "assignee": t.assignee,
        "created_at": rfc3339(t.created_at),
        "updated_at": rfc3339(t.updated_at),
    }


def message_json(m: Message) -> dict[str, Any]:
    return {
        "id": m.id,
        "author": m.author,
        "author_name": m.author_name,
        "author_role": m.author_role,
        "body": m.body,
        "internal": m.internal,
        "created_at": rfc3339(m.created_at),
        "attachments": [attachment_json(a) for a in m.attachments],
    }


def event_json(e: Event) -> dict[str, Any]:
    return {
        "id": e.id,
        "kind": e.kind.value,
        "actor": e.actor,
        "from": e.old,
        "to": e.new,
        "created_at": rfc3339(e.created_at),
    }


def view_json(v: TicketView) -> dict[str, Any]:
    return {
        **ticket_json(v.ticket),
        "messages": [message_json(m) for m in v.messages],
        "events": [event_json(e) for e in v.events],
    }


def account_json(a: Account) -> dict[str, Any]:
    return {
        "id": a.id,
        "email": a.email,
        "name": a.name,
        "role": a.role.value,
        "locale": a.locale.value,
        "email_notices": a.email_notices,
        "push_notices": a.push_notices,
        "created_at": rfc3339(a.created_at),
    }


TICKET_HEADERS = ("TICKET", "STATUS", "UPDATED", "REQUESTER", "ASSIGNEE", "SUBJECT")


def ticket_row(t: TicketSummary) -> list[str]:
    return [
        f"#{t.number}",
        t.status.value,
        short_time(t.updated_at),
        clip(t.requester, 28),
        clip(t.assignee or "-", 24),
        clip(t.subject, 50),
    ]


def ticket_view(v: TicketView) -> None:
    t = v.ticket
    typer.echo(style(f"#{t.number}  {t.subject}", bold=True) + f"  [{t.status.value}]")
    who = t.requester + (" (guest)" if t.requester_is_guest else "")
    typer.echo(f"Requester: {who}" + (f"   Assignee: {t.assignee}" if t.assignee else ""))
    typer.echo(f"Created {short_time(t.created_at)}   Updated {short_time(t.updated_at)} (UTC)")
    entries: list[tuple[str, int, str]] = []
    for m in v.messages:
        label = "internal note" if m.internal else "wrote"
        head = style(
            f"{short_time(m.created_at)}  {m.author} {label}:",
            bold=True,
            fg="yellow" if m.internal else None,
        )
        text = "\n".join("    " + line for line in m.body.split("\n"))
        for a in m.attachments:
            text += f"\n    [attachment {a.id}: {a.name}, {size(a.size)}, {a.media_type}]"
        entries.append((m.created_at, 1, f"{head}\n{text}"))
    for e in v.events:
        if e.kind.value == "reply":
            continue  # the reply itself is shown as its message
        order = 0 if e.kind.value == "created" else 2  # a ticket's creation precedes its first message
        entries.append((e.created_at, order, f"{short_time(e.created_at)}  {describe_event(e)}"))
    for _, _, text in sorted(entries, key=lambda item: (item[0], item[1])):
        typer.echo("")
        typer.echo(text)


def describe_event(e: Event) -> str:
    if e.kind.value == "created":
        return f"· created by {e.actor} ({e.new})"
    if e.kind.value == "status":
        return f"· status {e.old} → {e.new} by {e.actor}"
    if e.kind.value == "assigned":
        return f"· assigned {e.old or 'nobody'} → {e.new} by {e.actor}"
    if e.kind.value == "reminder":
        return "· reminder sent: waiting for the customer's answer"
    return f"· {e.kind.value} by {e.actor}"


def notice_json(n: Any) -> dict[str, Any]:
    return {
        "id": n.id,
        "ticket": n.ticket,
        "channel": n.channel,
        "recipient": n.recipient,
        "kind": n.kind,
        "state": n.state,
        "attempts": n.attempts,
        "next_attempt_at": rfc3339(n.next_attempt_at),
        "last_error": n.last_error,
        "sent_at": rfc3339(n.sent_at),
        "created_at": rfc3339(n.created_at),
    }


def subscription_json(s: Any) -> dict[str, Any]:
    return {"id": s.id, "account": s.account, "endpoint": s.endpoint, "created_at": rfc3339(s.created_at)}


def size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / 1024 / 1024:.1f} MiB"


def attachment_json(a: Any) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "size": a.size,
        "media_type": a.media_type,
        "sha256": a.sha256,
        **({"message_id": a.message_id, "internal": a.internal} if hasattr(a, "message_id") else {}),
    }
