"""Writing a file the user named: never over an existing one without force, never through a
symlink, with its permissions set from the first byte."""

from __future__ import annotations

import os
from pathlib import Path

from store.errors import SupportError


def create(path: Path, force: bool, mode: int) -> int:
    """An fd open for writing at `path` (O_EXCL unless `force`, O_NOFOLLOW always)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_TRUNC if force else os.O_EXCL)
    try:
        fd = os.open(path, flags, mode)
    except FileExistsError:
        raise SupportError(f"{path} exists; use --force to overwrite it") from None
    except OSError as error:
        raise SupportError(f"cannot write {path}: {error.strerror}") from None
    os.fchmod(fd, mode)
    return fd
