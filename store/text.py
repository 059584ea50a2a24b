"""What user-supplied text may look like: addresses, subjects, bodies, ticket numbers."""

from __future__ import annotations

import re
import unicodedata

from store.errors import UsageError

# Characters that can forge headers, fake the direction of text or hide content.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x85]")
_ADDRESS_FORBIDDEN = re.compile(r"[\s<>()\[\],;:\"\\@]")
_TICKET = re.compile(r"#?([0-9]{1,18})")


def canonical_email(raw: str) -> str:
    """One form per mailbox: NFC, case-folded, trimmed; refuses anything not an address.

    Local parts are case-insensitive at every real provider, and treating them so is what
    lets `Olena@Example.com` and `olena@example.com` be one account.
    """
    text = unicodedata.normalize("NFC", raw.strip()).lower()
    local, at, domain = text.rpartition("@")
    problem = None
    if not at or not local or not domain:
        problem = "needs one @ with a name before it and a domain after it"
    elif len(text) > 254 or len(local) > 64:
        problem = "is too long"
    elif _CONTROL.search(text) or _ADDRESS_FORBIDDEN.search(local) or _ADDRESS_FORBIDDEN.search(domain):
        problem = "has characters an address cannot have"
    elif local.startswith(".") or local.endswith(".") or ".." in local:
        problem = "has a misplaced dot"
    elif "." not in domain or any(
        not label or label.startswith("-") or label.endswith("-") for label in domain.split(".")
    ):
        problem = "has no valid domain"
    if problem:
        raise UsageError(f"invalid e-mail address {printable(raw)!r}: it {problem}")
    return text


def clean_subject(raw: str, limit: int) -> str:
    text = unicodedata.normalize("NFC", raw).strip()
    if not text:
        raise UsageError("the subject is empty")
    if _LINE_BREAKS.search(text) or _CONTROL.search(text) or "\t" in text:
        raise UsageError("the subject must be one line without control characters")
    if len(text) > limit:
        raise UsageError(f"the subject is {len(text)} characters long; the limit is {limit}")
    return text


def clean_body(raw: str, limit: int) -> str:
    """Line endings become \\n; tabs and newlines stay; other control characters are refused."""
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))
    if not text.strip():
        raise UsageError("the message body is empty")
    if _CONTROL.sub("", text.replace("\t", " ")) != text.replace("\t", " "):
        raise UsageError("the message body has control characters")
    if len(text) > limit:
        raise UsageError(f"the message body is {len(text)} characters long; the limit is {limit}")
    return text


def clean_name(raw: str) -> str:
    text = unicodedata.normalize("NFC", raw).strip()
    if _LINE_BREAKS.search(text) or _CONTROL.search(text) or "\t" in text:
        raise UsageError("the name must be one line without control characters")
    if len(text) > 100:
        raise UsageError("the name is longer than 100 characters")
    return text


def ticket_number(raw: str | int) -> int:
    match = _TICKET.fullmatch(str(raw).strip())
    if not match:
        raise UsageError(f"{printable(str(raw))!r} is not a ticket number (like 12345 or #12345)")
    return int(match.group(1))


def printable(text: str, limit: int = 80) -> str:
    """Safe to echo in an error line: control characters shown escaped, length bounded."""
    shown = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text.replace("\n", "\\n").replace("\r", "\\r"))
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
