"""The ticket commands through the real CLI on a real SQLite file."""

from __future__ import annotations

from tests.conftest import Home

UK_SUBJECT = "Не можу вивести кошти — транзакція «зависла»"
UK_BODY = "Добрий день!\nІдентифікатор транзакції: 0xabc123, час: 12:05.\nЩо робити? 🙏"


def test_account_ticket_round_trips_ukrainian_text(team: Home) -> None:
    number = team.create("olena@example.com", UK_SUBJECT, UK_BODY)
    assert number == 10001
    seen = team.ok("--as", "olena@example.com", "view", str(number), "--json").json()
    assert seen["subject"] == UK_SUBJECT
    assert seen["messages"][0]["body"] == UK_BODY
    assert seen["messages"][0]["author"] == "olena@example.com"
    assert seen["status"] == "open"
    human = team.ok("--as", "agent@example.com", "view", f"#{number}").stdout
    assert UK_SUBJECT in human and "Ідентифікатор транзакції" in human
    listed = team.ok("--as", "agent@example.com", "list").stdout
    assert UK_SUBJECT[:20] in listed


def test_numbers_are_sequential_from_10001(team: Home) -> None:
    numbers = [team.create("bob@example.com", f"Problem {i}") for i in range(3)]
    assert numbers == [10001, 10002, 10003]


def test_create_prints_the_number_and_json_has_number_and_status(team: Home) -> None:
    result = team.ok("--as", "bob@example.com", "create", "--subject", "Login fails", "--body", "x")
    assert result.stdout.strip() == "Created ticket #10001 (open)."
    data = team.ok("--as", "bob@example.com", "create", "--subject", "Again", "--body", "y", "--json").json()
    assert data["number"] == 10002 and data["status"] == "open"
    assert data["requester"] == "bob@example.com" and data["requester_is_guest"] is False


def test_create_names_the_requesters_open_tickets_on_stderr(team: Home) -> None:
    first = team.create("bob@example.com", "First")
    second = team.create("bob@example.com", "Second")
    team.ok("--as", "agent@example.com", "status", str(first), "resolved")
    result = team.ok("--as", "bob@example.com", "create", "--subject", "Third", "--body", "z", "--json")
    assert result.json()["other_open"] == [second]
    assert f"#{second}" in result.stderr and f"#{first}" not in result.stderr
    fresh = team.ok("--as", "olena@example.com", "create", "--subject", "Mine", "--body", "z")
    assert fresh.stderr == ""


def test_guest_ticket_with_canonical_address(team: Home) -> None:
    number = team.create(None, "Гостьове звернення", "текст", guest_email="  Guest@Mail.COM ")
    data = team.ok("--as", "agent@example.com", "view", str(number), "--json").json()
    assert data["requester"] == "guest@mail.com" and data["requester_is_guest"] is True
    assert team.sql("SELECT guest_email, requester_id FROM tickets") == [("guest@mail.com", None)]


def test_body_from_file_and_from_stdin(team: Home, tmp_path: object) -> None:
    from pathlib import Path

    body_file = Path(str(tmp_path)) / "body.txt"
    body_file.write_text("з файлу\r\nрядок два\n", encoding="utf-8")
    first = team.ok(
        "--as", "bob@example.com", "create", "--subject", "F", "--body-file", str(body_file), "--json"
    ).json()
    second = team.ok(
        "--as",
        "bob@example.com",
        "create",
        "--subject",
        "S",
        "--body-file",
        "-",
        "--json",
        input="зі стандартного входу\n".encode(),
    ).json()
    bodies = [row[0] for row in team.sql("SELECT body FROM messages ORDER BY id")]
    assert bodies == ["з файлу\nрядок два", "зі стандартного входу"]
    assert [first["number"], second["number"]] == [10001, 10002]


def test_list_filters_and_order(team: Home) -> None:
    a = team.create("bob@example.com", "A")
    b = team.create("olena@example.com", "B")
    c = team.create(None, "C", guest_email="g@example.org")
    team.ok("--as", "agent@example.com", "status", str(a), "resolved")
    team.ok("--as", "agent@example.com", "assign", str(b), "admin@example.com")
    staff = ["--as", "agent@example.com", "list", "--json"]
    assert [t["number"] for t in team.ok(*staff).json()] == [a, c, b]  # newest activity first
    assert [t["number"] for t in team.ok(*staff, "--open").json()] == [c, b]
    assert [t["number"] for t in team.ok(*staff, "--closed").json()] == [a]
    assert [t["number"] for t in team.ok(*staff, "--status", "resolved").json()] == [a]
    assert [t["number"] for t in team.ok(*staff, "--requester", "G@Example.org").json()] == [c]
    assert [t["number"] for t in team.ok(*staff, "--assignee", "admin@example.com").json()] == [b]
    assert [t["number"] for t in team.ok(*staff, "--limit", "1").json()] == [a]
    row = team.ok(*staff, "--assignee", "admin@example.com").json()[0]
    assert set(row) >= {"number", "subject", "status", "requester", "assignee", "created_at", "updated_at"}
    assert row["assignee"] == "admin@example.com"
    assert row["created_at"].endswith("Z") and "T" in row["created_at"]


def test_empty_list_is_success(team: Home) -> None:
    assert team.ok("--as", "bob@example.com", "list", "--json").json() == []
    result = team.ok("--as", "bob@example.com", "list")
    assert result.stdout == "" and "No tickets" in result.stderr


def test_customers_list_only_their_own(team: Home) -> None:
    mine = team.create("olena@example.com", "Mine")
    team.create("bob@example.com", "Bob's")
    rows = team.ok("--as", "olena@example.com", "list", "--json").json()
    assert [r["number"] for r in rows] == [mine]
    rows = team.ok("--as", "olena@example.com", "list", "--requester", "bob@example.com", "--json").json()
    assert rows == []


def test_assign_records_an_event_and_same_assignee_is_no_event(team: Home) -> None:
    number = team.create("bob@example.com")
    team.ok("--as", "agent@example.com", "assign", str(number), "Admin@Example.com")
    team.ok("--as", "agent@example.com", "assign", str(number), "admin@example.com")
    events = team.sql("SELECT kind, old, new, actor FROM events WHERE kind = 'assigned'")
    assert events == [("assigned", None, "admin@example.com", "agent@example.com")]
    assert team.count("notices") == 1  # only the receipt: assignments are internal


def test_users(home: Home) -> None:
    added = home.ok("user", "add", "Olena@Example.com", "--name", "Олена", "--locale", "uk", "--json").json()
    assert added["email"] == "olena@example.com" and added["role"] == "customer" and added["locale"] == "uk"
    home.ok("user", "add", "agent@example.com", "--role", "agent")
    listed = home.ok("user", "list", "--json").json()
    assert [(u["email"], u["role"]) for u in listed] == [
        ("agent@example.com", "agent"),
        ("olena@example.com", "customer"),
    ]
    table = home.ok("user", "list").stdout
    assert "Олена" in table and "EMAIL" in table
