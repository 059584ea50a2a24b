"""Attachments: stored once, downloaded byte-identical by whoever may view, refused cleanly."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pytest

from store import config
from store.attachments import Upload, clean_filename
from store.errors import UsageError
from store.service import Store
from tests.conftest import Home

OLENA = ("--as", "olena@example.com")
BOB = ("--as", "bob@example.com")
STAFF = ("--as", "agent@example.com")


def png(width: int = 4, height: int = 3, seed: int = 0) -> bytes:
    """A real PNG screenshot, small."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes((seed + x + y) % 256 for x in range(width * 3)) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ZIP = b"PK\x03\x04" + b"\x14\x00" + b"\x00" * 24 + b"x.txt"


def files(tmp_path: Path) -> dict[str, Path]:
    made = {
        "знімок екрана.png": png(),
        "statement.pdf": PDF,
        "app.log": b"2026-11-25 12:05 ERROR withdraw 0xabc123 stuck\n",
        "tx.csv": b"id,amount\n0xabc,10\n",
    }
    for name, data in made.items():
        (tmp_path / name).write_bytes(data)
    return {name: tmp_path / name for name in made}


def snapshot(home: Home) -> tuple[dict[str, int], list[str]]:
    blobs = home.data_dir / "attachments"
    return home.counts() | {"attachments": home.count("attachments"), "blobs": home.count("blobs")}, sorted(
        str(p.relative_to(blobs)) for p in blobs.rglob("*") if p.is_file()
    ) if blobs.exists() else []


def test_screenshot_round_trip_for_customer_and_staff(team: Home, tmp_path: Path) -> None:
    paths = files(tmp_path)
    created = team.ok(
        *OLENA,
        "create",
        "--subject",
        "Вивід",
        "--body",
        "Скрін додаю",
        "--json",
        "--attach",
        str(paths["знімок екрана.png"]),
        "--attach",
        str(paths["statement.pdf"]),
    ).json()
    number = created["number"]
    assert [(a["name"], a["media_type"]) for a in created["attachments"]] == [
        ("знімок екрана.png", "image/png"),
        ("statement.pdf", "application/pdf"),
    ]
    shot = created["attachments"][0]
    for who, folder in ((OLENA, "olena"), (STAFF, "agent")):
        out = tmp_path / folder
        out.mkdir()
        team.ok(*who, "attachment", "get", str(shot["id"]), "-o", str(out / "s.png"))
        assert (out / "s.png").read_bytes() == paths["знімок екрана.png"].read_bytes()
    view = team.ok(*OLENA, "view", str(number), "--json").json()
    listed = view["messages"][0]["attachments"]
    assert listed[0] == {
        "id": shot["id"],
        "name": "знімок екрана.png",
        "size": len(png()),
        "media_type": "image/png",
        "sha256": shot["sha256"],
    }
    assert "[attachment 1: знімок екрана.png" in team.ok(*OLENA, "view", str(number)).stdout
    rows = team.ok(*STAFF, "attachment", "list", str(number), "--json").json()
    assert [r["name"] for r in rows] == ["знімок екрана.png", "statement.pdf"]


def test_another_customer_gets_not_found(team: Home, tmp_path: Path) -> None:
    paths = files(tmp_path)
    number = team.ok(
        *OLENA, "create", "--subject", "s", "--body", "b", "--attach", str(paths["app.log"]), "--json"
    ).json()["number"]
    out = tmp_path / "stolen.log"
    result = team.refused(3, *BOB, "attachment", "get", "1", "-o", str(out))
    assert result.stderr == "Error: attachment 1 not found\n"
    assert (
        team.refused(3, *BOB, "attachment", "get", "999", "-o", str(out)).stderr
        == "Error: attachment 999 not found\n"
    )
    assert (
        team.refused(3, *BOB, "attachment", "list", str(number)).stderr
        == f"Error: ticket #{number} not found\n"
    )
    assert not out.exists()


