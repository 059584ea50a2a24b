"""Which notices an event yields: who hears of it, on which channel, with which template.

Pure: the caller passes what it read in the event's transaction and writes what comes back
in the same transaction (PRODUCT.md, Notices).
"""

from __future__ import annotations

from typing import NamedTuple

from store.lifecycle import Reason
from store.models import Channel, EventKind, Locale, NoticeKind, Status


class Recipient(NamedTuple):
    """The requester as notices see them: an account (with its preferences) or a guest."""

    email: str
    locale: Locale
    is_guest: bool
    account_id: int | None
    wants_email: bool
    wants_push: bool
    subscription_ids: tuple[int, ...]


class NoticeSpec(NamedTuple):
    channel: Channel
    recipient: str
    subscription_id: int | None
    kind: NoticeKind
    status: Status
    locale: Locale


def notice_kind(kind: EventKind, reason: Reason | None) -> NoticeKind | None:
    """The template an event calls for, or None when the requester is not told.

    A staff reply that changes the status is one `status` event (with its message), so it
    yields one notice; a staff reply that leaves the status alone is a `reply` event.
    """
    if reason is Reason.CUSTOMER_REPLY:
        return None  # the customer's own reply, and the reopening it causes
    return {
        EventKind.CREATED: NoticeKind.RECEIVED,
        EventKind.REMINDER: NoticeKind.REMINDER,
        EventKind.STATUS: NoticeKind.STATUS,
        EventKind.REPLY: NoticeKind.REPLY,
    }.get(kind)  # assignments are internal: None


def notices_for(
    kind: EventKind,
    reason: Reason | None,
    status: Status,
    recipient: Recipient,
    actor_account_id: int | None,
) -> list[NoticeSpec]:
    template = notice_kind(kind, reason)
    if template is None:
        return []
    # Nobody is told of their own action, but for the receipt of their own ticket.
    if (
        template is not NoticeKind.RECEIVED
        and actor_account_id is not None
        and actor_account_id == recipient.account_id
    ):
        return []
    specs: list[NoticeSpec] = []
    if recipient.is_guest or recipient.wants_email:
        specs.append(NoticeSpec(Channel.EMAIL, recipient.email, None, template, status, recipient.locale))
    if not recipient.is_guest and recipient.wants_push:
        specs.extend(
            NoticeSpec(Channel.PUSH, f"subscription:{sid}", sid, template, status, recipient.locale)
            for sid in recipient.subscription_ids
        )
    return specs
