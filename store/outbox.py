"""The notices' queue: claim with a lease, record success or failure, decide the retry.

A notice is claimed in one UPDATE ... RETURNING, so two daemons never hold one notice at
once; a daemon that dies leaves a lease that expires, and the notice is claimed again (the
only way a notice is sent twice, and then with the same Message-ID). The backoff formula
lives here and nowhere else.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, NamedTuple

from store import clock, db
from store.errors import InvalidState, NotFound
from store.guest import link_token, unseal
from store.models import Channel, Locale, NoticeKind, NoticeState, Status

if TYPE_CHECKING:
    from store.config import Config


class Subscription(NamedTuple):
    id: int
    endpoint: str
    p256dh: str
    auth: str


class ClaimedNotice(NamedTuple):
    """Everything a sender needs, and nothing it must not send (no message text)."""

    id: int
    event_id: int | None
    ticket: int
    subject: str
    channel: Channel
    kind: NoticeKind
    status: Status | None
    locale: Locale
    recipient_email: str
    recipient_name: str
    is_guest: bool
    url: str
    attempts: int
    code: str | None = None
    subscription: Subscription | None = None


class Outcome(NamedTuple):
    """What a sender reported for one attempt (senders classify; the store decides)."""

    notice_id: int
    sent: bool
    transient: bool = False
    error: str = ""
    retry_after: float | None = None
    gone_subscription: int | None = None


class NoticeRow(NamedTuple):
    id: int
    ticket: int
    channel: str
    recipient: str
    kind: str
    state: str
    attempts: int
    next_attempt_at: str
    last_error: str | None
    sent_at: str | None
    created_at: str


class OutboxCounts(NamedTuple):
    pending: int
    retrying: int
    sending: int
    sent: int
    dead: int
    dropped: int


class Heartbeat(NamedTuple):
    owner: str
    pid: int
    host: str
    started_at: str
    beat_at: str
    stopped_at: str | None


_ROW_SQL = (
    "SELECT id, ticket, channel, recipient, kind, state, attempts, next_attempt_at, last_error, sent_at,"
    " created_at FROM notices"
)


def backoff_seconds(attempts: int, base: float, cap: float) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2^(attempts-1))]."""
    import random  # loads hashlib: only the daemon needs it

    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    return random.uniform(0, ceiling)


