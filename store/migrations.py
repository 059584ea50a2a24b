"""The versioned schema. A step's function name is its identity: never rename or edit one
that has shipped; add a new step instead.

The CLI checks for pending steps with plain sqlite3 (`pending_names`) and imports
sqlite-utils only when there is something to apply, so read paths start fast.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

MIGRATION_SET = "support"
MIGRATIONS_TABLE = "_sqlite_migrations"


def m001_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE accounts (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL DEFAULT '',
            role TEXT NOT NULL CHECK (role IN ('customer', 'agent', 'admin')),
            locale TEXT NOT NULL CHECK (locale IN ('en', 'uk')),
            email_notices INTEGER NOT NULL DEFAULT 1 CHECK (email_notices IN (0, 1)),
            push_notices INTEGER NOT NULL DEFAULT 1 CHECK (push_notices IN (0, 1)),
            created_at TEXT NOT NULL
        );
        CREATE TABLE tickets (
            number INTEGER PRIMARY KEY,
            subject TEXT NOT NULL,
            requester_id INTEGER REFERENCES accounts(id),
            guest_email TEXT,
            locale TEXT NOT NULL CHECK (locale IN ('en', 'uk')),
            assignee_id INTEGER REFERENCES accounts(id),
            status TEXT NOT NULL CHECK (status IN
                ('open', 'in_progress', 'answered', 'awaiting_info', 'resolved', 'closed')),
            link_version INTEGER NOT NULL DEFAULT 1,
            guest_failures INTEGER NOT NULL DEFAULT 0,
            guest_locked_at TEXT,
            reminded_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK ((requester_id IS NULL) <> (guest_email IS NULL))
        );
        CREATE INDEX tickets_by_activity ON tickets (updated_at, number);
        CREATE INDEX tickets_by_requester ON tickets (requester_id, updated_at, number);
        CREATE INDEX tickets_by_guest ON tickets (guest_email, updated_at, number);
        CREATE INDEX tickets_by_assignee ON tickets (assignee_id, updated_at, number);
        CREATE INDEX tickets_by_status ON tickets (status, updated_at, number);
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            ticket INTEGER NOT NULL REFERENCES tickets(number),
            author_id INTEGER REFERENCES accounts(id),
            author_email TEXT NOT NULL,
            internal INTEGER NOT NULL CHECK (internal IN (0, 1)),
            body TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX messages_by_ticket ON messages (ticket, id);
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            ticket INTEGER NOT NULL REFERENCES tickets(number),
            actor_id INTEGER REFERENCES accounts(id),
            actor TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN
                ('created', 'status', 'reply', 'assigned', 'reminder')),
            old TEXT,
            new TEXT,
            message_id INTEGER REFERENCES messages(id),
            created_at TEXT NOT NULL
        );
        CREATE INDEX events_by_ticket ON events (ticket, id);
        CREATE TABLE push_subscriptions (
            id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            endpoint TEXT NOT NULL UNIQUE,
            p256dh TEXT NOT NULL,
            auth TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX push_subscriptions_by_account ON push_subscriptions (account_id);
        CREATE TABLE guest_codes (
            id INTEGER PRIMARY KEY,
            ticket INTEGER NOT NULL REFERENCES tickets(number),
            code_hash TEXT NOT NULL,
            link_version INTEGER NOT NULL,
            tries_left INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT
        );
        CREATE INDEX guest_codes_by_ticket ON guest_codes (ticket, id);
        CREATE TABLE guest_sessions (
            id INTEGER PRIMARY KEY,
            ticket INTEGER NOT NULL REFERENCES tickets(number),
            token_hash TEXT NOT NULL UNIQUE,
            link_version INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        CREATE INDEX guest_sessions_by_expiry ON guest_sessions (expires_at);
        CREATE TABLE notices (
            id INTEGER PRIMARY KEY,
            event_id INTEGER REFERENCES events(id),
            code_id INTEGER REFERENCES guest_codes(id) ON DELETE SET NULL,
            ticket INTEGER NOT NULL REFERENCES tickets(number),
            channel TEXT NOT NULL CHECK (channel IN ('email', 'push')),
            recipient TEXT NOT NULL,
            subscription_id INTEGER REFERENCES push_subscriptions(id) ON DELETE SET NULL,
            kind TEXT NOT NULL CHECK (kind IN ('received', 'status', 'reply', 'reminder', 'code')),
            status TEXT NOT NULL,
            sealed_code TEXT,
            locale TEXT NOT NULL CHECK (locale IN ('en', 'uk')),
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'dead', 'dropped')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            lease_owner TEXT,
            lease_until TEXT,
            last_error TEXT,
            sent_at TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (event_id, channel, recipient),
            CHECK ((event_id IS NULL) <> (kind <> 'code'))
        );
        CREATE INDEX notices_due ON notices (state, next_attempt_at);
        CREATE INDEX notices_by_ticket ON notices (ticket);
        CREATE TABLE daemon_heartbeats (
            owner TEXT PRIMARY KEY,
            pid INTEGER NOT NULL,
            host TEXT NOT NULL,
            started_at TEXT NOT NULL,
            beat_at TEXT NOT NULL,
            stopped_at TEXT
        );
        """
    )


