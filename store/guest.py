"""Guest access: the unique link, e-mail codes and guest sessions.

Built for an attacker who knows ticket numbers and can script thousands of tries:
- the link token is an HMAC of (ticket, guest address, link version) under the server
  secret: unguessable, bound to the address, revoked by bumping the version;
- codes are random digits, stored only as keyed hashes, single use, newest only, a few
  tries each, a few per 15 minutes and per day, and a ticket locks after many failures;
- the code's plaintext reaches the daemon sealed (AES-GCM under a key derived from the
  server secret) and the seal is wiped once the e-mail is sent;
- answers to `request-code` never say whether a link, ticket or address exists.
"""

from __future__ import annotations

import base64
import re
import sqlite3
from datetime import timedelta
from typing import TYPE_CHECKING, NamedTuple

from store import clock, db
from store.errors import GuestOnlyTicket, NotFound, Refused
from store.models import Actor, ActorKind

if TYPE_CHECKING:
    from store.config import Config

REQUEST_ANSWER = "If the link is valid, a verification code is on its way to the address it belongs to."
_LINK_FALLBACK = re.compile(r"(?:^|[/#=])#?([0-9]{1,18})(?:[/?&#].*?)??[?&]token=([A-Za-z0-9_-]{16,128})")
_ALPHABET_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")


class GuestSession(NamedTuple):
    token: str
    ticket: int
    expires_at: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _mac(secret: bytes, *parts: object) -> bytes:
    # hashlib, hmac and secrets load OpenSSL (~3 ms): imported when guest access is used,
    # never on `support list`'s path.
    import hashlib
    import hmac

    return hmac.new(secret, "\x00".join(str(p) for p in parts).encode(), hashlib.sha256).digest()


def link_token(secret: bytes, number: int, email: str, version: int) -> str:
    """192 bits of HMAC: forging one needs the server secret."""
    return _b64(_mac(secret, "guest-link", number, email, version)[:24])


def code_hash(secret: bytes, number: int, code: str) -> str:
    return _b64(_mac(secret, "guest-code", number, code))


def session_hash(secret: bytes, token: str) -> str:
    return _b64(_mac(secret, "guest-session", token))


def seal(secret: bytes, plaintext: str) -> str:
    """Encrypt a code for the daemon's eyes only; the row never holds it in clear."""
    import secrets

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(12)
    key = _mac(secret, "code-seal-v1")
    return _b64(nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), b"code"))


