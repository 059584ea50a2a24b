"""`support db backup` while others write, and `support db restore` that respects a live store."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from tests.conftest import Home
from tests.test_attachments import png

SUPPORT = str(Path(sys.executable).parent / "support")
WRITER = """
import sys, time
from store import config
from store.service import Store
s = Store.open(config.load())
a = s.actor_for("olena@example.com")
deadline = time.monotonic() + float(sys.argv[1])
i = 0
while time.monotonic() < deadline:
    n = s.create_ticket(a, f"під навантаженням {i}", "тіло").ticket.number
    s.reply(s.actor_for("agent@example.com"), n, "відповідь")
    i += 1
print(i)
"""


def counts(path: Path) -> tuple[int, int, int, int]:
    with closing(sqlite3.connect(path)) as cx:
        tickets, messages, events, notices = (
            cx.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("tickets", "messages", "events", "notices")
        )
        return tickets, messages, events, notices


def test_backup_under_writes_restores_consistently(team: Home, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    shot.write_bytes(png(seed=7))
    team.ok("--as", "olena@example.com", "create", "--subject", "скрін", "--body", "b", "--attach", str(shot))
    writer = subprocess.Popen([sys.executable, "-c", WRITER, "4"], env=team.env(), stdout=subprocess.PIPE)
    try:
        time.sleep(0.5)
        result = team.ok("db", "backup", str(tmp_path / "backup"))
    finally:
        written = int(writer.communicate(timeout=60)[0])
    assert "integrity ok" in result.stdout and "1 attachment files" in result.stdout
    tickets, messages, events, notices = counts(tmp_path / "backup" / "support.db")
    assert 1 < tickets <= written + 1
    # Whole transactions only: the newest ticket may lack its reply (a later transaction), but
    # every message has its event and every event its notice.
    assert messages in (2 * tickets - 1, 2 * tickets - 2)
    assert events == messages and notices == events
    fresh = Home(tmp_path / "fresh")
    restored = fresh.ok("db", "restore", str(tmp_path / "backup"))
    assert "integrity ok" in restored.stdout
    assert counts(fresh.db_path) == (tickets, messages, events, notices)
    fresh.ok("--as", "olena@example.com", "attachment", "get", "1", "-o", str(tmp_path / "back.png"))
    assert (tmp_path / "back.png").read_bytes() == png(seed=7)
    assert fresh.ok("db", "status", "--json").json()["pending"] == []


def test_backup_refuses_a_folder_in_use(team: Home, tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    (target / "keep.txt").write_text("mine", encoding="utf-8")
    assert "is not empty" in team.refused(1, "db", "backup", str(target)).stderr
    assert [p.name for p in target.iterdir()] == ["keep.txt"]


def test_restore_refusals(team: Home, tmp_path: Path) -> None:
    team.create("olena@example.com")
    team.ok("db", "backup", str(tmp_path / "b"))
    before = counts(team.db_path)
    assert "holds no backup" in team.refused(1, "db", "restore", str(tmp_path)).stderr
    assert "holds tickets; use --force" in team.refused(1, "db", "restore", str(tmp_path / "b")).stderr
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    data = bytearray((tmp_path / "b" / "support.db").read_bytes())
    data[4096 : 4096 + 12] = (
        b"\x0d\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"  # page 2: a nonsense b-tree header
    )
    (corrupt / "support.db").write_bytes(bytes(data))
    result = team.run("db", "restore", str(corrupt), "--force")
    assert result.exit_code == 1 and result.stderr.startswith("Error: ")
    assert counts(team.db_path) == before
    team.ok("db", "restore", str(tmp_path / "b"), "--force")
    assert counts(team.db_path) == before


def test_restore_refuses_a_store_in_use(team: Home, tmp_path: Path) -> None:
    team.create("olena@example.com")
    team.ok("db", "backup", str(tmp_path / "b"))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import sqlite3, time; c = sqlite3.connect({str(team.db_path)!r}); "
            "c.execute('SELECT 1 FROM tickets').fetchall(); print('open', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"open\n"
        result = team.refused(1, "db", "restore", str(tmp_path / "b"), "--force")
        assert "in use by another process" in result.stderr
    finally:
        holder.kill()
        holder.wait()
    daemon = subprocess.Popen([SUPPORT, "daemon", "run"], env=team.env(), stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not team.ok("daemon", "status", "--json").json()["daemons"]:
            time.sleep(0.1)
        result = team.refused(1, "db", "restore", str(tmp_path / "b"), "--force")
        assert "in use" in result.stderr
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=10)
    team.ok("db", "restore", str(tmp_path / "b"), "--force")
