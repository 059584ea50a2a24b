"""The operations the shells call. Each write is one BEGIN IMMEDIATE transaction that writes
the ticket, its event and the notices the event yields together, or nothing."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

from store import attachments, clock, db, lifecycle, migrations, search
from store.attachments import Upload
from store.config import Config
from store.errors import Forbidden, GuestOnlyTicket, NotFound, Refused, SupportError, UsageError
from store.guest import GuestAccess
from store.lifecycle import Reason, ReplyIntent
from store.models import (
    OPEN_STATUSES,
    STAFF_ROLES,
    SYSTEM,
    Account,
    Actor,
    ActorKind,
    AttachmentInfo,
    Created,
    Event,
    EventKind,
    Locale,
    Message,
    Replied,
    Role,
    Status,
    StatusChanged,
    TicketSummary,
    TicketView,
)
from store.notices import Recipient, notices_for
from store.outbox import Outbox
from store.subscriptions import Subscriptions
from store.text import canonical_email, clean_body, clean_name, clean_subject

CLOSED_STATUSES = frozenset(Status) - OPEN_STATUSES

_SUMMARY_SQL = """
    SELECT t.number, t.subject, t.status, t.requester_id, t.guest_email, t.created_at,
           t.updated_at, COALESCE(r.email, t.guest_email) AS requester, a.email AS assignee
    FROM tickets t
    LEFT JOIN accounts r ON r.id = t.requester_id
    LEFT JOIN accounts a ON a.id = t.assignee_id