def unseal(secret: bytes, sealed: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    key = _mac(secret, "code-seal-v1")
    return AESGCM(key).decrypt(raw[:12], raw[12:], b"code").decode()


def parse_link(link: str, template: str) -> tuple[int, str] | None:
    """(ticket, token) from a link made by `template`, or from any link with `?token=`."""
    text = link.strip()
    pattern = re.escape(template).replace(r"\{number\}", r"#?(?P<number>[0-9]{1,18})")
    pattern = pattern.replace(r"\{token\}", r"(?P<token>[A-Za-z0-9_-]{16,128})")
    match = re.fullmatch(pattern, text)
    if match and "number" in match.groupdict() and "token" in match.groupdict():
        return int(match.group("number")), match.group("token")
    fallback = _LINK_FALLBACK.search(text)
    if fallback:
        return int(fallback.group(1)), fallback.group(2)
    return None


class GuestAccess:
    """Guest operations of the Store (a mixin: `self.cx` and `self.config` come from Store)."""

    cx: sqlite3.Connection
    config: Config

    def _guest_settings(self) -> dict[str, int]:
        return dict(self.config.values["guest"])

    def guest_link(self, actor: Actor, number: int) -> str:
        row = self._staff_guest_ticket(actor, number)
        return self.link_for(number, row["guest_email"], row["link_version"])

    def link_for(self, number: int, email: str, version: int) -> str:
        token = link_token(self.config.server_secret(), number, email, version)
        return self.config.text("links", "guest_url").format(number=number, token=token)

    def _ticket_for_link(self, link: str, secret: bytes) -> sqlite3.Row | None:
        """The guest ticket a link names, if its token is current; None for anything else."""
        import hmac

        parsed = parse_link(link, self.config.text("links", "guest_url"))
        if parsed is None:
            return None
        number, token = parsed
        row: sqlite3.Row | None = self.cx.execute(
            "SELECT number, guest_email, link_version, locale, guest_failures, guest_locked_at"
            " FROM tickets WHERE number = ?",
            (number,),
        ).fetchone()
        # Compare against a token even when the ticket is missing, so timing says nothing.
        email = row["guest_email"] if row is not None and row["guest_email"] else "-"
        version = row["link_version"] if row is not None else 0
        expected = link_token(secret, number, email, version)
        if not hmac.compare_digest(expected.encode(), token.encode()) or row is None or email == "-":
            return None
        return row

    def request_code(self, link: str) -> str:
        """Queue a code e-mail if the link is valid and limits allow; the answer never varies."""
        import secrets

        settings = self._guest_settings()
        secret = self.config.server_secret()
        now = clock.now()
        with db.write(self.cx) as cx:
            row = self._ticket_for_link(link, secret)
            if row is None or row["guest_locked_at"] is not None:
                return REQUEST_ANSWER
            number = row["number"]
            recent = cx.execute(
                "SELECT SUM(created_at > ?), SUM(created_at > ?) FROM guest_codes WHERE ticket = ?",
                (clock.to_text(now - timedelta(minutes=15)), clock.to_text(now - timedelta(days=1)), number),
            ).fetchone()
            if (recent[0] or 0) >= settings["codes_per_15_minutes"] or (recent[1] or 0) >= settings[
                "codes_per_day"
            ]:
                return REQUEST_ANSWER
            digits = settings["code_digits"]
            code = f"{secrets.randbelow(10**digits):0{digits}d}"
            stamp = clock.to_text(now)
            cursor = cx.execute(
                "INSERT INTO guest_codes (ticket, code_hash, link_version, tries_left, created_at,"
                " expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    number,
                    code_hash(secret, number, code),
                    row["link_version"],
                    settings["code_max_tries"],
                    stamp,
                    clock.to_text(now + timedelta(minutes=settings["code_ttl_minutes"])),
                ),
            )
            cx.execute(
                "INSERT INTO notices (code_id, ticket, channel, recipient, kind, status, sealed_code, locale,"
                " next_attempt_at, created_at) VALUES (?, ?, 'email', ?, 'code', '', ?, ?, ?, ?)",
                (
                    cursor.lastrowid,
                    number,
                    row["guest_email"],
                    seal(secret, code),
                    row["locale"],
                    stamp,
                    stamp,
                ),
            )
        return REQUEST_ANSWER

    def verify_code(self, link: str, code: str) -> GuestSession:
        """A session for the right code; Refused with how many tries are left otherwise."""
        import hmac
        import secrets

        settings = self._guest_settings()
        secret = self.config.server_secret()
        now = clock.now()
        stamp = clock.to_text(now)
        with db.write(self.cx) as cx:
            row = self._ticket_for_link(link, secret)
            if row is None:
                raise Refused("the link or code is not valid")
            number = row["number"]
            if row["guest_locked_at"] is not None:
                raise Refused(
                    "guest access to this ticket is locked after too many failures; contact support"
                )
            newest = cx.execute(
                "SELECT * FROM guest_codes WHERE ticket = ? ORDER BY id DESC LIMIT 1", (number,)
            ).fetchone()
            usable = (
                newest is not None
                and newest["used_at"] is None
                and newest["tries_left"] > 0
                and newest["expires_at"] > stamp
                and newest["link_version"] == row["link_version"]
            )
            given = code.strip()
            if usable and hmac.compare_digest(newest["code_hash"], code_hash(secret, number, given)):
                cx.execute("UPDATE guest_codes SET used_at = ? WHERE id = ?", (stamp, newest["id"]))
                cx.execute("UPDATE tickets SET guest_failures = 0 WHERE number = ?", (number,))
                token = secrets.token_urlsafe(32)
                expires = clock.to_text(now + timedelta(hours=settings["session_hours"]))
                cx.execute(
                    "INSERT INTO guest_sessions (ticket, token_hash, link_version, created_at, expires_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (number, session_hash(secret, token), row["link_version"], stamp, expires),
                )
                return GuestSession(token, number, expires)
            failures = row["guest_failures"] + 1
            locked = failures >= settings["lockout_failures"]
            cx.execute(
                "UPDATE tickets SET guest_failures = ?, guest_locked_at = ? WHERE number = ?",
                (failures, stamp if locked else None, number),
            )
            if usable:
                cx.execute("UPDATE guest_codes SET tries_left = tries_left - 1 WHERE id = ?", (newest["id"],))
            message = self._failure_message(usable, newest["tries_left"] - 1 if usable else 0, locked)
        # The failure is committed before it is reported, so a refused try always counts.
        raise Refused(message)

    @staticmethod
    def _failure_message(usable: bool, tries_left: int, locked: bool) -> str:
        if locked:
            return "guest access to this ticket is locked after too many failures; contact support"
        if not usable:
            return "no valid code: it expired, was used, or was replaced by a newer one; request a new code"
        if tries_left <= 0:
            return "the code is wrong and no tries are left; request a new code"
        return f"the code is wrong; {tries_left} {'try' if tries_left == 1 else 'tries'} left"

    def guest_actor(self, token: str) -> Actor:
        """The guest behind a session token, scoped to one ticket."""
        if not _ALPHABET_TOKEN.fullmatch(token.strip()):
            raise Refused("the guest session is not valid or has expired")
        row = self.cx.execute(
            "SELECT s.ticket, s.expires_at, s.link_version AS session_version, t.link_version,"
            " t.guest_email, t.guest_locked_at FROM guest_sessions s JOIN tickets t ON t.number = s.ticket"
            " WHERE s.token_hash = ?",
            (session_hash(self.config.server_secret(), token.strip()),),
        ).fetchone()
        if (
            row is None
            or row["expires_at"] <= clock.now_text()
            or row["session_version"] != row["link_version"]
            or row["guest_locked_at"] is not None
        ):
            raise Refused("the guest session is not valid or has expired")
        return Actor(ActorKind.GUEST, guest_ticket=row["ticket"], guest_email=row["guest_email"])

    def revoke_guest_access(self, actor: Actor, number: int) -> int:
        """Bump the link version: every older link and every session stops working."""
        self._staff_guest_ticket(actor, number)
        with db.write(self.cx) as cx:
            cx.execute("UPDATE tickets SET link_version = link_version + 1 WHERE number = ?", (number,))
            cx.execute("DELETE FROM guest_sessions WHERE ticket = ?", (number,))
            version: int = cx.execute(
                "SELECT link_version FROM tickets WHERE number = ?", (number,)
            ).fetchone()[0]
        return version

    def unlock_guest_access(self, actor: Actor, number: int) -> None:
        self._staff_guest_ticket(actor, number)
        with db.write(self.cx) as cx:
            cx.execute(
                "UPDATE tickets SET guest_failures = 0, guest_locked_at = NULL WHERE number = ?", (number,)
            )

    def _staff_guest_ticket(self, actor: Actor, number: int) -> sqlite3.Row:
        """Guest access is managed by staff and the operator; others learn nothing."""
        if actor.kind is ActorKind.GUEST:
            raise GuestOnlyTicket()
        row: sqlite3.Row | None = self.cx.execute(
            "SELECT number, guest_email, link_version FROM tickets WHERE number = ?", (number,)
        ).fetchone()
        if row is None or actor.kind not in (ActorKind.STAFF, ActorKind.OPERATOR):
            raise NotFound("ticket", f"#{number}")
        if row["guest_email"] is None:
            raise NotFound("guest ticket", f"#{number}")
        return row

    def purge_guest_secrets(self) -> tuple[int, int]:
        """Drop expired sessions and codes older than the daily limit needs; (codes, sessions)."""
        now = clock.now()
        with db.write(self.cx) as cx:
            sessions = cx.execute(
                "DELETE FROM guest_sessions WHERE expires_at <= ?", (clock.to_text(now),)
            ).rowcount
            codes = cx.execute(
                "DELETE FROM guest_codes WHERE created_at <= ? AND expires_at <= ?",
                (clock.to_text(now - timedelta(days=1)), clock.to_text(now)),
            ).rowcount
        return codes, sessions
