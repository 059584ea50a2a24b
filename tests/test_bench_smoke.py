"""The benchmark's generator builds a valid store through the real schema (timings are never
asserted: `make bench` measures them)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from bench import generate
from tests.conftest import Home


def test_generated_store_is_whole_and_usable(home: Home, tmp_path: Path) -> None:
    path = tmp_path / "bench.db"
    generate.build(path, 300, quiet=True)
    counts = generate.sizes(path)
    assert counts["tickets"] == 300 and counts["messages"] >= 400
    with closing(sqlite3.connect(path)) as cx:
        assert cx.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert cx.execute("PRAGMA foreign_key_check").fetchall() == []
        assert (
            cx.execute("SELECT COUNT(*) FROM messages").fetchone()
            == cx.execute("SELECT COUNT(*) FROM messages_fts").fetchone()
        )
        assert cx.execute(
            "SELECT COUNT(*) FROM messages WHERE ticket = ?", (generate.BIG_TICKET,)
        ).fetchone() == (100,)
        statuses = {row[0] for row in cx.execute("SELECT DISTINCT status FROM tickets")}
    assert statuses == {"open", "in_progress", "answered", "awaiting_info", "resolved", "closed"}
    found = home.ok(
        "--db", str(path), "--as", generate.BENCH_STAFF, "list", "--search", generate.VERY_COMMON, "--json"
    )
    assert found.json()
    view = home.ok(
        "--db", str(path), "--as", generate.BENCH_CUSTOMER, "view", str(generate.BIG_TICKET), "--json"
    )
    assert len(view.json()["messages"]) >= 80  # the customer does not see internal notes
