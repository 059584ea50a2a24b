"""Every command as every kind of actor: who may do what, and that nothing of a ticket leaks
to anyone who may not see it (subject, words, notes, attachments, counts)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from store import clock
from tests.conftest import Home
from tests.test_guest import last_code

SUBJECT = "SECRET-SUBJECT-кварц"
WORD = "ЛЕЛЕКАслово"
NOTE = "NOTE-CANARY-ромашка"
ACTORS = ("operator", "admin", "agent", "requester", "other", "guest", "other_guest", "expired", "nobody")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    home = Home(tmp_path_factory.mktemp("authz"))
    for email, role in (
        ("admin@example.com", "admin"),
        ("agent@example.com", "agent"),
        ("olena@example.com", "customer"),
        ("bob@example.com", "customer"),
    ):
        home.add_user(email, role)
    shot = home.root / "shot.log"
    shot.write_text(f"log {WORD}\n", encoding="utf-8")
    created = home.ok(
        "--as",
        "olena@example.com",
        "create",
        "--subject",
        SUBJECT,
        "--body",
        f"тіло {WORD}",
        "--attach",
        str(shot),
        "--json",
    ).json()
    home.ok("--as", "agent@example.com", "reply", str(created["number"]), "--internal", "--body", NOTE)
    guest_ticket = home.create(None, "guest ticket", "guest body", guest_email="g@example.net")
    other_guest = home.create(None, "other guest", "other body", guest_email="h@example.net")

    def session(number: int) -> str:
        clock.advance(timedelta(minutes=16))  # clear of the per-ticket send limits
        link = home.ok("guest", "link", str(number)).stdout.strip()
        home.ok("guest", "request-code", link)
        return str(home.ok("guest", "verify", link, last_code(home), "--json").json()["session"])

    clock.set_now(clock.now())
    expired = session(guest_ticket)
    clock.advance(timedelta(hours=25))
    sessions = {"guest": session(guest_ticket), "other_guest": session(other_guest), "expired": expired}
    now = clock.now()
    clock.set_now(None)
    return {
        "home": home,
        "ticket": created["number"],
        "guest_ticket": guest_ticket,
        "sessions": sessions,
        "now": now,
    }


def as_(world: dict[str, object], actor: str) -> list[str]:
    sessions: dict[str, str] = world["sessions"]  # type: ignore[assignment]
    return {
        "operator": [],
        "admin": ["--as", "admin@example.com"],
        "agent": ["--as", "agent@example.com"],
        "requester": ["--as", "olena@example.com"],
        "other": ["--as", "bob@example.com"],
        "guest": ["--guest-session", sessions["guest"]],
        "other_guest": ["--guest-session", sessions["other_guest"]],
        "expired": ["--guest-session", sessions["expired"]],
        "nobody": ["--as", "nobody@example.com"],
    }[actor]


# command -> expected exit code per actor, in ACTORS order. Read-only commands and ones whose
# refusal stores nothing; the writing ones are checked separately below.
T, G = "{ticket}", "{guest_ticket}"
MATRIX: dict[tuple[str, ...], tuple[int, ...]] = {
    #                                              op adm agt req oth gst ogs exp nob
    ("view", T):                                   (2, 0, 0, 0, 3, 3, 3, 4, 4),
    ("view", G):                                   (2, 0, 0, 3, 3, 0, 3, 4, 4),
    ("list", "--json"):                            (2, 0, 0, 0, 0, 0, 0, 4, 4),
    ("list", "--search", WORD, "--json"):          (2, 0, 0, 0, 0, 0, 0, 4, 4),
    ("attachment", "list", T):                     (2, 0, 0, 0, 3, 3, 3, 4, 4),
    ("attachment", "get", "1", "-o", "-"):         (2, 0, 0, 0, 3, 3, 3, 4, 4),
    ("guest", "link", G):                          (0, 0, 0, 3, 3, 1, 1, 4, 4),
    ("user", "list"):                              (0, 0, 1, 1, 1, 1, 1, 4, 4),
    ("db", "status"):                              (0, 0, 1, 1, 1, 1, 1, 4, 4),
    ("daemon", "status"):                          (0, 0, 1, 1, 1, 1, 1, 4, 4),
    ("outbox", "list"):                            (0, 0, 1, 1, 1, 1, 1, 4, 4),
    ("push", "list"):                              (2, 0, 0, 0, 0, 1, 1, 4, 4),
    ("prefs",):                                    (2, 0, 0, 0, 0, 1, 1, 4, 4),
    ("status", T, "in_progress"):                  (2, 0, 0, 1, 3, 3, 3, 4, 4),
    ("assign", T, "agent@example.com"):            (2, 0, 0, 1, 3, 3, 3, 4, 4),
    ("reply", T, "--internal", "--body", "x"):     (2, 0, 0, 1, 3, 3, 3, 4, 4),
    ("create", "--subject", "s", "--body", "b"):   (2, 0, 0, 0, 0, 1, 1, 4, 4),
}  # fmt: skip


WRITES = ("status", "assign", "reply", "create")


@pytest.mark.parametrize("command", [c for c in MATRIX if c[0] not in WRITES], ids=lambda c: " ".join(c))
def test_who_may_do_what(world: dict[str, object], command: tuple[str, ...]) -> None:
    home: Home = world["home"]  # type: ignore[assignment]
    clock.set_now(world["now"])  # type: ignore[arg-type]
    args = [part.format(ticket=world["ticket"], guest_ticket=world["guest_ticket"]) for part in command]
    for actor, expected in zip(ACTORS, MATRIX[command], strict=True):
        before = home.counts()
        result = home.run(*as_(world, actor), *args)
        assert result.exit_code == expected, (actor, args, result.stderr)
        assert "Traceback" not in result.stdout + result.stderr
        assert home.counts() == before
        output = result.stdout + result.stderr
        may_see = actor in ("admin", "agent", "requester") or (actor == "operator" and command[0] == "guest")
        if not may_see:
            assert SUBJECT not in output and WORD not in output, (actor, args)
        if actor not in ("admin", "agent"):
            assert NOTE not in output, (actor, args)


@pytest.mark.parametrize("actor", ACTORS)
def test_writes_by_actor(world: dict[str, object], actor: str, tmp_path: Path) -> None:
    home: Home = world["home"]  # type: ignore[assignment]
    clock.set_now(world["now"])  # type: ignore[arg-type]
    for command, codes in MATRIX.items():
        if command[0] not in WRITES:
            continue
        expected = codes[ACTORS.index(actor)]
        args = [part.format(ticket=world["ticket"], guest_ticket=world["guest_ticket"]) for part in command]
        before = home.counts()
        result = home.run(*as_(world, actor), *args)
        assert result.exit_code == expected, (actor, args, result.stderr)
        if expected != 0:
            assert home.counts() == before, (actor, args)
            assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
            assert SUBJECT not in result.stderr


def test_the_matrix_covers_every_actor_kind() -> None:
    assert all(len(codes) == len(ACTORS) for codes in MATRIX.values())
    assert len(MATRIX) * len(ACTORS) >= 150
