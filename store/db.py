"""Connections: the pragmas every connection needs, and transactions that say what they do."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from store.errors import StoreBusy, SupportError

BUSY_TIMEOUT_MS = 10_000


def connect(path: Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN ourselves, so a read-modify-write is never a
        # DEFERRED transaction that fails at once when it upgrades to a write.
        # check_same_thread=False: the daemon closes its per-thread connections from the
        # main thread after the worker threads are done; no connection is shared concurrently.
        cx = sqlite3.connect(
            path, isolation_level=None, timeout=busy_timeout_ms / 1000, check_same_thread=False
        )
        cx.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        mode = _wal(cx, busy_timeout_ms)
        if mode != "wal":
            raise SupportError(f"cannot open the store at {path}: WAL mode unavailable ({mode})")
        cx.execute("PRAGMA synchronous = FULL")
        cx.execute("PRAGMA foreign_keys = ON")
        cx.execute("PRAGMA secure_delete = ON")  # wiped code seals and tokens leave no trace in free pages
    except sqlite3.DatabaseError as error:
        raise SupportError(f"cannot open the store at {path}: {error}") from None
    except OSError as error:
        raise SupportError(f"cannot open the store at {path}: {error.strerror}") from None
    cx.row_factory = sqlite3.Row
    return cx


def _wal(cx: sqlite3.Connection, busy_timeout_ms: int) -> str:
    """WAL is a property of the file: set it once. Switching does not always wait in the busy
    handler (two processes creating a new store at once got "database is locked"), so retry."""
    mode: str = cx.execute("PRAGMA journal_mode").fetchone()[0]
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while mode != "wal":
        try:
            mode = cx.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
        else:
            break
    return mode


@contextmanager
def write(cx: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT: takes the write lock first, waits up to the busy timeout."""
    try:
        cx.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        raise busy_or_error(error) from None
    try:
        yield cx
    except BaseException:
        cx.execute("ROLLBACK")
        raise
    try:
        cx.execute("COMMIT")
    except sqlite3.OperationalError as error:
        cx.execute("ROLLBACK")
        raise busy_or_error(error) from None


@contextmanager
def read(cx: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One snapshot for a read that spans several queries."""
    cx.execute("BEGIN")
    try:
        yield cx
    finally:
        cx.execute("COMMIT")


def busy_or_error(error: sqlite3.OperationalError) -> SupportError:
    text = str(error)
    if "locked" in text or "busy" in text:
        return StoreBusy(
            "the store is busy: another process held it longer than the busy timeout;"
            " nothing was changed, try again"
        )
    if "readonly" in text or "read-only" in text:
        return SupportError(f"the store cannot be written: {text}")
    return SupportError(f"store error: {text}")
