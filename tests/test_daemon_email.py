"""E-mail notices, as a real SMTP server on 127.0.0.1 receives them from the real daemon."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import timedelta
from email.utils import getaddresses

from store import clock
from tests.conftest import Home, smtp_config
from tests.peers import SmtpPeer, parts

CANARY = "REPLY-CANARY-31337"
NOTE = "NOTE-CANARY-4242"
STAFF = ("--as", "agent@example.com")


def scenario(home: Home) -> tuple[int, int]:
    account = home.create("olena@example.com", "Вивід коштів", f"мій текст {CANARY}")
    guest = home.create(None, "Reset mail", f"guest text {CANARY}", guest_email="Visitor@Example.net")
    home.ok(*STAFF, "reply", str(account), "--body", f"Відповідь {CANARY}", "--request-info")
    home.ok(*STAFF, "reply", str(account), "--internal", "--body", NOTE)
    home.ok(*STAFF, "reply", str(guest), "--body", f"Answer {CANARY}", "--resolve")
    return account, guest


def test_messages_over_smtp(team: Home, smtp: SmtpPeer) -> None:
    team.write_config(
        {"email": smtp_config(smtp, from_address="no-reply@help.example.org", from_name="Help")}
    )
    account, guest = scenario(team)
    assert "4 notices handled" in team.deliver().stderr
    messages = smtp.wait_for(4)
    assert len(messages) == 4
    guest_link = team.ok("guest", "link", str(guest)).stdout.strip()
    by_subject = {str(m["Subject"]): m for m in messages}
    uk_status = by_subject[f"Статус вашого звернення в підтримку № {account} оновлено"]
    en_received = by_subject[f"We received your support ticket #{guest}"]
    en_status = by_subject[f"Status of your support ticket #{guest} has been updated"]
    for message in messages:
        assert str(message["From"]) == "Help <no-reply@help.example.org>"
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["Message-ID"].startswith("<notice.") and message["Message-ID"].endswith(
            "@help.example.org>"
        )
        assert message["In-Reply-To"] == message["References"]
        text, html = parts(message)
        assert CANARY not in text + html and NOTE not in text + html
        assert "no-reply" in text or "не можна відповісти" in text
    assert len({m["Message-ID"] for m in messages}) == 4
    threads = {m["References"] for m in messages if str(account) in str(m["Subject"])}
    assert len(threads) == 1
    assert en_status["References"] == en_received["References"] != uk_status["References"]
    text, html = parts(uk_status)
    assert "чекає на вас" in text and f"https://support.example.com/tickets/{account}" in text
    assert f'href="https://support.example.com/tickets/{account}"' in html
    assert getaddresses([str(uk_status["To"])]) == [("Олена", "olena@example.com")]
    for guest_message in (en_received, en_status):
        text, html = parts(guest_message)
        assert guest_link in text and guest_link.replace("&", "&amp;") in html
        assert "resolved" in text or "received" in text
    assert smtp.received[0][0] in (["olena@example.com"], ["visitor@example.net"])


def test_file_transport_is_the_zero_config_default(team: Home) -> None:
    scenario(team)
    team.deliver()
    messages = team.outbox()
    assert len(messages) == 4
    assert all(m["Auto-Submitted"] == "auto-generated" for m in messages)
    assert all(CANARY not in "".join(parts(m)) for m in messages)
    assert team.deliver().stderr.count("sent") == 0  # nothing is sent twice
    assert len(team.outbox()) == 4


def test_transient_failure_retries_with_the_same_message_id(team: Home, smtp: SmtpPeer) -> None:
    team.write_config({"email": smtp_config(smtp)})
    team.create("bob@example.com")
    smtp.answers.extend(["451 4.3.0 try again later"])
    log = team.deliver().stderr
    assert "attempt 1 failed (server answered 451)" in log and "retry in" in log
    assert smtp.received == []
    row = team.sql("SELECT state, attempts, next_attempt_at, last_error FROM notices")[0]
    assert row[0] == "pending" and row[1] == 1 and row[3] == "server answered 451"
    assert team.ok("outbox", "list", "--state", "retrying", "--json").json()[0]["attempts"] == 1
    team.deliver()
    assert smtp.received == []  # not due yet
    clock.set_now(clock.from_text(row[2]) + timedelta(seconds=1))
    team.deliver()
    assert len(smtp.wait_for(1)) == 1
    assert team.sql("SELECT state, attempts FROM notices") == [("sent", 2)]
    from daemon.email import build_message
    from store import config
    from store.service import Store

    store = Store.open(config.load())
    try:
        with store.cx:
            store.cx.execute("UPDATE notices SET state = 'pending', next_attempt_at = ''")
        again = store.claim_notices("test", 10)[0]
        assert (
            build_message(again, store.config, store.config.server_secret())["Message-ID"]
            == (smtp.messages()[0]["Message-ID"])
        )
    finally:
        store.close()


def test_permanent_failure_is_dead_and_can_be_retried(team: Home, smtp: SmtpPeer) -> None:
    team.write_config({"email": smtp_config(smtp)})
    team.create("bob@example.com")
    smtp.answers.append("550 5.1.1 no such user")
    assert "dead" in team.deliver().stderr
    dead = team.ok("outbox", "list", "--state", "dead", "--json").json()
    assert [(n["state"], n["last_error"]) for n in dead] == [("dead", "server answered 550")]
    status = team.ok("daemon", "status", "--json").json()
    assert status["notices"]["dead"] == 1 and status["daemons"][0]["stopped_at"] is not None
    assert "queued again" in team.ok("outbox", "retry", str(dead[0]["id"])).stdout
    team.deliver()
    assert len(smtp.wait_for(1)) == 1
    assert team.ok("daemon", "status", "--json").json()["notices"]["sent"] == 1
    result = team.refused(5, "outbox", "retry", str(dead[0]["id"]))
    assert "only dead or pending" in result.stderr
    assert team.refused(3, "outbox", "retry", "999").stderr == "Error: notice 999 not found\n"


def test_attempts_stop_at_the_limit(team: Home, smtp: SmtpPeer) -> None:
    team.write_config(
        {"email": smtp_config(smtp), "delivery": {"max_attempts": 3, "backoff_base_seconds": 1}}
    )
    team.create("bob@example.com")
    smtp.answers.extend(["421 busy"] * 10)
    for _ in range(5):
        team.deliver()
        clock.advance(timedelta(hours=2))
    row = team.sql("SELECT state, attempts FROM notices")[0]
    assert row == ("dead", 3)
    assert len(smtp.answers) == 7  # exactly three tries reached the server


def test_unreachable_server_is_transient(team: Home) -> None:
    from tests.peers import free_port

    team.write_config(
        {
            "email": {
                "transport": "smtp",
                "smtp_host": "127.0.0.1",
                "smtp_port": free_port(),
                "smtp_security": "none",
                "timeout_seconds": 2,
            }
        }
    )
    team.create("bob@example.com")
    log = team.deliver().stderr
    assert "connection: ConnectionRefusedError" in log
    assert team.sql("SELECT state FROM notices") == [("pending",)]


def test_names_cannot_inject_headers(team: Home, smtp: SmtpPeer) -> None:
    team.write_config({"email": smtp_config(smtp)})
    team.create("bob@example.com")
    # Another front end might write a name the CLI would refuse; the message must stay whole.
    with closing(sqlite3.connect(team.db_path)) as cx, cx:
        cx.execute(
            "UPDATE accounts SET name = 'Eve\r\nBcc: victim@example.org' WHERE email = 'bob@example.com'"
        )
    team.deliver()
    message = smtp.wait_for(1)[0]
    assert message["Bcc"] is None
    assert smtp.received[0][0] == ["bob@example.com"]
    assert team.refused(2, "user", "add", "x@example.com", "--name", "Eve\nBcc: v@example.org").exit_code == 2


def test_preferences_decide_the_channels(team: Home) -> None:
    assert (
        team.ok("--as", "olena@example.com", "prefs", "--no-email", "--json").json()["email_notices"] is False
    )
    team.create("olena@example.com")
    assert team.count("notices") == 0
    out = team.ok("--as", "olena@example.com", "prefs", "--email", "--locale", "en").stdout
    assert "e-mail notices on" in out and "language en" in out
    team.create("olena@example.com")
    assert team.sql("SELECT channel, locale FROM notices") == [("email", "en")]
    assert team.refused(2, "prefs", "--no-email").exit_code == 2


def test_scheduled_rules(team: Home) -> None:
    clock.set_now(clock.from_text("2026-11-01T09:00:00.000000Z"))
    waiting = team.create("bob@example.com", "waiting")
    team.ok(*STAFF, "reply", str(waiting), "--body", "need info", "--request-info")
    solved = team.create("olena@example.com", "solved")
    team.ok(*STAFF, "status", str(solved), "resolved")
    clock.advance(timedelta(days=3, seconds=1))
    team.deliver()
    team.deliver()  # a second pass reminds nobody twice
    kinds = team.sql("SELECT ticket, kind FROM notices WHERE kind = 'reminder'")
    assert kinds == [(waiting, "reminder")]
    clock.advance(timedelta(days=4))
    team.deliver()
    statuses = dict(team.sql("SELECT number, status FROM tickets"))
    assert statuses == {waiting: "resolved", solved: "closed"}
    events = team.sql("SELECT actor, old, new FROM events WHERE actor = 'system' ORDER BY id")
    assert ("system", "awaiting_info", "resolved") in events and ("system", "resolved", "closed") in events
    subjects = [str(m["Subject"]) for m in team.outbox()]
    assert f"Your support ticket #{waiting} is waiting for your answer" in subjects


def test_subjects_from_another_front_end_cannot_inject_headers(team: Home, smtp: SmtpPeer) -> None:
    team.write_config({"email": smtp_config(smtp)})
    number = team.create("bob@example.com", "plain")
    with closing(sqlite3.connect(team.db_path)) as cx, cx:
        cx.execute(
            "UPDATE tickets SET subject = ? WHERE number = ?",
            ("x\r\nBcc: victim@example.org\r\n\r\nbody", number),
        )
    team.deliver()
    message = smtp.wait_for(1)[0]
    assert message["Bcc"] is None and smtp.received[0][0] == ["bob@example.com"]
    assert str(message["Subject"]) == f"We received your support ticket #{number}"
    text, html = parts(message)
    assert "victim@example.org" in text and "victim@example.org" in html  # only ever body text


def test_an_internationalised_address_over_smtp(team: Home, smtp: SmtpPeer) -> None:
    """yagmail's own composition crashes on such addresses; ours goes out with SMTPUTF8."""
    team.write_config({"email": smtp_config(smtp)})
    number = team.create(None, "Пароль", "текст", guest_email="Іван@Пошта.укр", locale="uk")
    team.deliver()
    message = smtp.wait_for(1)[0]
    assert smtp.received[0][0] == ["іван@пошта.укр"]
    assert "іван@пошта.укр" in str(message["To"])
    assert str(message["Subject"]) == f"Ми отримали ваше звернення в підтримку № {number}"
