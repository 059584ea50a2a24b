"""Bad input: one clear line, its exit code, and nothing stored."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import Home

STAFF = ("--as", "agent@example.com")
BOB = ("--as", "bob@example.com")


def assert_refused_and_unchanged(
    home: Home, code: int, message: str, *args: str, input: bytes | None = None
) -> None:
    before = home.counts()
    result = home.refused(code, *args, input=input)
    assert message in result.stderr, result.stderr
    assert result.stdout == ""
    assert home.counts() == before


@pytest.mark.parametrize(
    ("subject", "message"),
    [
        ("", "the subject is empty"),
        ("   ", "the subject is empty"),
        ("x" * 201, "the subject is 201 characters long; the limit is 200"),
        ("line\nbreak", "the subject must be one line"),
        ("Bcc: x\r\nInjected: y", "the subject must be one line"),
        ("bidi \u202etxt.exe", "control characters"),
        ("tab\tinside", "control characters"),
    ],
)
def test_bad_subjects(team: Home, subject: str, message: str) -> None:
    assert_refused_and_unchanged(team, 2, message, *BOB, "create", "--subject", subject, "--body", "b")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "the message body is empty"),
        ("\n \n\t\n", "the message body is empty"),
        ("x" * 20001, "the message body is 20001 characters long; the limit is 20000"),
        ("nul \x00 byte", "control characters"),
    ],
)
def test_bad_bodies_on_create_and_reply(team: Home, body: str, message: str) -> None:
    assert_refused_and_unchanged(team, 2, message, *BOB, "create", "--subject", "s", "--body", body)
    n = str(team.create("bob@example.com"))
    assert_refused_and_unchanged(team, 2, message, *BOB, "reply", n, "--body", body)


def test_limits_come_from_the_config(team: Home, tmp_path: Path) -> None:
    config = tmp_path / "small.toml"
    config.write_text("[limits]\nsubject_max_chars = 5\nbody_max_chars = 3\n", encoding="utf-8")
    assert_refused_and_unchanged(
        team,
        2,
        "the limit is 5",
        "--config",
        str(config),
        *BOB,
        "create",
        "--subject",
        "123456",
        "--body",
        "x",
    )
    assert_refused_and_unchanged(
        team,
        2,
        "the limit is 3",
        "--config",
        str(config),
        *BOB,
        "create",
        "--subject",
        "12345",
        "--body",
        "abcd",
    )
    team.ok("--config", str(config), *BOB, "create", "--subject", "Шість", "--body", "абв")


@pytest.mark.parametrize(
    "address",
    ["no-at-sign", "two@@example.com", "a@b", "a b@example.com", "<a>@example.com", "a@-x.com", "x@y..com"],
)
def test_invalid_email_addresses(home: Home, address: str) -> None:
    assert_refused_and_unchanged(home, 2, "invalid e-mail address", "user", "add", address)
    assert_refused_and_unchanged(
        home, 2, "invalid e-mail address", "create", "--subject", "s", "--body", "b", "--guest-email", address
    )


def test_internationalised_address_is_accepted(home: Home) -> None:
    home.ok("user", "add", "Іван@Пошта.укр")
    assert home.sql("SELECT email FROM accounts") == [("іван@пошта.укр",)]


def test_duplicate_account_in_another_case(team: Home) -> None:
    assert_refused_and_unchanged(
        team, 1, "an account for olena@example.com already exists", "user", "add", "OLENA@example.com"
    )


def test_unknown_ticket_and_not_yours_are_the_same_answer(team: Home) -> None:
    n = team.create("olena@example.com", "Private")
    missing = team.refused(3, *BOB, "view", "99999")
    theirs = team.refused(3, *BOB, "view", str(n))
    assert missing.stderr.replace("99999", "N") == theirs.stderr.replace(str(n), "N")
    assert theirs.stderr == f"Error: ticket #{n} not found\n"
    for args in (
        ("reply", str(n), "--body", "x"),
        ("status", str(n), "open"),
        ("assign", str(n), "agent@example.com"),
    ):
        assert_refused_and_unchanged(team, 3, f"ticket #{n} not found", *BOB, *args)
    assert_refused_and_unchanged(
        team, 3, "ticket #424242 not found", *STAFF, "reply", "424242", "--body", "x"
    )


def test_bad_ticket_numbers_are_usage_errors(team: Home) -> None:
    for bad in ("abc", "#", "12-3", "1e5", "##12"):
        assert_refused_and_unchanged(team, 2, "is not a ticket number", *STAFF, "view", bad)


def test_unknown_acting_account(team: Home) -> None:
    assert_refused_and_unchanged(
        team,
        4,
        "no account for --as ghost@example.com",
        "--as",
        "Ghost@example.com",
        "create",
        "--subject",
        "s",
        "--body",
        "b",
    )
    assert_refused_and_unchanged(team, 4, "no account for --as", "--as", "ghost@example.com", "list")


def test_assign_to_unknown_or_customer_account(team: Home) -> None:
    n = str(team.create("bob@example.com"))
    assert_refused_and_unchanged(
        team, 3, "staff account nobody@example.com not found", *STAFF, "assign", n, "nobody@example.com"
    )
    assert_refused_and_unchanged(
        team, 3, "staff account olena@example.com not found", *STAFF, "assign", n, "olena@example.com"
    )


def test_customer_may_not_set_status_assign_or_note(team: Home) -> None:
    n = str(team.create("bob@example.com"))
    assert_refused_and_unchanged(
        team, 1, "only staff may change a ticket's status", *BOB, "status", n, "resolved"
    )
    assert_refused_and_unchanged(
        team, 1, "only staff may assign tickets", *BOB, "assign", n, "agent@example.com"
    )
    assert_refused_and_unchanged(
        team, 1, "only staff may add internal notes", *BOB, "reply", n, "--internal", "--body", "x"
    )
    assert_refused_and_unchanged(
        team, 1, "only staff may request information", *BOB, "reply", n, "--request-info", "--body", "x"
    )
    assert_refused_and_unchanged(
        team, 1, "only staff may filter by assignee", *BOB, "list", "--assignee", "agent@example.com"
    )


def test_closed_ticket_is_read_only(team: Home) -> None:
    n = str(team.create("bob@example.com"))
    team.ok(*STAFF, "status", n, "closed")
    message = "the ticket is closed and read-only"
    assert_refused_and_unchanged(team, 5, message, *BOB, "reply", n, "--body", "hello?")
    assert_refused_and_unchanged(team, 5, message, *STAFF, "reply", n, "--body", "late")
    assert_refused_and_unchanged(team, 5, message, *STAFF, "reply", n, "--internal", "--body", "late")
    assert_refused_and_unchanged(team, 5, message, *STAFF, "status", n, "open")
    assert_refused_and_unchanged(team, 5, message, *STAFF, "assign", n, "admin@example.com")


def test_unknown_status_name_is_a_usage_error(team: Home) -> None:
    n = str(team.create("bob@example.com"))
    result = team.refused(2, *STAFF, "status", n, "done")
    assert "'done' is not one of" in result.stderr
    assert team.refused(2, *STAFF, "list", "--status", "pending").exit_code == 2


def test_option_conflicts(team: Home) -> None:
    n = str(team.create("bob@example.com"))
    assert_refused_and_unchanged(
        team, 2, "use one of --open, --closed and --status", *STAFF, "list", "--open", "--closed"
    )
    assert_refused_and_unchanged(
        team,
        2,
        "use one of --request-info and --resolve",
        *STAFF,
        "reply",
        n,
        "--body",
        "x",
        "--resolve",
        "--request-info",
    )
    assert_refused_and_unchanged(team, 2, "exactly one of --body and --body-file", *STAFF, "reply", n)
    assert_refused_and_unchanged(
        team,
        2,
        "--guest-email is for guests",
        *BOB,
        "create",
        "--subject",
        "s",
        "--body",
        "b",
        "--guest-email",
        "g@example.com",
    )
    assert_refused_and_unchanged(
        team, 2, "create needs --as EMAIL", "create", "--subject", "s", "--body", "b"
    )
    assert_refused_and_unchanged(team, 2, "list needs --as EMAIL", "list")


def test_body_file_missing_directory_or_not_utf8(team: Home, tmp_path: Path) -> None:
    create = (*BOB, "create", "--subject", "s")
    assert_refused_and_unchanged(team, 1, "no such file", *create, "--body-file", str(tmp_path / "nope.txt"))
    assert_refused_and_unchanged(team, 1, "is a directory", *create, "--body-file", str(tmp_path))
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Привіт".encode("cp1251"))
    assert_refused_and_unchanged(team, 1, "is not UTF-8 text", *create, "--body-file", str(latin1))
    assert_refused_and_unchanged(
        team, 1, "standard input is not UTF-8", *create, "--body-file", "-", input=b"\xff\xfe"
    )


def test_malformed_config_names_the_file_and_line(home: Home, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[limits]\nsubject_max_chars = 10\nbody_max_chars = "many\n', encoding="utf-8")
    result = home.refused(1, "--config", str(bad), "user", "list")
    assert str(bad) in result.stderr and "line 3" in result.stderr
    assert not home.db_path.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[limits]\nsubject_max_chars = 'ten'\n", "[limits] subject_max_chars must be a number"),
        ("[limits]\nsubjct_max_chars = 10\n", "unknown key 'subjct_max_chars' in [limits]"),
        ("[nonsense]\nx = 1\n", "unknown section [nonsense]"),
        ("[email]\ntransport = 'pigeon'\n", "[email] transport must be one of file, smtp"),
        ("[limits]\nbody_max_chars = -1\n", "must not be negative"),
    ],
)
def test_wrong_config_values(home: Home, tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    result = home.refused(1, "--config", str(path), "user", "list")
    assert message in result.stderr and str(path) in result.stderr


def test_missing_explicit_config(home: Home, tmp_path: Path) -> None:
    result = home.refused(1, "--config", str(tmp_path / "none.toml"), "user", "list")
    assert "does not exist" in result.stderr
    result = home.run("user", "list")  # no config anywhere: defaults
    assert result.exit_code == 0


def test_store_path_that_cannot_be_written(home: Home, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    result = home.refused(1, "--db", str(blocker / "sub" / "support.db"), "user", "add", "a@example.com")
    assert "cannot open the store" in result.stderr
    # Directory permissions do not stop root (CI runs as root); /proc stops everyone.
    result = home.refused(1, "--db", "/proc/self/support.db", "user", "add", "a@example.com")
    assert "cannot open the store at /proc/self/support.db" in result.stderr
    assert not Path("/proc/self/support.db").exists()


def test_not_a_database(home: Home, tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    result = home.refused(1, "--db", str(junk), "user", "list")
    assert "cannot open the store" in result.stderr
    assert junk.read_bytes() == b"this is not sqlite" * 100


def test_an_internal_note_takes_no_status_flag(team: Home) -> None:
    n = str(team.create("bob@example.com"))
    for flag in ("--resolve", "--request-info"):
        assert_refused_and_unchanged(
            team,
            2,
            "an internal note does not change the status",
            *STAFF,
            "reply",
            n,
            "--internal",
            "--body",
            "x",
            flag,
        )


def test_outbox_refusals(team: Home) -> None:
    assert_refused_and_unchanged(
        team, 2, "--state must be one of pending", "outbox", "list", "--state", "stuck"
    )
    number = team.create(None, "g", "x", guest_email="g@example.net")
    link = team.ok("guest", "link", str(number)).stdout.strip()
    team.ok("guest", "request-code", link)
    code_notice = team.sql("SELECT id FROM notices WHERE kind = 'code'")[0][0]
    with closing(sqlite3.connect(team.db_path)) as cx, cx:
        cx.execute("UPDATE notices SET state = 'dead', sealed_code = NULL WHERE id = ?", (code_notice,))
    before = team.sql("SELECT state, attempts FROM notices WHERE id = ?", code_notice)
    assert_refused_and_unchanged(
        team, 5, "a verification code is never re-sent", "outbox", "retry", str(code_notice)
    )
    assert team.sql("SELECT state, attempts FROM notices WHERE id = ?", code_notice) == before


def test_guest_access_commands_on_an_account_ticket(team: Home) -> None:
    n = str(team.create("bob@example.com"))
    versions = team.sql("SELECT link_version, guest_failures FROM tickets")
    for command in ("revoke", "unlock", "link"):
        assert_refused_and_unchanged(team, 3, f"guest ticket #{n} not found", *STAFF, "guest", command, n)
    assert team.sql("SELECT link_version, guest_failures FROM tickets") == versions


def test_push_subscribe_takes_one_source(team: Home, tmp_path: Path) -> None:
    source = tmp_path / "sub.json"
    source.write_text("{}", encoding="utf-8")
    bob = ("--as", "bob@example.com")
    for args in (("--file", str(source), "-"), (), ("elsewhere",)):
        assert_refused_and_unchanged(
            team, 2, "give --file FILE, or - for standard input", *bob, "push", "subscribe", *args
        )
    assert team.count("push_subscriptions") == 0
