"""The `support` command: global options, the command groups, and the one error handler.

Heavy libraries are imported inside the commands that need them, never here: `support list`
should cost little more than Python's own start.
"""

from __future__ import annotations

import importlib
import sqlite3
import sys
from typing import Any

import typer
import typer.main

# Typer carries its own Click since 0.26 (pinned in pyproject): its UsageError is this one.
from typer._click.exceptions import UsageError as ClickUsageError
from typer.core import TyperGroup

from cli.common import group
from store.errors import SupportError


class SupportGroup(TyperGroup):
    """Loads commands lazily, and maps every store error to one `Error: ...` line on stderr
    and its exit code."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, name: str) -> Any:
        if name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[name]
        target = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(target, typer.Typer):
            single = group("")
            single.command(name=name)(target)
            target = single
        command = typer.main.get_command(target)
        command.name = name
        return command

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


class Globals:
    """The global options, and the store opened once for the command that needs it."""

    def __init__(
        self, config_path: str | None, db_path: str | None, acting_as: str | None, guest_session: str | None
    ) -> None:
        self.config_path = config_path
        self.db_path = db_path
        self.acting_as = acting_as
        self.guest_session = guest_session
        self._store: Any = None
        self._config: Any = None

    def config(self) -> Any:
        from store import config

        if self._config is None:
            self._config = config.load(self.config_path, self.db_path)
            for warning in self._config.warnings:
                typer.echo(f"Warning: {warning}", err=True)
        return self._config

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

    def check_operator(self) -> None:
        """For operator commands: refuse guest sessions and non-admin identities."""
        if self.guest_session is not None or self.acting_as is not None:
            self.store().require_operator(self.actor())

    def require_operator(self) -> Any:
        self.check_operator()
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


# Every command, by the module that defines it. A run imports and builds only the command
# it runs (Click asks `get_command` for one name), so `support list` never pays for the
# daemon's or the guest commands' modules; `--help` asks for them all.
COMMANDS: dict[str, tuple[str, str]] = {
    "create": ("cli.tickets", "create"),
    "list": ("cli.tickets", "list_tickets"),
    "view": ("cli.tickets", "view"),
    "reply": ("cli.tickets", "reply"),
    "status": ("cli.tickets", "status"),
    "assign": ("cli.tickets", "assign"),
    "attachment": ("cli.attachments", "app"),
    "guest": ("cli.guest", "app"),
    "prefs": ("cli.users", "prefs"),
    "push": ("cli.push", "app"),
    "user": ("cli.users", "app"),
    "init": ("cli.setup", "init"),
    "daemon": ("cli.daemon", "app"),
    "outbox": ("cli.daemon", "outbox"),
    "db": ("cli.db", "app"),
}


def main() -> None:
    try:
        app()
    except SupportError as error:  # raised while Typer builds the context, outside any group
        typer.echo(f"Error: {error}", err=True)
        sys.exit(error.exit_code)
