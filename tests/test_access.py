"""Customers see their own tickets only; internal notes are staff-only everywhere."""

from __future__ import annotations

import json

from tests.conftest import Home

CANARY = "INTERNAL-CANARY-7f3a"


def test_internal_notes_never_reach_customers(team: Home) -> None:
    n = str(team.create("olena@example.com", "Тема", "Тіло"))
    team.ok("--as", "agent@example.com", "reply", n, "--internal", "--body", f"{CANARY} клієнт підозрілий")
    team.ok("--as", "agent@example.com", "assign", n, "admin@example.com")
    staff = team.ok("--as", "admin@example.com", "view", n, "--json").json()
    assert any(m["internal"] and CANARY in m["body"] for m in staff["messages"])
    assert any(e["kind"] == "assigned" for e in staff["events"])
    for args in (("view", n, "--json"), ("view", n), ("list", "--json"), ("list",)):
        result = team.ok("--as", "olena@example.com", *args)
        assert CANARY not in result.stdout + result.stderr
        assert "admin@example.com" not in result.stdout
    customer = team.ok("--as", "olena@example.com", "view", n, "--json").json()
    assert len(customer["messages"]) == 1 and customer["messages"][0]["internal"] is False
    assert [e["kind"] for e in customer["events"]] == ["created"]
    assert customer["assignee"] is None
    assert CANARY not in json.dumps(team.sql("SELECT * FROM notices"))


def test_internal_note_does_not_change_visible_activity(team: Home) -> None:
    n = str(team.create("olena@example.com"))
    before = team.ok("--as", "olena@example.com", "view", n, "--json").json()["updated_at"]
    team.ok("--as", "agent@example.com", "reply", n, "--internal", "--body", "quiet")
    after = team.ok("--as", "olena@example.com", "view", n, "--json").json()["updated_at"]
    assert before == after


def test_staff_see_every_ticket_and_admins_too(team: Home) -> None:
    numbers = {
        team.create("olena@example.com"),
        team.create("bob@example.com"),
        team.create(None, guest_email="g@example.com"),
    }
    for staff in ("agent@example.com", "admin@example.com"):
        rows = team.ok("--as", staff, "list", "--json").json()
        assert {r["number"] for r in rows} == numbers


def test_acting_as_is_case_insensitive(team: Home) -> None:
    n = team.create("OLENA@EXAMPLE.COM", "x")
    assert (
        team.ok("--as", "Olena@Example.com", "view", str(n), "--json").json()["requester"]
        == "olena@example.com"
    )


def test_env_var_identity(team: Home) -> None:
    n = team.create("bob@example.com")
    result = team.runner.invoke(
        __import__("cli.app", fromlist=["app"]).app,
        ["view", str(n), "--json"],
        env={**team.env(), "SUPPORT_AS": "bob@example.com"},
    )
    assert result.exit_code == 0 and json.loads(result.stdout)["number"] == n
