"""Web Push notices, decrypted by a local push service with the subscriber's private key."""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta

import pytest

from store import clock
from tests.conftest import Home
from tests.peers import PushPeer

CANARY = "PUSH-CANARY-777"
STAFF = ("--as", "agent@example.com")


@pytest.fixture
def pushing(team: Home, push: PushPeer) -> Home:
    team.write_config({"push": {"allow_http_endpoints": True}})
    out = team.ok("push", "keygen").stdout
    public = re.search(r"Public key .*: (\S+)", out)
    assert public is not None
    push.expected_public_key = public.group(1)
    return team


def subscribe(home: Home, push: PushPeer, name: str, who: str = "olena@example.com") -> int:
    subscriber = push.subscriber(name)
    result = home.ok("--as", who, "push", "subscribe", "-", "--json", input=subscriber.subscription_json())
    return int(result.json()["id"])


def test_payload_headers_and_vapid(pushing: Home, push: PushPeer) -> None:
    subscribe(pushing, push, "phone")
    subscribe(pushing, push, "laptop")
    n = pushing.create("olena@example.com", "Вивід", CANARY)
    pushing.ok(*STAFF, "reply", str(n), "--body", CANARY, "--request-info")
    other = pushing.create("olena@example.com", "Інше")
    pushing.deliver()
    deliveries = push.wait_for(6)
    assert push.errors == []
    assert len(deliveries) == 6
    for d in deliveries:
        assert CANARY not in str(d.payload)
        assert set(d.payload) == {"title", "body", "ticket", "status", "url"}
        assert d.headers["ttl"] == "86400" and d.headers["urgency"] == "normal"
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,32}", d.headers["topic"])
        assert d.claims["sub"] == "mailto:no-reply@support.example.com"
    status = [d for d in deliveries if d.payload["status"] == "awaiting_info"]
    assert {d.path for d in status} == {"/push/phone", "/push/laptop"}
    assert (
        status[0].payload["title"]
        == f"Звернення № {n}: чекає на вас: нашій команді потрібна додаткова інформація"
    )
    assert status[0].payload["url"] == f"https://support.example.com/tickets/{n}"
    topics = {d.payload["ticket"]: d.headers["topic"] for d in deliveries}
    assert topics[n] != topics[other]
    assert len({d.headers["topic"] for d in deliveries if d.payload["ticket"] == n}) == 1
    assert len(pushing.outbox()) == 3  # e-mail too, for each event


def test_gone_subscriptions_are_removed(pushing: Home, push: PushPeer) -> None:
    sub_id = subscribe(pushing, push, "old")
    subscribe(pushing, push, "stale")
    push.script("old", (410, {}))
    push.script("stale", (404, {}))
    pushing.create("olena@example.com")
    log = pushing.deliver().stderr
    assert f"subscription {sub_id} removed" in log
    assert pushing.ok("--as", "olena@example.com", "push", "list", "--json").json() == []
    assert pushing.sql("SELECT state FROM notices WHERE channel = 'push'") == [("dropped",), ("dropped",)]


def test_429_waits_for_retry_after_and_500_retries(pushing: Home, push: PushPeer) -> None:
    subscribe(pushing, push, "busy")
    subscribe(pushing, push, "broken")
    push.script("busy", (429, {"Retry-After": "7200"}))
    push.script("broken", (500, {}))
    clock.set_now(clock.from_text("2026-11-25T10:00:00.000000Z"))
    pushing.create("olena@example.com")
    pushing.deliver()
    rows = dict(
        pushing.sql(
            "SELECT recipient, next_attempt_at FROM notices WHERE channel = 'push' AND state = 'pending'"
        )
    )
    assert len(rows) == 2
    busy = min(rows.values(), key=lambda t: -clock.from_text(t).timestamp())
    assert clock.from_text(busy) >= clock.now() + timedelta(seconds=7200)
    clock.advance(timedelta(hours=3))
    pushing.deliver()
    assert {d.path for d in push.wait_for(2)} == {"/push/busy", "/push/broken"}


