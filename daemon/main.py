"""`support daemon run`: APScheduler jobs in the foreground until SIGTERM/SIGINT, or --once.

The first signal stops taking work: the batch in hand finishes (or its untried notices are
released) and the scheduler shuts down; a second signal exits at once. Either way nothing
is lost: a notice is marked sent only after the peer accepted it, and a lease left by a
process that died expires and the notice is claimed again.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from types import FrameType
from typing import Any

from daemon.dispatch import Senders, drain
from store import clock
from store.config import Config
from store.service import Store

log = logging.getLogger("support.daemon")


def setup_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S%z"))
    root = logging.getLogger("support")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False


class Daemon:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.stop = threading.Event()
        self.local = threading.local()
        self.senders = Senders(config)
        self.batch_size = config.number("delivery", "batch_size")
        self._stores: list[Store] = []
        self._lock = threading.Lock()

    def store(self) -> Store:
        """One connection per thread: sqlite3 connections stay in the thread that made them."""
        store: Store | None = getattr(self.local, "store", None)
        if store is None:
            store = Store.open(self.config)
            self.local.store = store
            with self._lock:
                self._stores.append(store)
        return store

    # -- the jobs ------------------------------------------------------------------------

    def dispatch(self) -> int:
        """Send what is due. Idle ticks cost one PRAGMA data_version and a comparison.

        data_version counts commits seen by one connection, so what was last seen is kept
        beside that connection (jobs may run on any pool thread, each with its own)."""
        store = self.store()
        version = store.data_version()
        seen, due = getattr(self.local, "seen", None), getattr(self.local, "due", None)
        if version == seen and (due is None or due > clock.now_text()):
            return 0
        sent = drain(store, self.senders, self.owner, self.batch_size, self.stop)
        self.local.due = store.next_due()
        # The version from before the drain: a commit by anyone else since then, however
        # late in the drain, makes the next tick look again.
        self.local.seen = version
        return sent

    def rules(self) -> None:
        result = self.store().apply_schedule()
        if result.reminded or result.resolved or result.closed:
            log.info(
                "scheduled rules: %d reminded, %d resolved, %d closed",
                result.reminded,
                result.resolved,
                result.closed,
            )

    def cleanup(self) -> None:
        codes, sessions = self.store().purge_guest_secrets()
        orphans = self.store().sweep_orphan_files()
        if codes or sessions or orphans:
            log.info(
                "cleanup: %d expired codes, %d expired sessions and %d orphan files removed",
                codes,
                sessions,
                orphans,
            )

    def heartbeat(self, stopped: bool = False) -> None:
        self.store().beat(self.owner, os.getpid(), socket.gethostname(), stopped)

    # -- running -------------------------------------------------------------------------

    def run_once(self) -> int:
        self.heartbeat()
        self.rules()
        self.cleanup()
        sent = drain(self.store(), self.senders, self.owner, self.batch_size, self.stop)
        self.heartbeat(stopped=True)
        return sent

    def run_forever(self) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler = BackgroundScheduler(timezone="UTC")
        poll = max(self.config.number("delivery", "poll_ms"), 10) / 1000
        start = datetime.now().astimezone()
        jobs: list[tuple[Callable[[], Any], float]] = [
            (self.dispatch, poll),
            (self.rules, 60),
            (self.cleanup, 600),
            (self.heartbeat, 10),
        ]
        for job, seconds in jobs:
            scheduler.add_job(
                self.guarded(job),
                "interval",
                seconds=seconds,
                next_run_time=start,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(int(seconds), 1),
            )
        self.install_signals()
        scheduler.start()
        log.info("daemon %s started (store %s)", self.owner, self.config.db_path)
        try:
            while not self.stop.wait(0.5):
                pass
        finally:
            scheduler.shutdown(wait=True)  # lets the batch in hand finish
            self.heartbeat(stopped=True)
            log.info("daemon %s stopped", self.owner)

    def guarded(self, job: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            if self.stop.is_set():
                return
            try:
                job()
            except Exception as error:  # one failing tick must not kill the daemon
                log.error("%s failed: %s: %s", job.__name__, type(error).__name__, error)

        return run

    def install_signals(self) -> None:
        def handle(signum: int, frame: FrameType | None) -> None:
            if self.stop.is_set():
                os._exit(128 + signum)  # second signal: now; leases make this safe
            log.info("signal %d: finishing the batch in hand, then stopping", signum)
            self.stop.set()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)

    def close(self) -> None:
        self.senders.close()
        with self._lock:
            for store in self._stores:
                store.close()


def run(config: Config, once: bool) -> int:
    setup_logging()
    daemon = Daemon(config)
    try:
        if once:
            sent = daemon.run_once()
            log.info("once: %d notices handled", sent)
        else:
            daemon.run_forever()
    finally:
        daemon.close()
    return 0
