"""Which notices each event yields, written in the event's own transaction."""

from __future__ import annotations

from tests.conftest import Home

STAFF = ("--as", "agent@example.com")


def notices(home: Home) -> list[tuple[str, str, str, str, str]]:
    return [
        (r[0], r[1], r[2], r[3], r[4])
        for r in home.sql("SELECT channel, recipient, kind, status, locale FROM notices ORDER BY id")
    ]


def test_receipt_then_one_notice_per_staff_change(team: Home) -> None:
    n = str(team.create("olena@example.com"))
    team.ok(*STAFF, "reply", n, "--body", "Що саме?", "--request-info")  # one notice, not two
    team.ok("--as", "olena@example.com", "reply", n, "--body", "Ось")  # own reply: none
    team.ok(*STAFF, "reply", n, "--internal", "--body", "note")  # internal: none
    team.ok(*STAFF, "status", n, "in_progress")
    team.ok(*STAFF, "reply", n, "--body", "answer")  # in_progress -> answered
    team.ok(*STAFF, "reply", n, "--body", "and more")  # answered stays: a reply notice
    assert notices(team) == [
        ("email", "olena@example.com", "received", "open", "uk"),
        ("email", "olena@example.com", "status", "awaiting_info", "uk"),
        ("email", "olena@example.com", "status", "in_progress", "uk"),
        ("email", "olena@example.com", "status", "answered", "uk"),
        ("email", "olena@example.com", "reply", "answered", "uk"),
    ]
    orphans = team.sql(
        "SELECT COUNT(*) FROM notices n LEFT JOIN events e ON e.id = n.event_id WHERE e.id IS NULL"
    )
    assert orphans == [(0,)]
    pending = team.sql("SELECT DISTINCT state FROM notices")
    assert pending == [("pending",)]


def test_guest_gets_email_only_in_english_by_default(team: Home) -> None:
    n = str(team.create(None, "Guest", "x", guest_email="visitor@example.net"))
    team.ok(*STAFF, "reply", n, "--body", "hi")
    assert notices(team) == [
        ("email", "visitor@example.net", "received", "open", "en"),
        ("email", "visitor@example.net", "status", "answered", "en"),
    ]


def test_guest_locale_option(team: Home) -> None:
    team.create(None, "Гість", "x", guest_email="gist@example.net", locale="uk")
    assert notices(team) == [("email", "gist@example.net", "received", "open", "uk")]


def test_customer_reply_reopen_and_staff_own_ticket_yield_nothing(team: Home) -> None:
    n = str(team.create("bob@example.com"))
    team.ok(*STAFF, "reply", n, "--body", "done", "--resolve")
    before = team.count("notices")
    team.ok("--as", "bob@example.com", "reply", n, "--body", "still broken")  # reopens
    assert team.count("notices") == before
    own = str(team.create("agent@example.com", "Staff's own"))
    team.ok(*STAFF, "status", own, "resolved")
    assert team.sql("SELECT kind FROM notices WHERE ticket = ?", int(own)) == [("received",)]
