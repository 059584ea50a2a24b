"""Settings: built-in defaults, overridden by one TOML file, into one frozen object.

Every key is declared once in SCHEMA, with its default and the comment that `support init`
and config.example.toml print above it, so the docs cannot drift from the code.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NamedTuple

from store.errors import ConfigError

APP_NAME = "support"

# section -> key -> (default, comment). Empty strings mean "derived" (see the comment).
SCHEMA: dict[str, dict[str, tuple[Any, str]]] = {
    "store": {
        "path": ("", "SQLite file. Empty: support.db in data_dir. --db / SUPPORT_DB win."),
        "busy_timeout_ms": (10_000, "How long a command waits for another process's write to finish."),
        "data_dir": (
            "",
            "Store, attachments, outbox and generated secrets. Empty: the user's data directory.",
        ),
    },
    "limits": {
        "subject_max_chars": (200, "Longest ticket subject, in characters."),
        "body_max_chars": (20000, "Longest message body, in characters."),
    },
    "attachments": {
        "max_file_bytes": (10 * 1024 * 1024, "Largest attachment, in bytes."),
        "max_files_per_message": (10, "Most attachments on one message."),
        "max_ticket_bytes": (50 * 1024 * 1024, "Most attachment bytes on one ticket, all messages together."),
        "allowed_types": (
            [
                "image/png",
                "image/jpeg",
                "image/gif",
                "image/webp",
                "application/pdf",
                "text/plain",
                "text/csv",
            ],
            "Types allowed, as decided from the content (never the name). Archives are never unpacked.",
        ),
    },
    "links": {
        "ticket_url": (
            "https://support.example.com/tickets/{number}",
            "Ticket page on the signed-in site, put in account customers' notices.",
        ),
        "guest_url": (
            "https://support.example.com/guest/{number}?token={token}",
            "Guest link template: {number} and {token} are filled in.",
        ),
    },
    "guest": {
        "code_digits": (8, "Digits in a guest verification code (6 to 10)."),
        "code_ttl_minutes": (10, "A code is valid this long."),
        "code_max_tries": (5, "Wrong tries before a code is spent."),
        "codes_per_15_minutes": (3, "Codes a ticket may be sent in any 15 minutes."),
        "codes_per_day": (10, "Codes a ticket may be sent in any 24 hours."),
        "lockout_failures": (
            100,
            "Consecutive failures that lock a ticket's guest access until staff unlock it.",
        ),
        "session_hours": (24, "A guest session is valid this long."),
    },
    "rules": {
        "remind_after_days": (
            3,
            "A ticket in awaiting_info gets one reminder after this many days.",
        ),
        "resolve_after_days": (7, "...and is resolved after this many days."),
        "close_after_days": (7, "A resolved ticket is closed after this many days."),
    },
    "secrets": {
        "server_secret": (
            "",
            "Signs guest links and hashes codes. Empty: generated into data_dir/secret.",
        ),
    },
    "email": {
        "transport": ("file", '"file" writes .eml files into outbox_dir; "smtp" sends.'),
        "from_address": ("no-reply@support.example.com", "No-reply sender of every notice."),
        "from_name": ("Support", "Display name of the sender."),
        "outbox_dir": ("", "Folder of the file transport. Empty: data_dir/outbox."),
        "smtp_host": ("localhost", "SMTP server."),
        "smtp_port": (587, "SMTP port."),
        "smtp_security": ("starttls", '"starttls", "tls" or "none".'),
        "smtp_user": ("", "SMTP user name. Empty: no login."),
        "smtp_password_env": (
            "SUPPORT_SMTP_PASSWORD",
            "Environment variable holding the SMTP password.",
        ),
        "smtp_oauth2_file": ("", "Gmail OAuth2 credentials file (yagmail's format). Empty: password login."),
        "timeout_seconds": (30, "Give up on a silent SMTP server after this long."),
    },
    "push": {
        "vapid_private_key": ("", "VAPID private key (PEM). `support push keygen` fills it in."),
        "vapid_public_key": ("", "VAPID public key (URL-safe base64) for browsers."),
        "vapid_subject": ("mailto:no-reply@support.example.com", "VAPID `sub` claim."),
        "ttl_seconds": (86400, "How long a push service keeps an undelivered notice."),
        "urgency": ("normal", '"very-low", "low", "normal" or "high".'),
        "timeout_seconds": (10, "Give up on a silent push service after this long."),
        "allow_http_endpoints": (False, "Accept plain http:// push endpoints (local testing only)."),
    },
    "delivery": {
        "max_attempts": (10, "Attempts before a notice is dead."),
        "backoff_base_seconds": (30, "First retry waits up to this long (full jitter)."),
        "backoff_cap_seconds": (3600, "No retry waits longer than this."),
        "lease_seconds": (60, "A claimed notice returns to the queue if its daemon dies."),
        "batch_size": (100, "Notices claimed at once (one SMTP connection per batch)."),
        "poll_ms": (200, "How often the daemon looks for new notices (a cheap PRAGMA data_version)."),
    },
}

RANGES: dict[tuple[str, str], tuple[int, int]] = {
    ("store", "busy_timeout_ms"): (5_000, 600_000),
    ("guest", "code_digits"): (6, 10),
    ("guest", "code_max_tries"): (1, 100),
    ("guest", "code_ttl_minutes"): (1, 24 * 60),
    ("guest", "session_hours"): (1, 24 * 30),
    ("limits", "subject_max_chars"): (1, 10_000),
    ("limits", "body_max_chars"): (1, 10_000_000),
}

CHOICES: dict[tuple[str, str], frozenset[str]] = {
    ("email", "transport"): frozenset({"file", "smtp"}),
    ("email", "smtp_security"): frozenset({"starttls", "tls", "none"}),
    ("push", "urgency"): frozenset({"very-low", "low", "normal", "high"}),
}


class Config(NamedTuple):
    source: Path | None
    values: dict[str, dict[str, Any]]
    data_dir: Path
    db_path: Path
    warnings: tuple[str, ...] = ()

    def get(self, section: str, key: str) -> Any:
        return self.values[section][key]

    def number(self, section: str, key: str) -> int:
        value = self.values[section][key]
        assert isinstance(value, int)
        return value

    def text(self, section: str, key: str) -> str:
        value = self.values[section][key]
        assert isinstance(value, str)
        return value

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def outbox_dir(self) -> Path:
        configured = self.text("email", "outbox_dir")
        return Path(configured) if configured else self.data_dir / "outbox"

    def server_secret(self) -> bytes:
        """The configured secret, else one generated once into the data directory (0600)."""
        configured = self.text("secrets", "server_secret")
        if configured:
            return configured.encode()
        path = self.data_dir / "secret"
        try:
            return path.read_bytes().strip()
        except FileNotFoundError:
            pass
        self.data_dir.mkdir(parents=True, exist_ok=True)
        import secrets

        value = secrets.token_urlsafe(32).encode()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process won the race: use theirs
            return path.read_bytes().strip()
        with os.fdopen(fd, "wb") as handle:
            handle.write(value)
        return value


def _xdg(variable: str, fallback: str) -> Path:
    value = os.environ.get(variable, "")
    return Path(value) if os.path.isabs(value) else Path.home() / fallback


def default_config_path() -> Path:
    # On Linux the XDG rules are two lines; platformdirs (4 ms to import, on every run)
    # is for the systems where they are not.
    if sys.platform.startswith("linux"):
        return _xdg("XDG_CONFIG_HOME", ".config") / APP_NAME / "config.toml"
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME)) / "config.toml"


def default_data_dir() -> Path:
    if sys.platform.startswith("linux"):
        return _xdg("XDG_DATA_HOME", ".local/share") / APP_NAME
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME))


def find_config_path(explicit: str | None) -> tuple[Path, bool]:
    """Where the config is and whether it must exist: --config, SUPPORT_CONFIG, user config dir."""
    if explicit:
        return Path(explicit), True
    from_env = os.environ.get("SUPPORT_CONFIG")
    if from_env:
        return Path(from_env), True
    return default_config_path(), False


def load(explicit: str | None = None, db_override: str | None = None) -> Config:
    path, required = find_config_path(explicit)
    raw: dict[str, Any] = {}
    source: Path | None = None
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if required:
            raise ConfigError(f"config file {path} does not exist") from None
    except OSError as error:
        raise ConfigError(f"config file {path}: {error.strerror}") from None
    else:
        import tomllib  # 2 ms: only when there is a file to read

        try:
            raw = tomllib.loads(data.decode("utf-8"))
        except UnicodeDecodeError:
            raise ConfigError(f"config file {path}: not UTF-8 text") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"config file {path}: {error}") from None
        source = path
    values = validate(raw, path)
    data_dir = Path(values["store"]["data_dir"]) if values["store"]["data_dir"] else default_data_dir()
    db = db_override or os.environ.get("SUPPORT_DB") or values["store"]["path"]
    db_path = Path(db) if db else data_dir / "support.db"
    return Config(
        source=source,
        values=values,
        data_dir=data_dir.expanduser(),
        db_path=db_path.expanduser(),
        warnings=tuple(_exposed_secrets(source, values)),
    )


SECRET_KEYS = (("secrets", "server_secret"), ("push", "vapid_private_key"))


def _exposed_secrets(source: Path | None, values: dict[str, dict[str, Any]]) -> list[str]:
    """A config that holds secrets must be readable by its owner only."""
    if source is None:
        return []
    held = [f"[{s}] {k}" for s, k in SECRET_KEYS if values[s][k]]
    try:
        mode = source.stat().st_mode
    except OSError:
        return []
    if held and mode & 0o077:
        return [f"{source} holds secrets ({', '.join(held)}) but others may read it: chmod 600 {source}"]
    return []


def validate(raw: dict[str, Any], path: Path) -> dict[str, dict[str, Any]]:
    values = {section: {key: spec[0] for key, spec in keys.items()} for section, keys in SCHEMA.items()}
    for section, table in raw.items():
        if section not in SCHEMA:
            raise ConfigError(f"config file {path}: unknown section [{section}]")
        if not isinstance(table, dict):
            raise ConfigError(f"config file {path}: [{section}] must be a table")
        for key, value in table.items():
            if key not in SCHEMA[section]:
                raise ConfigError(f"config file {path}: unknown key {key!r} in [{section}]")
            default = SCHEMA[section][key][0]
            if type(value) is not type(default) or (
                isinstance(value, list) and not all(isinstance(item, str) for item in value)
            ):
                kind = {bool: "true or false", int: "a number", str: "a string", list: "a list of strings"}
                raise ConfigError(f"config file {path}: [{section}] {key} must be {kind[type(default)]}")
            if isinstance(value, int) and value < 0:
                raise ConfigError(f"config file {path}: [{section}] {key} must not be negative")
            bounds = RANGES.get((section, key))
            if bounds is not None and not bounds[0] <= value <= bounds[1]:
                raise ConfigError(
                    f"config file {path}: [{section}] {key} must be from {bounds[0]} to {bounds[1]}"
                )
            allowed = CHOICES.get((section, key))
            if allowed is not None and value not in allowed:
                choices = ", ".join(sorted(allowed))
                raise ConfigError(f"config file {path}: [{section}] {key} must be one of {choices}")
            values[section][key] = value
    return values


def render(overrides: dict[str, dict[str, Any]] | None = None) -> str:
    """A commented TOML document of every key; values rendered by tomli-w."""
    import tomli_w

    overrides = overrides or {}
    lines = [
        "# support configuration. Every key is optional: a missing key takes the default shown.",
        "# Found by --config, then $SUPPORT_CONFIG, then the user's config directory.",
    ]
    for section, keys in SCHEMA.items():
        lines += ["", f"[{section}]"]
        for key, (default, comment) in keys.items():
            value = overrides.get(section, {}).get(key, default)
            lines.append(f"# {comment}")
            lines.append(tomli_w.dumps({key: value}).rstrip("\n"))
    return "\n".join(lines) + "\n"


def write_new(path: Path, text: str, force: bool) -> None:
    """Write the config readable by its owner only, never briefly readable by others."""
    from store import files

    path.parent.mkdir(parents=True, exist_ok=True)
    with os.fdopen(files.create(path, force, 0o600), "w", encoding="utf-8") as handle:
        handle.write(text)
