"""Crash sweep: a child process writing tickets through the real CLI is killed with SIGKILL at
random points. After every kill the store is whole: integrity and foreign keys hold, every
event has exactly its notices and no notice lacks its event, the search index matches, and
every change the CLI reported as done is there.

The default run is a short seeded sweep; `pytest --crash-iterations 5000` runs a long one.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import time
from contextlib import closing
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.conftest import Home

CUSTOMERS = ("olena@example.com", "bob@example.com")
STAFF = ("agent@example.com", "admin@example.com")


def child(home: Home, seed: int, report_fd: int) -> None:
    """Runs in the forked process: random writes through the CLI, one line per success."""
    rng = random.Random(seed)
    runner = CliRunner()
    out = os.fdopen(report_fd, "w", buffering=1)
    env = home.env()

    def cli(*args: str) -> Any:
        result = runner.invoke(app, list(args), env=env)
        return (
            json.loads(result.stdout)
            if result.exit_code == 0 and result.stdout.startswith(("{", "["))
            else None
        )

    with closing(sqlite3.connect(home.db_path)) as cx:
        tickets = [r[0] for r in cx.execute("SELECT number FROM tickets ORDER BY number DESC LIMIT 50")]
    for step in range(10_000):
        marker = f"op-{seed}-{step}"
        kind = rng.choice(
            ["create", "create", "guest", "staff", "staff", "customer", "note", "status", "assign"]
        )
        number = rng.choice(tickets) if tickets else None
        staff = ("--as", rng.choice(STAFF))
        if kind in ("create", "guest") or number is None:
            who = ("--as", rng.choice(CUSTOMERS)) if kind != "guest" else ()
            extra = ("--guest-email", f"g{seed}@example.net") if kind == "guest" else ()
            done = cli(*who, "create", "--subject", marker, "--body", marker, *extra, "--json")
            if done:
                tickets.append(done["number"])
                out.write(json.dumps({"op": "create", "number": done["number"], "marker": marker}) + "\n")
            continue
        if kind in ("staff", "customer", "note"):
            who = staff if kind != "customer" else ("--as", rng.choice(CUSTOMERS))
            flags = rng.choice([(), ("--request-info",), ("--resolve",)]) if kind == "staff" else ()
            flags += ("--internal",) if kind == "note" else ()
            done = cli(*who, "reply", str(number), "--body", marker, *flags, "--json")
            if done:
                out.write(json.dumps({"op": "message", "number": number, "marker": marker}) + "\n")
                if done["previous_status"] != done["status"]:
                    report_status(out, number, done)
        elif kind == "status":
            target = rng.choice(["open", "in_progress", "answered", "awaiting_info", "resolved", "closed"])
            done = cli(*staff, "status", str(number), target, "--json")
            if done and done["changed"]:
                report_status(out, number, done)
        else:
            done = cli(*staff, "assign", str(number), rng.choice(STAFF), "--json")
            if done:
                out.write(json.dumps({"op": "assign", "number": number, "to": done["assignee"]}) + "\n")


def report_status(out: Any, number: int, done: dict[str, Any]) -> None:
    out.write(
        json.dumps({"op": "status", "number": number, "from": done["previous_status"], "to": done["status"]})
    )
    out.write("\n")


def check_store(home: Home, reported: list[dict[str, Any]]) -> None:
    with closing(sqlite3.connect(home.db_path)) as cx:
        assert cx.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert cx.execute("PRAGMA foreign_key_check").fetchall() == []
        # Every event has exactly the notices the rules give it (no push subscriptions here,
        # so one e-mail or none), and every notice has its event.
        rows = cx.execute(
            "SELECT e.id, e.kind, e.actor_id, t.requester_id, COUNT(n.id) FROM events e"
            " JOIN tickets t ON t.number = e.ticket LEFT JOIN notices n ON n.event_id = e.id GROUP BY e.id"
        ).fetchall()
        for event_id, kind, actor, requester, notices in rows:
            own = actor is not None and actor == requester and kind != "created"
            expected = 0 if kind == "assigned" or own else 1
            assert notices == expected, (event_id, kind, actor, requester, notices)
        assert cx.execute(
            "SELECT COUNT(*) FROM notices WHERE event_id IS NULL AND kind <> 'code'"
        ).fetchone() == (0,)
        assert (
            cx.execute("SELECT COUNT(*) FROM tickets").fetchone()
            == cx.execute("SELECT COUNT(*) FROM tickets_fts").fetchone()
        )
        assert (
            cx.execute("SELECT COUNT(*) FROM messages").fetchone()
            == cx.execute("SELECT COUNT(*) FROM messages_fts").fetchone()
        )
        # Each ticket's status is where its last status event left it.
        drift = cx.execute(
            "SELECT t.number FROM tickets t JOIN events e ON e.id = (SELECT MAX(id) FROM events"
            " WHERE ticket = t.number AND kind IN ('created', 'status')) WHERE e.new <> t.status"
        ).fetchall()
        assert drift == []
        for op in reported:
            if op["op"] == "create":
                assert cx.execute(
                    "SELECT subject FROM tickets WHERE number = ?", (op["number"],)
                ).fetchone() == (op["marker"],)
            elif op["op"] == "message":
                found = cx.execute(
                    "SELECT id, ticket, author_email, internal, created_at FROM messages WHERE body = ?",
                    (op["marker"],),
                ).fetchall()
                assert [row[1] for row in found] == [op["number"]], (op, found)
            elif op["op"] == "status":
                assert (
                    cx.execute(
                        "SELECT COUNT(*) FROM events WHERE ticket = ? AND kind = 'status' AND old = ?"
                        " AND new = ?",
                        (op["number"], op["from"], op["to"]),
                    ).fetchone()[0]
                    >= 1
                )
            elif op["op"] == "assign":
                assert (
                    cx.execute(
                        "SELECT COUNT(*) FROM events WHERE ticket = ? AND kind = 'assigned' AND new = ?",
                        (op["number"], op["to"]),
                    ).fetchone()[0]
                    >= 1
                )


def test_crash_sweep(team: Home, request: pytest.FixtureRequest) -> None:
    iterations = int(request.config.getoption("--crash-iterations"))
    rng = random.Random(20261125)
    team.create("olena@example.com", "seed ticket")
    kills_mid_write = 0
    for iteration in range(iterations):
        seed = iteration * 1_000_003 + rng.randrange(1_000_000)  # drawn here: distinct per child
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            os.close(read_end)
            try:
                child(team, seed, write_end)
            finally:
                os._exit(0)
        os.close(write_end)
        time.sleep(rng.uniform(0.002, 0.06))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        with os.fdopen(read_end) as lines:
            reported = [json.loads(line) for line in lines if line.endswith("\n")]
        kills_mid_write += bool(reported)
        check_store(team, reported)
    with closing(sqlite3.connect(team.db_path)) as cx:
        tickets = cx.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
    assert tickets > iterations // 4  # the children did real work between kills
    assert kills_mid_write > iterations // 4
