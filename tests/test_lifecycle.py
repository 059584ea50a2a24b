"""The lifecycle of PRODUCT.md: the table itself, and every move through the CLI."""

from __future__ import annotations

import pytest

from store import lifecycle
from store.errors import Forbidden, InvalidState
from store.lifecycle import ReplyIntent
from store.models import Account, Actor, ActorKind, Locale, Role, Status
from tests.conftest import Home

STAFF = Actor(ActorKind.STAFF, Account(1, "a@x.io", "", Role.AGENT, Locale.EN, True, True, ""))
CUSTOMER = Actor(ActorKind.CUSTOMER, Account(2, "c@x.io", "", Role.CUSTOMER, Locale.EN, True, True, ""))


def test_closed_is_final_and_every_other_status_reaches_every_other() -> None:
    for source in Status:
        for target in Status:
            if source is Status.CLOSED:
                if target is not source:
                    with pytest.raises(InvalidState):
                        lifecycle.staff_target(STAFF, source, target)
            else:
                assert lifecycle.staff_target(STAFF, source, target) is target


@pytest.mark.parametrize(
    ("current", "after"),
    [
        (Status.OPEN, Status.OPEN),
        (Status.IN_PROGRESS, Status.IN_PROGRESS),
        (Status.ANSWERED, Status.OPEN),
        (Status.AWAITING_INFO, Status.OPEN),
        (Status.RESOLVED, Status.OPEN),
    ],
)
def test_customer_reply_reopens_only_when_the_ball_was_theirs(current: Status, after: Status) -> None:
    assert lifecycle.reply_target(CUSTOMER, current, ReplyIntent.ANSWER, False) is after


@pytest.mark.parametrize(
    ("intent", "after"),
    [
        (ReplyIntent.ANSWER, Status.ANSWERED),
        (ReplyIntent.REQUEST_INFO, Status.AWAITING_INFO),
        (ReplyIntent.RESOLVE, Status.RESOLVED),
    ],
)
def test_staff_reply_targets(intent: ReplyIntent, after: Status) -> None:
    for current in set(Status) - {Status.CLOSED}:
        assert lifecycle.reply_target(STAFF, current, intent, False) is after
        assert lifecycle.reply_target(STAFF, current, intent, True) is current


def test_customers_cannot_set_status_or_write_notes() -> None:
    with pytest.raises(Forbidden):
        lifecycle.staff_target(CUSTOMER, Status.OPEN, Status.RESOLVED)
    with pytest.raises(Forbidden):
        lifecycle.reply_target(CUSTOMER, Status.OPEN, ReplyIntent.ANSWER, True)
    with pytest.raises(Forbidden):
        lifecycle.reply_target(CUSTOMER, Status.OPEN, ReplyIntent.RESOLVE, False)


def status_of(home: Home, number: int) -> str:
    return str(home.sql("SELECT status FROM tickets WHERE number = ?", number)[0][0])


def test_full_workflow_through_the_cli(team: Home) -> None:
    n = str(team.create("olena@example.com", "Вивід", "Допоможіть"))
    staff = ("--as", "agent@example.com")
    olena = ("--as", "olena@example.com")
    team.ok(*staff, "status", n, "in_progress")
    team.ok(*olena, "reply", n, "--body", "Ще деталі")
    assert status_of(team, int(n)) == "in_progress"  # customer reply keeps in_progress
    team.ok(*staff, "reply", n, "--body", "Відповідь")
    assert status_of(team, int(n)) == "answered"
    team.ok(*staff, "reply", n, "--body", "Надішліть скрін", "--request-info")
    assert status_of(team, int(n)) == "awaiting_info"
    team.ok(*olena, "reply", n, "--body", "Ось")
    assert status_of(team, int(n)) == "open"
    team.ok(*staff, "reply", n, "--body", "Готово", "--resolve")
    assert status_of(team, int(n)) == "resolved"
    team.ok(*olena, "reply", n, "--body", "Не працює")
    assert status_of(team, int(n)) == "open"
    team.ok(*staff, "status", n, "closed")
    data = team.ok(*olena, "view", n, "--json").json()
    moves = [(e["from"], e["to"], e["actor"]) for e in data["events"] if e["kind"] == "status"]
    assert moves == [
        ("open", "in_progress", "agent@example.com"),
        ("in_progress", "answered", "agent@example.com"),
        ("answered", "awaiting_info", "agent@example.com"),
        ("awaiting_info", "open", "olena@example.com"),
        ("open", "resolved", "agent@example.com"),
        ("resolved", "open", "olena@example.com"),
        ("open", "closed", "agent@example.com"),
    ]
    assert all(e["created_at"].endswith("Z") for e in data["events"])


def test_same_status_is_no_event(team: Home) -> None:
    n = team.create("bob@example.com")
    before = team.counts()
    result = team.ok("--as", "agent@example.com", "status", str(n), "open", "--json").json()
    assert result["changed"] is False
    assert team.counts() == before


def test_staff_reply_on_answered_ticket_is_a_reply_event(team: Home) -> None:
    n = str(team.create("bob@example.com"))
    team.ok("--as", "agent@example.com", "reply", n, "--body", "one")
    team.ok("--as", "agent@example.com", "reply", n, "--body", "two")
    kinds = [row[0] for row in team.sql("SELECT kind FROM events ORDER BY id")]
    assert kinds == ["created", "status", "reply"]
