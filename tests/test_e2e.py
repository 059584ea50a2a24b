"""A few end-to-end runs of the installed `support` command in real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SUPPORT = str(Path(sys.executable).parent / "support")


def run(env: dict[str, str], *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([SUPPORT, *args], env=env, input=input, capture_output=True, timeout=60)


def make_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORT_")}
    env.update(XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"), NO_COLOR="1")
    return env


def test_workflow_in_real_processes(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    assert run(env, "user", "add", "agent@example.com", "--role", "agent").returncode == 0
    assert run(env, "user", "add", "olena@example.com", "--locale", "uk").returncode == 0
    created = run(
        env,
        "--as",
        "olena@example.com",
        "create",
        "--subject",
        "Пароль",
        "--body-file",
        "-",
        "--json",
        input="Не приходить лист".encode(),
    )
    assert created.returncode == 0, created.stderr
    number = json.loads(created.stdout)["number"]
    assert (
        run(
            env,
            "--as",
            "agent@example.com",
            "reply",
            f"#{number}",
            "--body",
            "Перевірте спам",
            "--request-info",
        ).returncode
        == 0
    )
    view = run(env, "--as", "olena@example.com", "view", str(number))
    assert view.returncode == 0
    text = view.stdout.decode()
    assert "Не приходить лист" in text and "open → awaiting_info" in text


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    for args, code in (
        (("--as", "ghost@example.com", "list"), 4),
        (("view", "xyz"), 2),
        (("--config", str(tmp_path / "missing.toml"), "user", "list"), 1),
    ):
        result = run(env, *args)
        assert result.returncode == code, result.stderr
        assert result.stderr.decode().startswith("Error: ")
        assert result.stderr.count(b"\n") == 1 and b"Traceback" not in result.stderr


def test_concurrent_creators_get_distinct_sequential_numbers(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    assert run(env, "user", "add", "bob@example.com").returncode == 0
    script = (
        "import sys; from store import config; from store.service import Store;"
        "s = Store.open(config.load()); a = s.actor_for('bob@example.com');"
        "[s.create_ticket(a, f'p{sys.argv[1]}-{i}', 'body') for i in range(25)]"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(p)], env=env, stderr=subprocess.PIPE)
        for p in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    listed = json.loads(run(env, "--as", "bob@example.com", "list", "--limit", "0", "--json").stdout)
    assert sorted(t["number"] for t in listed) == list(range(10001, 10101))
