"""Table cells: wide characters take two columns; Latin and Cyrillic one."""

from __future__ import annotations

from cli.render import clip, width


def test_width() -> None:
    assert width("Олена") == 5
    assert width("support") == 7
    assert width("日本") == 4
    assert width("a日b") == 4
    assert width("") == 0


def test_clip_respects_columns() -> None:
    assert clip("Не можу вивести кошти", 10) == "Не можу в…"
    assert clip("日本語テキスト", 5) == "日本…"
    assert clip("short", 10) == "short"
    assert width(clip("日本語テキスト", 6)) <= 6
