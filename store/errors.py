"""Typed errors. Each carries the exit code the CLI maps it to (PRODUCT.md, Command line)."""

from __future__ import annotations


class SupportError(Exception):
    """Something the user can fix or should know; the message is one line, safe to print."""

    exit_code = 1


class UsageError(SupportError):
    exit_code = 2


class NotFound(SupportError):
    """Not found, or not yours: one answer for both so existence never leaks."""

    exit_code = 3

    def __init__(self, what: str = "ticket", key: object = "") -> None:
        super().__init__(f"{what} {key} not found".replace("  ", " ").strip())


class Refused(SupportError):
    """An identity, link, code or session the store will not accept."""

    exit_code = 4


class InvalidState(SupportError):
    """Not allowed in the ticket's current state (a reply to a closed ticket, say)."""

    exit_code = 5


class Forbidden(SupportError):
    """The actor can see the ticket but their role may not do this."""

    exit_code = 1


class GuestOnlyTicket(Forbidden):
    """A guest session is scoped to one ticket: view, reply, attachments, nothing else."""

    def __init__(self) -> None:
        super().__init__("a guest session may only view, reply to and download from its ticket")


class ConfigError(SupportError):
    pass


class StoreBusy(SupportError):
    pass
