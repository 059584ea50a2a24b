"""Names of things (StrEnums) and the frozen results that store operations return."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


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


@dataclass(frozen=True)
class Account:
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


@dataclass(frozen=True)
class Actor:
    """Who is acting. Operators have no account; guests hold a session for one ticket."""

    kind: ActorKind
    account: Account | None = None
    guest_ticket: int | None = None
    guest_email: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.kind is ActorKind.STAFF

    @property
    def label(self) -> str:
        if self.account is not None:
            return self.account.email
        if self.guest_email is not None:
            return self.guest_email
        return self.kind.value


OPERATOR = Actor(ActorKind.OPERATOR)
SYSTEM = Actor(ActorKind.SYSTEM)


@dataclass(frozen=True)
class TicketSummary:
    number: int
    subject: str
    status: Status
    requester: str
    requester_is_guest: bool
    assignee: str | None
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    name: str
    size: int
    media_type: str
    sha256: str


@dataclass(frozen=True)
class Message:
    id: int
    author: str
    author_name: str
    author_role: str
    body: str
    internal: bool
    created_at: str
    attachments: tuple[AttachmentInfo, ...] = ()


@dataclass(frozen=True)
class Event:
    id: int
    kind: EventKind
    actor: str
    old: str | None
    new: str | None
    created_at: str


@dataclass(frozen=True)
class TicketView:
    ticket: TicketSummary
    messages: tuple[Message, ...]
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Created:
    ticket: TicketSummary
    other_open: tuple[int, ...] = field(default=())
    attachments: tuple[AttachmentInfo, ...] = ()


@dataclass(frozen=True)
class Replied:
    ticket: TicketSummary
    message_id: int
    old_status: Status
    notices: int
    attachments: tuple[AttachmentInfo, ...] = ()


@dataclass(frozen=True)
class StatusChanged:
    ticket: TicketSummary
    old_status: Status
    changed: bool