"""


class TicketFilter(NamedTuple):
    statuses: frozenset[Status] | None = None
    requester: str | None = None
    assignee: str | None = None
    limit: int = 50
    search: str | None = None


class ScheduleResult(NamedTuple):
    reminded: int
    resolved: int
    closed: int


class SchemaStatus(NamedTuple):
    path: str
    applied: tuple[str, ...]
    pending: tuple[str, ...]


class Store(GuestAccess, Outbox, Subscriptions):
    def __init__(self, config: Config, cx: sqlite3.Connection) -> None:
        self.config = config
        self.cx = cx

    @classmethod
    def open(cls, config: Config, migrate: bool = True) -> Store:
        cx = db.connect(config.db_path, config.number("store", "busy_timeout_ms"))
        try:
            if migrate and migrations.pending_names(cx):
                migrations.apply(cx)
        except sqlite3.DatabaseError as error:
            cx.close()
            raise SupportError(f"cannot open the store at {config.db_path}: {error}") from None
        except SupportError:
            cx.close()
            raise
        return cls(config, cx)

    def close(self) -> None:
        self.cx.close()

    # -- schema -------------------------------------------------------------------------

    def schema_status(self) -> SchemaStatus:
        return SchemaStatus(
            str(self.config.db_path),
            tuple(migrations.applied_names(self.cx)),
            tuple(migrations.pending_names(self.cx)),
        )

    def migrate(self) -> list[str]:
        return migrations.apply(self.cx)

    # -- accounts -----------------------------------------------------------------------

    def add_account(self, email: str, name: str, role: Role, locale: Locale) -> Account:
        address = canonical_email(email)
        display = clean_name(name)
        with db.write(self.cx) as cx:
            if cx.execute("SELECT 1 FROM accounts WHERE email = ?", (address,)).fetchone():
                raise SupportError(f"an account for {address} already exists")
            cx.execute(
                "INSERT INTO accounts (email, name, role, locale, created_at) VALUES (?, ?, ?, ?, ?)",
                (address, display, role.value, locale.value, clock.now_text()),
            )
            account = self._account_where("email = ?", address)
        assert account is not None
        return account

    def list_accounts(self) -> list[Account]:
        rows = self.cx.execute("SELECT * FROM accounts ORDER BY email").fetchall()
        return [_account(row) for row in rows]

    def set_preferences(
        self,
        actor: Actor,
        email_notices: bool | None = None,
        push_notices: bool | None = None,
        locale: Locale | None = None,
    ) -> Account:
        account = actor.acting_account("preferences belong to an account")
        changes = {
            "email_notices": None if email_notices is None else int(email_notices),
            "push_notices": None if push_notices is None else int(push_notices),
            "locale": None if locale is None else locale.value,
        }
        with db.write(self.cx) as cx:
            for column, value in changes.items():
                if value is not None:
                    cx.execute(f"UPDATE accounts SET {column} = ? WHERE id = ?", (value, account.id))
            updated = self._account_where("id = ?", account.id)
        assert updated is not None
        return updated

    def actor_for(self, email: str | None) -> Actor:
        """The acting identity for --as EMAIL; no --as means the operator."""
        if email is None:
            return Actor(ActorKind.OPERATOR)
        account = self._account_where("email = ?", canonical_email(email))
        if account is None:
            raise Refused(f"no account for --as {canonical_email(email)}; add it with `support user add`")
        return Actor(ActorKind.STAFF if account.is_staff else ActorKind.CUSTOMER, account=account)

    @staticmethod
    def require_operator(actor: Actor) -> None:
        """Operator commands: whoever runs the CLI with no identity, or an admin."""
        if actor.kind is ActorKind.OPERATOR:
            return
        if actor.account is not None and actor.account.role is Role.ADMIN:
            return
        if actor.kind is ActorKind.GUEST:
            raise GuestOnlyTicket()
        raise Forbidden("only the operator (no --as) or an admin may do this")

    def _account_where(self, where: str, value: object) -> Account | None:
        row = self.cx.execute(f"SELECT * FROM accounts WHERE {where}", (value,)).fetchone()
        return _account(row) if row else None

    # -- tickets ------------------------------------------------------------------------

    def create_ticket(
        self,
        actor: Actor,
        subject: str,
        body: str,
        guest_email: str | None = None,
        guest_locale: Locale = Locale.EN,
        uploads: Sequence[Upload] = (),
    ) -> Created:
        limits = self.config.values["limits"]
        subject = clean_subject(subject, limits["subject_max_chars"])
        body = clean_body(body, limits["body_max_chars"])
        files = attachments.check_all(uploads, self.config.values["attachments"])
        if actor.kind is ActorKind.GUEST:
            raise GuestOnlyTicket()
        if guest_email is not None:
            if actor.kind is not ActorKind.OPERATOR:
                raise UsageError("--guest-email is for guests: leave out --as")
            requester_id, guest, locale, author = (
                None,
                canonical_email(guest_email),
                guest_locale,
                None,
            )
        else:
            account = actor.account
            if account is None:
                raise UsageError("create needs --as EMAIL, or --guest-email for a guest")
            requester_id, guest, locale, author = account.id, None, account.locale, account
        now = clock.now_text()
        with self._files_stored(files), db.write(self.cx) as cx:
            other_open = self._open_tickets_of(requester_id, guest)
            number = cx.execute("SELECT COALESCE(MAX(number), 10000) + 1 FROM tickets").fetchone()[0]
            cx.execute(
                "INSERT INTO tickets (number, subject, requester_id, guest_email, locale, status,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'open', ?, ?)",
                (number, subject, requester_id, guest, locale.value, now, now),
            )
            cx.execute(
                "INSERT INTO tickets_fts (rowid, words) VALUES (?, ?)", (number, search.index_words(subject))
            )
            message_id = self._insert_message(number, author, guest, body, internal=False, now=now)
            infos = self._attach(number, message_id, files, now)
            self._record_event(
                number,
                actor if author else Actor(ActorKind.GUEST, guest_email=guest),
                EventKind.CREATED,
                None,
                None,
                Status.OPEN.value,
                message_id,
                now,
            )
            summary = self._summary(number, actor)
        return Created(summary, tuple(other_open), infos)

    def _open_tickets_of(self, requester_id: int | None, guest: str | None) -> list[int]:
        column, value = ("requester_id", requester_id) if requester_id is not None else ("guest_email", guest)
        placeholders = ",".join("?" * len(OPEN_STATUSES))
        rows = self.cx.execute(
            f"SELECT number FROM tickets WHERE {column} = ? AND status IN ({placeholders})"
            " ORDER BY updated_at DESC, number DESC LIMIT 10",
            (value, *sorted(OPEN_STATUSES)),
        ).fetchall()
        return [row[0] for row in rows]

    def list_tickets(self, actor: Actor, wanted: TicketFilter) -> list[TicketSummary]:
        where: list[str] = []
        params: list[Any] = []
        if actor.kind is ActorKind.STAFF:
            pass
        elif actor.kind is ActorKind.CUSTOMER and actor.account is not None:
            where.append("t.requester_id = ?")
            params.append(actor.account.id)
            if wanted.assignee is not None:
                raise Forbidden("only staff may filter by assignee")
        elif actor.kind is ActorKind.GUEST and actor.guest_ticket is not None:
            where.append("t.number = ?")
            params.append(actor.guest_ticket)
        else:
            raise UsageError("list needs --as EMAIL (or a guest session)")
        if wanted.statuses is not None:
            where.append(f"t.status IN ({','.join('?' * len(wanted.statuses))})")
            params.extend(sorted(wanted.statuses))
        if wanted.requester is not None:
            address = canonical_email(wanted.requester)
            where.append("(t.requester_id = (SELECT id FROM accounts WHERE email = ?) OR t.guest_email = ?)")
            params.extend([address, address])
        if wanted.assignee is not None:
            where.append("t.assignee_id = (SELECT id FROM accounts WHERE email = ?)")
            params.append(canonical_email(wanted.assignee))
        sql, order = _SUMMARY_SQL, "t.updated_at DESC, t.number DESC"
        if wanted.search is not None:
            terms = search.fts_terms(wanted.search)
            allowed: set[int] | None = None
            scope: list[int] = []
            if not actor.is_staff or wanted.requester is not None:
                # A customer's, a guest's or one requester's tickets, newest first.
                scope = [
                    row[0]
                    for row in self.cx.execute(
                        "SELECT t.number FROM tickets t"
                        + (" WHERE " + " AND ".join(where) if where else "")
                        + " ORDER BY t.updated_at DESC",
                        params,
                    )
                ]
                allowed = set(scope)
            hits, complete = search.recent_matches(self.cx, terms, actor.is_staff, allowed)
            if allowed is not None and not complete:
                # Only common words: the scope's own newest tickets may hold matches that
                # everybody's newest postings crowded out.
                hits |= search.search_tickets(self.cx, terms, scope[: search.CHECK_AT_MOST], actor.is_staff)
            sql = (
                "WITH best (number, score) AS (SELECT json_extract(value, '$[0]'),"
                " json_extract(value, '$[1]') FROM json_each(?)) "
                + _SUMMARY_SQL
                + " JOIN best ON best.number = t.number"
            )
            params = [json.dumps(list(hits.items())), *params]
            order = "best.score DESC, " + order
        sql += (" WHERE " + " AND ".join(where) if where else "") + f" ORDER BY {order}"
        if wanted.limit > 0:
            sql += f" LIMIT {int(wanted.limit)}"
        rows = self.cx.execute(sql, params).fetchall()
        return [_summary(row, actor.is_staff) for row in rows]

    def view_ticket(self, actor: Actor, number: int) -> TicketView:
        with db.read(self.cx) as cx:
            self._visible_row(actor, number)
            summary = self._summary(number, actor)
            internal_filter = "" if actor.is_staff else " AND m.internal = 0"
            messages = cx.execute(
                "SELECT m.id, m.author_email, m.body, m.internal, m.created_at,"
                " COALESCE(a.name, '') AS name, COALESCE(a.role, 'guest') AS role"
                " FROM messages m LEFT JOIN accounts a ON a.id = m.author_id"
                f" WHERE m.ticket = ?{internal_filter} ORDER BY m.id",
                (number,),
            ).fetchall()
            files: dict[int, list[AttachmentInfo]] = {}
            for a in cx.execute(
                "SELECT id, message_id, name, size, media_type, sha256 FROM attachments"
                " WHERE ticket = ? ORDER BY id",
                (number,),
            ):
                files.setdefault(a[1], []).append(AttachmentInfo(a[0], a[2], a[3], a[4], a[5]))
            kinds_hidden = "" if actor.is_staff else " AND kind <> 'assigned'"
            events = cx.execute(
                f"SELECT * FROM events WHERE ticket = ?{kinds_hidden} ORDER BY id", (number,)
            ).fetchall()
        return TicketView(
            summary,
            tuple(
                Message(
                    m["id"],
                    m["author_email"],
                    m["name"],
                    m["role"],
                    m["body"],
                    bool(m["internal"]),
                    m["created_at"],
                    tuple(files.get(m["id"], ())),
                )
                for m in messages
            ),
            tuple(
                Event(e["id"], EventKind(e["kind"]), e["actor"], e["old"], e["new"], e["created_at"])
                for e in events
            ),
        )

    def reply(
        self,
        actor: Actor,
        number: int,
        body: str,
        internal: bool = False,
        intent: ReplyIntent = ReplyIntent.ANSWER,
        uploads: Sequence[Upload] = (),
    ) -> Replied:
        body = clean_body(body, self.config.values["limits"]["body_max_chars"])
        files = attachments.check_all(uploads, self.config.values["attachments"])
        now = clock.now_text()
        with self._files_stored(files), db.write(self.cx):
            row = self._visible_row(actor, number)
            current = Status(row["status"])
            target = lifecycle.reply_target(actor, current, intent, internal)
            guest = actor.guest_email if actor.kind is ActorKind.GUEST else None
            message_id = self._insert_message(number, actor.account, guest, body, internal, now)
            infos = self._attach(number, message_id, files, now)
            notices = 0
            if internal:
                pass  # staff-only: no event, no notice, no visible activity
            elif target is not current:
                reason = Reason.STAFF_REPLY if actor.is_staff else Reason.CUSTOMER_REPLY
                notices = self._change_status(number, actor, current, target, reason, message_id, now)
            elif actor.is_staff:
                notices = self._record_event(
                    number,
                    actor,
                    EventKind.REPLY,
                    Reason.STAFF_REPLY,
                    current.value,
                    target.value,
                    message_id,
                    now,
                )
                self._touch(number, now)
            else:
                self._touch(number, now)
            summary = self._summary(number, actor)
        return Replied(summary, message_id, current, notices, infos)

    def set_status(self, actor: Actor, number: int, wanted: Status) -> StatusChanged:
        now = clock.now_text()
        with db.write(self.cx):
            row = self._visible_row(actor, number)
            current = Status(row["status"])
            target = lifecycle.staff_target(actor, current, wanted)
            if target is not current:
                self._change_status(number, actor, current, target, Reason.STAFF_SET, None, now)
            summary = self._summary(number, actor)
        return StatusChanged(summary, current, target is not current)

    def assign(self, actor: Actor, number: int, assignee_email: str) -> TicketSummary:
        address = canonical_email(assignee_email)
        now = clock.now_text()
        with db.write(self.cx) as cx:
            row = self._visible_row(actor, number)
            if not actor.is_staff:
                raise Forbidden("only staff may assign tickets")
            lifecycle.ensure_writable(Status(row["status"]))
            assignee = self._account_where("email = ?", address)
            if assignee is None or assignee.role not in STAFF_ROLES:
                raise NotFound("staff account", address)
            if row["assignee_id"] != assignee.id:
                old = cx.execute("SELECT email FROM accounts WHERE id = ?", (row["assignee_id"],)).fetchone()
                cx.execute("UPDATE tickets SET assignee_id = ? WHERE number = ?", (assignee.id, number))
                self._record_event(
                    number,
                    actor,
                    EventKind.ASSIGNED,
                    None,
                    old[0] if old else None,
                    address,
                    None,
                    now,
                )
            summary = self._summary(number, actor)
        return summary

    # -- the scheduled rules (run by the daemon) --------------------------------------------

    def apply_schedule(self) -> ScheduleResult:
        """Remind, resolve and close silent tickets, each in its own transaction.

        Each candidate is re-checked inside its transaction, so two daemons (or cron and a
        daemon) never remind or move a ticket twice.
        """
        rules = self.config.values["rules"]
        now = clock.now()
        cutoff = {
            "remind": clock.to_text(now - timedelta(days=rules["remind_after_days"])),
            "resolve": clock.to_text(now - timedelta(days=rules["resolve_after_days"])),
            "close": clock.to_text(now - timedelta(days=rules["close_after_days"])),
        }
        due_sql = {
            "resolve": "status = 'awaiting_info' AND updated_at <= :resolve",
            "remind": "status = 'awaiting_info' AND updated_at <= :remind AND updated_at > :resolve"
            " AND (reminded_at IS NULL OR reminded_at < updated_at)",
            "close": "status = 'resolved' AND updated_at <= :close",
        }
        done = {"remind": 0, "resolve": 0, "close": 0}
        for rule, condition in due_sql.items():
            numbers = [r[0] for r in self.cx.execute(f"SELECT number FROM tickets WHERE {condition}", cutoff)]
            for number in numbers:
                with db.write(self.cx) as cx:
                    if not cx.execute(
                        f"SELECT 1 FROM tickets WHERE number = :n AND {condition}", {**cutoff, "n": number}
                    ).fetchone():
                        continue  # another process got there first
                    stamp = clock.now_text()
                    if rule == "remind":
                        cx.execute("UPDATE tickets SET reminded_at = ? WHERE number = ?", (stamp, number))
                        self._record_event(
                            number, SYSTEM, EventKind.REMINDER, Reason.SCHEDULE, None, None, None, stamp
                        )
                    else:
                        current = Status(
                            cx.execute("SELECT status FROM tickets WHERE number = ?", (number,)).fetchone()[0]
                        )
                        target = lifecycle.scheduled_target(current)
                        assert target is not None
                        self._change_status(number, SYSTEM, current, target, Reason.SCHEDULE, None, stamp)
                done[rule] += 1
        return ScheduleResult(done["remind"], done["resolve"], done["close"])

    # -- attachments -----------------------------------------------------------------------

    @contextmanager
    def _files_stored(self, files: Sequence[attachments.CheckedFile]) -> Iterator[None]:
        """Files go into place before their rows commit; if the rows never commit, the files
        this call created are removed again (unless another message now refers to them)."""
        blobs = attachments.BlobStore(self.config.attachments_dir)
        created: list[str] = []
        try:
            for file in files:
                if blobs.put(file):
                    created.append(file.sha256)
            yield
        except BaseException:
            blobs.forget_unreferenced(self.cx, created)
            raise

    def _attach(
        self, number: int, message_id: int, files: Sequence[attachments.CheckedFile], now: str
    ) -> tuple[AttachmentInfo, ...]:
        if not files:
            return ()
        limit = self.config.values["attachments"]["max_ticket_bytes"]
        used = self.cx.execute(
            "SELECT COALESCE(SUM(size), 0) FROM attachments WHERE ticket = ?", (number,)
        ).fetchone()[0]
        adding = sum(f.size for f in files)
        if used + adding > limit:
            raise UsageError(
                f"the ticket would hold {used + adding} bytes of attachments;"
                f" the limit is {limit} bytes per ticket"
            )
        infos = []
        for file in files:
            self.cx.execute(
                "INSERT OR IGNORE INTO blobs (sha256, size, media_type, created_at) VALUES (?, ?, ?, ?)",
                (file.sha256, file.size, file.media_type, now),
            )
            cursor = self.cx.execute(
                "INSERT INTO attachments (message_id, ticket, sha256, name, size, media_type, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (message_id, number, file.sha256, file.name, file.size, file.media_type, now),
            )
            assert cursor.lastrowid is not None
            infos.append(AttachmentInfo(cursor.lastrowid, file.name, file.size, file.media_type, file.sha256))
        return tuple(infos)

    def list_attachments(self, actor: Actor, number: int) -> list[attachments.Attachment]:
        with db.read(self.cx):
            self._visible_row(actor, number)
            internal_filter = "" if actor.is_staff else " AND m.internal = 0"
            rows = self.cx.execute(
                "SELECT a.id, a.message_id, a.ticket, a.name, a.size, a.media_type, a.sha256, m.internal,"
                " a.created_at FROM attachments a JOIN messages m ON m.id = a.message_id"
                f" WHERE a.ticket = ?{internal_filter} ORDER BY a.id",
                (number,),
            ).fetchall()
        return [_attachment(row) for row in rows]

    def sweep_orphan_files(self, older_than_seconds: float = 3600) -> int:
        return attachments.BlobStore(self.config.attachments_dir).sweep(self.cx, older_than_seconds)

    def open_attachment(self, actor: Actor, attachment_id: int) -> tuple[attachments.Attachment, Path]:
        """The attachment and its file, for whoever may view its message; else NotFound."""
        row = self.cx.execute(
            "SELECT a.id, a.message_id, a.ticket, a.name, a.size, a.media_type, a.sha256, m.internal,"
            " a.created_at FROM attachments a JOIN messages m ON m.id = a.message_id WHERE a.id = ?",
            (attachment_id,),
        ).fetchone()
        try:
            if row is None or (row[7] and not actor.is_staff):
                raise NotFound
            self._visible_row(actor, row[2])
        except NotFound:
            raise NotFound("attachment", attachment_id) from None
        found = _attachment(row)
        return found, attachments.BlobStore(self.config.attachments_dir).path(found.sha256)

    # -- the pieces every write shares ----------------------------------------------------

    def _visible_row(self, actor: Actor, number: int) -> sqlite3.Row:
        """The ticket row if `actor` may see it; otherwise the same NotFound as a missing one."""
        if actor.kind is ActorKind.OPERATOR:
            raise UsageError("this command needs --as EMAIL (or --guest-session)")
        row: sqlite3.Row | None = self.cx.execute(
            "SELECT * FROM tickets WHERE number = ?", (number,)
        ).fetchone()
        if row is None or not _may_see(actor, row):
            raise NotFound("ticket", f"#{number}")
        return row

    def _summary(self, number: int, actor: Actor) -> TicketSummary:
        row = self.cx.execute(_SUMMARY_SQL + " WHERE t.number = ?", (number,)).fetchone()
        return _summary(row, actor.is_staff)

    def _insert_message(
        self,
        number: int,
        author: Account | None,
        guest: str | None,
        body: str,
        internal: bool,
        now: str,
    ) -> int:
        email = author.email if author else guest
        if email is None:
            raise Forbidden("only staff, the requester or their guest session may write to a ticket")
        cursor = self.cx.execute(
            "INSERT INTO messages (ticket, author_id, author_email, internal, body, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (number, author.id if author else None, email, int(internal), body, now),
        )
        assert cursor.lastrowid is not None
        self.cx.execute(
            "INSERT INTO messages_fts (rowid, words) VALUES (?, ?)",
            (cursor.lastrowid, search.index_words(body)),
        )
        return cursor.lastrowid

    def _touch(self, number: int, now: str) -> None:
        self.cx.execute("UPDATE tickets SET updated_at = ? WHERE number = ?", (now, number))

    def _change_status(
        self,
        number: int,
        actor: Actor,
        old: Status,
        new: Status,
        reason: Reason,
        message_id: int | None,
        now: str,
    ) -> int:
        if old is new:
            return 0  # a change to the same status is no change: no event, no notice
        self.cx.execute(
            "UPDATE tickets SET status = ?, updated_at = ?, reminded_at = NULL WHERE number = ?",
            (new.value, now, number),
        )
        return self._record_event(
            number, actor, EventKind.STATUS, reason, old.value, new.value, message_id, now
        )

    def _record_event(
        self,
        number: int,
        actor: Actor,
        kind: EventKind,
        reason: Reason | None,
        old: str | None,
        new: str | None,
        message_id: int | None,
        now: str,
    ) -> int:
        """Write one event and the notices it yields; returns how many notices."""
        cursor = self.cx.execute(
            "INSERT INTO events (ticket, actor_id, actor, kind, old, new, message_id, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                number,
                actor.account.id if actor.account else None,
                actor.label,
                kind.value,
                old,
                new,
                message_id,
                now,
            ),
        )
        event_id = cursor.lastrowid
        recipient, status = self._recipient(number)
        specs = notices_for(kind, reason, status, recipient, actor.account.id if actor.account else None)
        self.cx.executemany(
            "INSERT INTO notices (event_id, ticket, channel, recipient, subscription_id, kind, status,"
            " locale, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    event_id,
                    number,
                    s.channel.value,
                    s.recipient,
                    s.subscription_id,
                    s.kind.value,
                    s.status.value,
                    s.locale.value,
                    now,
                    now,
                )
                for s in specs
            ],
        )
        return len(specs)

    def _recipient(self, number: int) -> tuple[Recipient, Status]:
        """Who hears of the ticket's events, and the status it is in now."""
        row = self.cx.execute(
            "SELECT t.guest_email, t.locale AS ticket_locale, t.status AS ticket_status, a.* FROM tickets t"
            " LEFT JOIN accounts a ON a.id = t.requester_id WHERE t.number = ?",
            (number,),
        ).fetchone()
        status = Status(row["ticket_status"])
        if row["guest_email"] is not None:
            return Recipient(
                row["guest_email"], Locale(row["ticket_locale"]), True, None, True, False, ()
            ), status
        subscriptions = self.cx.execute(
            "SELECT id FROM push_subscriptions WHERE account_id = ? ORDER BY id", (row["id"],)
        ).fetchall()
        recipient = Recipient(
            row["email"],
            Locale(row["locale"]),
            False,
            row["id"],
            bool(row["email_notices"]),
            bool(row["push_notices"]),
            tuple(s[0] for s in subscriptions),
        )
        return recipient, status


