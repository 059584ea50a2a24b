"""The daemon as a real process: signals, a crash mid-batch, two daemons on one store."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from daemon.dispatch import GROUP
from store import config
from store.service import Store
from tests.conftest import Home, smtp_config
from tests.peers import SmtpPeer

SUPPORT = str(Path(sys.executable).parent / "support")


def fill(home: Home, tickets: int) -> None:
    """Many tickets (and so many notices), through the store's own API."""
    store = Store.open(config.load())
    try:
        actor = store.actor_for("bob@example.com")
        for i in range(tickets):
            store.create_ticket(actor, f"Problem {i}", "body")
    finally:
        store.close()


def start(home: Home, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([SUPPORT, "daemon", "run", *args], env=home.env(), stderr=subprocess.PIPE)


def wait_until(predicate: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError("timed out")


def configure(home: Home, smtp: SmtpPeer, lease: int = 60) -> None:
    home.write_config(
        {"email": smtp_config(smtp), "delivery": {"lease_seconds": lease, "poll_ms": 50, "batch_size": 20}}
    )


def test_sigterm_finishes_the_batch_and_loses_nothing(team: Home, smtp: SmtpPeer) -> None:
    configure(team, smtp)
    fill(team, 120)
    smtp.delay = 0.01
    daemon = start(team)
    try:
        wait_until(lambda: len(smtp.received) >= 10)
        began = time.monotonic()
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=10) == 0
        assert time.monotonic() - began < 10
    finally:
        daemon.kill()
        log = daemon.stderr.read().decode() if daemon.stderr else ""
    assert "finishing the batch in hand" in log and "stopped" in log
    assert team.count_where("notices", "state = 'sending'") == 0
    delivered_before = len(smtp.received)
    assert delivered_before < 120
    smtp.delay = 0
    team.deliver()
    ids = smtp.message_ids()
    assert len(ids) == 120 and len(set(ids)) == 120
    assert team.count_where("notices", "state = 'sent'") == 120


def test_second_signal_exits_at_once(team: Home, smtp: SmtpPeer) -> None:
    configure(team, smtp, lease=1)
    fill(team, 30)
    smtp.delay = 30  # the first message hangs: a graceful stop would wait for it
    daemon = start(team)
    try:
        wait_until(lambda: team.count_where("notices", "state = 'sending'") > 0)
        time.sleep(0.2)
        daemon.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        assert daemon.poll() is None  # still finishing the message in hand
        began = time.monotonic()
        daemon.send_signal(signal.SIGINT)
        assert daemon.wait(timeout=5) == 128 + signal.SIGINT
        assert time.monotonic() - began < 2
    finally:
        daemon.kill()
    smtp.delay = 0
    time.sleep(1.1)  # the lease of what was in hand expires
    team.deliver()
    ids = smtp.message_ids()
    assert len(ids) == 30 and len(set(ids)) == 30


def test_sigkill_mid_batch_then_restart_delivers_everything(team: Home, smtp: SmtpPeer) -> None:
    configure(team, smtp, lease=1)
    fill(team, 100)
    smtp.delay = 0.01
    daemon = start(team)
    try:
        wait_until(lambda: len(smtp.received) >= 15)
        os.kill(daemon.pid, signal.SIGKILL)
        daemon.wait(timeout=5)
    finally:
        daemon.kill()
    assert team.count_where("notices", "state = 'sending'") > 0  # leases left behind
    smtp.delay = 0
    time.sleep(1.1)
    team.deliver()
    ids = Counter(smtp.message_ids())
    assert len(ids) == 100
    duplicates = sum(count - 1 for count in ids.values())
    assert duplicates <= GROUP  # only sends not yet recorded when it died, with the same Message-ID
    assert all(count <= 2 for count in ids.values())
    assert team.count_where("notices", "state = 'sent'") == 100


def test_two_daemons_never_send_one_notice_twice(team: Home, smtp: SmtpPeer) -> None:
    configure(team, smtp)
    fill(team, 200)
    daemons = [start(team), start(team)]
    try:
        wait_until(lambda: len(smtp.received) >= 200, timeout=60)
        time.sleep(0.3)
    finally:
        for daemon in daemons:
            daemon.send_signal(signal.SIGTERM)
        codes = [daemon.wait(timeout=10) for daemon in daemons]
    assert codes == [0, 0]
    ids = smtp.message_ids()
    assert len(ids) == 200 and len(set(ids)) == 200
    owners = team.sql("SELECT COUNT(*) FROM daemon_heartbeats WHERE stopped_at IS NOT NULL")
    assert owners == [(2,)]


def test_repeated_sigkills_at_random_points(
    team: Home, smtp: SmtpPeer, request: pytest.FixtureRequest
) -> None:
    """Kill the daemon again and again mid-batch; restart it each time. Everything arrives;
    a duplicate only ever comes from a kill's window, with the same Message-ID."""
    kills = 3 if not request.config.getoption("--slow") else 20
    configure(team, smtp, lease=1)
    fill(team, 150)
    smtp.delay = 0.005
    rng = random.Random(7)
    for _ in range(kills):
        daemon = start(team)
        try:
            time.sleep(rng.uniform(0.4, 0.9))
            os.kill(daemon.pid, signal.SIGKILL)
            daemon.wait(timeout=5)
        finally:
            daemon.kill()
        time.sleep(1.1)  # leases expire
    smtp.delay = 0
    team.deliver()
    ids = Counter(smtp.message_ids())
    assert len(ids) == 150
    assert sum(count - 1 for count in ids.values()) <= GROUP * kills
    assert team.count_where("notices", "state = 'sent'") == 150