@pytest.mark.parametrize("status", [400, 401, 403, 413])
def test_client_errors_are_permanent(pushing: Home, push: PushPeer, status: int) -> None:
    subscribe(pushing, push, "bad")
    push.script("bad", (status, {}))
    pushing.create("olena@example.com")
    pushing.deliver()
    assert pushing.sql("SELECT state, attempts, last_error FROM notices WHERE channel = 'push'") == [
        ("dead", 1, f"push service answered {status}")
    ]
    assert pushing.ok("--as", "olena@example.com", "push", "list", "--json").json() != []


def test_a_silent_push_service_times_out(pushing: Home, push: PushPeer) -> None:
    config = tomllib.loads((pushing.config_dir / "config.toml").read_text(encoding="utf-8"))
    config["push"]["timeout_seconds"] = 1
    pushing.write_config(config)
    subscribe(pushing, push, "slow")
    push.hang_seconds = 3
    pushing.create("olena@example.com")
    log = pushing.deliver().stderr
    assert "push service timed out" in log
    assert pushing.sql("SELECT state FROM notices WHERE channel = 'push'") == [("pending",)]


def test_guests_get_no_push_and_no_push_pref_means_none(pushing: Home, push: PushPeer) -> None:
    subscribe(pushing, push, "p")
    pushing.ok("--as", "olena@example.com", "prefs", "--no-push")
    pushing.create("olena@example.com")
    pushing.create(None, guest_email="g@example.com")
    assert pushing.sql("SELECT DISTINCT channel FROM notices") == [("email",)]


def test_subscription_commands_and_refusals(pushing: Home, push: PushPeer) -> None:
    sub_id = subscribe(pushing, push, "mine")
    listed = pushing.ok("--as", "olena@example.com", "push", "list", "--json").json()
    assert [s["id"] for s in listed] == [sub_id]
    assert pushing.ok("--as", "bob@example.com", "push", "list", "--json").json() == []
    assert pushing.refused(3, "--as", "bob@example.com", "push", "remove", str(sub_id)).exit_code == 3
    for bad, message in (
        ("not json", "not JSON"),
        ('{"endpoint": "ftp://x/y", "keys": {}}', "must be an https:// URL"),
        ('{"endpoint": "javascript:alert(1)", "keys": {}}', "must be an https:// URL"),
        ('{"endpoint": "https://push.example.com/x"}', "has no keys"),
        ('{"endpoint": "https://push.example.com/x", "keys": {"p256dh": "AAAA", "auth": "AAAA"}}', "P-256"),
        ("[]", "JSON object"),
    ):
        before = pushing.count("push_subscriptions")
        result = pushing.refused(2, "--as", "olena@example.com", "push", "subscribe", "-", input=bad)
        assert message in result.stderr
        assert pushing.count("push_subscriptions") == before
    assert "removed" in pushing.ok("--as", "olena@example.com", "push", "remove", str(sub_id)).stdout
    assert "use --as EMAIL" in pushing.refused(2, "push", "list").stderr  # an account's, not the operator's


def test_http_endpoints_are_refused_by_default(team: Home, push: PushPeer) -> None:
    subscriber = push.subscriber("x")
    result = team.refused(
        2, "--as", "olena@example.com", "push", "subscribe", "-", input=subscriber.subscription_json()
    )
    assert "https://" in result.stderr
    assert team.count("push_subscriptions") == 0


def test_keygen_refuses_to_replace_keys_without_force(pushing: Home) -> None:
    path = pushing.config_dir / "config.toml"
    before = path.read_text(encoding="utf-8")
    assert "already has VAPID keys" in pushing.refused(1, "push", "keygen").stderr
    assert path.read_text(encoding="utf-8") == before
    pushing.ok("push", "keygen", "--force")
    after = tomllib.loads(path.read_text(encoding="utf-8"))
    assert after["push"]["allow_http_endpoints"] is True  # other settings survive
    assert after["push"]["vapid_private_key"] not in before


def test_one_signed_vapid_header_per_push_service(pushing: Home, push: PushPeer) -> None:
    subscribe(pushing, push, "phone")
    subscribe(pushing, push, "tablet")
    for _ in range(3):
        pushing.create("olena@example.com")
    pushing.deliver()
    deliveries = push.wait_for(6)
    assert push.errors == []  # each still verified: signature, aud, exp
    assert len({d.headers["authorization"] for d in deliveries}) == 1
