"""E-mail notices: built with the standard library, sent over SMTP (yagmail) or into files.

yagmail makes the connection and logs in (TLS/STARTTLS, keyring, OAuth2); its own message
composition mangles notices (LIBRARIES.md), so messages are `EmailMessage`s built here,
and one connection serves a whole batch.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import html
import os
import smtplib
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

from daemon import templates
from daemon.outcome import Delivery, permanent, sent, transient
from store.config import Config
from store.outbox import ClaimedNotice


def _digest(secret: bytes, *parts: object) -> str:
    return hmac.new(secret, "|".join(map(str, parts)).encode(), hashlib.sha256).hexdigest()[:20]


def _address(name: str, email: str) -> Address:
    local, _, domain = email.rpartition("@")
    return Address(display_name=" ".join(name.split()), username=local, domain=domain)


def render_text(notice: ClaimedNotice, config: Config) -> tuple[str, list[str], str]:
    """(subject, paragraphs, url) in the recipient's language; the only place wording is chosen."""
    words = templates.load(notice.locale.value)
    status = words["status"].get(notice.status.value, notice.status.value) if notice.status else ""
    values = {
        "number": notice.ticket,
        "subject": notice.subject,
        "status": status,
        "url": notice.url,
        "name": f", {notice.recipient_name}" if notice.recipient_name else "",
        "code": notice.code or "",
        "minutes": config.number("guest", "code_ttl_minutes"),
    }
    body = words["body"]
    kind = notice.kind.value
    paragraphs = [body["greeting"].format(**values), body[kind].format(**values)]
    if kind != "code":
        paragraphs.append(body["guest_link" if notice.is_guest else "account_link"].format(**values))
        paragraphs.append(notice.url)
        paragraphs.append(body["advice"])
    paragraphs.append(body["footer"])
    return words["subject"][kind].format(**values), paragraphs, notice.url


def build_message(notice: ClaimedNotice, config: Config, secret: bytes) -> EmailMessage:
    subject, paragraphs, url = render_text(notice, config)
    sender = config.text("email", "from_address")
    domain = sender.rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["From"] = _address(config.text("email", "from_name"), sender)
    message["To"] = _address(notice.recipient_name, notice.recipient_email)
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    # The same notice always has the same Message-ID, so a retried notice is recognisably
    # the same message; every notice of a ticket points at one thread root.
    message["Message-ID"] = f"<notice.{notice.id}.{_digest(secret, 'notice', notice.id)}@{domain}>"
    thread = f"<ticket.{notice.ticket}.{_digest(secret, 'thread', notice.ticket)}@{domain}>"
    message["In-Reply-To"] = thread
    message["References"] = thread
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message["Content-Language"] = notice.locale.value
    message.set_content("\n\n".join(paragraphs) + "\n", cte="quoted-printable")
    blocks = []
    for paragraph in paragraphs:
        if paragraph == url:
            blocks.append(f'<p><a href="{html.escape(url, quote=True)}">{html.escape(url)}</a></p>')
        else:
            blocks.append(f"<p>{html.escape(paragraph)}</p>")
    lang = notice.locale.value
    message.add_alternative(
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head><body>\n{chr(10).join(blocks)}\n</body></html>\n",
        subtype="html",
        cte="quoted-printable",
    )
    return message


class FileTransport:
    """The zero-config transport: each message becomes <outbox>/notice-<id>.eml."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, notice_id: int, message: EmailMessage) -> Delivery:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            final = self.folder / f"notice-{notice_id:08d}.eml"
            partial = final.with_suffix(".tmp")
            with partial.open("wb") as handle:
                handle.write(message.as_bytes())
                handle.flush()
                os.fsync(handle.fileno())
            partial.replace(final)  # atomic: a reader never sees half a message
        except OSError as error:
            return transient(f"cannot write to the outbox folder: {error.strerror}")
        return sent()

    def close(self) -> None:
        pass


class SmtpSetupError(Exception):
    pass


class SmtpTransport:
    """One yagmail connection, opened on the first message and reused for the batch."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.client: Any = None

    def _connect(self) -> Any:
        import yagmail

        email = self.config.values["email"]
        user = email["smtp_user"]
        security = email["smtp_security"]
        connection = {
            "host": email["smtp_host"],
            "port": email["smtp_port"],
            "smtp_ssl": security == "tls",
            "smtp_starttls": security == "starttls",
            "soft_email_validation": False,
            "timeout": email["timeout_seconds"],
        }
        if email["smtp_oauth2_file"]:
            client = yagmail.SMTP(user=user or None, oauth2_file=email["smtp_oauth2_file"], **connection)
            client.login()
            return client
        password = os.environ.get(email["smtp_password_env"]) if email["smtp_password_env"] else None
        if user and password is None:
            # yagmail's own fallback would prompt on a terminal: never in a daemon.
            try:
                import keyring
            except ImportError:
                keyring = None
            password = keyring.get_password("yagmail", user) if keyring is not None else None
            if password is None:
                raise SmtpSetupError(f"no SMTP password: set ${email['smtp_password_env']} or the keyring")
        client = yagmail.SMTP(
            user=user or email["from_address"], password=password, smtp_skip_login=not user, **connection
        )
        client.login()
        return client

    def send(self, notice_id: int, message: EmailMessage) -> Delivery:
        try:
            if self.client is None:
                self.client = self._connect()
            refused = self.client.smtp.send_message(message)
        except SmtpSetupError as error:
            return transient(str(error))
        except smtplib.SMTPRecipientsRefused as error:
            self.close_quietly()
            codes = [code for code, _ in error.recipients.values()]
            return classify(codes[0] if codes else 550, "recipient refused")
        except smtplib.SMTPResponseException as error:
            self.close_quietly()
            return classify(error.smtp_code, "server answered")
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            self.close_quietly()
            return transient(f"connection: {type(error).__name__}")
        if refused:
            code = next(iter(refused.values()))[0]
            return classify(code, "recipient refused")
        return sent()

    def close_quietly(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                client.close()

    def close(self) -> None:
        self.close_quietly()


def classify(code: int, what: str) -> Delivery:
    """SMTP 4xx is worth another try; 5xx is not."""
    if 400 <= code < 500:
        return transient(f"{what} {code}")
    return permanent(f"{what} {code}")


class EmailSender:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.secret = config.server_secret()
        self.transport: FileTransport | SmtpTransport = (
            SmtpTransport(config)
            if config.text("email", "transport") == "smtp"
            else FileTransport(config.outbox_dir)
        )

    def send(self, notice: ClaimedNotice) -> Delivery:
        return self.transport.send(notice.id, build_message(notice, self.config, self.secret))

    def end_batch(self) -> None:
        self.transport.close()
