"""Build a realistic store for the benchmarks, through the project's own schema.

Tickets, messages (Ukrainian and English), events, skewed requesters, every status. The
schema comes from `Store.open` (the real migrations, FTS triggers included); rows go in
with plain executemany in large transactions, as a bulk import would.

    python -m bench.generate PATH --tickets 100000
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from store import clock, config
from store.search import index_words
from store.service import Store

UK_COMMON = (
    "будь ласка не можу вивести кошти пароль рахунок транзакція гроші картка переказ доступ "
    "вхід код підтвердження лист пошта допоможіть добрий день дякую проблема помилка баланс "
    "поповнення виведення комісія верифікація документи паспорт акаунт заблоковано час ордер"
).split()
EN_COMMON = (
    "please cannot withdraw funds password account transaction money card transfer access login "
    "code confirmation email help hello thanks problem error balance deposit fee verification "
    "documents passport blocked time order still waiting since yesterday"
).split()
STATUSES = ["open"] * 15 + ["in_progress"] * 5 + ["answered"] * 15 + ["awaiting_info"] * 10
STATUSES += ["resolved"] * 15 + ["closed"] * 40
VERY_COMMON = "будь"  # in nearly every Ukrainian message
COMMON = "верифікація"  # in a few per cent of messages
RARE_PREFIX = "tx"  # tx<ticket number>: one ticket each
BENCH_CUSTOMER = "olena@example.com"
BENCH_STAFF = "agent1@support.example.com"
BIG_TICKET = 10001  # has 100 messages: the `view` benchmark


def sentence(rng: random.Random, words: list[str], length: int) -> str:
    # A Zipf-like pick: early words in the list are far more frequent.
    return " ".join(words[min(int(rng.paretovariate(1.2)) - 1, len(words) - 1)] for _ in range(length))


def body(rng: random.Random, number: int) -> str:
    if rng.random() < 0.6:
        text = f"{VERY_COMMON} ласка, " + sentence(rng, UK_COMMON, rng.randint(8, 40))
        if rng.random() < 0.04:
            text += f" {COMMON}"
    else:
        text = "Hello, " + sentence(rng, EN_COMMON, rng.randint(8, 40))
    return text + f". Ідентифікатор {RARE_PREFIX}{number}" if rng.random() < 0.3 else text + "."


def build(
    path: Path, tickets: int, messages_per_ticket: float = 5.5, seed: int = 7, quiet: bool = False
) -> None:
    if path.exists():
        path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    rng = random.Random(seed)
    clock.set_now(datetime(2026, 11, 1, tzinfo=UTC))
    store = Store.open(config.load(None, str(path)))
    cx = store.cx
    cx.execute("PRAGMA synchronous = OFF")  # a bulk build, not a live store: rerun it if it dies
    started = time.monotonic()
    customers = max(tickets // 10, 10)
    staff = 50
    now = clock.now_text()
    cx.execute("BEGIN")
    cx.executemany(
        "INSERT INTO accounts (id, email, name, role, locale, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [(i, f"agent{i}@support.example.com", f"Агент {i}", "agent", "uk", now) for i in range(1, staff + 1)]
        + [
            (
                staff + i,
                BENCH_CUSTOMER if i == 1 else f"customer{i}@example.com",
                f"Клієнт {i}",
                "customer",
                "uk" if i % 3 else "en",
                now,
            )
            for i in range(1, customers + 1)
        ],
    )
    cx.execute("COMMIT")
    start = datetime(2023, 11, 1, tzinfo=UTC)
    span = (datetime(2026, 11, 1, tzinfo=UTC) - start).total_seconds()
    message_id = event_id = 0
    chunk = 20_000
    for first in range(0, tickets, chunk):
        ticket_rows: list[tuple[object, ...]] = []
        message_rows: list[tuple[object, ...]] = []
        event_rows: list[tuple[object, ...]] = []
        for index in range(first, min(first + chunk, tickets)):
            number = 10001 + index
            created = start + timedelta(seconds=span * index / tickets)
            # Skewed requesters; 10 % are guests. P(index < k) = sqrt(k / customers): the
            # busiest customer has ~0.3 % of all tickets.
            guest = None
            requester: int | None = staff + 1 + int(customers * rng.random() ** 2)
            if number == BIG_TICKET:
                requester = staff + 1
            elif rng.random() < 0.1:
                requester, guest = None, f"guest{rng.randint(1, customers)}@mail.example.net"
            requester_email = guest or (
                BENCH_CUSTOMER
                if requester == staff + 1
                else f"customer{(requester or 0) - staff}@example.com"
            )
            status = "open" if number == BIG_TICKET else rng.choice(STATUSES)
            mean = messages_per_ticket - 1
            count = 100 if number == BIG_TICKET else 1 + min(int(rng.expovariate(1 / mean)), 60)
            stamp = created
            for m in range(count):
                message_id += 1
                stamp = stamp + timedelta(minutes=rng.randint(1, 600))
                by_staff = m % 2 == 1
                agent = rng.randint(1, staff)
                message_rows.append(
                    (
                        message_id,
                        number,
                        agent if by_staff else requester,
                        f"agent{agent}@support.example.com" if by_staff else requester_email,
                        int(by_staff and rng.random() < 0.2),
                        body(rng, number),
                        clock.to_text(stamp),
                    )
                )
            assignee = rng.randint(1, staff) if rng.random() < 0.7 else None
            subject = sentence(
                rng, UK_COMMON if rng.random() < 0.6 else EN_COMMON, rng.randint(3, 8)
            ).capitalize()
            ticket_rows.append(
                (
                    number,
                    subject,
                    requester,
                    guest,
                    "uk",
                    assignee,
                    status,
                    clock.to_text(created),
                    clock.to_text(stamp),
                )
            )
            event_id += 1
            event_rows.append(
                (
                    event_id,
                    number,
                    requester,
                    requester_email,
                    "created",
                    None,
                    "open",
                    clock.to_text(created),
                )
            )
            if status != "open":
                event_id += 1
                event_rows.append(
                    (event_id, number, 1, BENCH_STAFF, "status", "open", status, clock.to_text(stamp))
                )
        cx.execute("BEGIN")
        cx.executemany(
            "INSERT INTO tickets (number, subject, requester_id, guest_email, locale, assignee_id, status,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ticket_rows,
        )
        cx.executemany(
            "INSERT INTO tickets_fts (rowid, words) VALUES (?, ?)",
            [(row[0], index_words(str(row[1]))) for row in ticket_rows],
        )
        cx.executemany(
            "INSERT INTO messages (id, ticket, author_id, author_email, internal, body, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            message_rows,
        )
        cx.executemany(
            "INSERT INTO messages_fts (rowid, words) VALUES (?, ?)",
            [(row[0], index_words(str(row[5]))) for row in message_rows],
        )
        cx.executemany(
            "INSERT INTO events (id, ticket, actor_id, actor, kind, old, new, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            event_rows,
        )
        cx.execute("COMMIT")
        if not quiet:
            done = min(first + chunk, tickets)
            rate = done / (time.monotonic() - started)
            bar = "#" * int(30 * done / tickets)
            print(
                f"\r  [{bar:<30}] {done:>9,} tickets, {message_id:>10,} messages ({rate:,.0f} tickets/s)",
                end="",
                file=sys.stderr,
                flush=True,
            )
    cx.execute("PRAGMA synchronous = FULL")
    cx.execute("ANALYZE")
    cx.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    clock.set_now(None)
    if not quiet:
        print(f"\n  built {path} in {time.monotonic() - started:.0f} s", file=sys.stderr)


def sizes(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as cx:
        result = {
            t: cx.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("tickets", "messages", "events")
        }
    cx.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--tickets", type=int, default=10_000)
    args = parser.parse_args()
    build(args.path, args.tickets)
    print(sizes(args.path))


if __name__ == "__main__":
    main()
