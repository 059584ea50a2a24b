"""Peers that misbehave: nothing is lost, nothing is retried past its limits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from store import clock
from tests.conftest import Home, smtp_config
from tests.peers import PushPeer, SilentPeer, SmtpPeer


def pass_until_settled(home: Home, passes: int = 12) -> None:
    for _ in range(passes):
        home.deliver()
        clock.advance(timedelta(hours=2))  # past any backoff (cap 1 h)


def test_connection_dropped_mid_data(team: Home, smtp: SmtpPeer) -> None:
    team.write_config({"email": smtp_config(smtp)})
    clock.set_now(clock.now())
    team.create("bob@example.com")
    smtp.answers.append("DROP")
    log = team.deliver().stderr
    assert "attempt 1 failed" in log
    assert team.sql("SELECT state, attempts FROM notices") == [("pending", 1)]
    pass_until_settled(team)
    assert len(smtp.wait_for(1)) == 1 and len(smtp.received) == 1
    assert team.sql("SELECT state, attempts FROM notices") == [("sent", 2)]


def test_421_for_a_while(team: Home, smtp: SmtpPeer) -> None:
    team.write_config({"email": smtp_config(smtp)})
    clock.set_now(clock.now())
    team.create("bob@example.com")
    team.create("olena@example.com")
    smtp.answers.extend(["421 4.3.2 shutting down"] * 3)
    pass_until_settled(team)
    assert len(smtp.received) == 2
    assert sorted(row[0] for row in team.sql("SELECT state FROM notices")) == ["sent", "sent"]
    assert smtp.attempts == 5  # three refusals, two deliveries: nothing retried needlessly


def test_a_server_that_never_answers(team: Home) -> None:
    silent = SilentPeer()
    try:
        team.write_config(
            {
                "email": {
                    "transport": "smtp",
                    "smtp_host": "127.0.0.1",
                    "smtp_port": silent.port,
                    "smtp_security": "none",
                    "timeout_seconds": 1,
                }
            }
        )
        team.create("bob@example.com")
        log = team.deliver().stderr
    finally:
        silent.stop()
    assert "connection:" in log and "retry in" in log
    assert team.sql("SELECT state, attempts FROM notices") == [("pending", 1)]


def test_the_limit_holds_with_the_daemon_passing_often(team: Home, smtp: SmtpPeer) -> None:
    team.write_config({"email": smtp_config(smtp), "delivery": {"max_attempts": 4}})
    clock.set_now(clock.now())
    team.create("bob@example.com")
    smtp.answers.extend(["451 later"] * 50)
    pass_until_settled(team, passes=20)
    assert team.sql("SELECT state, attempts FROM notices") == [("dead", 4)]
    assert smtp.attempts == 4


@pytest.fixture
def pushing(team: Home, push: PushPeer) -> Home:
    team.write_config({"push": {"allow_http_endpoints": True}, "delivery": {"max_attempts": 3}})
    subscriber = push.subscriber("phone")
    team.ok("--as", "olena@example.com", "push", "subscribe", "-", input=subscriber.subscription_json())
    team.ok("--as", "olena@example.com", "prefs", "--no-email")
    return team


def test_push_500_until_the_limit(pushing: Home, push: PushPeer) -> None:
    clock.set_now(clock.now())
    push.script("phone", *[(500, {})] * 10)
    pushing.create("olena@example.com")
    pass_until_settled(pushing)
    assert pushing.sql("SELECT state, attempts FROM notices") == [("dead", 3)]
    assert len(push.answers["/push/phone"]) == 7  # exactly three tries reached the service
    assert pushing.ok("outbox", "list", "--state", "dead", "--json").json()[0]["last_error"] == (
        "push service answered 500"
    )


def test_push_recovers_after_errors(pushing: Home, push: PushPeer) -> None:
    clock.set_now(clock.now())
    push.script("phone", (500, {}), (429, {"Retry-After": "60"}))
    pushing.create("olena@example.com")
    pass_until_settled(pushing)
    assert pushing.sql("SELECT state, attempts FROM notices") == [("sent", 3)]
    assert len(push.deliveries) == 1
