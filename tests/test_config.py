"""`support init`, the config's location rules, and the zero-config defaults."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

from tests.conftest import Home


def test_zero_config_uses_the_user_data_dir(home: Home) -> None:
    home.ok("user", "add", "a@example.com")
    assert home.db_path.exists()
    assert not (home.config_dir / "config.toml").exists()


def test_init_writes_a_private_commented_config_with_secrets(home: Home) -> None:
    result = home.ok("init")
    path = home.config_dir / "config.toml"
    assert str(path) in result.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert text.count("\n# ") > 20
    data = tomllib.loads(text)
    assert len(data["secrets"]["server_secret"]) >= 40
    assert data["push"]["vapid_private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    assert len(data["push"]["vapid_public_key"]) == 87
    assert home.db_path.exists()
    assert data["secrets"]["server_secret"] not in result.stdout + result.stderr


def test_init_refuses_to_overwrite_without_force(home: Home) -> None:
    home.ok("init")
    path = home.config_dir / "config.toml"
    first = path.read_text(encoding="utf-8")
    result = home.refused(1, "init")
    assert "exists; use --force" in result.stderr
    assert path.read_text(encoding="utf-8") == first
    home.ok("init", "--force")
    assert path.read_text(encoding="utf-8") != first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_config_search_order(home: Home, tmp_path: Path) -> None:
    explicit = tmp_path / "explicit.toml"
    explicit.write_text(f'[store]\npath = "{tmp_path / "explicit.db"}"\n', encoding="utf-8")
    from_env = tmp_path / "env.toml"
    from_env.write_text(f'[store]\npath = "{tmp_path / "env.db"}"\n', encoding="utf-8")
    home.config_dir.mkdir(parents=True)
    (home.config_dir / "config.toml").write_text(
        f'[store]\npath = "{tmp_path / "user.db"}"\n', encoding="utf-8"
    )
    home.ok("user", "add", "user@example.com")
    assert (tmp_path / "user.db").exists()
    env = {**home.env(), "SUPPORT_CONFIG": str(from_env)}
    from cli.app import app

    assert home.runner.invoke(app, ["user", "add", "env@example.com"], env=env).exit_code == 0
    assert (tmp_path / "env.db").exists()
    assert (
        home.runner.invoke(
            app, ["--config", str(explicit), "user", "add", "x@example.com"], env=env
        ).exit_code
        == 0
    )
    assert (tmp_path / "explicit.db").exists()
    assert (
        home.runner.invoke(
            app, ["--db", str(tmp_path / "flag.db"), "user", "add", "f@example.com"], env=env
        ).exit_code
        == 0
    )
    assert (tmp_path / "flag.db").exists()


def test_generated_secret_is_private_and_stable(home: Home) -> None:
    from store import config

    loaded = config.load()
    first = loaded.server_secret()
    assert first == config.load().server_secret()
    assert stat.S_IMODE((loaded.data_dir / "secret").stat().st_mode) == 0o600


def test_a_world_readable_config_with_secrets_draws_a_warning(home: Home) -> None:
    home.ok("init")
    path = home.config_dir / "config.toml"
    quiet = home.ok("user", "list")
    assert "Warning" not in quiet.stderr
    path.chmod(0o644)
    warned = home.ok("user", "list")
    assert warned.stderr.startswith(f"Warning: {path} holds secrets")
    assert "chmod 600" in warned.stderr
    secret = tomllib.loads(path.read_text(encoding="utf-8"))["secrets"]["server_secret"]
    assert secret not in warned.stderr


def test_a_world_readable_config_without_secrets_is_fine(home: Home, tmp_path: Path) -> None:
    path = tmp_path / "plain.toml"
    path.write_text("[limits]\nsubject_max_chars = 100\n", encoding="utf-8")
    path.chmod(0o644)
    assert "Warning" not in home.ok("--config", str(path), "user", "list").stderr