class Outbox:
    """Queue operations of the Store (a mixin: `self.cx` and `self.config` come from Store)."""

    cx: sqlite3.Connection
    config: Config

    def claim_notices(self, owner: str, limit: int) -> list[ClaimedNotice]:
        now = clock.now()
        stamp = clock.to_text(now)
        lease = clock.to_text(now + timedelta(seconds=self.config.number("delivery", "lease_seconds")))
        with db.write(self.cx) as cx:
            rows = cx.execute(
                "UPDATE notices SET state = 'sending', lease_owner = ?, lease_until = ?,"
                " attempts = attempts + 1"
                " WHERE id IN (SELECT id FROM notices WHERE state = 'pending' AND next_attempt_at <= ?"
                "   UNION ALL SELECT id FROM notices WHERE state = 'sending' AND lease_until <= ?"
                "   ORDER BY id LIMIT ?)"
                " RETURNING id",
                (owner, lease, stamp, stamp, limit),
            ).fetchall()
            ids = sorted(row[0] for row in rows)
            secret = self.config.server_secret()
            claimed = [self._claimed(cx, notice_id, secret) for notice_id in ids]
        return [notice for notice in claimed if notice is not None]

    def _claimed(self, cx: sqlite3.Connection, notice_id: int, secret: bytes) -> ClaimedNotice | None:
        row = cx.execute(
            "SELECT n.*, t.subject, t.guest_email, t.link_version, a.email AS account_email, a.name"
            " FROM notices n JOIN tickets t ON t.number = n.ticket"
            " LEFT JOIN accounts a ON a.id = t.requester_id WHERE n.id = ?",
            (notice_id,),
        ).fetchone()
        is_guest = row["guest_email"] is not None
        if is_guest:
            token = link_token(secret, row["ticket"], row["guest_email"], row["link_version"])
            url = self.config.text("links", "guest_url").format(number=row["ticket"], token=token)
        else:
            url = self.config.text("links", "ticket_url").format(number=row["ticket"])
        subscription = None
        if row["channel"] == Channel.PUSH:
            sub = cx.execute(
                "SELECT * FROM push_subscriptions WHERE id = ?", (row["subscription_id"],)
            ).fetchone()
            if sub is None:
                self._finish(cx, notice_id, NoticeState.DROPPED, "the push subscription was removed")
                return None
            subscription = Subscription(sub["id"], sub["endpoint"], sub["p256dh"], sub["auth"])
        code = None
        if row["kind"] == NoticeKind.CODE:
            if row["sealed_code"] is None:
                self._finish(cx, notice_id, NoticeState.DEAD, "the code was already wiped")
                return None
            code = unseal(secret, row["sealed_code"])
        return ClaimedNotice(
            id=notice_id,
            event_id=row["event_id"],
            ticket=row["ticket"],
            subject=row["subject"],
            channel=Channel(row["channel"]),
            kind=NoticeKind(row["kind"]),
            status=Status(row["status"]) if row["status"] else None,
            locale=Locale(row["locale"]),
            recipient_email=row["recipient"] if row["channel"] == Channel.EMAIL else row["account_email"],
            recipient_name="" if is_guest else (row["name"] or ""),
            is_guest=is_guest,
            url=url,
            attempts=row["attempts"],
            code=code,
            subscription=subscription,
        )

    def record_outcomes(self, outcomes: Sequence[Outcome]) -> list[tuple[NoticeState, float | None]]:
        """What became of each attempt, in one transaction: sent, back in the queue after a
        backoff, dead, or dropped with its subscription. Returns each new state and delay.

        The daemon records a few sends at a time: one fsync per group rather than per notice.
        A crash before the group commits sends those again, with the same Message-IDs.
        """
        with db.write(self.cx) as cx:
            return [self._apply(cx, outcome) for outcome in outcomes]

    def _apply(self, cx: sqlite3.Connection, outcome: Outcome) -> tuple[NoticeState, float | None]:
        if outcome.sent:
            self._finish(cx, outcome.notice_id, NoticeState.SENT, None)
            return NoticeState.SENT, None
        if outcome.gone_subscription is not None:
            # The push service says the subscription is gone (404/410): forget it.
            self._finish(cx, outcome.notice_id, NoticeState.DROPPED, outcome.error)
            cx.execute("DELETE FROM push_subscriptions WHERE id = ?", (outcome.gone_subscription,))
            cx.execute(
                "UPDATE notices SET state = 'dropped', last_error = ?, lease_owner = NULL"
                " WHERE subscription_id IS NULL AND channel = 'push' AND state = 'pending'",
                (outcome.error,),
            )
            return NoticeState.DROPPED, None
        delivery = self.config.values["delivery"]
        row = cx.execute("SELECT attempts FROM notices WHERE id = ?", (outcome.notice_id,)).fetchone()
        if row is None:
            raise NotFound("notice", outcome.notice_id)
        if not outcome.transient or row["attempts"] >= delivery["max_attempts"]:
            self._finish(cx, outcome.notice_id, NoticeState.DEAD, outcome.error)
            return NoticeState.DEAD, None
        delay = backoff_seconds(
            row["attempts"], delivery["backoff_base_seconds"], delivery["backoff_cap_seconds"]
        )
        if outcome.retry_after is not None:
            delay = max(delay, outcome.retry_after)  # never sooner than the peer asked
        cx.execute(
            "UPDATE notices SET state = 'pending', lease_owner = NULL, lease_until = NULL,"
            " next_attempt_at = ?, last_error = ? WHERE id = ?",
            (clock.to_text(clock.now() + timedelta(seconds=delay)), outcome.error[:500], outcome.notice_id),
        )
        return NoticeState.PENDING, delay

    def release(self, notice_ids: list[int]) -> None:
        """Give back claimed notices that were never tried (a daemon stopping mid-batch)."""
        with db.write(self.cx) as cx:
            cx.executemany(
                "UPDATE notices SET state = 'pending', lease_owner = NULL, lease_until = NULL,"
                " attempts = attempts - 1 WHERE id = ? AND state = 'sending'",
                [(i,) for i in notice_ids],
            )

    @staticmethod
    def _finish(cx: sqlite3.Connection, notice_id: int, state: NoticeState, error: str | None) -> None:
        # The sealed code goes with the last attempt: sent or given up, it is never needed again.
        cx.execute(
            "UPDATE notices SET state = ?, lease_owner = NULL, lease_until = NULL, sealed_code = NULL,"
            " last_error = COALESCE(?, last_error), sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END"
            " WHERE id = ?",
            (state.value, error[:500] if error else None, state.value, clock.now_text(), notice_id),
        )

    def next_due(self) -> str | None:
        """When the earliest queued notice or expiring lease falls due (for idle polling)."""
        row = self.cx.execute(
            "SELECT MIN(t) FROM (SELECT MIN(next_attempt_at) AS t FROM notices WHERE state = 'pending'"
            " UNION ALL SELECT MIN(lease_until) FROM notices WHERE state = 'sending')"
        ).fetchone()
        return row[0] if row else None

    def data_version(self) -> int:
        """Changes whenever another connection commits: a near-free 'anything new?'."""
        value: int = self.cx.execute("PRAGMA data_version").fetchone()[0]
        return value

    # -- what the operator sees ----------------------------------------------------------

    def outbox_counts(self) -> OutboxCounts:
        rows = dict(
            self.cx.execute(
                "SELECT CASE WHEN state = 'pending' AND attempts > 0 THEN 'retrying' ELSE state END, COUNT(*)"
                " FROM notices GROUP BY 1"
            ).fetchall()
        )
        return OutboxCounts(
            *(int(rows.get(k, 0)) for k in ("pending", "retrying", "sending", "sent", "dead", "dropped"))
        )

    def outbox_list(self, state: str | None, limit: int = 100) -> list[NoticeRow]:
        where: str = ""
        params: list[object] = []
        if state == "retrying":
            where = " WHERE state = 'pending' AND attempts > 0"
        elif state is not None:
            where, params = " WHERE state = ?", [state]
        rows = self.cx.execute(f"{_ROW_SQL}{where} ORDER BY id DESC LIMIT ?", (*params, limit)).fetchall()
        return [NoticeRow(*row) for row in rows]

    def outbox_retry(self, notice_id: int) -> NoticeRow:
        """Put a dead notice back in the queue now, with a fresh count of attempts."""
        with db.write(self.cx) as cx:
            row = cx.execute("SELECT state, kind FROM notices WHERE id = ?", (notice_id,)).fetchone()
            if row is None:
                raise NotFound("notice", notice_id)
            if row["state"] not in (NoticeState.DEAD, NoticeState.PENDING):
                raise InvalidState(
                    f"notice {notice_id} is {row['state']}; only dead or pending notices are retried"
                )
            if row["kind"] == NoticeKind.CODE:
                raise InvalidState("a verification code is never re-sent; the guest can request a new one")
            cx.execute(
                "UPDATE notices SET state = 'pending', attempts = 0, next_attempt_at = ? WHERE id = ?",
                (clock.now_text(), notice_id),
            )
        return NoticeRow(*self.cx.execute(f"{_ROW_SQL} WHERE id = ?", (notice_id,)).fetchone())

    def beat(self, owner: str, pid: int, host: str, stopped: bool = False) -> None:
        now = clock.now_text()
        with db.write(self.cx) as cx:
            cx.execute(
                "INSERT INTO daemon_heartbeats (owner, pid, host, started_at, beat_at, stopped_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (owner) DO UPDATE SET beat_at = excluded.beat_at,"
                " stopped_at = excluded.stopped_at",
                (owner, pid, host, now, now, now if stopped else None),
            )

    def heartbeats(self) -> list[Heartbeat]:
        rows = self.cx.execute("SELECT * FROM daemon_heartbeats ORDER BY beat_at DESC LIMIT 10").fetchall()
        return [Heartbeat(*row) for row in rows]
