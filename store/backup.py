"""Backups: a consistent copy of the store and its attachments while others write, and a
restore that refuses to pull the floor from under a store in use."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

from store import clock, db
from store.attachments import BlobStore
from store.errors import SupportError

Progress = Callable[[int, int], None]  # (pages done, pages in all)
STEP_PAGES = 1024
ALIVE_WITHIN = timedelta(seconds=30)  # three heartbeats


class BackupResult(NamedTuple):
    path: Path
    pages: int
    files: int
    bytes: int


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _integrity(cx: sqlite3.Connection, what: str) -> None:
    result = cx.execute("PRAGMA integrity_check").fetchall()
    if result != [("ok",)]:
        raise SupportError(f"{what} failed the integrity check: {result[0][0]}")
    if cx.execute("PRAGMA foreign_key_check").fetchone() is not None:
        raise SupportError(f"{what} has rows that refer to nothing")


def _copy_blobs(cx: sqlite3.Connection, source: BlobStore, target: BlobStore) -> tuple[int, int]:
    """Copy every file the copied database refers to, checking each hash on the way."""
    hashes = [row[0] for row in cx.execute("SELECT sha256 FROM blobs ORDER BY sha256")]
    total_bytes = 0
    for sha256 in hashes:
        src, dst = source.path(sha256), target.path(sha256)
        if not dst.exists():
            if not src.exists():
                raise SupportError(f"attachment file {sha256[:12]}… is missing from {source.root}")
            dst.parent.mkdir(parents=True, exist_ok=True)
            partial = dst.with_name(f".{sha256}.restore.tmp")
            shutil.copyfile(src, partial)
            if _sha256_of(partial) != sha256:
                partial.unlink()
                raise SupportError(f"attachment file {sha256[:12]}… does not match its hash")
            partial.replace(dst)
        total_bytes += dst.stat().st_size
    return len(hashes), total_bytes


def backup(
    cx: sqlite3.Connection, attachments_dir: Path, destination: Path, progress: Progress | None = None
) -> BackupResult:
    """Copy the store page by page (SQLite's backup API) inside one read transaction, so the
    copy is one consistent snapshot however much others write meanwhile; then its files."""
    if destination.exists() and any(destination.iterdir()):
        raise SupportError(f"{destination} is not empty; back up into a new folder")
    destination.mkdir(parents=True, exist_ok=True)
    target_path = destination / "support.db"
    target = sqlite3.connect(target_path)
    pages = 0
    try:
        with db.read(cx):

            def step(status: int, remaining: int, total: int) -> None:
                nonlocal pages
                pages = total
                if progress:
                    progress(total - remaining, total)

            cx.backup(target, pages=STEP_PAGES, progress=step)
            _integrity(target, "the backup")
            files, size = _copy_blobs(
                target, BlobStore(attachments_dir), BlobStore(destination / "attachments")
            )
    except BaseException:
        target.close()
        shutil.rmtree(destination, ignore_errors=True)
        raise
    target.close()
    return BackupResult(target_path, pages, files, size)


def _live_daemon(cx: sqlite3.Connection) -> str | None:
    try:
        row = cx.execute(
            "SELECT owner FROM daemon_heartbeats WHERE stopped_at IS NULL AND beat_at > ? LIMIT 1",
            (clock.to_text(clock.now() - ALIVE_WITHIN),),
        ).fetchone()
    except sqlite3.OperationalError:
        return None  # an empty or foreign file: no heartbeats table
    return row[0] if row else None


def restore(source_dir: Path, target_path: Path, attachments_dir: Path, force: bool) -> BackupResult:
    source_path = source_dir / "support.db"
    if not source_path.is_file():
        raise SupportError(f"{source_dir} holds no backup (no support.db)")
    if source_path.resolve() == target_path.resolve():
        raise SupportError("the backup and the store are the same file")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    try:
        _integrity(source, "the backup")
        target_path.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(target_path, isolation_level=None, timeout=0)
        try:
            owner = _live_daemon(target)
            if owner:
                raise SupportError(f"the store is in use: daemon {owner} is running; stop it first")
            has_data = target.execute("SELECT 1 FROM sqlite_master WHERE name = 'tickets'").fetchone()
            if has_data and target.execute("SELECT 1 FROM tickets LIMIT 1").fetchone() and not force:
                raise SupportError(
                    f"{target_path} holds tickets; use --force to replace them with the backup"
                )
            try:
                # Leaving WAL mode needs every other connection gone: the surest test of "in use".
                target.execute("PRAGMA journal_mode = DELETE")
            except sqlite3.OperationalError:
                raise SupportError("the store is in use by another process; stop it first") from None
            try:
                attachments = (BlobStore(source_dir / "attachments"), BlobStore(attachments_dir))
                files, size = _copy_blobs(source, *attachments)
                source.backup(target)
            finally:
                target.execute("PRAGMA journal_mode = WAL")
            _integrity(target, "the restored store")
            pages = target.execute("PRAGMA page_count").fetchone()[0]
        finally:
            target.close()
    finally:
        source.close()
    return BackupResult(target_path, pages, files, size)
