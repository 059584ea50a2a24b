"""Fixtures: an isolated home (config, data, store) per test, and the real `support` command."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.app import app
from store import clock
from tests.peers import PushPeer, SmtpPeer


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", help="run the long sweeps too")
    parser.addoption(
        "--crash-iterations", default=150, type=int, help="kills in the crash sweep (default 150)"
    )


def pytest_configure(config: pytest.Config) -> None:
    from hypothesis import HealthCheck, settings

    checks = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
    settings.register_profile(
        "ci", max_examples=200, derandomize=True, deadline=None, suppress_health_check=checks
    )
    settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=checks)
    settings.load_profile("long" if config.getoption("--slow") else "ci")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="long sweep: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


class Home:
    """One user's world: XDG dirs under tmp_path, so the zero-config defaults are exercised."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data_dir = root / "data" / "support"
        self.config_dir = root / "config" / "support"
        self.runner = CliRunner()

    @property
    def db_path(self) -> Path:
        return self.data_dir / "support.db"

    def env(self) -> dict[str, str]:
        return {
            "XDG_DATA_HOME": str(self.root / "data"),
            "XDG_CONFIG_HOME": str(self.root / "config"),
            "HOME": str(self.root),
            "NO_COLOR": "1",
        }

    def run(self, *args: str, input: str | bytes | None = None) -> Result:
        result = self.runner.invoke(app, list(args), input=input, env=self.env(), catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    def ok(self, *args: str, input: str | bytes | None = None) -> Result:
        result = self.run(*args, input=input)
        assert result.exit_code == 0, f"exit {result.exit_code}: {result.stderr}{result.stdout}"
        return result

    def refused(self, code: int, *args: str, input: str | bytes | None = None) -> Result:
        """Runs a command that must fail: its exit code, one `Error:` line, no traceback."""
        result = self.run(*args, input=input)
        assert result.exit_code == code, f"exit {result.exit_code} != {code}: {result.stderr}{result.stdout}"
        assert "Traceback" not in result.stderr + result.stdout
        assert result.stderr.startswith("Error: "), result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
        return result

    def write_config(self, sections: dict[str, dict[str, Any]]) -> Path:
        """Write the user's config file (found by the default search, no flags needed)."""
        import tomli_w

        self.config_dir.mkdir(parents=True, exist_ok=True)
        path = self.config_dir / "config.toml"
        path.write_text(tomli_w.dumps(sections), encoding="utf-8")
        return path

    def outbox(self) -> list[EmailMessage]:
        """Messages the file transport wrote, oldest notice first."""
        folder = self.data_dir / "outbox"
        return [
            message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(folder.glob("notice-*.eml"))
        ]

    def deliver(self) -> Result:
        """One pass of the real daemon (`support daemon run --once`)."""
        return self.ok("daemon", "run", "--once")

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(self.db_path)) as cx:
            return cx.execute(query, params).fetchall()

    def count(self, table: str) -> int:
        if not self.db_path.exists():
            return 0
        return int(self.sql(f"SELECT COUNT(*) FROM {table}")[0][0])

    def count_where(self, table: str, condition: str) -> int:
        return int(self.sql(f"SELECT COUNT(*) FROM {table} WHERE {condition}")[0][0])

    def counts(self) -> dict[str, int]:
        return {t: self.count(t) for t in ("accounts", "tickets", "messages", "events", "notices")}

    # Shortcuts for the scenario most tests start from.
    def add_user(self, email: str, role: str = "customer", locale: str = "en", name: str = "") -> None:
        self.ok("user", "add", email, "--role", role, "--locale", locale, "--name", name)

    def create(self, as_: str | None, subject: str = "Help", body: str = "Body", **extra: str) -> int:
        args = ["--as", as_] if as_ else []
        args += ["create", "--subject", subject, "--body", body, "--json"]
        for key, value in extra.items():
            args += [f"--{key.replace('_', '-')}", value]
        return int(self.ok(*args).json()["number"])


@pytest.fixture(autouse=True)
def real_clock() -> Iterator[None]:
    """Every test starts on real time, whatever an earlier one froze."""
    clock.set_now(None)
    yield
    clock.set_now(None)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Home]:
    for name in list(os.environ):
        if name.startswith("SUPPORT_"):
            monkeypatch.delenv(name)
    world = Home(tmp_path)
    for key, value in world.env().items():
        monkeypatch.setenv(key, value)
    yield world
    clock.set_now(None)


@pytest.fixture
def team(home: Home) -> Home:
    """An agent, an admin and two customers (one Ukrainian-speaking)."""
    home.add_user("agent@example.com", "agent", name="Марія Агент")
    home.add_user("admin@example.com", "admin")
    home.add_user("olena@example.com", "customer", "uk", "Олена")
    home.add_user("bob@example.com", "customer")
    return home


@pytest.fixture
def smtp() -> Iterator[SmtpPeer]:
    peer = SmtpPeer().start()
    yield peer
    peer.stop()


@pytest.fixture
def push() -> Iterator[PushPeer]:
    peer = PushPeer().start()
    yield peer
    peer.stop()


def smtp_config(peer: SmtpPeer, **extra: Any) -> dict[str, Any]:
    return {
        "transport": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": peer.port,
        "smtp_security": "none",
        "smtp_user": "",
        "timeout_seconds": 5,
        **extra,
    }
