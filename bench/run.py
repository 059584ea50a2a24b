"""`make bench`: whole-process timings, store and daemon throughput, latency and memory,
each beside its floor or baseline measured in the same run. Writes bench/RESULTS.md.

    python -m bench.run                 # 10k, 100k and 1M tickets (the 1M build takes minutes)
    python -m bench.run --sizes 10k     # quick
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from bench import generate

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable
SUPPORT = str(Path(sys.executable).parent / "support")
STAFF = generate.BENCH_STAFF
CUSTOMER = generate.BENCH_CUSTOMER
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}


class Timing(NamedTuple):
    median_ms: float
    min_ms: float
    max_ms: float
    peak_kb: int


def run_once(command: Sequence[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time (ms) and peak resident set (KB) of one run; stderr goes to a file, not a
    pipe, so a chatty daemon cannot block on a full pipe."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"{' '.join(command)} failed: {errors.read().decode()[-500:].strip()}")
    return elapsed * 1000, usage.ru_maxrss


def timed(command: Sequence[str], env: dict[str, str], repeat: int) -> Timing:
    run_once(command, env)  # warm the page cache
    samples = [run_once(command, env) for _ in range(repeat)]
    times = [s[0] for s in samples]
    return Timing(statistics.median(times), min(times), max(times), max(s[1] for s in samples))


def in_process_ms(call: Callable[[], object], repeat: int = 30) -> float:
    call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def environment(db: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORT_")}
    env.update(
        SUPPORT_DB=str(db),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        NO_COLOR="1",
    )
    return env


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    return {
        "CPU": f"{cpu} ({os.cpu_count()} cores)",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "Typer": version("typer"),
        "pywebpush": version("pywebpush"),
    }


# -- the read and write paths, per size --------------------------------------------------------


def store_for(size: str) -> Path:
    path = OUT / f"store-{size}.db"
    stamp = OUT / f"store-{size}.json"
    want = {"tickets": SIZES[size], "generator": Path(generate.__file__).stat().st_mtime}
    if path.exists() and stamp.exists() and json.loads(stamp.read_text()) == want:
        return path
    print(f"building the {size} store (1M takes a few minutes)...", file=sys.stderr)
    generate.build(path, SIZES[size])
    stamp.write_text(json.dumps(want))
    return path


def bench_size(size: str, repeat: int, results: dict[str, Any]) -> None:
    path = store_for(size)
    work = OUT / f"work-{size}.db"
    # Benchmarks write (create, reply): work on a copy so the built store stays as built.
    source = sqlite3.connect(path)
    target = sqlite3.connect(work)
    source.backup(target)
    source.close()
    target.close()
    home = Path(tempfile.mkdtemp(prefix="support-bench-"))
    env = environment(work, home)
    big = generate.BIG_TICKET
    staff, customer = ("--as", STAFF), ("--as", CUSTOMER)
    list_sql = (
        "SELECT t.number, t.subject, t.status, COALESCE(r.email, t.guest_email), a.email, t.created_at, t.updated_at"
        " FROM tickets t LEFT JOIN accounts r ON r.id = t.requester_id LEFT JOIN accounts a ON a.id = t.assignee_id"
    )
    customer_id = (
        sqlite3.connect(work).execute("SELECT id FROM accounts WHERE email = ?", (CUSTOMER,)).fetchone()[0]
    )
    cases: list[tuple[str, list[str], str | None]] = [
        (
            "list (customer)",
            [SUPPORT, *customer, "list"],
            f"{list_sql} WHERE t.requester_id = {customer_id} ORDER BY t.updated_at DESC, t.number DESC LIMIT 50",
        ),
        (
            "list (staff)",
            [SUPPORT, *staff, "list"],
            f"{list_sql} ORDER BY t.updated_at DESC, t.number DESC LIMIT 50",
        ),
        (
            "list --open --assignee (staff)",
            [SUPPORT, *staff, "list", "--open", "--assignee", "agent2@support.example.com"],
            f"{list_sql} WHERE t.status IN ('open','in_progress','answered','awaiting_info') AND t.assignee_id = 2"
            " ORDER BY t.updated_at DESC, t.number DESC LIMIT 50",
        ),
        (
            "list --status awaiting_info (staff)",
            [SUPPORT, *staff, "list", "--status", "awaiting_info"],
            f"{list_sql} WHERE t.status = 'awaiting_info' ORDER BY t.updated_at DESC, t.number DESC LIMIT 50",
        ),
        (
            "view (100 messages)",
            [SUPPORT, *staff, "view", str(big)],
            f"SELECT m.id, m.author_email, m.body FROM messages m WHERE m.ticket = {big} ORDER BY m.id",
        ),
        (
            "search, rare word",
            [SUPPORT, *staff, "list", "--search", f"{generate.RARE_PREFIX}{big + SIZES[size] // 2}"],
            None,
        ),
        ("search, common word", [SUPPORT, *staff, "list", "--search", generate.COMMON], None),
        ("search, very common word", [SUPPORT, *staff, "list", "--search", generate.VERY_COMMON], None),
        (
            "search, two words",
            [SUPPORT, *staff, "list", "--search", f"{generate.VERY_COMMON} {generate.COMMON}"],
            None,
        ),
        (
            "search (customer), very common",
            [SUPPORT, *customer, "list", "--search", generate.VERY_COMMON],
            None,
        ),
        (
            "create",
            [SUPPORT, *customer, "create", "--subject", "Не можу увійти", "--body", "Код не приходить"],
            None,
        ),
        ("reply", [SUPPORT, *staff, "reply", str(big), "--body", "Перевірте, будь ласка, ще раз"], None),
    ]
    floor_python = timed([PYTHON, "-c", "import sqlite3"], env, repeat)
    rows = []
    for name, command, sql in cases:
        timing = timed(command, env, repeat)
        floor_sql = timed(["sqlite3", str(work), sql], env, repeat) if sql else None
        rows.append(
            {
                "name": name,
                "timing": timing._asdict(),
                "sqlite3_ms": floor_sql.median_ms if floor_sql else None,
            }
        )

    from store import config
    from store.service import Store, TicketFilter

    store = Store.open(config.load(None, str(work)))
    try:
        staff_actor, customer_actor = store.actor_for(STAFF), store.actor_for(CUSTOMER)
        queries = {
            "list (staff)": in_process_ms(lambda: store.list_tickets(staff_actor, TicketFilter())),
            "list (customer)": in_process_ms(lambda: store.list_tickets(customer_actor, TicketFilter())),
            "view (100 messages)": in_process_ms(lambda: store.view_ticket(staff_actor, big)),
            "search, very common word": in_process_ms(
                lambda: store.list_tickets(staff_actor, TicketFilter(search=generate.VERY_COMMON)), 10
            ),
        }
    finally:
        store.close()
    counts = generate.sizes(work)
    results["sizes"][size] = {
        "floor_python": floor_python._asdict(),
        "rows": rows,
        "queries": queries,
        "counts": counts,
    }
    work.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)


# -- store throughput ------------------------------------------------------------------------------


def bench_store_writes(results: dict[str, Any], n: int = 2000) -> None:
    from store import config
    from store.service import Store

    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(config.load(None, f"{folder}/api.db"))
        store.add_account("olena@example.com", "Олена", *_roles())
        store.add_account(STAFF, "Агент", *_roles(staff=True))
        customer, agent = store.actor_for("olena@example.com"), store.actor_for(STAFF)
        started = time.perf_counter()
        numbers = [
            store.create_ticket(customer, f"Тема {i}", "Текст звернення").ticket.number for i in range(n)
        ]
        creates = n / (time.perf_counter() - started)
        started = time.perf_counter()
        for number in numbers:
            store.reply(agent, number, "Відповідь команди")
        replies = n / (time.perf_counter() - started)
        store.close()
        raw = sqlite3.connect(f"{folder}/raw.db", isolation_level=None)
        raw.execute("PRAGMA journal_mode = WAL")
        raw.execute("PRAGMA synchronous = FULL")
        raw.executescript(
            "CREATE TABLE t (number INTEGER PRIMARY KEY, subject, requester, status, created, updated);"
            "CREATE TABLE m (id INTEGER PRIMARY KEY, ticket, author, body, created);"
            "CREATE TABLE e (id INTEGER PRIMARY KEY, ticket, kind, new, created);"
            "CREATE TABLE n (id INTEGER PRIMARY KEY, event, recipient, state, created);"
        )
        started = time.perf_counter()
        for i in range(n):
            raw.execute("BEGIN IMMEDIATE")
            raw.execute("INSERT INTO t VALUES (?, ?, 1, 'open', 'x', 'x')", (10001 + i, f"Тема {i}"))
            raw.execute(
                "INSERT INTO m (ticket, author, body, created) VALUES (?, 1, 'Текст звернення', 'x')",
                (10001 + i,),
            )
            event = raw.execute(
                "INSERT INTO e (ticket, kind, new, created) VALUES (?, 'created', 'open', 'x')", (10001 + i,)
            )
            raw.execute(
                "INSERT INTO n (event, recipient, state, created) VALUES (?, 'o', 'pending', 'x')",
                (event.lastrowid,),
            )
            raw.execute("COMMIT")
        raw_rate = n / (time.perf_counter() - started)
        raw.close()
    results["store_writes"] = {
        "n": n,
        "creates_per_s": creates,
        "replies_per_s": replies,
        "raw_per_s": raw_rate,
    }


def _roles(staff: bool = False) -> tuple[Any, Any]:
    from store.models import Locale, Role

    return (Role.AGENT if staff else Role.CUSTOMER), Locale.UK


# -- the daemon ----------------------------------------------------------------------------------


def bench_daemon(results: dict[str, Any], n: int = 3000) -> None:
    import tomli_w

    from store import config
    from store.service import Store
    from tests.peers import PushPeer, SmtpPeer

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        (home / "config" / "support").mkdir(parents=True)
        smtp = SmtpPeer().start()
        push = PushPeer(decrypt=False).start()
        try:
            settings = {
                "email": {
                    "transport": "smtp",
                    "smtp_host": "127.0.0.1",
                    "smtp_port": smtp.port,
                    "smtp_security": "none",
                },
                "push": {"allow_http_endpoints": True},
            }
            (home / "config" / "support" / "config.toml").write_text(tomli_w.dumps(settings))
            env = environment(home / "support.db", home)
            env.pop("SUPPORT_DB")
            env["SUPPORT_CONFIG"] = str(home / "config" / "support" / "config.toml")
            os.environ.update({k: env[k] for k in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "SUPPORT_CONFIG")})
            store = Store.open(config.load())
            store.add_account("mail@example.com", "", *_roles())
            store.add_account("push@example.com", "", *_roles())
            mail, pushed = store.actor_for("mail@example.com"), store.actor_for("push@example.com")
            store.set_preferences(pushed, email_notices=False)
            store.subscribe(store.actor_for("push@example.com"), push.subscriber("phone").subscription_json())
            for i in range(n):
                store.create_ticket(mail, f"m{i}", "x")
            started = time.perf_counter()
            _, email_kb = run_once([SUPPORT, "daemon", "run", "--once"], env)
            email_s = time.perf_counter() - started
            assert len(smtp.received) == n, len(smtp.received)
            email_times = sorted(smtp.arrivals.values())
            for i in range(n):
                store.create_ticket(pushed, f"p{i}", "x")
            started = time.perf_counter()
            _, push_kb = run_once([SUPPORT, "daemon", "run", "--once"], env)
            push_s = time.perf_counter() - started
            assert push.accepted == n, push.accepted
            push_times = sorted(push.arrivals)

            # Latency: a committed status change to the message at the SMTP server, with the
            # daemon running and idle-polling in between.
            daemon = subprocess.Popen([SUPPORT, "daemon", "run"], env=env, stderr=subprocess.DEVNULL)
            time.sleep(1.5)
            smtp.received.clear()
            smtp.arrivals.clear()
            store.add_account(STAFF, "", *_roles(staff=True))
            agent = store.actor_for(STAFF)
            committed: dict[int, float] = {}
            for number in range(10001, 10201):
                store.set_status(agent, number, _status("in_progress"))
                committed[number] = time.perf_counter()
                time.sleep(0.05)
            deadline = time.monotonic() + 30
            while len(smtp.arrivals) < len(committed) and time.monotonic() < deadline:
                time.sleep(0.05)
            daemon.terminate()
            _, _, usage = os.wait4(daemon.pid, 0)
            ticket_of = dict(
                store.cx.execute("SELECT id, ticket FROM notices WHERE kind = 'status'").fetchall()
            )
            arrived = {ticket_of[int(mid.split(".")[1])]: t for mid, t in smtp.arrivals.items()}
            latencies = sorted((arrived[k] - committed[k]) * 1000 for k in committed if k in arrived)
            store.close()
        finally:
            smtp.stop()
            push.stop()
    results["daemon"] = {
        "n": n,
        "emails_per_s": n / email_s,
        "pushes_per_s": n / push_s,
        "emails_steady_per_s": (n - 1) / (email_times[-1] - email_times[0]),
        "pushes_steady_per_s": (n - 1) / (push_times[-1] - push_times[0]),
        "latency_p50_ms": statistics.median(latencies),
        "latency_p99_ms": latencies[int(len(latencies) * 0.99) - 1],
        "latency_n": len(latencies),
        "peak_kb": max(email_kb, push_kb, usage.ru_maxrss),
    }


def _status(name: str) -> Any:
    from store.models import Status

    return Status(name)


# -- the report -------------------------------------------------------------------------------------


def report(results: dict[str, Any]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `make bench` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
    ]
    lines += (
        ["| machine | |", "| --- | --- |"] + [f"| {k} | {v} |" for k, v in results["machine"].items()] + [""]
    )
    lines += [
        "Whole-process times are the median (min-max) of repeated runs of the real `support` command on a",
        'copy of a generated store; the floor is `python -c "import sqlite3"` in the same run, and the',
        "`sqlite3` column is the sqlite3 shell running the equivalent query. Peak memory is the largest",
        "resident set of any run.",
        "",
    ]
    for size, data in results["sizes"].items():
        floor = data["floor_python"]["median_ms"]
        c = data["counts"]
        lines += [
            f"## {size}: {c['tickets']:,} tickets, {c['messages']:,} messages",
            "",
            f'Floor: `python -c "import sqlite3"` {floor:.1f} ms.',
            "",
            "| command | median ms | min-max ms | × floor | sqlite3 shell ms | peak MB |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for row in data["rows"]:
            t = row["timing"]
            shell = f"{row['sqlite3_ms']:.1f}" if row["sqlite3_ms"] is not None else "-"
            lines.append(
                f"| `{row['name']}` | {t['median_ms']:.1f} | {t['min_ms']:.1f}-{t['max_ms']:.1f} | "
                f"{t['median_ms'] / floor:.2f} | {shell} | {t['peak_kb'] / 1024:.1f} |"
            )
        lines += [
            "",
            "Store queries in process (median ms): "
            + ", ".join(f"{name} {ms:.2f}" for name, ms in data["queries"].items()),
            "",
        ]
    if "store_writes" in results:
        w = results["store_writes"]
        lines += [
            "## Store writes (one process, synchronous=FULL)",
            "",
            "| what | per second | baseline |",
            "| --- | ---: | --- |",
            f"| ticket creations through the store API | {w['creates_per_s']:,.0f} | raw sqlite3, same rows: {w['raw_per_s']:,.0f}/s |",
            f"| staff replies through the store API | {w['replies_per_s']:,.0f} | |",
            "",
        ]
    if "daemon" in results:
        d = results["daemon"]
        lines += [
            "## Daemon (one process, local peers on 127.0.0.1)",
            "",
            "| what | figure |",
            "| --- | ---: |",
            f"| e-mails/s to aiosmtpd, first to last arrival ({d['n']:,} notices) | {d['emails_steady_per_s']:,.0f} |",
            f"| e-mails/s, whole `daemon run --once` with its start-up | {d['emails_per_s']:,.0f} |",
            f"| pushes/s to a local push service, first to last arrival (encrypted, VAPID-signed) | {d['pushes_steady_per_s']:,.0f} |",
            f"| pushes/s, whole `daemon run --once` with its start-up | {d['pushes_per_s']:,.0f} |",
            f"| latency, committed status change to SMTP server, p50 | {d['latency_p50_ms']:.0f} ms |",
            f"| latency p99 ({d['latency_n']} changes, 50 ms apart) | {d['latency_p99_ms']:.0f} ms |",
            f"| daemon peak memory | {d['peak_kb'] / 1024:.1f} MB |",
            "",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10k,100k,1m", help="comma-separated: 10k, 100k, 1m")
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine(), "sizes": {}}
    for size in args.sizes.split(","):
        print(f"timing the {size} store...", file=sys.stderr)
        bench_size(size.strip(), args.repeat, results)
    print("store writes...", file=sys.stderr)
    bench_store_writes(results)
    print("daemon...", file=sys.stderr)
    bench_daemon(results)
    args.output.write_text(report(results), encoding="utf-8")
    (OUT / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
