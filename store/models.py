"""Names of things (StrEnums) and the frozen results that store operations return."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Status(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    AWAITING_INFO = "awaiting_info"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_STATUSES = frozenset({Status.OPEN, Status.IN_PROGRESS, Status.ANSWERED, Status.AWAITING_INFO})


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.AGENT, Role.ADMIN})


class Locale(StrEnum):
    EN = "en"
    UK = "uk"


class Channel(StrEnum):
    EMAIL = "email"
    PUSH = "push"


class ActorKind(StrEnum):
    OPERATOR = "operator"
    STAFF = "staff"
    CUSTOMER = "customer"
    GUEST = "guest"
    SYSTEM = "system"


class EventKind(StrEnum):
    CREATED = "created"
    STATUS = "status"
    REPLY = "reply"
    ASSIGNED = "assigned"
    REMINDER = "reminder"


class NoticeKind(StrEnum):
    RECEIVED = "received"
    STATUS = "status"
    REPLY = "reply"
    REMINDER = "reminder"
    CODE = "code"


class NoticeState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"
    DROPPED = "dropped"  # nobody left to deliver to: the push subscription is gone


class Account(NamedTuple):
    id: int
    email: str
    name: str
    role: Role
    locale: Locale
    email_notices: bool
    push_notices: bool
    created_at: str

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


class Actor(NamedTuple):
    """Who is acting. Operators have no account; guests hold a session for one ticket."""

    kind: ActorKind
    account: Account | None = None
    guest_ticket: int | None = None
    guest_email: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.kind is ActorKind.STAFF

    def acting_account(self, needed_for: str) -> Account:
        """The account behind this actor, for commands that act on an account's own data."""
        from store.errors import GuestOnlyTicket, UsageError

        if self.kind is ActorKind.GUEST:
            raise GuestOnlyTicket()
        if self.account is None:
            raise UsageError(f"{needed_for}: use --as EMAIL")
        return self.account

    @property
    def label(self) -> str:
        if self.account is not None:
            return self.account.email
        if self.guest_email is not None:
            return self.guest_email
        return self.kind.value


OPERATOR = Actor(ActorKind.OPERATOR)
SYSTEM = Actor(ActorKind.SYSTEM)


class TicketSummary(NamedTuple):
    number: int
    subject: str
    status: Status
    requester: str
    requester_is_guest: bool
    assignee: str | None
    created_at: str
    updated_at: str


class AttachmentInfo(NamedTuple):
    id: int
    name: str
    size: int
    media_type: str
    sha256: str


class Message(NamedTuple):
    id: int
    author: str
    author_name: str
    author_role: str
    body: str
    internal: bool
    created_at: str
    attachments: tuple[AttachmentInfo, ...] = ()


class Event(NamedTuple):
    id: int
    kind: EventKind
    actor: str
    old: str | None
    new: str | None
    created_at: str


class TicketView(NamedTuple):
    ticket: TicketSummary
    messages: tuple[Message, ...]
    events: tuple[Event, ...]


class Created(NamedTuple):
    ticket: TicketSummary
    other_open: tuple[int, ...] = ()
    attachments: tuple[AttachmentInfo, ...] = ()


class Replied(NamedTuple):
    ticket: TicketSummary
    message_id: int
    old_status: Status
    notices: int
    attachments: tuple[AttachmentInfo, ...] = ()


class StatusChanged(NamedTuple):
    ticket: TicketSummary
    old_status: Status
    changed: bool
