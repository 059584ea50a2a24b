"""Reading what the user hands us: bodies from --body, --body-file FILE or `-`."""

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
    if body_file == "-":
        data = sys.stdin.buffer.read()
        source = "standard input"
    else:
        try:
            data = Path(body_file).read_bytes()
        except FileNotFoundError:
            raise SupportError(f"--body-file {body_file}: no such file") from None
        except IsADirectoryError:
            raise SupportError(f"--body-file {body_file}: is a directory") from None
        except OSError as error:
            raise SupportError(f"--body-file {body_file}: {error.strerror}") from None
        source = body_file
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SupportError(f"{source} is not UTF-8 text (bad byte at offset {error.start})") from None
