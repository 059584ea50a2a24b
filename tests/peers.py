"""Real peers on 127.0.0.1: an SMTP server (aiosmtpd) and a Web Push service that decrypts
each request with the subscriber's private key (http_ece) and checks the VAPID JWT."""

from __future__ import annotations

import base64
import json
import re
import secrets
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


def free_port() -> int:
    """aiosmtpd's Controller cannot bind port 0: ask the OS for a free port first."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# -- SMTP ---------------------------------------------------------------------------------


class SmtpPeer:
    """Receives what the daemon sends; `answers` scripts replies to DATA ("250", "451 ...")."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.received: list[tuple[list[str], bytes]] = []
        self.answers: deque[str] = deque()
        self.lock = threading.Lock()
        self.delay = 0.0
        self.attempts = 0
        self.arrivals: dict[str, float] = {}  # Message-ID -> when it arrived (perf_counter)
        peer = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                if peer.delay:
                    import asyncio

                    await asyncio.sleep(peer.delay)
                with peer.lock:
                    answer = peer.answers.popleft() if peer.answers else "250 OK"
                    peer.attempts += 1
                if answer == "DROP":  # hang up in the middle of DATA, before any reply
                    server.transport.abort()
                    return "421 gone"
                with peer.lock:
                    if answer.startswith("250"):
                        data = bytes(envelope.original_content)
                        peer.received.append((list(envelope.rcpt_tos), data))
                        found = re.search(rb"^Message-ID: (\S+)", data, re.MULTILINE | re.IGNORECASE)
                        if found:
                            peer.arrivals[found.group(1).decode()] = time.perf_counter()
                return answer

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpPeer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages()]

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            raw = [data for _, data in self.received]
        return [message_from_bytes(data, policy=policy.default) for data in raw]

    def wait_for(self, count: int, timeout: float = 15) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.messages()
            if len(messages) >= count:
                return messages
            time.sleep(0.02)
        raise AssertionError(f"expected {count} messages, got {len(self.messages())}")


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


# -- Web Push -----------------------------------------------------------------------------


@dataclass
class Subscriber:
    """A browser's side of a subscription: its key pair and auth secret."""

    private_key: Any
    auth: bytes
    endpoint: str

    @classmethod
    def new(cls, endpoint: str) -> Subscriber:
        from cryptography.hazmat.primitives.asymmetric import ec

        return cls(ec.generate_private_key(ec.SECP256R1()), secrets.token_bytes(16), endpoint)

    def subscription_json(self) -> str:
        from cryptography.hazmat.primitives import serialization

        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return json.dumps(
            {"endpoint": self.endpoint, "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)}}
        )


@dataclass
class PushDelivery:
    path: str
    payload: dict[str, Any]
    headers: dict[str, str]  # names lower-cased: HTTP header names are case-insensitive
    claims: dict[str, Any]


@dataclass
class PushPeer:
    """Answers each POST as scripted per path (201 by default); records what it decrypted."""

    subscribers: dict[str, Subscriber] = field(default_factory=dict)
    deliveries: list[PushDelivery] = field(default_factory=list)
    answers: dict[str, deque[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    hang_seconds: float = 0.0
    expected_public_key: str | None = None
    decrypt: bool = True  # False: just count (for throughput, where decrypting would be the bottleneck)
    accepted: int = 0
    arrivals: list[float] = field(default_factory=list)  # perf_counter of each accepted push

    def start(self) -> PushPeer:
        peer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real push services do

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if peer.hang_seconds:
                    time.sleep(peer.hang_seconds)
                status, extra = peer.answer_for(self.path)
                if status in (200, 201, 202) and not peer.decrypt:
                    peer.accepted += 1
                    peer.arrivals.append(time.perf_counter())
                elif status in (200, 201, 202):
                    try:
                        peer.accept(self.path, body, {k.lower(): v for k, v in self.headers.items()})
                    except Exception as error:  # a bad request is what the test wants to see
                        peer.errors.append(f"{type(error).__name__}: {error!r}")
                        status, extra = 400, {}
                self.send_response(status)
                for key, value in extra.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def subscriber(self, name: str) -> Subscriber:
        sub = Subscriber.new(f"http://127.0.0.1:{self.port}/push/{name}")
        self.subscribers[f"/push/{name}"] = sub
        return sub

    def script(self, name: str, *answers: tuple[int, dict[str, str]]) -> None:
        self.answers.setdefault(f"/push/{name}", deque()).extend(answers)

    def answer_for(self, path: str) -> tuple[int, dict[str, str]]:
        queue = self.answers.get(path)
        return queue.popleft() if queue else (201, {})

    def accept(self, path: str, body: bytes, headers: dict[str, str]) -> None:
        import http_ece

        subscriber = self.subscribers[path]
        claims = verify_vapid(headers.get("authorization", ""), f"http://127.0.0.1:{self.port}")
        if self.expected_public_key is not None:
            assert headers["authorization"].split("k=")[1] == self.expected_public_key, "VAPID key"
        assert headers.get("content-encoding") == "aes128gcm", headers
        plaintext = http_ece.decrypt(
            body, private_key=subscriber.private_key, auth_secret=subscriber.auth, version="aes128gcm"
        )
        self.deliveries.append(PushDelivery(path, json.loads(plaintext), headers, claims))

    def wait_for(self, count: int, timeout: float = 15) -> list[PushDelivery]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.deliveries) >= count:
                return list(self.deliveries)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} pushes, got {len(self.deliveries)}; errors: {self.errors}")


def verify_vapid(authorization: str, origin: str) -> dict[str, Any]:
    """Check an RFC 8292 `vapid t=JWT,k=KEY` header: ES256 signature, aud, exp, sub."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, utils

    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid", authorization[:20]
    fields = dict(part.split("=", 1) for part in params.split(","))
    token, key = fields["t"], fields["k"]
    header_b64, claims_b64, signature_b64 = token.split(".")
    assert json.loads(b64url_decode(header_b64))["alg"] == "ES256"
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
    raw = b64url_decode(signature_b64)
    signature = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(signature, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    claims: dict[str, Any] = json.loads(b64url_decode(claims_b64))
    assert claims["aud"] == origin, claims
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600, claims
    assert urlsplit(claims["sub"]).scheme in ("mailto", "https"), claims
    return claims


class SilentPeer:
    """Accepts TCP connections on 127.0.0.1 and never says a word (a hung SMTP server)."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.port: int = self.socket.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.held.append(connection)

    def stop(self) -> None:
        self.socket.close()
        for connection in self.held:
            connection.close()
