"""The one source of "now" for every rule, so tests can move time without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_fixed: datetime | None = None


def now() -> datetime:
    return _fixed if _fixed is not None else datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    """Freeze the clock at `moment` (None: real time again). For tests and benchmarks."""
    global _fixed
    _fixed = moment


def advance(delta: timedelta) -> datetime:
    global _fixed
    _fixed = now() + delta
    return _fixed


def to_text(moment: datetime) -> str:
    """Stored and printed form: RFC 3339 UTC with fixed width, so text order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_text(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def now_text() -> str:
    return to_text(now())