def test_internal_attachments_are_staff_only(team: Home, tmp_path: Path) -> None:
    paths = files(tmp_path)
    n = str(team.create("olena@example.com"))
    reply = team.ok(
        *STAFF, "reply", n, "--internal", "--body", "fraud check", "--attach", str(paths["tx.csv"]), "--json"
    )
    attachment = reply.json()["attachments"][0]
    assert attachment["media_type"] == "text/csv"
    assert team.ok(*OLENA, "attachment", "list", n, "--json").json() == []
    team.refused(3, *OLENA, "attachment", "get", str(attachment["id"]), "-o", str(tmp_path / "x"))
    assert team.ok(*STAFF, "attachment", "list", n, "--json").json()[0]["internal"] is True


def test_same_content_is_stored_once(team: Home, tmp_path: Path) -> None:
    paths = files(tmp_path)
    for _ in range(3):
        team.ok(*OLENA, "create", "--subject", "s", "--body", "b", "--attach", str(paths["statement.pdf"]))
    assert team.count("attachments") == 3 and team.count("blobs") == 1
    assert len([p for p in (team.data_dir / "attachments").rglob("*") if p.is_file()]) == 1


def test_get_never_overwrites_without_force_and_writes_only_where_asked(team: Home, tmp_path: Path) -> None:
    paths = files(tmp_path)
    team.ok(*OLENA, "create", "--subject", "s", "--body", "b", "--attach", str(paths["app.log"]))
    target = tmp_path / "out.log"
    target.write_bytes(b"precious")
    assert (
        "exists; use --force" in team.refused(1, *OLENA, "attachment", "get", "1", "-o", str(target)).stderr
    )
    assert target.read_bytes() == b"precious"
    link = tmp_path / "link.log"
    link.symlink_to(tmp_path / "elsewhere.log")
    team.refused(1, *OLENA, "attachment", "get", "1", "-o", str(link), "--force")
    assert not (tmp_path / "elsewhere.log").exists()
    team.ok(*OLENA, "attachment", "get", "1", "-o", str(target), "--force")
    assert target.read_bytes() == paths["app.log"].read_bytes()
    cwd = Path.cwd()
    work = tmp_path / "cwd"
    work.mkdir()
    os.chdir(work)
    try:
        team.ok(*OLENA, "attachment", "get", "1")
    finally:
        os.chdir(cwd)
    assert [p.name for p in work.iterdir()] == ["app.log"]
    assert team.ok(*OLENA, "attachment", "get", "1", "-o", "-").stdout == paths["app.log"].read_text()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("big.log", b"x" * (10 * 1024 * 1024 + 1), "is 10485761 bytes; the limit is 10485760 bytes per file"),
        ("photo.png", PDF, "its content is application/pdf, not what .png says"),
        ("report.pdf", png(), "its content is image/png, not what .pdf says"),
        ("notes.txt", png(), "its content is image/png, not what .txt says"),
        ("archive.zip", ZIP, "is application/zip, which is not allowed"),
        ("innocent.png", ZIP, "is application/zip, which is not allowed"),
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "which is not allowed"),
        ("script.sh", b"#!/bin/sh\nrm -rf /\n", "not what .sh says"),
        ("empty.txt", b"", "is empty"),
        ("binary.log", bytes(range(256)), "is application/octet-stream, which is not allowed"),
    ],
)
def test_refused_files_store_nothing(
    team: Home, tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    good = files(tmp_path)["app.log"]
    bad = tmp_path / name
    bad.write_bytes(data)
    n = str(team.create("olena@example.com"))
    before = snapshot(team)
    for args in (
        ("create", "--subject", "s", "--body", "b"),
        ("reply", n, "--body", "b"),
    ):
        result = team.refused(2, *OLENA, *args, "--attach", str(good), "--attach", str(bad))
        assert message in result.stderr, result.stderr
        assert snapshot(team) == before


def test_too_many_files_and_too_much_per_ticket(team: Home, tmp_path: Path) -> None:
    team.write_config({"attachments": {"max_files_per_message": 2, "max_ticket_bytes": 2000}})
    logs = []
    for i in range(3):
        path = tmp_path / f"{i}.log"
        path.write_bytes(f"line {i}\n".encode() * 100)  # 700-ish bytes each
        logs.append(path)
    n = str(team.create("olena@example.com"))
    before = snapshot(team)
    attach = [arg for p in logs for arg in ("--attach", str(p))]
    assert (
        "3 attachments; the limit is 2 per message"
        in team.refused(2, *OLENA, "reply", n, "--body", "b", *attach).stderr
    )
    assert snapshot(team) == before
    team.ok(*OLENA, "reply", n, "--body", "b", "--attach", str(logs[0]), "--attach", str(logs[1]))
    middle = snapshot(team)
    result = team.refused(2, *OLENA, "reply", n, "--body", "b", "--attach", str(logs[2]))
    assert "the limit is 2000 bytes per ticket" in result.stderr
    assert snapshot(team) == middle  # no row, no file, no orphan


def test_missing_attach_path(team: Home, tmp_path: Path) -> None:
    before = snapshot(team)
    result = team.refused(
        1, *OLENA, "create", "--subject", "s", "--body", "b", "--attach", str(tmp_path / "none.png")
    )
    assert "no such file" in result.stderr
    assert (
        "is a directory"
        in team.refused(
            1, *OLENA, "create", "--subject", "s", "--body", "b", "--attach", str(tmp_path)
        ).stderr
    )
    assert snapshot(team) == before


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../x", "x"),
        ("..\\..\\windows\\system32\\x.png", "x.png"),
        ("/etc/passwd", "passwd"),
        ("a\x00.png", "a.png"),
        ("invoice\u202egnp.exe", "invoicegnp.exe"),
        ("\u2066evil\u2069.pdf", "evil.pdf"),
        ("line\nbreak.txt", "linebreak.txt"),
        ("..", "attachment"),
        (".hidden.log", "hidden.log"),
        ("con<>:|?*.txt", "con.txt"),
        ("д" * 300 + ".png", "д" * 116 + ".png"),
    ],
)
def test_names_are_sanitised(raw: str, clean: str) -> None:
    assert clean_filename(raw) == clean


