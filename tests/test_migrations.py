"""The schema, built from a blank database, and the commands that report and apply it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from store import migrations
from tests.conftest import Home

EXPECTED_TABLES = {
    "_sqlite_migrations": "id migration_set name applied_at".split(),
    "accounts": "id email name role locale email_notices push_notices created_at".split(),
    "tickets": (
        "number subject requester_id guest_email locale assignee_id status link_version guest_failures"
        " guest_locked_at reminded_at created_at updated_at"
    ).split(),
    "messages": "id ticket author_id author_email internal body created_at".split(),
    "events": "id ticket actor_id actor kind old new message_id created_at".split(),
    "push_subscriptions": "id account_id endpoint p256dh auth created_at".split(),
    "guest_codes": "id ticket code_hash link_version tries_left created_at expires_at used_at".split(),
    "guest_sessions": "id ticket token_hash link_version created_at expires_at".split(),
    "notices": (
        "id event_id code_id ticket channel recipient subscription_id kind status sealed_code locale state"
        " attempts next_attempt_at lease_owner lease_until last_error sent_at created_at"
    ).split(),
    "daemon_heartbeats": "owner pid host started_at beat_at stopped_at".split(),
    "blobs": "sha256 size media_type created_at".split(),
    "attachments": "id message_id ticket sha256 name size media_type created_at".split(),
    "tickets_fts": ["words"],
    "messages_fts": ["words"],
}
FTS_SHADOWS = {f"{t}_fts_{s}" for t in ("tickets", "messages") for s in ("data", "idx", "docsize", "config")}


def schema(path: Path) -> dict[str, list[str]]:
    with closing(sqlite3.connect(path)) as cx:
        tables = [
            r[0]
            for r in cx.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: [c[1] for c in cx.execute(f"PRAGMA table_info({t})")] for t in tables}


def test_blank_database_gets_exactly_the_schema(home: Home) -> None:
    home.ok("db", "migrate")
    got = schema(home.db_path)
    for table, columns in EXPECTED_TABLES.items():
        assert got.get(table) == columns, table
    assert set(got) == set(EXPECTED_TABLES) | FTS_SHADOWS
    with closing(sqlite3.connect(home.db_path)) as cx:
        assert cx.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        names = [
            r[0]
            for r in cx.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set='support' ORDER BY id"
            )
        ]
    assert names == list(migrations.step_names())


def test_db_status_before_and_after(home: Home) -> None:
    before = home.ok("db", "status", "--json").json()
    assert before["applied"] == [] and before["pending"] == list(migrations.step_names())
    assert before["path"] == str(home.db_path)
    assert "Applied: m001_initial, m002_attachments_and_search." in home.ok("db", "migrate").stdout
    after = home.ok("db", "status", "--json").json()
    assert after["pending"] == [] and after["applied"] == list(migrations.step_names())
    assert home.ok("db", "migrate").stdout.strip() == "The schema is up to date."
    assert "Pending: none" in home.ok("db", "status").stdout


def test_any_command_migrates_a_new_store(home: Home) -> None:
    home.ok("user", "list")
    assert home.ok("db", "status", "--json").json()["pending"] == []


def test_constraints_hold_in_the_database(home: Home) -> None:
    home.ok("db", "migrate")
    with closing(sqlite3.connect(home.db_path)) as cx:
        cx.execute("PRAGMA foreign_keys = ON")
        for bad in (
            "INSERT INTO accounts (email, role, locale, created_at) VALUES ('a@x.io', 'boss', 'en', '')",
            "INSERT INTO tickets (number, subject, locale, status, created_at, updated_at)"
            " VALUES (1, 's', 'en', 'open', '', '')",
            "INSERT INTO messages (ticket, author_email, internal, body, created_at)"
            " VALUES (777, 'a', 0, 'b', '')",
        ):
            try:
                cx.execute(bad)
            except sqlite3.IntegrityError:
                continue
            raise AssertionError(f"accepted: {bad}")


def test_two_processes_opening_a_new_store_at_once(tmp_path: Path) -> None:
    db = tmp_path / "race.db"
    code = (
        "import sys; from store import config; from store.service import Store;"
        f"s = Store.open(config.load(None, {str(db)!r})); s.close()"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE) for _ in range(4)]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    with closing(sqlite3.connect(db)) as cx:
        assert cx.execute("SELECT COUNT(*) FROM _sqlite_migrations").fetchone()[0] == len(migrations.STEPS)


def test_search_index_is_backfilled_for_rows_written_before_it(home: Home) -> None:
    """Stop before m002, write old-shaped rows, then migrate: old tickets are searchable."""
    from store import config, db

    path = config.load().db_path
    cx = db.connect(path)
    migrations.apply(cx, stop_before="m002_attachments_and_search")
    assert migrations.pending_names(cx) == ["m002_attachments_and_search"]
    cx.executescript(
        """
        INSERT INTO accounts (id, email, role, locale, created_at)
            VALUES (1, 'a@example.com', 'agent', 'en', 'x');
        INSERT INTO tickets (number, subject, guest_email, locale, status, created_at, updated_at)
            VALUES (10001, 'Старий квиток про пароль', 'g@example.com', 'uk', 'open',
                    '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z');
        INSERT INTO messages (ticket, author_email, internal, body, created_at)
            VALUES (10001, 'g@example.com', 0, 'Транзакція зависла', '2026-01-01T00:00:00.000000Z');
        """
    )
    cx.close()
    home.ok("db", "migrate")
    found = home.ok("--as", "a@example.com", "list", "--search", "транзакції", "--json").json()
    assert [t["number"] for t in found] == [10001]
    found = home.ok("--as", "a@example.com", "list", "--search", "паролем", "--json").json()
    assert [t["number"] for t in found] == [10001]
