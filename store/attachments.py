"""Attachments: what a file is (by its content, never its name), where it lives, and the
rules it must pass. Files are stored once per content hash, outside anything served."""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from store import db
from store.errors import UsageError
from store.text import printable

# The names a type may go by; a name with another known extension is a lie about its content.
EXTENSIONS: dict[str, frozenset[str]] = {
    "image/png": frozenset({"png"}),
    "image/jpeg": frozenset({"jpg", "jpeg", "jpe"}),
    "image/gif": frozenset({"gif"}),
    "image/webp": frozenset({"webp"}),
    "application/pdf": frozenset({"pdf"}),
    "text/plain": frozenset({"txt", "log", "text", "md", "json"}),
    "text/csv": frozenset({"csv", "tsv"}),
}
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff<>:\"|?*]")
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
MAX_NAME = 120


class Upload(NamedTuple):
    """A file as a front end hands it over: the name the user gave, and its bytes."""

    name: str
    data: bytes
    size: int | None = None  # the real size, when `data` was cut short at the limit + 1


class CheckedFile(NamedTuple):
    name: str
    data: bytes
    size: int
    media_type: str
    sha256: str


class Attachment(NamedTuple):
    id: int
    message_id: int
    ticket: int
    name: str
    size: int
    media_type: str
    sha256: str
    internal: bool
    created_at: str


def clean_filename(raw: str) -> str:
    """The name to display and save as: no path, no control or bidi characters, bounded."""
    name = unicodedata.normalize("NFC", raw.replace("\\", "/").rsplit("/", 1)[-1])
    # Control, format (bidi, zero-width, soft hyphen), private-use and unassigned characters,
    # and line separators: none belongs in a name shown to people.
    name = "".join(
        ch
        for ch in name
        if unicodedata.category(ch)[0] != "C" and unicodedata.category(ch) not in ("Zl", "Zp")
    )
    name = _UNSAFE_NAME.sub("", name).strip().lstrip(".").strip()
    if not name:
        return "attachment"
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_NAME - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_NAME]
    return name


def media_type_of(data: bytes) -> str:
    import filetype  # pure Python magic numbers; imported only when a file is attached

    kind = filetype.guess(data[:8192])
    if kind is not None:
        return str(kind.mime)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "application/octet-stream" if _TEXT_CONTROL.search(text) else "text/plain"


def check(upload: Upload, allowed: Sequence[str], max_bytes: int) -> CheckedFile:
    name = clean_filename(upload.name)
    shown = printable(name)
    size = upload.size if upload.size is not None else len(upload.data)
    if size == 0:
        raise UsageError(f"attachment {shown!r} is empty")
    if size > max_bytes:
        raise UsageError(f"attachment {shown!r} is {size} bytes; the limit is {max_bytes} bytes per file")
    media_type = media_type_of(upload.data)
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if media_type == "text/plain" and extension in EXTENSIONS["text/csv"]:
        media_type = "text/csv"
    if media_type not in allowed:
        raise UsageError(f"attachment {shown!r} is {media_type}, which is not allowed")
    claimed = next((kind for kind, names in EXTENSIONS.items() if extension in names), None)
    if extension and claimed != media_type:
        raise UsageError(f"attachment {shown!r}: its content is {media_type}, not what .{extension} says")
    import hashlib

    return CheckedFile(name, upload.data, size, media_type, hashlib.sha256(upload.data).hexdigest())


def check_all(uploads: Sequence[Upload], limits: dict[str, Any]) -> list[CheckedFile]:
    """Every file of one message, checked before anything is written."""
    max_files: int = limits["max_files_per_message"]
    if len(uploads) > max_files:
        raise UsageError(f"{len(uploads)} attachments; the limit is {max_files} per message")
    return [check(upload, limits["allowed_types"], limits["max_file_bytes"]) for upload in uploads]


class BlobStore:
    """Content-addressed files under <data dir>/attachments/ab/<sha256>."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ValueError("not a sha256")
        return self.root / sha256[:2] / sha256

    def put(self, file: CheckedFile) -> bool:
        """Write the file if it is new; True when this call created it."""
        final = self.path(file.sha256)
        if final.exists():
            return False
        final.parent.mkdir(parents=True, exist_ok=True)
        partial = final.with_name(f".{file.sha256}.{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            handle.write(file.data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, final)
        return True

    def sweep(self, cx: sqlite3.Connection, older_than_seconds: float) -> int:
        """Remove files no row refers to: left by a process killed between writing a file and
        committing its row. Only old ones, so a message being written right now keeps its files."""
        if not self.root.exists():
            return 0
        cutoff = time.time() - older_than_seconds
        removed = 0
        for path in self.root.glob("*/*"):
            name = path.name.split(".")[1] if path.name.startswith(".") else path.name
            try:
                if path.stat().st_mtime > cutoff:
                    continue
            except FileNotFoundError:
                continue
            with db.write(cx):
                if (
                    path.name.startswith(".")
                    or not cx.execute("SELECT 1 FROM blobs WHERE sha256 = ?", (name,)).fetchone()
                ):
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed

    def forget_unreferenced(self, cx: sqlite3.Connection, created: Sequence[str]) -> None:
        """After a refused message: remove the files it created that no row refers to.

        Checked under the write lock, so a file another process just committed stays.
        """
        if not created:
            return
        with db.write(cx):
            for sha256 in created:
                if not cx.execute("SELECT 1 FROM blobs WHERE sha256 = ?", (sha256,)).fetchone():
                    with contextlib.suppress(FileNotFoundError):
                        self.path(sha256).unlink()
