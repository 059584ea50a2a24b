"""The project's shape: packages, the dependency rule, help text and README coverage."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command

from cli.app import app

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cli", "store", "daemon")


@pytest.mark.parametrize("name", PACKAGES)
def test_packages_resolve_inside_the_project(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve().parent == ROOT / name


def imports_of(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {(str(path), alias.name.split(".")[0]) for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add((str(path), node.module.split(".")[0]))
    return found


def test_store_imports_neither_cli_nor_daemon_and_prints_nothing() -> None:
    bad = {(p, m) for p, m in imports_of("store") if m in {"cli", "daemon", "typer"}}
    assert not bad
    for path in (ROOT / "store").rglob("*.py"):
        assert not re.search(r"\bprint\(", path.read_text(encoding="utf-8")), path


def test_daemon_does_not_import_cli() -> None:
    assert not {(p, m) for p, m in imports_of("daemon") if m == "cli"}


@pytest.mark.parametrize("package", ["cli", "daemon"])
def test_no_sql_outside_the_store(package: str) -> None:
    pattern = re.compile(r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE TABLE)\b")
    for path in (ROOT / package).rglob("*.py"):
        assert not pattern.search(path.read_text(encoding="utf-8")), path
        assert "import sqlite3" not in path.read_text(encoding="utf-8") or path.name == "app.py", path


def all_commands() -> list[tuple[str, object]]:
    root = get_command(app)
    found: list[tuple[str, object]] = []

    def walk(prefix: str, command: Any) -> None:
        if hasattr(command, "list_commands"):
            context = command.make_context(prefix or "support", [], resilient_parsing=True)
            for name in command.list_commands(context):
                walk(f"{prefix} {name}".strip(), command.get_command(context, name))
        else:
            found.append((prefix, command))

    walk("", root)
    return found


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = all_commands()
    assert len(commands) >= 11
    for name, command in commands:
        assert (getattr(command, "help", None) or "").strip(), f"{name} has no help text"
        assert re.search(rf"support( --[\w-]+ \S+)* {re.escape(name)}\b", readme), f"README lacks {name}"


def test_config_example_documents_every_key() -> None:
    from store import config

    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    assert example == config.render(), "regenerate with: make config.example.toml"
