"""Hostile input: arbitrary Unicode, control characters, huge and empty values, through the
real CLI. Each either works, or is refused with one clear line and its exit code, with no
traceback and nothing stored. (200 examples each in CI, 2000 with --slow.)"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from store import config
from store.attachments import Upload
from store.errors import UsageError
from store.service import Store
from tests.conftest import Home

STAFF = ("--as", "agent@example.com")
HUGE = st.builds(lambda ch, n: ch * n, st.characters(), st.integers(0, 30_000))
TEXT = st.one_of(
    st.text(max_size=300), HUGE, st.sampled_from(["", " ", "\n", "\x00", "\u202e", "\r\nBcc: x@y.z"])
)


def check_refusal(home: Home, before: dict[str, int], exit_code: int, stderr: str, allowed: set[int]) -> None:
    assert exit_code in allowed, (exit_code, stderr[:200])
    assert "Traceback" not in stderr
    if exit_code != 0:
        assert stderr.startswith("Error: ") and stderr.count("\n") == 1, stderr[:200]
        assert home.counts() == before


@given(subject=TEXT, body=TEXT)
def test_create_any_subject_and_body(team: Home, subject: str, body: str) -> None:
    before = team.counts()
    result = team.run("--as", "olena@example.com", "create", "--subject", subject, "--body", body, "--json")
    check_refusal(team, before, result.exit_code, result.stderr, {0, 2})
    if result.exit_code == 0:
        number = result.json()["number"]
        seen = team.ok("--as", "olena@example.com", "view", str(number), "--json").json()
        assert seen["subject"] == unicodedata.normalize("NFC", subject).strip()
        assert not any(unicodedata.category(ch) == "Cc" for ch in seen["subject"])


@given(email=TEXT, name=TEXT)
def test_user_add_any_address_and_name(home: Home, email: str, name: str) -> None:
    before = home.counts()
    result = home.run("user", "add", email, "--name", name, "--json")
    check_refusal(home, before, result.exit_code, result.stderr, {0, 1, 2})
    if result.exit_code == 0:
        added = result.json()
        assert added["email"] == unicodedata.normalize("NFC", email.strip()).lower()


@given(ticket=st.one_of(st.text(max_size=40), st.integers(-(10**20), 10**20).map(str)))
def test_any_ticket_number(team: Home, ticket: str) -> None:
    team.create("olena@example.com")
    before = team.counts()
    result = team.run(*STAFF, "view", ticket, "--json")
    check_refusal(team, before, result.exit_code, result.stderr, {0, 2, 3})


@given(query=TEXT)
def test_any_search(team: Home, query: str) -> None:
    before = team.counts()
    result = team.run(*STAFF, "list", "--search", query, "--json")
    check_refusal(team, before, result.exit_code, result.stderr, {0, 2})
    if result.exit_code == 0:
        assert isinstance(json.loads(result.stdout), list)


@given(link=TEXT, code=st.text(max_size=30))
def test_any_guest_link_and_code(team: Home, link: str, code: str) -> None:
    before = team.counts()
    asked = team.run("guest", "request-code", link)
    if link.startswith("-"):  # Click reads it as an option: a usage error before any look-up
        assert asked.exit_code == 2
    else:
        assert asked.exit_code == 0 and "If the link is valid" in asked.stdout
    verified = team.run("guest", "verify", link, code)
    # 4: refused; 2: an argument that looks like an option (`-0`), as for any command
    check_refusal(team, before, verified.exit_code, verified.stderr, {2, 4})
    assert team.counts() == before


@given(name=st.text(max_size=400), data=st.binary(max_size=2000))
def test_any_attachment_name_and_content(team: Home, name: str, data: bytes) -> None:
    store = Store.open(config.load())
    try:
        actor = store.actor_for("olena@example.com")
        before = team.counts() | {"attachments": team.count("attachments")}
        try:
            created = store.create_ticket(actor, "файл", "тіло", uploads=[Upload(name, data)])
        except UsageError as error:
            assert str(error) and "\n" not in str(error)
            assert team.counts() | {"attachments": team.count("attachments")} == before
        else:
            stored = created.attachments[0].name
            assert stored and "/" not in stored and "\\" not in stored and len(stored) <= 120
            assert not any(unicodedata.category(ch)[0] == "C" for ch in stored)
    finally:
        store.close()


VALUES = st.one_of(
    st.text(max_size=50),
    st.integers(-(10**12), 10**12),
    st.booleans(),
    st.lists(st.text(max_size=10), max_size=3),
)


@given(
    document=st.dictionaries(
        st.sampled_from(
            ["store", "limits", "guest", "email", "push", "delivery", "attachments", "links", "x"]
        ),
        st.dictionaries(
            st.sampled_from(
                [
                    "path",
                    "subject_max_chars",
                    "code_digits",
                    "transport",
                    "ttl_seconds",
                    "max_attempts",
                    "allowed_types",
                    "guest_url",
                    "busy_timeout_ms",
                    "y",
                ]
            ),
            VALUES,
            max_size=3,
        ),
        max_size=3,
    )
)
def test_any_config_values(home: Home, tmp_path: Path, document: dict[str, dict[str, object]]) -> None:
    path = tmp_path / "c.toml"
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    path.chmod(0o600)
    result = home.run("--config", str(path), "--db", str(tmp_path / "db.sqlite"), "user", "list", "--json")
    assert result.exit_code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    if result.exit_code == 1:
        assert result.stderr.startswith("Error: ") and str(path) in result.stderr


@pytest.mark.parametrize("raw", [b"\xff\xfe\x00", b"[store]\npath = 'x'\n[store]\n", b"= 1", b"\x00"])
def test_broken_config_files(home: Home, tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(raw)
    result = home.refused(1, "--config", str(path), "user", "list")
    assert str(path) in result.stderr
