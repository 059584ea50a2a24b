"""Notice wording per locale, loaded once from the TOML files beside this module."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Any


@cache
def load(locale: str) -> dict[str, Any]:
    return tomllib.loads(files(__name__).joinpath(f"{locale}.toml").read_text(encoding="utf-8"))
