"""Web Push subscriptions of account customers (the browser's PushSubscription JSON)."""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

from store import clock, db
from store.errors import NotFound, UsageError
from store.models import Actor

if TYPE_CHECKING:
    from store.config import Config


class PushSubscription(NamedTuple):
    id: int
    account: str
    endpoint: str
    created_at: str


def _key(value: Any, name: str, size: int | None) -> str:
    if not isinstance(value, str) or not value:
        raise UsageError(f"the subscription has no keys.{name}")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise UsageError(f"keys.{name} is not URL-safe base64") from None
    if size is not None and (len(raw) != size or raw[0] != 4):
        raise UsageError(f"keys.{name} is not an uncompressed P-256 public key")
    if size is None and len(raw) != 16:
        raise UsageError(f"keys.{name} must be 16 bytes")
    return value.rstrip("=")


def parse_subscription(text: str, allow_http: bool) -> tuple[str, str, str]:
    """(endpoint, p256dh, auth) from PushSubscription JSON; refuses anything else."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"the subscription is not JSON: {error.msg} at line {error.lineno}") from None
    if not isinstance(data, dict):
        raise UsageError("the subscription must be a JSON object with endpoint and keys")
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str) or len(endpoint) > 2048:
        raise UsageError("the subscription has no endpoint URL")
    parts = urlsplit(endpoint)
    if parts.scheme != "https" and not (parts.scheme == "http" and allow_http):
        raise UsageError("the subscription endpoint must be an https:// URL")
    if not parts.hostname or parts.username or parts.password or any(ord(c) < 33 for c in endpoint):
        raise UsageError("the subscription endpoint is not a valid URL")
    keys = data.get("keys")
    if not isinstance(keys, dict):
        raise UsageError("the subscription has no keys")
    return endpoint, _key(keys.get("p256dh"), "p256dh", 65), _key(keys.get("auth"), "auth", None)


class Subscriptions:
    cx: sqlite3.Connection
    config: Config

    def subscribe(self, actor: Actor, text: str) -> PushSubscription:
        account = actor.acting_account("push subscriptions belong to an account")
        endpoint, p256dh, auth = parse_subscription(text, self.config.values["push"]["allow_http_endpoints"])
        with db.write(self.cx) as cx:
            # The same browser subscribing again (or for another account) replaces the old row.
            cx.execute("DELETE FROM push_subscriptions WHERE endpoint = ?", (endpoint,))
            cursor = cx.execute(
                "INSERT INTO push_subscriptions (account_id, endpoint, p256dh, auth, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (account.id, endpoint, p256dh, auth, clock.now_text()),
            )
            assert cursor.lastrowid is not None
        return PushSubscription(cursor.lastrowid, account.email, endpoint, clock.now_text())

    def subscriptions(self, actor: Actor) -> list[PushSubscription]:
        account = actor.acting_account("push subscriptions belong to an account")
        rows = self.cx.execute(
            "SELECT s.id, a.email, s.endpoint, s.created_at FROM push_subscriptions s"
            " JOIN accounts a ON a.id = s.account_id WHERE s.account_id = ? ORDER BY s.id",
            (account.id,),
        ).fetchall()
        return [PushSubscription(*row) for row in rows]

    def unsubscribe(self, actor: Actor, subscription_id: int) -> None:
        account = actor.acting_account("push subscriptions belong to an account")
        with db.write(self.cx) as cx:
            deleted = cx.execute(
                "DELETE FROM push_subscriptions WHERE id = ? AND account_id = ?",
                (subscription_id, account.id),
            ).rowcount
        if not deleted:
            raise NotFound("subscription", subscription_id)