def _may_see(actor: Actor, row: sqlite3.Row) -> bool:
    if actor.kind is ActorKind.STAFF:
        return True
    if actor.kind is ActorKind.CUSTOMER and actor.account is not None:
        return bool(row["requester_id"] == actor.account.id)
    if actor.kind is ActorKind.GUEST:
        return bool(row["number"] == actor.guest_ticket)
    return False


def _attachment(row: sqlite3.Row) -> attachments.Attachment:
    return attachments.Attachment(
        id=row[0],
        message_id=row[1],
        ticket=row[2],
        name=row[3],
        size=row[4],
        media_type=row[5],
        sha256=row[6],
        internal=bool(row[7]),
        created_at=row[8],
    )


def _account(row: sqlite3.Row) -> Account:
    return Account(
        row["id"],
        row["email"],
        row["name"],
        Role(row["role"]),
        Locale(row["locale"]),
        bool(row["email_notices"]),
        bool(row["push_notices"]),
        row["created_at"],
    )


def _summary(row: sqlite3.Row, staff: bool) -> TicketSummary:
    return TicketSummary(
        number=row["number"],
        subject=row["subject"],
        status=Status(row["status"]),
        requester=row["requester"],
        requester_is_guest=row["guest_email"] is not None,
        # Which agent holds a ticket is the team's business, not the customer's.
        assignee=row["assignee"] if staff else None,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def statuses_for(open_only: bool, closed_only: bool, status: Status | None) -> frozenset[Status] | None:
    chosen = [flag for flag in (open_only, closed_only, status is not None) if flag]
    if len(chosen) > 1:
        raise UsageError("use one of --open, --closed and --status")
    if open_only:
        return OPEN_STATUSES
    if closed_only:
        return CLOSED_STATUSES
    return frozenset({status}) if status is not None else None
