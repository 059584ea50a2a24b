"""Claim due notices, send each, report each outcome to the store. One log line per attempt."""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

from daemon.outcome import Delivery, Result, transient
from store.config import Config
from store.models import Channel, NoticeState
from store.outbox import ClaimedNotice, Outcome
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


GROUP = 25  # sends recorded per transaction: the most a crash can make us send twice


def dispatch_batch(store: Store, senders: Senders, owner: str, batch_size: int, stop: threading.Event) -> int:
    """Send one batch; returns how many notices were claimed."""
    claimed = store.claim_notices(owner, batch_size)
    done: list[tuple[ClaimedNotice, Delivery]] = []
    try:
        for index, notice in enumerate(claimed):
            if stop.is_set():
                store.release([n.id for n in claimed[index:]])
                break
            done.append((notice, deliver(senders, notice)))
            if len(done) >= GROUP:
                report(store, done)
                done = []
    finally:
        report(store, done)
        senders.end_batch()
    return len(claimed)


def report(store: Store, done: list[tuple[ClaimedNotice, Delivery]]) -> None:
    if not done:
        return
    outcomes = [
        Outcome(
            notice.id,
            sent=d.result is Result.SENT,
            transient=d.result is Result.TRANSIENT,
            error=d.detail,
            retry_after=d.retry_after,
            gone_subscription=notice.subscription.id
            if d.result is Result.GONE and notice.subscription is not None
            else None,
        )
        for notice, d in done
    ]
    for (notice, d), (state, delay) in zip(done, store.record_outcomes(outcomes), strict=True):
        where = f"notice {notice.id} ({notice.kind.value}, ticket #{notice.ticket}, {notice.channel.value})"
        if state is NoticeState.SENT:
            log.info("%s: sent, attempt %d", where, notice.attempts)
        elif state is NoticeState.DROPPED:
            log.info(
                "%s: %s; subscription %d removed",
                where,
                d.detail,
                notice.subscription.id if notice.subscription else 0,
            )
        else:
            then = f"retry in {delay:.0f} s" if delay is not None else "dead"
            log.warning("%s: attempt %d failed (%s): %s", where, notice.attempts, d.detail, then)


def drain(store: Store, senders: Senders, owner: str, batch_size: int, stop: threading.Event) -> int:
    """Send batches until nothing is due (or we are asked to stop)."""
    total = 0
    while not stop.is_set():
        claimed = dispatch_batch(store, senders, owner, batch_size, stop)
        total += claimed
        if claimed < batch_size:
            break
    return total
