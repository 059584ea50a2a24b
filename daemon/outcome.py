"""What a sender reports. Senders only classify; the store decides what happens next."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Result(StrEnum):
    SENT = "sent"
    TRANSIENT = "transient"
    PERMANENT = "permanent"
    GONE = "gone"  # the push subscription no longer exists


class Delivery(NamedTuple):
    result: Result
    detail: str = ""
    retry_after: float | None = None


def sent() -> Delivery:
    return Delivery(Result.SENT)


def transient(detail: str, retry_after: float | None = None) -> Delivery:
    return Delivery(Result.TRANSIENT, detail, retry_after)


def permanent(detail: str) -> Delivery:
    return Delivery(Result.PERMANENT, detail)


def gone(detail: str) -> Delivery:
    return Delivery(Result.GONE, detail)
