"""Claim due notices, send each, report each outcome to the store. One log line per attempt."""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

from daemon.outcome import Delivery, Result, transient
from store.config import Config
from store.models import Channel
from store.outbox import ClaimedNotice
from store.service import Store

log = logging.getLogger("support.daemon")


class Sender(Protocol):
    def send(self, notice: ClaimedNotice) -> Delivery: ...
    def end_batch(self) -> None: ...


class Senders:
    """The e-mail and push senders, each built on first use (push imports are heavy)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._built: dict[Channel, Any] = {}

    def for_channel(self, channel: Channel) -> Sender:
        if channel not in self._built:
            if channel is Channel.EMAIL:
                from daemon.email import EmailSender

                self._built[channel] = EmailSender(self.config)
            else:
                from daemon.push import PushSender

                self._built[channel] = PushSender(self.config)
        sender: Sender = self._built[channel]
        return sender

    def end_batch(self) -> None:
        for sender in self._built.values():
            sender.end_batch()

    def close(self) -> None:
        for sender in self._built.values():
            close = getattr(sender, "close", None)
            if close is not None:
                close()


def deliver(senders: Senders, notice: ClaimedNotice) -> Delivery:
    try:
        return senders.for_channel(notice.channel).send(notice)
    except Exception as error:  # a bug or a bad config must not stop the other notices
        return transient(f"sender failed: {type(error).__name__}")


def dispatch_batch(store: Store, senders: Senders, owner: str, batch_size: int, stop: threading.Event) -> int:
    """Send one batch; returns how many notices were claimed."""
    claimed = store.claim_notices(owner, batch_size)
    try:
        for index, notice in enumerate(claimed):
            if stop.is_set():
                store.release([n.id for n in claimed[index:]])
                break
            outcome = deliver(senders, notice)
            report(store, notice, outcome)
    finally:
        senders.end_batch()
    return len(claimed)


def report(store: Store, notice: ClaimedNotice, outcome: Delivery) -> None:
    where = f"notice {notice.id} ({notice.kind.value}, ticket #{notice.ticket}, {notice.channel.value})"
    if outcome.result is Result.SENT:
        store.record_sent(notice.id)
        log.info("%s: sent, attempt %d", where, notice.attempts)
    elif outcome.result is Result.GONE and notice.subscription is not None:
        store.drop_subscription(notice.id, notice.subscription.id, outcome.detail)
        log.info("%s: %s; subscription %d removed", where, outcome.detail, notice.subscription.id)
    else:
        _, delay = store.record_failure(
            notice.id, outcome.result is Result.TRANSIENT, outcome.detail, outcome.retry_after
        )
        then = f"retry in {delay:.0f} s" if delay is not None else "dead"
        log.warning("%s: attempt %d failed (%s): %s", where, notice.attempts, outcome.detail, then)


def drain(store: Store, senders: Senders, owner: str, batch_size: int, stop: threading.Event) -> int:
    """Send batches until nothing is due (or we are asked to stop)."""
    total = 0
    while not stop.is_set():
        claimed = dispatch_batch(store, senders, owner, batch_size, stop)
        total += claimed
        if claimed < batch_size:
            break
    return total
