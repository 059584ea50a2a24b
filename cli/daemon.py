"""The daemon and the outbox, for the operator."""

from __future__ import annotations

import typer

from cli import render
from cli.common import group
from store.models import NoticeState

app = group("The notification daemon: run it, see how it is doing.")
outbox = group("Notices waiting, retrying, sent or dead.")
# What `outbox list --state` takes: the stored states, and "retrying" (pending after a failure).
STATES = (*(state.value for state in NoticeState), "retrying")


@app.command("run")
def run(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once", help="Run each job once and exit (for cron)."),
) -> None:
    """Deliver notices and apply the scheduled rules until SIGTERM/SIGINT (or --once)."""
    ctx.obj.require_operator()
    from daemon.main import run as run_daemon

    raise typer.Exit(run_daemon(ctx.obj.config(), once))


@app.command("status")
def status(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Heartbeats of recent daemons, and how many notices are pending, retrying or dead."""
    store = ctx.obj.require_operator()
    counts = store.outbox_counts()
    beats = store.heartbeats()
    if as_json:
        render.emit_json(
            {
                "daemons": [
                    {
                        "owner": b.owner,
                        "pid": b.pid,
                        "host": b.host,
                        "started_at": render.rfc3339(b.started_at),
                        "beat_at": render.rfc3339(b.beat_at),
                        "stopped_at": render.rfc3339(b.stopped_at),
                    }
                    for b in beats
                ],
                "notices": counts._asdict(),
            }
        )
        return
    if not beats:
        typer.echo("No daemon has run on this store yet.")
    for b in beats:
        state = (
            f"stopped {render.short_time(b.stopped_at)}"
            if b.stopped_at
            else f"alive, last beat {b.beat_at[11:19]}"
        )
        typer.echo(f"Daemon {b.owner}: {state}")
    typer.echo(
        f"Notices: {counts.pending} pending, {counts.retrying} retrying, {counts.sending} sending, "
        f"{counts.sent} sent, {counts.dead} dead, {counts.dropped} dropped"
    )


@outbox.command("list")
def list_notices(
    ctx: typer.Context,
    state: str = typer.Option(None, "--state", help=f"Only notices in this state: {', '.join(STATES)}."),
    limit: int = typer.Option(50, "--limit", min=1, help="At most N notices."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List notices, newest first (never their content)."""
    if state is not None and state not in STATES:
        raise typer.BadParameter(f"--state must be one of {', '.join(STATES)}")
    rows = ctx.obj.require_operator().outbox_list(state, limit)
    render.listing(
        rows,
        as_json,
        render.notice_json,
        ["ID", "TICKET", "CHANNEL", "KIND", "STATE", "TRIES", "NEXT / SENT", "LAST ERROR"],
        lambda r: [
            str(r.id),
            f"#{r.ticket}",
            r.channel,
            r.kind,
            r.state,
            str(r.attempts),
            render.short_time(r.sent_at or r.next_attempt_at),
            render.clip(r.last_error or "-", 40),
        ],
        "No notices.",
    )


@outbox.command("retry")
def retry(
    ctx: typer.Context, notice_id: int = typer.Argument(..., metavar="ID", help="The notice to retry.")
) -> None:
    """Put a dead notice back in the queue with a fresh count of attempts."""
    row = ctx.obj.require_operator().outbox_retry(notice_id)
    typer.echo(f"Notice {row.id} is queued again.")
