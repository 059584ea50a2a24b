"""The `support` command: global options, the command groups, and the one error handler.

Heavy libraries are imported inside the commands that need them, never here: `support list`
should cost little more than Python's own start.
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass, field
from typing import Any

import typer

# Typer carries its own Click since 0.26 (pinned in pyproject): its UsageError is this one.
from typer._click.exceptions import UsageError as ClickUsageError
from typer.core import TyperGroup

from cli.common import group
from store.errors import SupportError


class SupportGroup(TyperGroup):
    """Maps every store error to one `Error: ...` line on stderr and its exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except SupportError as error:
            fail(str(error), error.exit_code)
        except ClickUsageError as error:
            if type(error).__name__ == "NoArgsIsHelpError":
                raise  # `support user` alone: Click prints the group's help
            where = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
            fail(f"{error.format_message()}{where}", 2)
        except sqlite3.Error as error:
            fail(f"store error: {error}", 1)
        except KeyboardInterrupt:
            fail("interrupted", 130)


def fail(message: str, code: int) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


@dataclass
class Globals:
    config_path: str | None
    db_path: str | None
    acting_as: str | None
    guest_session: str | None
    _store: Any = field(default=None, repr=False)

    def config(self) -> Any:
        from store import config

        return config.load(self.config_path, self.db_path)

    def store(self) -> Any:
        """The store, opened (and migrated) on first use; closed when the command ends."""
        if self._store is None:
            from store.service import Store

            self._store = Store.open(self.config())
        return self._store

    def actor(self) -> Any:
        if self.guest_session is not None:
            if self.acting_as is not None:
                raise SupportError("use either --as or --guest-session, not both")
            return self.store().guest_actor(self.guest_session)
        return self.store().actor_for(self.acting_as)

    def close_store(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def require_operator(self) -> Any:
        """For operator commands: refuse guest sessions and non-admin identities."""
        if self.guest_session is not None or self.acting_as is not None:
            self.store().require_operator(self.actor())
        return self.store()


app = group("A command-line ticket system for customer support teams.", cls=SupportGroup)


@app.callback()
def main_options(
    ctx: typer.Context,
    config: str = typer.Option(None, "--config", envvar="SUPPORT_CONFIG", help="Config file (TOML)."),
    db: str = typer.Option(None, "--db", envvar="SUPPORT_DB", help="SQLite store file."),
    acting_as: str = typer.Option(None, "--as", envvar="SUPPORT_AS", help="E-mail of the acting account."),
    guest_session: str = typer.Option(
        None,
        "--guest-session",
        envvar="SUPPORT_GUEST_SESSION",
        help="Guest session token (from `guest verify`).",
    ),
) -> None:
    globals_ = Globals(config, db, acting_as, guest_session)
    ctx.obj = globals_
    ctx.call_on_close(globals_.close_store)


def register() -> None:
    from cli import attachments, daemon, guest, push, setup, tickets, users
    from cli import db as db_commands

    for command in (
        tickets.create,
        tickets.list_tickets,
        tickets.view,
        tickets.reply,
        tickets.status,
        tickets.assign,
    ):
        app.command(name=command.__name__.removesuffix("_tickets"))(command)
    app.command(name="init")(setup.init)
    app.command(name="prefs")(users.prefs)
    app.add_typer(users.app, name="user")
    app.add_typer(attachments.app, name="attachment")
    app.add_typer(guest.app, name="guest")
    app.add_typer(push.app, name="push")
    app.add_typer(daemon.app, name="daemon")
    app.add_typer(daemon.outbox, name="outbox")
    app.add_typer(db_commands.app, name="db")


register()


def main() -> None:
    try:
        app()
    except SupportError as error:  # raised while Typer builds the context, outside any group
        typer.echo(f"Error: {error}", err=True)
        sys.exit(error.exit_code)
