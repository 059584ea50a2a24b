"""Reading what the user hands us: text from an option, a file, or `-` for standard input."""

from __future__ import annotations

import sys
from pathlib import Path

from store.errors import SupportError, UsageError


def read_body(body: str | None, body_file: str | None) -> str:
    if (body is None) == (body_file is None):
        raise UsageError("give the text with exactly one of --body and --body-file (- for stdin)")
    if body is not None:
        return body
    assert body_file is not None
    return read_text(body_file, "--body-file")


def read_text(path: str, option: str) -> str:
    """UTF-8 text from PATH, or from standard input for `-`; refusals name the option."""
    if path == "-":
        data = sys.stdin.buffer.read()
        source = "standard input"
    else:
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise SupportError(f"{option} {path}: no such file") from None
        except IsADirectoryError:
            raise SupportError(f"{option} {path}: is a directory") from None
        except OSError as error:
            raise SupportError(f"{option} {path}: {error.strerror}") from None
        source = path
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SupportError(f"{source} is not UTF-8 text (bad byte at offset {error.start})") from None
