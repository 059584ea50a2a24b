"""Web Push notices (pywebpush): encrypted (aes128gcm), VAPID-signed, one session reused.

Imported only by the daemon: pywebpush pulls in requests and aiohttp (300-550 ms).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from daemon import templates
from daemon.outcome import Delivery, gone, permanent, sent, transient
from store.config import Config
from store.outbox import ClaimedNotice


def payload(notice: ClaimedNotice) -> dict[str, Any]:
    """Title, short body, number, status and URL: never any message text."""
    words = templates.load(notice.locale.value)
    status = notice.status.value if notice.status else ""
    values = {"number": notice.ticket, "status": words["status"].get(status, status)}
    return {
        "title": words["push"][notice.kind.value].format(**values),
        "body": words["push"]["body"],
        "ticket": notice.ticket,
        "status": status,
        "url": notice.url,
    }


def topic(secret: bytes, ticket: int) -> str:
    """Opaque per-ticket Topic (<= 32 URL-safe characters): a newer notice replaces an older one."""
    digest = hmac.new(secret, f"push-topic|{ticket}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def classify(status: int, retry_after: str | None) -> Delivery:
    if status in (200, 201, 202):
        return sent()
    if status in (404, 410):
        return gone(f"push service answered {status}: subscription expired")
    if status == 429:
        return transient("push service answered 429", retry_after_seconds(retry_after))
    if status >= 500:
        return transient(f"push service answered {status}")
    return permanent(f"push service answered {status}")


class PushSender:
    def __init__(self, config: Config) -> None:
        import requests
        from py_vapid import Vapid

        from daemon.vapid import private_key_pem

        push = config.values["push"]
        self.vapid = Vapid.from_pem(private_key_pem(config).encode())  # parsed once, not per notice
        self.session = requests.Session()
        self.subject = push["vapid_subject"]
        self.ttl = push["ttl_seconds"]
        self.urgency = push["urgency"]
        self.timeout = push["timeout_seconds"]
        self.secret = config.server_secret()
        self._vapid: dict[str, tuple[dict[str, str], int]] = {}

    def send(self, notice: ClaimedNotice) -> Delivery:
        import requests
        from pywebpush import WebPusher

        subscription = notice.subscription
        assert subscription is not None
        parts = urlsplit(subscription.endpoint)
        headers = {
            **self.vapid_headers(f"{parts.scheme}://{parts.netloc}"),
            "Urgency": self.urgency,
            "Topic": topic(self.secret, notice.ticket),
        }
        info = {
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
        }
        data = json.dumps(payload(notice), ensure_ascii=False).encode()
        try:
            response = WebPusher(info, requests_session=self.session).send(
                data, headers, ttl=self.ttl, content_encoding="aes128gcm", timeout=self.timeout
            )
        except requests.Timeout:
            return transient("push service timed out")
        except requests.RequestException as error:
            # Never the exception text: it carries the endpoint URL, a capability.
            return transient(f"push connection: {type(error).__name__}")
        return classify(response.status_code, response.headers.get("Retry-After"))

    def vapid_headers(self, audience: str) -> dict[str, str]:
        """A signed VAPID header per push service, reused until an hour before it expires:
        signing is the costliest step after encryption, and push services accept a token
        for its whole lifetime."""
        now = int(time.time())
        cached = self._vapid.get(audience)
        if cached is None or cached[1] - now < 3600:
            claims = {"sub": self.subject, "aud": audience, "exp": now + 12 * 3600}  # fresh dict every time
            cached = (dict(self.vapid.sign(claims)), claims["exp"])
            self._vapid[audience] = cached
        return cached[0]

    def end_batch(self) -> None:
        pass

    def close(self) -> None:
        self.session.close()
