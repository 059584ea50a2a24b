"""What every command group shares."""

from __future__ import annotations

from typing import Any

import typer


def group(help: str, **options: Any) -> typer.Typer:
    # rich_markup_mode=None: plain Click errors (one `Error: ...` line, not a box) and no
    # import of rich on start-up.
    return typer.Typer(
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        help=help,
        **options,
    )
