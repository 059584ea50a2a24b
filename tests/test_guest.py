"""Guest access: the unique link, e-mail codes and guest sessions, attacked as an attacker would."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from store import clock
from tests.conftest import Home

T0 = datetime(2026, 11, 25, 9, 0, 0, tzinfo=UTC)
ANSWER = "If the link is valid, a verification code is on its way to the address it belongs to.\n"


@pytest.fixture
def guest(team: Home) -> tuple[Home, int, str]:
    clock.set_now(T0)
    number = team.create(None, "Гість не може увійти", "Допоможіть", guest_email="Visitor@Example.net")
    link = team.ok("guest", "link", str(number)).stdout.strip()
    return team, number, link


def last_code(home: Home) -> str:
    """The code as the guest reads it: from the e-mail the real daemon wrote."""
    home.deliver()
    for message in reversed(home.outbox()):
        body = message.get_body(("plain",))
        assert body is not None
        found = re.search(r"\b(\d{6,10})\b", str(body.get_content()))
        if found and "code" in str(message["Subject"]).lower():
            return found.group(1)
    raise AssertionError("no code e-mail")


def code_notices(home: Home) -> int:
    return home.count_where("notices", "kind = 'code'")


def session_for(home: Home, link: str) -> str:
    home.ok("guest", "request-code", link)
    return str(home.ok("guest", "verify", link, last_code(home), "--json").json()["session"])


def test_link_shape_and_whole_guest_flow(guest: tuple[Home, int, str]) -> None:
    home, number, link = guest
    assert link.startswith(f"https://support.example.com/guest/{number}?token=")
    assert len(link.rsplit("=", 1)[1]) >= 22  # >= 128 bits
    assert home.ok("guest", "request-code", link).stdout == ANSWER
    code = last_code(home)
    assert len(code) == 8
    result = home.ok("guest", "verify", link, code, "--json").json()
    assert result["ticket"] == number and result["expires_at"].endswith("Z")
    session = result["session"]
    assert len(session) >= 40
    seen = home.ok("--guest-session", session, "view", str(number), "--json").json()
    assert seen["subject"] == "Гість не може увійти"
    home.ok("--as", "agent@example.com", "reply", str(number), "--body", "Скиньте скрін", "--request-info")
    home.ok("--guest-session", session, "reply", str(number), "--body", "Ось скрін")
    assert home.sql("SELECT status FROM tickets")[0][0] == "open"  # a guest reply reopens, like a customer's
    events = home.ok("--guest-session", session, "view", str(number), "--json").json()["events"]
    assert events[-1]["actor"] == "visitor@example.net" and events[-1]["to"] == "open"
    listed = home.ok("--guest-session", session, "list", "--json").json()
    assert [t["number"] for t in listed] == [number]


def test_the_link_alone_shows_and_sends_nothing(guest: tuple[Home, int, str]) -> None:
    home, _, link = guest
    before = home.counts()
    home.refused(4, "guest", "verify", link, "00000000")
    assert code_notices(home) == 0
    assert home.counts()["notices"] == before["notices"]


def test_request_code_answer_never_varies(guest: tuple[Home, int, str]) -> None:
    home, number, link = guest
    other = home.create("bob@example.com", "account ticket")
    token = link.rsplit("=", 1)[1]
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (
        link.replace(token, flipped),
        link.replace(str(number), str(other)),
        link.replace(str(number), "99999"),
        "not a link at all",
        "",
    ):
        result = home.run("guest", "request-code", bad)
        assert (result.exit_code, result.stdout, result.stderr) == (0, ANSWER, "")
    assert code_notices(home) == 0


def test_one_changed_character_and_another_tickets_link_are_refused(guest: tuple[Home, int, str]) -> None:
    home, number, link = guest
    second = home.create(None, "Second", "x", guest_email="visitor@example.net")
    second_link = home.ok("guest", "link", str(second)).stdout.strip()
    token = link.rsplit("=", 1)[1]
    home.ok("guest", "request-code", link)
    code = last_code(home)
    for position in (0, len(token) // 2, len(token) - 1):
        changed = token[:position] + ("x" if token[position] != "x" else "y") + token[position + 1 :]
        result = home.refused(4, "guest", "verify", link.replace(token, changed), code)
        assert result.stderr == "Error: the link or code is not valid\n"
    swapped = second_link.replace(str(second), str(number))
    assert (
        home.refused(4, "guest", "verify", swapped, code).stderr == "Error: the link or code is not valid\n"
    )
    assert home.count("guest_sessions") == 0
    assert home.ok("guest", "verify", link, code).exit_code == 0


def test_expiry_at_the_boundary(guest: tuple[Home, int, str]) -> None:
    home, number, link = guest
    home.ok("guest", "request-code", link)
    code = last_code(home)
    clock.set_now(T0 + timedelta(minutes=10))
    result = home.refused(4, "guest", "verify", link, code)
    assert "expired" in result.stderr and home.count("guest_sessions") == 0
    clock.set_now(T0 + timedelta(minutes=15, seconds=1))
    home.ok("guest", "request-code", link)
    fresh = last_code(home)
    clock.set_now(T0 + timedelta(minutes=25, seconds=1) - timedelta(microseconds=1))
    session = home.ok("guest", "verify", link, fresh, "--json").json()
    assert session["expires_at"] == "2026-11-26T09:25:00Z"
    clock.set_now(T0 + timedelta(hours=24, minutes=25))
    home.ok("--guest-session", session["session"], "view", str(number))
    clock.set_now(T0 + timedelta(hours=24, minutes=25, seconds=1))
    assert (
        "not valid or has expired"
        in home.refused(4, "--guest-session", session["session"], "view", str(number)).stderr
    )


def test_codes_are_single_use(guest: tuple[Home, int, str]) -> None:
    home, _, link = guest
    home.ok("guest", "request-code", link)
    code = last_code(home)
    home.ok("guest", "verify", link, code)
    assert "no valid code" in home.refused(4, "guest", "verify", link, code).stderr
    assert home.count("guest_sessions") == 1


def test_two_processes_verifying_one_code_get_one_session(guest: tuple[Home, int, str]) -> None:
    home, _, link = guest
    clock.set_now(None)
    home.ok("guest", "request-code", link)
    code = last_code(home)
    support = str(Path(sys.executable).parent / "support")
    env = home.env()
    procs = [
        subprocess.Popen(
            [support, "guest", "verify", link, code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    codes = sorted(p.wait(timeout=60) for p in procs)
    assert codes == [0, 4]
    assert home.count("guest_sessions") == 1


def test_only_the_newest_code_is_valid(guest: tuple[Home, int, str]) -> None:
    home, _, link = guest
    home.ok("guest", "request-code", link)
    first = last_code(home)
    home.ok("guest", "request-code", link)
    second = last_code(home)
    assert first != second
    assert (
        home.refused(4, "guest", "verify", link, first).stderr == "Error: the code is wrong; 4 tries left\n"
    )
    assert home.count("guest_sessions") == 0
    home.ok("guest", "verify", link, second)


def test_five_wrong_tries_spend_the_code(guest: tuple[Home, int, str]) -> None:
    home, _, link = guest
    home.ok("guest", "request-code", link)
    code = last_code(home)
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    messages = [home.refused(4, "guest", "verify", link, wrong).stderr for _ in range(5)]
    assert messages[0] == "Error: the code is wrong; 4 tries left\n"
    assert messages[3] == "Error: the code is wrong; 1 try left\n"
    assert messages[4] == "Error: the code is wrong and no tries are left; request a new code\n"
    assert "no valid code" in home.refused(4, "guest", "verify", link, code).stderr
    assert home.count("guest_sessions") == 0


def test_send_limits_queue_nothing_past_them(guest: tuple[Home, int, str]) -> None:
    home, _, link = guest
    for _ in range(5):
        assert home.ok("guest", "request-code", link).stdout == ANSWER
    assert code_notices(home) == 3  # 3 per 15 minutes
    for step in range(1, 6):
        clock.set_now(T0 + timedelta(minutes=16 * step))
        for _ in range(3):
            home.ok("guest", "request-code", link)
    assert code_notices(home) == 10  # 10 per day
    clock.set_now(T0 + timedelta(days=1, minutes=1))
    home.ok("guest", "request-code", link)
    assert code_notices(home) == 11


def test_lockout_after_consecutive_failures_and_staff_unlock(guest: tuple[Home, int, str]) -> None:
    home, number, link = guest
    results = [home.refused(4, "guest", "verify", link, "12345678").stderr for _ in range(100)]
    assert "locked" not in results[98] and "locked" in results[99]
    home.ok("guest", "request-code", link)
    assert code_notices(home) == 0  # locked: nothing is sent
    assert home.refused(3, "--as", "bob@example.com", "guest", "unlock", str(number)).stderr.startswith(
        "Error: ticket"
    )
    assert "unlocked" in home.ok("--as", "agent@example.com", "guest", "unlock", str(number)).stdout
    session_for(home, link)


def test_revocation_kills_old_links_and_sessions(guest: tuple[Home, int, str]) -> None:
    home, number, link = guest
    session = session_for(home, link)
    out = home.ok("--as", "agent@example.com", "guest", "revoke", str(number)).stdout
    new_link = out.strip().splitlines()[-1]
    assert new_link != link
    assert home.refused(4, "--guest-session", session, "view", str(number)).exit_code == 4
    home.ok("guest", "request-code", link)
    assert code_notices(home) == 1  # the one from before the revocation
    assert (
        home.refused(4, "guest", "verify", link, "00000000").stderr
        == "Error: the link or code is not valid\n"
    )
    session_for(home, new_link)


def test_address_case_and_unicode_variants_are_one_guest(team: Home) -> None:
    first = team.create(None, "a", "x", guest_email="Ivan.Petrenko@Example.COM")
    second = team.create(None, "b", "x", guest_email="ivan.petrenko@example.com")
    nfc = "Олексій@Пошта.укр"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    composed = team.create(None, "c", "x", guest_email=nfc)
    decomposed = team.create(None, "d", "x", guest_email=nfd)
    emails = dict(team.sql("SELECT number, guest_email FROM tickets"))
    assert emails[first] == emails[second] == "ivan.petrenko@example.com"
    assert emails[composed] == emails[decomposed] == "олексій@пошта.укр"
    link = team.ok("guest", "link", str(decomposed)).stdout.strip()
    team.ok("guest", "request-code", link)
    assert team.sql("SELECT recipient FROM notices WHERE kind = 'code'") == [("олексій@пошта.укр",)]


def test_guest_session_scope(guest: tuple[Home, int, str]) -> None:
    home, number, link = guest
    other = home.create("bob@example.com", "Bob's")
    session = session_for(home, link)
    as_guest = ("--guest-session", session)
    assert home.refused(3, *as_guest, "view", str(other)).stderr == f"Error: ticket #{other} not found\n"
    assert home.refused(3, *as_guest, "reply", str(other), "--body", "x").exit_code == 3
    before = home.counts()
    for args, code in (
        (("status", str(number), "resolved"), 1),
        (("assign", str(number), "agent@example.com"), 1),
        (("create", "--subject", "s", "--body", "b"), 1),
        (("user", "list"), 1),
        (("user", "add", "x@example.com"), 1),
        (("guest", "link", str(number)), 1),
        (("guest", "revoke", str(number)), 1),
        (("reply", str(number), "--internal", "--body", "x"), 1),
        (("daemon", "status"), 1),
        (("outbox", "list"), 1),
    ):
        home.refused(code, *as_guest, *args)
    assert home.counts() == before
    assert home.refused(1, *as_guest, "--as", "bob@example.com", "list").exit_code == 1
    for bad in ("garbage", "x" * 43, session[:-1] + ("a" if session[-1] != "a" else "b")):
        assert home.refused(4, "--guest-session", bad, "view", str(number)).exit_code == 4


def test_guest_link_is_for_staff_and_operator_only(guest: tuple[Home, int, str]) -> None:
    home, number, link = guest
    assert home.ok("--as", "agent@example.com", "guest", "link", f"#{number}").stdout.strip() == link
    assert home.refused(3, "--as", "bob@example.com", "guest", "link", str(number)).exit_code == 3
    account_ticket = home.create("bob@example.com")
    assert "guest ticket" in home.refused(3, "guest", "link", str(account_ticket)).stderr


def test_no_code_or_token_in_store_files_or_output(guest: tuple[Home, int, str]) -> None:
    home, number, link = guest
    request = home.ok("guest", "request-code", link)
    code = last_code(home)
    verify = home.ok("guest", "verify", link, code, "--json")
    session = verify.json()["session"]
    view = home.ok("--guest-session", session, "view", str(number))
    outputs = request.stdout + request.stderr + verify.stderr + view.stdout + view.stderr
    assert code not in outputs
    daemon_log = home.deliver().stderr
    assert code not in daemon_log and link.rsplit("=", 1)[1] not in daemon_log
    store_bytes = b"".join(p.read_bytes() for p in home.data_dir.glob("support.db*"))
    assert code.encode() not in store_bytes
    assert session.encode() not in store_bytes
    assert link.rsplit("=", 1)[1].encode() not in store_bytes
    assert home.sql("SELECT COUNT(*) FROM notices WHERE sealed_code IS NOT NULL") == [(0,)]


def test_code_e_mail_is_the_only_one_with_a_code(guest: tuple[Home, int, str]) -> None:
    home, number, link = guest
    home.ok("guest", "request-code", link)
    code = last_code(home)
    home.ok("--as", "agent@example.com", "reply", str(number), "--body", "hello")
    home.deliver()
    with_code = [m for m in home.outbox() if code in str(m.get_body(("plain",)).get_content())]  # type: ignore[union-attr]
    assert len(with_code) == 1 and "code" in str(with_code[0]["Subject"]).lower()