def m002_attachments_and_search(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE blobs (
            sha256 TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            media_type TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE attachments (
            id INTEGER PRIMARY KEY,
            message_id INTEGER NOT NULL REFERENCES messages(id),
            ticket INTEGER NOT NULL REFERENCES tickets(number),
            sha256 TEXT NOT NULL REFERENCES blobs(sha256),
            name TEXT NOT NULL,
            size INTEGER NOT NULL,
            media_type TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX attachments_by_message ON attachments (message_id);
        CREATE INDEX attachments_by_ticket ON attachments (ticket);
        CREATE INDEX attachments_by_blob ON attachments (sha256);
        -- Contentless: the index holds word stems (store/search.py), written by the store
        -- next to each subject and message; the text itself stays in its own table.
        CREATE VIRTUAL TABLE tickets_fts USING fts5(words, content='');
        CREATE VIRTUAL TABLE messages_fts USING fts5(words, content='');
        """
    )
    from store.search import index_words

    # Rows written before this step get their index entries now.
    db.conn.executemany(
        "INSERT INTO tickets_fts (rowid, words) VALUES (?, ?)",
        (
            (number, index_words(subject))
            for number, subject in db.conn.execute("SELECT number, subject FROM tickets")
        ),
    )
    db.conn.executemany(
        "INSERT INTO messages_fts (rowid, words) VALUES (?, ?)",
        ((id_, index_words(body)) for id_, body in db.conn.execute("SELECT id, body FROM messages")),
    )


STEPS = (m001_initial, m002_attachments_and_search)


def step_names() -> tuple[str, ...]:
    return tuple(step.__name__ for step in STEPS)


def applied_names(cx: sqlite3.Connection) -> list[str]:
    try:
        rows = cx.execute(
            f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? ORDER BY rowid",
            (MIGRATION_SET,),
        ).fetchall()
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return []
        raise
    return [row[0] for row in rows]


def pending_names(cx: sqlite3.Connection) -> list[str]:
    done = set(applied_names(cx))
    return [name for name in step_names() if name not in done]


def migrations() -> Any:
    from sqlite_utils.migrations import Migrations

    registry = Migrations(MIGRATION_SET)
    for step in STEPS:
        registry()(step)
    return registry


def apply(cx: sqlite3.Connection, stop_before: str | None = None) -> list[str]:
    """Apply pending steps in one IMMEDIATE transaction, so two processes opening a new
    store at once cannot both migrate; returns the names applied."""
    from sqlite_utils import Database

    db = Database(cx)
    cx.execute("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction, so before BEGIN
    try:
        cx.execute("BEGIN IMMEDIATE")
        try:
            before = set(applied_names(cx))
            migrations().apply(db, stop_before=stop_before)
            after = applied_names(cx)
            problems = cx.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"migration left {len(problems)} dangling references")
            cx.execute("COMMIT")
        except BaseException:
            if cx.in_transaction:
                cx.execute("ROLLBACK")
            raise
    finally:
        cx.execute("PRAGMA foreign_keys = ON")
    return [name for name in after if name not in before]
