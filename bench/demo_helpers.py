"""Helpers for `make demo`: a local Web Push service, and a reader for the e-mail outbox.

python -m bench.demo_helpers push-service DIR   # runs until SIGTERM
python -m bench.demo_helpers show-mail DIR      # every .eml, readably
python -m bench.demo_helpers last-code DIR      # the code in the newest code e-mail
python -m bench.demo_helpers screenshot FILE    # a small real PNG to attach
"""

from __future__ import annotations

import re
import signal
import sys
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path


def read(path: Path) -> EmailMessage:
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    return str(body.get_content()) if body is not None else ""


def show_mail(folder: Path) -> None:
    for path in sorted(folder.glob("notice-*.eml")):
        message = read(path)
        print(f"--- {path.name}  To: {message['To']}")
        print(f"    Subject: {message['Subject']}")
        print(f"    Message-ID: {message['Message-ID']}  Auto-Submitted: {message['Auto-Submitted']}")
        for paragraph in text_of(message).strip().split("\n\n")[1:3]:
            print(f"    | {paragraph}")


def last_code(folder: Path) -> None:
    for path in sorted(folder.glob("notice-*.eml"), reverse=True):
        found = re.search(r"\b(\d{6,10})\b", text_of(read(path)))
        if found and "code" in str(read(path)["Subject"]).lower():
            print(found.group(1))
            return
    sys.exit("no code e-mail yet")


def push_service(folder: Path) -> None:
    from tests.peers import PushPeer

    folder.mkdir(parents=True, exist_ok=True)
    peer = PushPeer().start()
    subscriber = peer.subscriber("olenas-phone")
    (folder / "subscription.json").write_text(subscriber.subscription_json(), encoding="utf-8")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    seen = 0
    with (folder / "deliveries.log").open("a", encoding="utf-8") as log:
        while not stop.wait(0.1):
            for delivery in peer.deliveries[seen:]:
                p = delivery.payload
                headers = delivery.headers
                log.write(
                    f"push {delivery.path}: {p['title']!r} · ticket {p['ticket']} · {p['status']}"
                    f" · {p['url']} (TTL {headers['ttl']}, Topic {headers['topic']}, VAPID ok, decrypted)\n"
                )
                log.flush()
            seen = len(peer.deliveries)
    peer.stop()


def screenshot(path: Path) -> None:
    from tests.test_attachments import png

    path.write_bytes(png(64, 48, seed=3))


if __name__ == "__main__":
    command, directory = sys.argv[1], Path(sys.argv[2])
    commands = {
        "push-service": push_service,
        "show-mail": show_mail,
        "last-code": last_code,
        "screenshot": screenshot,
    }
    commands[command](directory)
