"""Load: 20 CLI processes writing to one store while a daemon dispatches; the busy timeout."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from tests.conftest import Home
from tests.test_crash import check_store

SUPPORT = str(Path(sys.executable).parent / "support")
WRITERS = 20
REPLIES = 5


def test_twenty_writers_and_a_daemon(team: Home, tmp_path: Path) -> None:
    numbers = [team.create("olena@example.com", f"load {i}") for i in range(WRITERS)]
    daemon = subprocess.Popen([SUPPORT, "daemon", "run"], env=team.env(), stderr=subprocess.DEVNULL)
    writers = [
        subprocess.Popen(
            [
                "bash",
                "-c",
                "; ".join(
                    f'"{SUPPORT}" --as agent@example.com reply {number} --body "reply {k} of {w}"'
                    " || echo FAILED >&2"
                    for k in range(REPLIES)
                ),
            ],
            env=team.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for w, number in enumerate(numbers)
    ]
    time.sleep(0.5)
    backup = team.run("db", "backup", str(tmp_path / "under-load"))
    errors = [w.communicate(timeout=300)[1].decode() for w in writers]
    time.sleep(1)
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=15) == 0
    assert all(e == "" for e in errors), [e for e in errors if e][:3]  # no "database is locked", no failure
    with closing(sqlite3.connect(team.db_path)) as cx:
        replies = cx.execute("SELECT COUNT(*) FROM messages WHERE body LIKE 'reply % of %'").fetchone()[0]
        per_ticket = cx.execute(
            "SELECT COUNT(DISTINCT ticket) FROM messages WHERE body LIKE 'reply % of %'"
        ).fetchone()[0]
        unsent = cx.execute("SELECT COUNT(*) FROM notices WHERE state <> 'sent'").fetchone()[0]
    assert replies == WRITERS * REPLIES and per_ticket == WRITERS  # every update counted, none lost
    assert unsent == 0  # the daemon kept up and delivered everything
    check_store(team, [])
    assert backup.exit_code == 0 and "integrity ok" in backup.stdout
    restored = Home(tmp_path / "restored")
    restored.ok("db", "restore", str(tmp_path / "under-load"))
    check_store(restored, [])


def test_busy_timeout_leaves_a_clear_error_and_nothing_written(team: Home) -> None:
    team.write_config({"store": {"busy_timeout_ms": 5000}})
    number = team.create("olena@example.com")
    before = team.counts()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import sqlite3, time; c = sqlite3.connect({str(team.db_path)!r}, isolation_level=None);"
            " c.execute('BEGIN IMMEDIATE'); print('locked', flush=True);"
            " time.sleep(7); c.execute('ROLLBACK')",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
        started = time.monotonic()
        result = team.refused(1, "--as", "agent@example.com", "reply", str(number), "--body", "waiting")
        waited = time.monotonic() - started
    finally:
        holder.wait(timeout=20)
    assert "the store is busy" in result.stderr and "nothing was changed" in result.stderr
    assert 4.5 < waited < 7
    assert team.counts() == before
    team.ok("--as", "agent@example.com", "reply", str(number), "--body", "now it works")
