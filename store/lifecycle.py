"""The ticket lifecycle: one table of moves, and who may make them. Pure: no I/O."""

from __future__ import annotations

from enum import StrEnum

from store.errors import Forbidden, InvalidState
from store.models import Actor, ActorKind, Status


class Reason(StrEnum):
    """Why a status changes; decides who may do it and whether the customer hears of it."""

    STAFF_SET = "staff_set"
    STAFF_REPLY = "staff_reply"
    CUSTOMER_REPLY = "customer_reply"
    SCHEDULE = "schedule"


S = Status
# Staff may move a ticket to any status but from `closed`, which is final and read-only.
STAFF_MOVES: dict[Status, frozenset[Status]] = {
    source: frozenset(Status) - {source} for source in Status if source is not S.CLOSED
}
STAFF_MOVES[S.CLOSED] = frozenset()

# What a customer reply does: reopen when the ball was in the customer's court.
CUSTOMER_REPLY_MOVES: dict[Status, Status] = {
    S.ANSWERED: S.OPEN,
    S.AWAITING_INFO: S.OPEN,
    S.RESOLVED: S.OPEN,
}

# The daemon's rules: remind/resolve a silent awaiting_info ticket, close a resolved one.
SCHEDULED_MOVES: dict[Status, Status] = {
    S.AWAITING_INFO: S.RESOLVED,
    S.RESOLVED: S.CLOSED,
}


class ReplyIntent(StrEnum):
    ANSWER = "answer"
    REQUEST_INFO = "request_info"
    RESOLVE = "resolve"


STAFF_REPLY_TARGET: dict[ReplyIntent, Status] = {
    ReplyIntent.ANSWER: S.ANSWERED,
    ReplyIntent.REQUEST_INFO: S.AWAITING_INFO,
    ReplyIntent.RESOLVE: S.RESOLVED,
}


def ensure_writable(status: Status) -> None:
    if status is S.CLOSED:
        raise InvalidState("the ticket is closed and read-only; open a new ticket instead")


def staff_target(actor: Actor, current: Status, wanted: Status) -> Status:
    """Where a staff member's explicit status change goes; refuses what the table forbids."""
    if not actor.is_staff:
        raise Forbidden("only staff may change a ticket's status")
    ensure_writable(current)
    if wanted is not current and wanted not in STAFF_MOVES[current]:
        raise InvalidState(f"a ticket cannot go from {current} to {wanted}")
    return wanted


def reply_target(actor: Actor, current: Status, intent: ReplyIntent, internal: bool) -> Status:
    """The status after a reply by `actor`."""
    ensure_writable(current)
    if internal:
        if not actor.is_staff:
            raise Forbidden("only staff may add internal notes")
        return current
    if actor.is_staff:
        return STAFF_REPLY_TARGET[intent]
    if intent is not ReplyIntent.ANSWER:
        raise Forbidden("only staff may request information or resolve")
    if actor.kind not in (ActorKind.CUSTOMER, ActorKind.GUEST):
        raise Forbidden("only the requester or staff may reply")
    return CUSTOMER_REPLY_MOVES.get(current, current)


def scheduled_target(current: Status) -> Status | None:
    return SCHEDULED_MOVES.get(current)