def test_path_tricks_through_the_store_api(team: Home) -> None:
    """Another front end hands the store raw names; the stored and downloaded name is clean."""
    store = Store.open(config.load())
    try:
        olena = store.actor_for("olena@example.com")
        created = store.create_ticket(
            olena,
            "s",
            "b",
            uploads=[Upload("../../etc/a\x00.png", png()), Upload("\u202egnp.log", b"text\n")],
        )
        assert [a.name for a in created.attachments] == ["a.png", "gnp.log"]
        with pytest.raises(UsageError, match=r"not what \.png says"):
            store.reply(olena, created.ticket.number, "b", uploads=[Upload("../x.png", b"plain text\n")])
    finally:
        store.close()
    assert team.count("attachments") == 2


def test_guest_session_attaches_and_downloads(team: Home, tmp_path: Path) -> None:
    from tests.test_guest import last_code

    paths = files(tmp_path)
    n = team.create(None, "guest", "x", guest_email="g@example.net")
    link = team.ok("guest", "link", str(n)).stdout.strip()
    team.ok("guest", "request-code", link)
    session = team.ok("guest", "verify", link, last_code(team), "--json").json()["session"]
    reply = team.ok(
        "--guest-session",
        session,
        "reply",
        str(n),
        "--body",
        "скрін",
        "--attach",
        str(paths["знімок екрана.png"]),
        "--json",
    )
    attachment_id = reply.json()["attachments"][0]["id"]
    team.ok(
        "--guest-session", session, "attachment", "get", str(attachment_id), "-o", str(tmp_path / "back.png")
    )
    assert (tmp_path / "back.png").read_bytes() == png()
    other = team.ok(
        *OLENA, "create", "--subject", "s", "--body", "b", "--attach", str(paths["app.log"]), "--json"
    ).json()
    team.refused(
        3,
        "--guest-session",
        session,
        "attachment",
        "get",
        str(other["attachments"][0]["id"]),
        "-o",
        str(tmp_path / "z"),
    )
    team.refused(3, "--guest-session", session, "attachment", "list", str(other["number"]))
